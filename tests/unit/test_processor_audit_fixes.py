"""Correctness gaps an audit found in the processor, each proven through Processor.transform_batch (the
handler's path) and, where a user would see it, through ``logpipe invoke processor``."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from firehose_processor import metric_sets
from logpipe.pipeline import Processor
from logpipe.stats import BatchStats
from logpipe_cli.invoke import command as invoke_command
from tests.conftest import firehose_event

PROCESSOR = Processor.from_config()
_MISSING = object()  # a record without the recordId key
ARRIVAL_ISO = "2024-11-25T02:00:00.000Z"  # firehose_event's approximateArrivalTimestamp of record r0


def _run(*lines: str, stream: str = "search") -> tuple[list[dict[str, Any]], BatchStats]:
    event = firehose_event([line.encode() + b"\n" for line in lines])
    response, stats = PROCESSOR.transform_batch(event, stream)  # type: ignore[arg-type]
    return response["records"], stats


def _doc(line: str) -> dict[str, Any]:
    records, _ = _run(line)
    assert records[0]["result"] == "Ok", records[0]
    doc: dict[str, Any] = json.loads(base64.b64decode(records[0]["data"]))
    return doc


def _metrics(stats: BatchStats) -> dict[str, float]:
    """Every EMF metric the handler would publish for ``stats``, by name (breakdowns keyed name/label)."""
    out: dict[str, float] = {}
    for metric_set in metric_sets(stats, "search"):
        extra = [v for k, v in metric_set.dimensions.items() if k not in ("service", "Stream")]
        for name, (_, value) in metric_set.metrics.items():
            out["/".join([name, *extra])] = value
    return out


# -- 1. digits other than ASCII 0-9 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    ['{"level":"²","message":"a"}', '{"time":"²","message":"b"}', '{"time":"1764054000²","message":"c"}',
     '{"time":"2025-11-25T07:00:00+0²:00","message":"d"}', '{"pid":"²","message":"e"}',
     '{"log":"<34>1 2025-11-25T07:00:00.003Z host app 8²10 ID47 - msg"}'],
)  # fmt: skip
def test_unicode_digits_do_not_fail_the_record(line: str) -> None:
    records, stats = _run(line)
    assert records[0]["result"] == "Ok"
    assert not stats.failed_by_reason


def test_unicode_digits_through_the_cli(tmp_path: Path) -> None:
    event = firehose_event([b'{"level":"\xc2\xb2","time":"\xc2\xb2","message":"m"}\n'])
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = CliRunner().invoke(invoke_command, ["processor", str(path), "--decode"])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded[0]["result"] == "Ok"
    assert decoded[0]["documents"][0]["labels"] == {"level": "²", "time_unparsed": "²"}


# -- 2. no personal data from exception messages in the logs ---------------------------------------------------
def test_internal_error_logs_type_and_frames_never_the_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    phone = "01012345678"

    def boom(doc: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        int(doc["message"])  # ValueError: invalid literal for int() with base 10: '01012345678²'

    monkeypatch.setattr("logpipe.pipeline.correlate", boom)
    caplog.set_level(logging.DEBUG, logger="logpipe")
    records, stats = _run(f'{{"message":"{phone}²"}}')
    assert records[0]["result"] == "ProcessingFailed"
    assert stats.failed_by_reason == {"internal-error:ValueError": 1}
    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [str(r.exc_info) for r in caplog.records if r.exc_info]
    )
    assert "ValueError" in logged
    assert "test_processor_audit_fixes.py" in logged and ":boom" in logged  # file:line:function frames
    assert phone not in logged and "invalid literal" not in logged
    assert not any(r.exc_info or r.exc_text for r in caplog.records)  # no traceback text with the message


# -- 3. batch entries that cannot be answered ------------------------------------------------------------------
def test_entries_without_record_id_are_logged_counted_and_left_out(caplog: pytest.LogCaptureFixture) -> None:
    event = firehose_event([b'{"log":"a"}\n', b'{"log":"b"}\n', b'{"log":"c"}\n'])
    records = event["records"]
    del records[1]["recordId"]
    records.append({"recordId": "", "data": records[0]["data"]})
    records.append({"recordId": None, "data": records[0]["data"]})
    records.append("not an object")
    caplog.set_level(logging.WARNING, logger="logpipe")
    response, stats = PROCESSOR.transform_batch(event, "search")
    # Every entry of the response answers an input recordId, once: nothing null, nothing invented.
    assert [r["recordId"] for r in response["records"]] == ["r0", "r2"]
    assert stats.failed_by_reason == {"missing-record-id": 3, "record-not-an-object": 1}
    assert stats.records_in == 6 == stats.records_ok + stats.records_dropped + stats.records_failed
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("#1 not answered: missing-record-id" in w for w in warnings) == 1
    assert sum("#5 not answered: record-not-an-object" in w for w in warnings) == 1
    assert _metrics(stats)["FailedByReason/missing-record-id"] == 3


# -- 5. unreadable times are kept, marked and counted -------------------------------------------------------------
@pytest.mark.parametrize("value", ["abc", "25.13.2025 07:00", "²"])
def test_unparsed_time_is_kept_marked_and_counted(value: str) -> None:
    records, stats = _run(json.dumps({"time": value, "message": "m"}))
    doc = json.loads(base64.b64decode(records[0]["data"]))
    assert doc["@timestamp"] == ARRIVAL_ISO
    assert doc["logpipe"]["timestamp"] == "arrival"
    assert doc["labels"]["time_unparsed"] == value
    assert (stats.timestamps_from_arrival, stats.timestamps_unparsed) == (1, 1)
    assert stats.as_dict()["timestamps"] == {"from_arrival": 1, "unparsed": 1}
    metrics = _metrics(stats)
    assert metrics["TimestampsFromArrival"] == 1 and metrics["TimestampsUnparsed"] == 1


def test_unparsed_app_time_kept_when_fluent_bit_time_is_used() -> None:
    doc = _doc(json.dumps({"log": json.dumps({"ts": "yesterday", "msg": "m"}), "date": 1764054000.5}))
    assert doc["@timestamp"] == "2025-11-25T07:00:00.500Z"
    assert doc["labels"]["time_unparsed"] == "yesterday"
    assert "timestamp" not in doc["logpipe"]


def test_record_without_any_time_is_marked_but_not_unparsed() -> None:
    records, stats = _run('{"log":"no time here"}')
    doc = json.loads(base64.b64decode(records[0]["data"]))
    assert doc["logpipe"]["timestamp"] == "arrival" and "labels" not in doc
    assert (stats.timestamps_from_arrival, stats.timestamps_unparsed) == (1, 0)


def test_record_with_its_own_time_is_not_marked() -> None:
    doc = _doc('{"time":"2025-11-25T07:00:00Z","message":"m"}')
    assert doc["@timestamp"] == "2025-11-25T07:00:00.000Z" and "timestamp" not in doc["logpipe"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("25.11.2025 07:00", "2025-11-25T07:00:00.000Z"), ("25.11.2025 07:00:01", "2025-11-25T07:00:01.000Z"),
     ("25.11.2025 07:00:01,250", "2025-11-25T07:00:01.250Z")],
)  # fmt: skip
def test_day_month_year_with_dots(value: str, expected: str) -> None:
    doc = _doc(json.dumps({"time": value, "message": "m"}))
    assert doc["@timestamp"] == expected and "labels" not in doc
    line = _doc(json.dumps({"log": f"{value} WARN disk almost full"}))
    assert line["@timestamp"] == expected and line["log"]["level"] == "warn"


# -- 4. OpenTelemetry Python SDK JSON (LogRecord.to_json()) ------------------------------------------------------
# The shape of opentelemetry-sdk's ReadableLogRecord.to_json(): snake_case keys, "0x"-prefixed ids, the
# resource as {"attributes": {...}, "schema_url": ""}; to_json() indents by 4 unless told otherwise.
OTEL_SDK_RECORD = Path(__file__).resolve().parent.parent / "fixtures" / "otel_python_sdk_log_record.json"


def _check_otel(doc: dict[str, Any]) -> None:
    assert doc["trace"] == {"id": "4bf92f3577b34da6a3ce929d0e0e4736"}
    assert doc["span"] == {"id": "00f067aa0ba902b7"}
    assert doc["service"]["name"] == "payments"
    assert doc["log"]["level"] == "warn"
    assert doc["@timestamp"] == "2025-11-25T07:00:01.123Z"
    assert doc["message"] == "payment retry scheduled for order 1042"
    labels = doc.get("labels", {})
    assert "severity_text" not in labels and "trace_id" not in labels and "span_id" not in labels
    assert "service.name" not in json.dumps(labels)


def test_otel_python_sdk_record_parsed_by_fluent_bit() -> None:
    """Fluent Bit's json parser on to_json(indent=None) output: the record arrives as an object."""
    record = json.loads(OTEL_SDK_RECORD.read_text())
    _check_otel(_doc(json.dumps(record)))


