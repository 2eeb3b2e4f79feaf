"""Contract: the real Fluent Bit 5.1.1 PutRecordBatch captures (9 output variants) and the real Firehose
sample events in ../shared/data/events, through ``Processor.transform_batch`` on both streams.

For every variant: every recordId comes back exactly once, each record gets the expected result, and
each decoded document the expected timestamp, level and parser. The inputs are the same 8 lines
(``fluentbit_capture/input.log``) or 2 JSON lines (``input_json.log``) in every raw variant.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from logpipe.pipeline import Processor, StreamKind
from tests.conftest import firehose_event

ARRIVAL_0 = "2024-11-25T02:00:00.000Z"  # tests.conftest.firehose_event's approximateArrivalTimestamp base
AGENT_TIME = "2026-11-25T05:32:41"  # the capture machine's clock, added by time_key


def _processor() -> Processor:
    return Processor.from_config(environment="dev", default_service="capture")


@pytest.fixture(scope="module")
def processor() -> Processor:
    return _processor()


def _requests(shared_data: Path) -> dict[str, dict[str, Any]]:
    folder = shared_data / "fluentbit_capture" / "putrecordbatch_requests"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("s_*.json")) if "headers" not in p.name}


def _documents(response: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Per response record, the decoded documents (one for search, gunzipped NDJSON for archive)."""
    out = []
    for record in response["records"]:
        if record["result"] != "Ok":
            out.append([])
            continue
        raw = base64.b64decode(record["data"])
        if "metadata" in record:  # an archive record: one gzip member of NDJSON (gzip.decompress is strict)
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
        out.append([json.loads(line) for line in text.split("\n") if line])
    return out


# The 8 raw input lines: (timestamp or None = the agent/arrival time, level, parser, extra checks)
RAW_LINES: list[tuple[str | None, str | None, str]] = [
    ("2008-11-09T20:36:15.000Z", "info", "generic"),  # HDFS
    ("2008-11-09T20:38:07.000Z", "info", "generic"),  # HDFS
    ("2020-02-20T11:07:35.778Z", "error", "json"),  # logstash-logback-encoder JSON inside "log"
    (None, None, "raw"),  # French syslog ("août"): no parser claims it
    ("2015-03-12T23:16:52.071Z", "info", "generic"),  # lnav invalid_utf8 first line
    (None, None, "raw"),  # "<node>...</node>" with private-use code points (invalid UTF-8)
    ("2013-09-06T20:00:49.124Z", "info", "json"),
    (None, None, "raw"),  # Korean
]
RAW_VARIANTS = {
    "s_default": None,  # None: fall back to the Firehose arrival time
    "s_gzip": None,
    "s_log_key": None,
    "s_time_key": AGENT_TIME + ".066Z",
    "s_time_key_default_fmt": AGENT_TIME + ".000Z",
}


def _check_raw_line(doc: dict[str, Any], index: int, fallback: str) -> None:
    iso, level, parser = RAW_LINES[index]
    assert doc["logpipe"]["parse"] == parser, index
    assert doc["@timestamp"] == (iso or fallback), index
    assert doc.get("log", {}).get("level") == level, index
    if index == 0:
        assert doc["message"].startswith("dfs.DataNode$PacketResponder: PacketResponder 1 for block")
    if index == 2:
        assert doc["error"]["type"] == "java.lang.RuntimeException"
        assert doc["error"]["message"] == "Boom!"
        assert doc["message"] == "something really bad happened"
        assert doc["log"]["logger"] == "com.damianryan.spikes.logging.Main"
        assert doc["service"]["name"] == "logstash-logback-encoder-spike"
    if index == 3:
        assert doc["message"] == "août 19 11:08:37 nlaptop symphorien[4961]: test"
    if index == 5:
        assert "\ue0ed\ue0b9\ue0a4" in doc["message"]  # Fluent Bit's private-use replacements, kept visible
    if index == 7:
        # The Korean text arrives intact; the passport number is masked by the PII engine.
        assert doc["message"].startswith("여권번호는 ")
        assert doc["message"].endswith("입니다")
        assert "M789C1234" not in doc["message"]


