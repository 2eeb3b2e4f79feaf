"""The archive stream's output format: every Ok record is one gzip member of NDJSON, so the output stays near
the input size (never past the 6 MB Lambda response for repetitive logs) and S3 objects, which concatenate
the records, are valid gzip streams."""

from __future__ import annotations

import base64
import gzip
import json
import random
import string
import zlib

import pytest

from logpipe.archive_format import (
    archive_payload_text,
    compress_member,
    document_count,
    gunzip_members,
    is_gzip,
)
from logpipe.pipeline import MAX_RESPONSE_BYTES, Processor
from tests.conftest import firehose_event

MAX_AGENT_RECORD = 1_024_000  # Fluent Bit drops records of this size or more


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor.from_config(environment="dev", default_service="unit")


def _aggregated(lines: list[str], compress: bool = True) -> bytes:
    """A Fluent Bit archive record: newline-joined events (simple_aggregation), gzipped on its own."""
    payload = b"".join(json.dumps({"log": line}).encode() + b"\n" for line in lines)
    return gzip.compress(payload, mtime=0) if compress else payload


def _single_member(data: bytes) -> bytes:
    """The content of ``data``, which must be exactly one complete gzip member."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    content = inflater.decompress(data)
    assert inflater.eof and inflater.unused_data == b"", "exactly one gzip member"
    return content


def test_archive_record_data_is_one_gzip_member_holding_the_ndjson(processor: Processor) -> None:
    record = _aggregated(
        [
            "2026-11-25 10:00:00.123 INFO c.s.order.OrderService : order 1 confirmed",
            '{"level":"error","msg":"card declined","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
            "2026-11-25 10:00:01.000 WARN c.s.order.OrderService : mail to kim@example.com bounced",
        ]
    )
    response, stats = processor.transform_batch(firehose_event([record], "logpipe-dev-archive"), "archive")
    (out,) = response["records"]
    assert out["result"] == "Ok"
    data = base64.b64decode(out["data"], validate=True)
    assert is_gzip(data)
    ndjson = _single_member(data)
    assert ndjson.endswith(b"\n")
    docs = [json.loads(line) for line in ndjson.split(b"\n") if line]
    assert [d["log"]["level"] for d in docs] == ["info", "error", "warn"]
    assert docs[1]["trace"]["id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert "kim@example.com" not in ndjson.decode()  # masked before it is compressed
    assert stats.events_ok == 3 == document_count(data)
    # The partition keys are unchanged: still read from the first document.
    assert set(out["metadata"]["partitionKeys"]) == {"service", "year", "month", "day", "hour"}
    assert out["metadata"]["partitionKeys"]["year"] == "2026"
    # The same input gives the same bytes (no timestamp in the gzip header): retries and golden files agree.
    again, _ = processor.transform_batch(firehose_event([record], "logpipe-dev-archive"), "archive")
    assert again["records"][0]["data"] == out["data"]


def test_highly_repetitive_1_mb_record_is_ok_not_response_size_limit(processor: Processor) -> None:
    """Before the processor compressed, this record's NDJSON (base64) did not fit the 6 MB response at all."""
    line = "order confirmed"  # short events inflate the most (each becomes a whole ECS document)
    per_event = len(json.dumps({"log": line})) + 1
    count = (MAX_AGENT_RECORD - 1) // per_event
    record = _aggregated([line] * count)
    assert len(gzip.decompress(record)) < MAX_AGENT_RECORD  # the largest record Fluent Bit sends
    response, stats = processor.transform_batch(firehose_event([record], "logpipe-dev-archive"), "archive")
    (out,) = response["records"]
    assert out["result"] == "Ok", stats.failed_by_reason
    assert "response-size-limit" not in stats.failed_by_reason
    data = base64.b64decode(out["data"])
    ndjson = gunzip_members(data)
    assert len(ndjson) * 4 / 3 > MAX_RESPONSE_BYTES  # what uncompressed output would have needed
    assert ndjson.count(b"\n") == count == stats.events_ok
    assert len(json.dumps(response)) < 64 * 1024  # a few KB: bounded by the compressed input, not the NDJSON