def test_otel_python_sdk_record_as_joined_log_text() -> None:
    """The default indent=4 output, lines joined by Fluent Bit's multiline parser, in the ``log`` field."""
    _check_otel(_doc(json.dumps({"log": OTEL_SDK_RECORD.read_text(), "stream": "stdout"})))


def test_otel_ids_of_the_same_request_correlate_with_w3c_ids() -> None:
    sdk = _doc(json.dumps({"message": "a", "trace_id": "0x4bf92f3577b34da6a3ce929d0e0e4736"}))
    w3c = _doc(json.dumps({"message": "b", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}))
    assert sdk["trace"]["id"] == w3c["trace"]["id"]


# -- 6. numbers no double can hold ---------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" * 400])
def test_overflowing_number_keeps_the_json_parse(number: str) -> None:
    doc = _doc(f'{{"level":"warn","message":"m","ts":"2025-11-25T07:00:00Z","ratio":{number}}}')
    assert doc["logpipe"]["parse"] == "json" and doc["message"] == "m" and doc["log"]["level"] == "warn"
    assert doc["labels"]["ratio"] == number  # kept as its text: no double holds it


def test_overflowing_number_inside_the_log_field() -> None:
    doc = _doc(json.dumps({"log": '{"level":"error","msg":"m","n":1e400}'}))
    assert doc["logpipe"]["parse"] == "json" and doc["log"]["level"] == "error" and doc["labels"]["n"] == "1e400"


