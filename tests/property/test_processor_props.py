"""Invariants of the processor for arbitrary input: the Firehose contract holds whatever arrives."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logpipe.pipeline import Processor
from tests.conftest import firehose_event

PROCESSOR = Processor.from_config()
VALID_RESULTS = {"Ok", "Dropped", "ProcessingFailed"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
log_like = st.fixed_dictionaries(
    {},
    optional={
        "log": st.text(max_size=200),
        "message": st.text(max_size=80),
        "level": st.sampled_from(["INFO", "warn", "E", "30", "", "bogus"]) | st.integers(),
        "time": st.text(max_size=30) | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
        "trace_id": st.text(max_size=40),
        "kubernetes": st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    },
)


def _payload(value: Any, gz: bool) -> bytes:
    raw = (json.dumps(value) + "\n").encode() if not isinstance(value, bytes) else value
    return gzip.compress(raw) if gz else raw


payloads = st.one_of(
    st.binary(max_size=300),
    st.builds(_payload, json_values, st.booleans()),
    st.builds(_payload, log_like, st.booleans()),
    st.builds(lambda xs: b"".join((json.dumps(x) + "\n").encode() for x in xs), st.lists(log_like, max_size=5)),
)


def _check(response: dict[str, Any], event: dict[str, Any], stream: str) -> None:
    ids = [r["recordId"] for r in event["records"]]
    out = response["records"]
    assert [r["recordId"] for r in out] == ids  # every id once, in order
    for r in out:
        assert r["result"] in VALID_RESULTS
        assert isinstance(r["data"], str)
        data = base64.b64decode(r["data"], validate=True)
        if r["result"] != "Ok":
            continue
        if stream == "archive":  # one gzip member of NDJSON per record (what the S3 objects concatenate)
            data = gzip.decompress(data)
        lines = [line for line in data.decode("utf-8").split("\n") if line]
        docs = [json.loads(line) for line in lines]
        assert all(isinstance(d, dict) and "@timestamp" in d and "message" in d for d in docs)
        if stream == "search":
            assert len(docs) == 1
            json.loads(data)  # exactly one JSON document, as the OpenSearch destination requires
        else:
            assert data.endswith(b"\n")
            assert set(r["metadata"]["partitionKeys"]) == {"service", "year", "month", "day", "hour"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(payloads, min_size=1, max_size=8), st.sampled_from(["search", "archive"]))
def test_any_input_keeps_the_firehose_contract(records: list[bytes], stream: str) -> None:
    event = firehose_event(records)
    response, stats = PROCESSOR.transform_batch(event, stream)  # type: ignore[arg-type]
    _check(response, event, stream)
    assert stats.records_in == stats.records_ok + stats.records_dropped + stats.records_failed == len(records)
    if stream == "archive":  # an S3 object is the Ok records' data concatenated: one gzip stream of every document
        ok = [base64.b64decode(r["data"]) for r in response["records"] if r["result"] == "Ok"]
        assert gzip.decompress(b"".join(ok)) == b"".join(gzip.decompress(d) for d in ok)
        assert gzip.decompress(b"".join(ok)).count(b"\n") == stats.events_ok


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_arbitrary_record_ids_and_data_strings_never_fail_the_batch(datas: list[str]) -> None:
    event = {"records": [{"recordId": f"id-{i}", "data": d} for i, d in enumerate(datas)]}
    response, _ = PROCESSOR.transform_batch(event, "search")
    _check(response, event, "search")