def test_concatenated_responses_gunzip_to_every_document_like_an_s3_object(processor: Processor) -> None:
    """Firehose's S3 destination (UNCOMPRESSED, no delimiter) writes the records' data back to back."""
    batches = [
        [
            _aggregated([f"2026-11-25 10:0{b}:{i:02d}.000 INFO svc : event {b}-{i}-{j}" for j in range(5)])
            for i in range(3)
        ]
        for b in range(3)
    ]
    batches[1].append(_aggregated(["plain aggregation", "without gzip"], compress=False))  # accepted too
    batches[2].append(b"\x1f\x8bnot really gzip")  # a record that fails: its raw input, not a gzip member
    body = b""
    expected: list[str] = []
    for batch in batches:
        response, _ = processor.transform_batch(firehose_event(batch, "logpipe-dev-archive"), "archive")
        for sent, out in zip(batch, response["records"], strict=True):
            if out["result"] == "ProcessingFailed":
                assert base64.b64decode(out["data"]) == sent  # unchanged raw input, for processing-failed/
                continue
            if out["result"] != "Ok":
                continue
            data = base64.b64decode(out["data"])
            expected += [json.loads(line)["message"] for line in _single_member(data).splitlines()]
            body += data
    assert len(expected) == 47
    # Standard readers see one gzip stream holding every document in order.
    messages = [json.loads(line)["message"] for line in gzip.decompress(body).splitlines()]
    assert messages == expected
    assert gunzip_members(body) == gzip.decompress(body) == archive_payload_text(body)
    assert document_count(body) == 47


def test_outputs_that_overflow_the_response_still_fall_back_with_exact_counts(
    processor: Processor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Incompressible logs come back about as large as they went in, so the 6 MB guard stays (here with a
    smaller budget, to keep the test fast): overflowing records fail with their raw input, and events_ok
    counts the documents inside the gzip members that did fit (not newlines of compressed bytes)."""
    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits
    # Short random events: the output (ECS documents, gzip) is ~1.1x the agent's gzip input.
    records = [_aggregated(["".join(rng.choices(alphabet, k=8)) for _ in range(300)]) for _ in range(12)]
    event = firehose_event(records, "logpipe-dev-archive")
    budget = len(json.dumps(event)) + 2_000  # the whole input fits, the whole output does not
    monkeypatch.setattr("logpipe.pipeline.MAX_RESPONSE_BYTES", budget)
    response, stats = processor.transform_batch(event, "archive")
    results = [r["result"] for r in response["records"]]
    assert "Ok" in results and "ProcessingFailed" in results
    assert stats.failed_by_reason["response-size-limit"] == results.count("ProcessingFailed")
    assert len(json.dumps(response)) <= budget
    ok_docs = sum(document_count(base64.b64decode(r["data"])) for r in response["records"] if r["result"] == "Ok")
    assert stats.events_ok == ok_docs == 300 * results.count("Ok")
    originals = {r["recordId"]: r["data"] for r in event["records"]}
    for r in response["records"]:
        if r["result"] == "ProcessingFailed":
            assert r["data"] == originals[r["recordId"]]


def test_compress_member_and_readers() -> None:
    member = compress_member(b'{"a":1}\n')
    assert is_gzip(member) and gzip.decompress(member) == b'{"a":1}\n'
    assert compress_member(b"x") == compress_member(b"x")  # deterministic
    assert archive_payload_text(b'{"a":1}\n{"b":2}\n') == b'{"a":1}\n{"b":2}\n'  # uncompressed passes through
    assert document_count(b'{"a":1}\n\n{"b":2}') == 2
    assert gunzip_members(b"") == b""
    with pytest.raises(zlib.error):
        gunzip_members(member[:-4])  # truncated
    with pytest.raises(zlib.error):
        gunzip_members(member + b"garbage")  # not a member after the first one


def test_invoke_processor_decode_shows_the_archive_documents_decompressed() -> None:
    """`logpipe invoke processor --stream archive --decode` prints documents, not gzip bytes."""
    from click.testing import CliRunner

    from logpipe_cli.invoke import command
    from tests.conftest import EVENTS_DIR

    event = EVENTS_DIR / "firehose-archive-aggregated-gzip.json"
    raw = CliRunner().invoke(command, ["processor", str(event), "--stream", "archive"])
    assert raw.exit_code == 0, raw.output
    records = json.loads(raw.stdout)["records"]
    assert all(is_gzip(base64.b64decode(r["data"])) for r in records if r["result"] == "Ok")
    decoded = CliRunner().invoke(command, ["processor", str(event), "--stream", "archive", "--decode"])
    assert decoded.exit_code == 0, decoded.output
    entries = json.loads(decoded.stdout)
    ok = [e for e in entries if e["result"] == "Ok"]
    assert ok and all(e["documents"] and "partitionKeys" in e for e in ok)
    expected = sum(document_count(base64.b64decode(r["data"])) for r in records if r["result"] == "Ok")
    assert sum(len(e["documents"]) for e in ok) == expected
    assert all(isinstance(d["message"], str) for e in ok for d in e["documents"])