@pytest.mark.parametrize("stream", ["search", "archive"])
@pytest.mark.parametrize("variant", sorted(RAW_VARIANTS))
def test_raw_line_variants(shared_data: Path, processor: Processor, variant: str, stream: StreamKind) -> None:
    request = _requests(shared_data)[variant]
    payloads = [base64.b64decode(r["Data"]) for r in request["Records"]]
    event = firehose_event(payloads, f"logpipe-test-{stream}")
    response, stats = processor.transform_batch(event, stream)
    ids = [r["recordId"] for r in response["records"]]
    assert ids == [r["recordId"] for r in event["records"]]  # every id once, in order
    assert [r["result"] for r in response["records"]] == ["Ok"] * 8
    docs = _documents(response)
    for i, per_record in enumerate(docs):
        assert len(per_record) == 1
        fallback = RAW_VARIANTS[variant] or f"2024-11-25T02:00:00.{i:03d}Z"
        _check_raw_line(per_record[0], i, fallback)
    assert stats.records_failed == 0
    if stream == "archive":
        keys = response["records"][0]["metadata"]["partitionKeys"]
        assert (keys["year"], keys["month"], keys["day"], keys["hour"]) == ("2008", "11", "09", "20")


@pytest.mark.parametrize("variant", ["s_agg", "s_agg_gzip"])
def test_aggregated_variants(shared_data: Path, processor: Processor, variant: str) -> None:
    request = _requests(shared_data)[variant]
    payloads = [base64.b64decode(r["Data"]) for r in request["Records"]]
    response, _ = processor.transform_batch(firehose_event(payloads, "logpipe-test-archive"), "archive")
    assert [r["result"] for r in response["records"]] == ["Ok"]
    (docs,) = _documents(response)
    assert len(docs) == 8
    for i, doc in enumerate(docs):
        _check_raw_line(doc, i, ARRIVAL_0)
    # The search stream needs one document per record: aggregation there is a configuration error.
    response, stats = processor.transform_batch(firehose_event(payloads, "logpipe-test-search"), "search")
    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"]
    assert response["records"][0]["data"] == base64.b64encode(payloads[0]).decode()
    assert dict(stats.failed_by_reason) == {"aggregated-record-on-search-stream": 1}


@pytest.mark.parametrize("stream", ["search", "archive"])
def test_json_parsed_variants(shared_data: Path, processor: Processor, stream: StreamKind) -> None:
    requests = _requests(shared_data)
    payloads = [base64.b64decode(r["Data"]) for r in requests["s_parsed_json"]["Records"]]
    response, _ = processor.transform_batch(firehose_event(payloads, f"x-{stream}"), stream)
    (logback,), (lnav,) = _documents(response)
    assert logback["@timestamp"] == "2020-02-20T11:07:35.778Z"
    assert logback["log"]["level"] == "error"
    assert logback["error"]["type"] == "java.lang.RuntimeException"
    assert logback["error"]["stack_trace"].startswith("java.lang.RuntimeException: Boom!\n\tat ")
    assert logback["process"]["thread"]["name"] == "main"
    assert lnav["@timestamp"] == "2013-09-06T20:00:49.124Z"
    assert lnav["log"] == {"level": "info", "logger": "com.example.demoµs"}
    assert lnav["message"] == "Starting up \x1b[0;32mservice\x1b[0m"

    payloads = [base64.b64decode(r["Data"]) for r in requests["s_parsed_json_log_key_message"]["Records"]]
    response, _ = processor.transform_batch(firehose_event(payloads, f"x-{stream}"), stream)
    ((doc,),) = _documents(response)
    assert doc["message"] == "something really bad happened"
    assert doc["logpipe"]["parse"] == "raw"
    assert doc["@timestamp"] == ARRIVAL_0


def test_all_nine_variants_are_covered(shared_data: Path) -> None:
    covered = set(RAW_VARIANTS) | {"s_agg", "s_agg_gzip", "s_parsed_json", "s_parsed_json_log_key_message"}
    assert set(_requests(shared_data)) == covered
    assert len(covered) == 9


