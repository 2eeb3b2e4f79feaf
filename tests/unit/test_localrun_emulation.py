"""Fluent Bit shaping and Firehose emulation of the local run (pure logic, no handler)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from logpipe.localrun.agent import MAX_EVENT_BYTES, AgentCounts, AgentRecord, archive_records, search_records
from logpipe.localrun.firehose import (
    PUT_BATCH_MAX_BYTES,
    BatchOutcome,
    FirehoseStream,
    put_record_batches,
    validate_response,
)
from logpipe.localrun.inputs import join_multiline


def test_search_output_sends_one_json_event_per_record_and_drops_oversize() -> None:
    counts = AgentCounts()
    big = "x" * MAX_EVENT_BYTES
    records = list(search_records(["a", big, "b"], [1, 2, 3], "order", counts))
    assert [json.loads(r.data)["log"] for r in records] == ["a", "b"]
    assert all(r.data.endswith(b"\n") for r in records)
    assert json.loads(records[0].data)["kubernetes"]["labels"]["app"] == "order"
    assert counts.events == 3 and counts.dropped_oversize == 1


def test_archive_output_aggregates_per_flush_and_gzips_each_record() -> None:
    counts = AgentCounts()
    lines = [f"line {i} " + "y" * 200_000 for i in range(12)]
    arrivals = [0] * 10 + [1500, 1600]  # a second flush after one second
    records = list(archive_records(lines, arrivals, None, counts))
    payloads = [gzip.decompress(r.data) for r in records]
    assert all(len(p) < MAX_EVENT_BYTES for p in payloads)
    assert sum(r.events for r in records) == 12
    assert records[-1].arrival_ms == 1500 and records[-1].events == 2
    events = [json.loads(line)["log"] for p in payloads for line in p.splitlines()]
    assert events == lines


def test_merge_log_sends_json_lines_as_their_fields() -> None:
    line = '{"message": "hi", "traceId": "abc"}'
    [record] = list(search_records([line], [0], "svc", AgentCounts(), merge_log=True))
    sent = json.loads(record.data)
    assert sent["message"] == "hi" and sent["traceId"] == "abc" and "log" not in sent


def test_multiline_joins_java_stack_traces_to_their_log_line() -> None:
    lines = [
        "2026-11-25 00:00:00.000 ERROR boom",
        "java.lang.IllegalStateException: bad",
        "\tat a.B.c(B.java:1)",
        "Caused by: java.io.IOException: x",
        "\t... 3 more",
        "",
        "2026-11-25 00:00:01.000 INFO next",
        '{"json": "never joined"}',
    ]
    events = list(join_multiline(lines))
    assert len(events) == 3
    assert events[0].count("\n") == 4 and events[1].endswith("INFO next")


def test_put_record_batches_respect_500_records_and_4_mib() -> None:
    small = [AgentRecord(b"x\n", 0)] * 1201
    assert [len(b) for b in put_record_batches(small)] == [500, 500, 201]
    large = [AgentRecord(b"z" * 1_000_000, 0)] * 9
    batches = list(put_record_batches(large))
    assert all(sum(len(r.data) for r in b) <= PUT_BATCH_MAX_BYTES for b in batches)
    assert sum(len(b) for b in batches) == 9


def _echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"records": [{"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]]}


def test_lambda_buffer_flushes_on_size_and_interval_and_keeps_every_record() -> None:
    batches: list[BatchOutcome] = []
    stream = FirehoseStream("logpipe-t-search", _echo, batches.append, buffer_bytes=1000, buffer_ms=60_000)
    stream.put_record_batch([AgentRecord(b"a" * 400, t) for t in (0, 1, 2)])  # third record overflows 1000 B
    stream.put_record_batch([AgentRecord(b"b", 61_000)])  # 60 s after the oldest buffered record
    stream.flush()
    assert [len(b.records) for b in batches] == [2, 1, 1]
    assert [o.output for b in batches for o in b.records] == [b"a" * 400] * 3 + [b"b"]
    assert stream.counters.invocations == 3 and stream.counters.records_put == 4
    ids = [o.record_id for b in batches for o in b.records]
    assert len(set(ids)) == 4


def test_records_over_1000_kib_are_rejected_by_the_api() -> None:
    stream = FirehoseStream("s", _echo, lambda b: None)
    assert stream.put_record_batch([AgentRecord(b"x" * (1000 * 1024 + 1), 0), AgentRecord(b"ok", 0)]) == 1
    assert stream.counters.records_rejected == 1 and stream.counters.records_put == 1


@pytest.mark.parametrize(
    ("invoker", "code"),
    [
        (lambda e: (_ for _ in ()).throw(RuntimeError("boom")), "Lambda.FunctionError"),
        (lambda e: {"records": e["records"][:1] and [{**e["records"][0], "result": "Ok"}]}, "Lambda.MissingRecordId"),
        (
            lambda e: {"records": [{"recordId": r["recordId"], "result": "Maybe"} for r in e["records"]]},
            "Lambda.InvalidRecordResult",
        ),
        (lambda e: "not json", "Lambda.JsonProcessingException"),
    ],
)
def test_a_broken_invocation_fails_the_whole_batch_after_three_retries(invoker: Any, code: str) -> None:
    batches: list[BatchOutcome] = []
    stream = FirehoseStream("s", invoker, batches.append)
    stream.put_record_batch([AgentRecord(b"a", 5), AgentRecord(b"b", 6)])
    stream.flush()
    [batch] = batches
    assert batch.attempts == 4 and stream.counters.invocations == 4
    assert [(o.result, o.error_code) for o in batch.records] == [("ProcessingFailed", code)] * 2
    assert [o.raw for o in batch.records] == [b"a", b"b"]


def test_validate_response_accepts_the_contract() -> None:
    event = {"records": [{"recordId": "1", "data": base64.b64encode(b"x").decode()}]}
    assert validate_response(_echo(event), ["1"]) is None
    dup = {"records": [{"recordId": "1", "result": "Ok", "data": ""}] * 2}
    assert validate_response(dup, ["1"]) == ("Lambda.DuplicatedRecordId", "record id 1 returned more than once")


def test_inputs_detect_captures_and_events_and_refuse_bad_base64(tmp_path: Any) -> None:
    from logpipe.localrun.inputs import InputError, LineSource, RecordSource, read_source

    capture = tmp_path / "c.json"
    capture.write_text(json.dumps({"DeliveryStreamName": "x-archive", "Records": [{"Data": "eyJhIjoxfQo="}]}))
    source = read_source(capture)
    assert isinstance(source, RecordSource) and source.records == [b'{"a":1}\n'] and source.stream_hint == "x-archive"
    event = tmp_path / "e.json"
    event.write_text(
        json.dumps(
            {
                "deliveryStreamArn": "arn:aws:firehose:r:1:deliverystream/s",
                "records": [{"recordId": "1", "approximateArrivalTimestamp": 7, "data": "YQ=="}],
            }
        )
    )
    replay = read_source(event)
    assert isinstance(replay, RecordSource) and replay.records == [b"a"] and replay.arrival_ms == [7]
    lines = tmp_path / "l.json"
    lines.write_text('{"a": 1}\n{"b": 2}\n')
    assert isinstance(read_source(lines), LineSource)
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"Records": [{"Data": "!!!"}]}))
    with pytest.raises(InputError, match="record 0 is not valid base64"):
        read_source(bad)