# -- 7. bunyan's name, zap's error ----------------------------------------------------------------------------------
BUNYAN = {"name": "orders", "hostname": "orders-7c9", "pid": 7, "level": 30, "msg": "order placed",
          "time": "2025-11-25T07:00:00.000Z", "v": 0}  # fmt: skip


def test_bunyan_name_is_the_service() -> None:
    doc = _doc(json.dumps(BUNYAN))
    assert doc["service"]["name"] == "orders"
    assert "name" not in doc.get("labels", {})


def test_bunyan_record_with_its_own_service_field_keeps_it() -> None:
    doc = _doc(json.dumps({**BUNYAN, "service": "checkout"}))
    assert doc["service"]["name"] == "checkout" and doc["labels"]["name"] == "orders"


def test_name_of_a_record_that_is_not_bunyan_stays_a_label() -> None:
    doc = _doc(json.dumps({"name": "orders", "level": 30, "msg": "m"}))  # no v / hostname / pid
    assert doc["service"]["name"] != "orders" and doc["labels"]["name"] == "orders"


def test_zap_error_field_is_the_error_message() -> None:
    line = {"level": "error", "ts": 1764054000.1, "caller": "orders/repo.go:88", "msg": "insert failed",
            "error": "pq: duplicate key value violates unique constraint",
            "stacktrace": "main.main\n\tmain.go:12"}  # fmt: skip
    doc = _doc(json.dumps(line))
    assert doc["error"]["message"] == "pq: duplicate key value violates unique constraint"
    assert "error" not in doc.get("labels", {})


def test_ecs_error_object_still_wins_and_a_boolean_error_is_no_message() -> None:
    ecs = _doc(json.dumps({"message": "m", "error": {"message": "boom", "type": "IOError"}}))
    assert ecs["error"] == {"message": "boom", "type": "IOError"}
    flag = _doc(json.dumps({"message": "m", "error": False}))
    assert "error" not in flag and flag["labels"]["error"] == "false"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(""), st.integers(), st.text(min_size=1, max_size=8), st.just(_MISSING))))
def test_response_answers_exactly_the_valid_record_ids(ids: list[Any]) -> None:
    """Whatever the ids: each valid (non-empty string) id answered in order, every other entry counted."""
    event = firehose_event([b'{"log":"x"}\n'] * len(ids))
    for record, record_id in zip(event["records"], ids, strict=True):
        if record_id is _MISSING:
            del record["recordId"]
        else:
            record["recordId"] = record_id
    response, stats = PROCESSOR.transform_batch(event, "search")
    valid = [i for i in ids if isinstance(i, str) and i]
    assert [r["recordId"] for r in response["records"]] == valid
    assert stats.failed_by_reason.get("missing-record-id", 0) == len(ids) - len(valid)
    assert stats.records_in == len(ids) == stats.records_ok + stats.records_dropped + stats.records_failed


@pytest.mark.parametrize(("value", "expected"), [("10.1.2.3/2²", "10.1.2.0"), ("10.1.2.3/16", "10.1.0.0")])
def test_ip_truncation_ignores_a_prefix_length_that_is_not_ascii_digits(value: str, expected: str) -> None:
    """ip_policy: truncate on "10.1.2.3/2²" raised ValueError (the record failed): the /24 default applies."""
    from logpipe.masking.actions import truncate_ip

    assert truncate_ip(value) == expected