# -- the other Firehose samples in ../shared/data/events ------------------------------------------------------------
# file: expected results per stream (None: same for both)
SAMPLES: dict[str, dict[str, list[str]]] = {
    "aws-lambda-go/kinesis-firehose-event.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "aws-lambda-java-libs/kinesis_firehose_event.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "powertools-python/kinesisFirehosePutEvent.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "powertools-python/kinesisFirehoseKinesisEvent.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "powertools-python/kinesisFirehoseSQSEvent.json": {"search": ["Ok"], "archive": ["Ok"]},
    "aws-sam-cli/KinesisFirehose.rendered.json": {"search": ["Ok"], "archive": ["Ok"]},
    "aws-sam-cli/KinesisFirehoseSyslog.rendered.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "aws-sam-cli/KinesisFirehoseStreamsAsSource.rendered.json": {"search": ["Ok"], "archive": ["Ok"]},
    # The SAM template's own base64 is malformed (data after "=="): kept, failed, never a crash.
    "aws-sam-cli/KinesisFirehoseApachelog.rendered.json": {
        "search": ["ProcessingFailed"],
        "archive": ["ProcessingFailed"],
    },
    # CloudWatch Logs subscription payloads: one control message (Dropped) and 3 multi-event records.
    "aws-sam-cli/KinesisFirehoseCloudwatchLogsProcessor.rendered.json": {
        "search": ["Dropped", "ProcessingFailed", "ProcessingFailed", "ProcessingFailed"],
        "archive": ["Dropped", "Ok", "Ok", "Ok"],
    },
    "derived/firehose_transform_event_s_default.json": {"search": ["Ok"] * 8, "archive": ["Ok"] * 8},
    "derived/firehose_transform_event_s_gzip.json": {"search": ["Ok"] * 8, "archive": ["Ok"] * 8},
    "derived/firehose_transform_event_s_log_key.json": {"search": ["Ok"] * 8, "archive": ["Ok"] * 8},
    "derived/firehose_transform_event_s_time_key.json": {"search": ["Ok"] * 8, "archive": ["Ok"] * 8},
    "derived/firehose_transform_event_s_parsed_json.json": {"search": ["Ok"] * 2, "archive": ["Ok"] * 2},
    "derived/firehose_transform_event_s_agg.json": {"search": ["ProcessingFailed"], "archive": ["Ok"]},
    "derived/firehose_transform_event_s_agg_gzip.json": {"search": ["ProcessingFailed"], "archive": ["Ok"]},
}  # fmt: skip


@pytest.mark.parametrize("stream", ["search", "archive"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_firehose_samples(shared_data: Path, processor: Processor, name: str, stream: StreamKind) -> None:
    event = json.loads((shared_data / "events" / name).read_text())
    response, _ = processor.transform_batch(event, stream)
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    assert [r["result"] for r in response["records"]] == SAMPLES[name][stream]
    for record, docs in zip(response["records"], _documents(response), strict=True):
        base64.b64decode(record["data"], validate=True)
        for doc in docs:
            assert doc["@timestamp"].endswith("Z") and len(doc["@timestamp"]) == 24
            assert isinstance(doc["message"], str)
    if name.startswith("derived/firehose_transform_event_s_") and "agg" not in name and "parsed" not in name:
        first = _documents(response)[0][0]
        assert first["@timestamp"] == "2008-11-09T20:36:15.000Z"  # HDFS line, UTC default zone
    if name == "aws-sam-cli/KinesisFirehoseSyslog.rendered.json":
        assert _documents(response)[0][0]["message"] == "Hello, this is a test 123."


def test_hdfs_time_in_a_korean_default_zone(shared_data: Path, tmp_path: Path) -> None:
    """With default_timezone Asia/Seoul the offset-less HDFS time is read as KST."""
    from logpipe.configfile import BUILTIN_DIR

    for name in ("pipeline.yaml", "masking.yaml"):
        if (BUILTIN_DIR / name).exists():
            (tmp_path / name).write_text((BUILTIN_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (BUILTIN_DIR / "parsers.yaml").read_text(encoding="utf-8")
    (tmp_path / "parsers.yaml").write_text(text.replace("default_timezone: UTC", "default_timezone: Asia/Seoul"))
    processor = Processor.from_config(str(tmp_path))
    request = _requests(shared_data)["s_default"]
    response, _ = processor.transform_batch(firehose_event([base64.b64decode(request["Records"][0]["Data"])]), "search")
    ((doc,),) = _documents(response)
    assert doc["@timestamp"] == "2008-11-09T11:36:15.000Z"
