"""Properties of the Firehose emulation: whatever the processor answers, no record is lost or duplicated."""

from __future__ import annotations

import base64
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.localrun.agent import AgentCounts, AgentRecord, archive_records
from logpipe.localrun.firehose import BatchOutcome, FirehoseStream, put_record_batches

RESULTS = st.sampled_from(["Ok", "Dropped", "ProcessingFailed"])


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40_000), min_size=1, max_size=120),
    choices=st.lists(RESULTS, min_size=1),
    buffer_bytes=st.integers(min_value=200_000, max_value=3_000_000),
    broken=st.booleans(),
)
def test_every_record_comes_back_exactly_once(
    sizes: list[int], choices: list[str], buffer_bytes: int, broken: bool
) -> None:
    calls = {"n": 0}

    def invoker(event: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        records = event["records"]
        if broken and calls["n"] % 3 == 0:
            records = records[1:]  # a missing record id fails the whole batch
        return {
            "records": [
                {"recordId": r["recordId"], "result": choices[i % len(choices)], "data": r["data"]}
                for i, r in enumerate(records)
            ]
        }

    batches: list[BatchOutcome] = []
    stream = FirehoseStream("s", invoker, batches.append, buffer_bytes=buffer_bytes)
    sent = [AgentRecord(bytes([65 + i % 26]) * size, i * 10) for i, size in enumerate(sizes)]
    for request in put_record_batches(sent):
        stream.put_record_batch(request)
    stream.flush()
    outcomes = [o for b in batches for o in b.records]
    assert [o.raw for o in outcomes] == [r.data for r in sent]
    assert len({o.record_id for o in outcomes}) == len(sent)
    for o in outcomes:
        assert o.result in {"Ok", "Dropped", "ProcessingFailed"}
        if o.result == "Ok":
            assert o.output == o.raw
        if o.result == "ProcessingFailed":
            assert o.error_code
    for batch in batches:
        event_bytes = sum(len(base64.b64encode(o.raw)) for o in batch.records)
        assert event_bytes < 6 * 1024 * 1024


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=3000).filter(lambda s: s.strip()), min_size=1, max_size=80),
    st.lists(st.integers(min_value=0, max_value=3000), min_size=1),
)
def test_archive_aggregation_keeps_every_event_in_order(lines: list[str], gaps: list[int]) -> None:
    import gzip
    import json

    arrivals, t = [], 0
    for i in range(len(lines)):
        t += gaps[i % len(gaps)]
        arrivals.append(t)
    counts = AgentCounts()
    records = list(archive_records(lines, arrivals, None, counts))
    out = [json.loads(x)["log"] for r in records for x in gzip.decompress(r.data).split(b"\n") if x]
    assert out == lines and counts.events == len(lines) and sum(r.events for r in records) == len(lines)
