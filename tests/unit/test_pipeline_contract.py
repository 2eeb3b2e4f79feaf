"""The Firehose contract of the pipeline: every recordId back once, valid results, no batch failure."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from logpipe.pipeline import MAX_RESPONSE_BYTES, Processor
from tests.conftest import firehose_event


def _docs(record: dict) -> list[dict]:
    """The archive record's documents: its data is one gzip member of NDJSON."""
    return [json.loads(line) for line in gzip.decompress(base64.b64decode(record["data"])).splitlines() if line]


def test_every_record_answered_once_with_failures_isolated() -> None:
    processor = Processor.from_config()
    payloads = [
        b'{"log":"hello world"}\n',
        b"\xff\xfe not base64 friendly but fine",
        gzip.compress(b'{"log":"zipped"}\n'),
        b"",
    ]
    event = firehose_event(payloads)
    event["records"].append({"recordId": "bad-b64", "data": "***"})
    response, stats = processor.transform_batch(event, "search")
    ids = [r["recordId"] for r in response["records"]]
    assert ids == ["r0", "r1", "r2", "r3", "bad-b64"]
    results = {r["recordId"]: r["result"] for r in response["records"]}
    assert results["r0"] == "Ok" and results["r2"] == "Ok"
    assert results["r3"] == "ProcessingFailed" and results["bad-b64"] == "ProcessingFailed"
    assert stats.failed_by_reason == {"empty-record": 1, "invalid-base64": 1}
    assert stats.records_in == stats.records_ok + stats.records_dropped + stats.records_failed


def test_archive_stream_keeps_aggregated_events_with_partition_keys() -> None:
    processor = Processor.from_config()
    agg = b'{"log":"one","service":"order"}\n{"log":"two","service":"order"}\n'
    response, _ = processor.transform_batch(firehose_event([agg]), "archive")
    record = response["records"][0]
    assert record["result"] == "Ok"
    assert [d["message"] for d in _docs(record)] == ["one", "two"]
    keys = record["metadata"]["partitionKeys"]
    assert keys["service"] == "order" and len(keys["year"]) == 4


def test_search_stream_rejects_aggregated_record() -> None:
    processor = Processor.from_config()
    response, stats = processor.transform_batch(firehose_event([b'{"log":"a"}\n{"log":"b"}\n']), "search")
    assert response["records"][0]["result"] == "ProcessingFailed"
    assert stats.failed_by_reason == {"aggregated-record-on-search-stream": 1}


def test_response_never_exceeds_six_megabytes() -> None:
    """Tiny records grow when enriched; the guard hands overflow back as ProcessingFailed, unchanged."""
    processor = Processor.from_config()
    payload = b'{"log":"x"}\n'
    one = json.dumps(firehose_event([payload])["records"][0])
    n = 5_900_000 // (len(one) + 2)  # a request just under Firehose's 6 MB limit
    event = firehose_event([payload] * n)
    assert len(json.dumps(event)) < 6 * 1024 * 1024
    response, stats = processor.transform_batch(event, "search")
    size = len(json.dumps(response))
    assert size <= MAX_RESPONSE_BYTES
    assert len(response["records"]) == n
    assert stats.failed_by_reason.get("response-size-limit", 0) > 0
    originals = {r["recordId"]: r["data"] for r in event["records"]}
    for r in response["records"]:
        if r["result"] == "ProcessingFailed":
            assert r["data"] == originals[r["recordId"]]


def test_a_document_the_codec_refuses_fails_its_record_not_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from logpipe import pipeline

    real_dumps = pipeline.dumps

    def refusing_dumps(doc: Any) -> bytes:
        if doc.get("message") == "boom":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real_dumps(doc)

    monkeypatch.setattr(pipeline, "dumps", refusing_dumps)
    processor = Processor.from_config()
    bad = b'{"log":"boom"}\n'
    for stream in ("search", "archive"):
        response, stats = processor.transform_batch(firehose_event([bad, b'{"log":"fine"}\n']), stream)
        assert [r["result"] for r in response["records"]] == ["ProcessingFailed", "Ok"], stream
        assert response["records"][0]["data"] == base64.b64encode(bad).decode()  # handed back unchanged
        assert stats.failed_by_reason == {"internal-error:UnicodeEncodeError": 1}
        assert stats.records_ok == 1 and stats.events_ok == 1


def test_lone_surrogate_record_gives_the_same_output_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard-library fallback refuses lone surrogates as orjson does: same raw-text document."""
    from logpipe import decode, pipeline

    record = b'{"log":"x \\ud800 y","stream":"stdout"}\n'
    processor = Processor.from_config()
    event = firehose_event([record, b'{"log":"fine"}\n'])
    with_default, _ = processor.transform_batch(json.loads(json.dumps(event)), "search")
    pure = _pure_jsonfast(monkeypatch)
    monkeypatch.setattr(decode, "loads", pure.loads)
    monkeypatch.setattr(pipeline, "dumps", pure.dumps)
    without_orjson, _ = processor.transform_batch(json.loads(json.dumps(event)), "search")
    assert [r["result"] for r in without_orjson["records"]] == ["Ok", "Ok"]
    docs = [json.loads(base64.b64decode(r["data"])) for r in without_orjson["records"]]
    assert docs == [json.loads(base64.b64decode(r["data"])) for r in with_default["records"]]
    assert "ud800" in docs[0]["message"]


def _pure_jsonfast(monkeypatch: pytest.MonkeyPatch) -> Any:
    import importlib.util
    import sys

    from logpipe import jsonfast

    monkeypatch.setitem(sys.modules, "orjson", None)
    spec = importlib.util.spec_from_file_location("jsonfast_pure_contract", jsonfast.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
