"""The benchmark's corpus, event packing and measurement (correctness only: no timing assertions)."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path

import firehose_processor
from logpipe.benchmark.corpus import generate
from logpipe.benchmark.events import load_event_files, pack_events, write_events
from logpipe.benchmark.measure import account_output, ceiling_invocation, invoke_like_lambda, measure_throughput
from logpipe.benchmark.probe import quiet_stdout
from logpipe.benchmark.stages import stage_breakdown


def test_corpus_is_deterministic_and_has_the_reference_mix() -> None:
    first, _ = generate(2000)
    again, _ = generate(2000)
    assert first.records == again.records
    shares = {k: first.counts[k] / 2000 for k in ("structured", "plaintext", "access")}
    assert 0.57 < shares["structured"] < 0.67 and 0.21 < shares["plaintext"] < 0.31 and 0.08 < shares["access"] < 0.16
    assert all(r.endswith(b"\n") and json.loads(r) for r in first.records)
    assert any("주문" in r.decode() or "결제" in r.decode() for r in first.records)  # Korean text
    assert first.counts["pii"] > 0 and first.counts["multiline"] > 0


def test_events_stay_under_the_limit_and_keep_every_record() -> None:
    corpus, builder = generate(600)
    events = pack_events(corpus.records, builder.invocation_id, max_bytes=100_000)
    assert len(events) > 3
    assert all(len(e.body) <= 100_000 for e in events)
    decoded = [base64.b64decode(r["data"]) for e in events for r in json.loads(e.body)["records"]]
    assert decoded == corpus.records
    ids = [r["recordId"] for e in events for r in json.loads(e.body)["records"]]
    assert len(set(ids)) == len(ids)


def test_written_events_load_back(tmp_path: Path) -> None:
    folder = tmp_path
    corpus, builder = generate(50)
    events = pack_events(corpus.records, builder.invocation_id)
    write_events(events, folder / "events")
    loaded = load_event_files(folder)
    assert [(e.body, e.records, e.payload_bytes) for e in loaded] == [
        (e.body, e.records, e.payload_bytes) for e in events
    ]


def test_ceiling_returns_a_valid_response_with_the_same_documents() -> None:
    corpus, builder = generate(40)
    (event,) = pack_events(corpus.records, builder.invocation_id)
    response = json.loads(ceiling_invocation(event.body))
    request = json.loads(event.body)
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in request["records"]]
    for sent, back in zip(request["records"], response["records"], strict=True):
        assert back["result"] == "Ok"
        assert json.loads(base64.b64decode(back["data"])) == json.loads(base64.b64decode(sent["data"]))


def test_measurement_runs_the_real_handler_and_accounts_every_record() -> None:
    corpus, builder = generate(120)
    events = pack_events(corpus.records, builder.invocation_id)
    with quiet_stdout():
        body = invoke_like_lambda(firehose_processor.handler, events[0].body, None)
        throughput = measure_throughput(events, firehose_processor.handler, passes=2)
        output = account_output(events, firehose_processor.handler)
        stages = stage_breakdown(events, firehose_processor.handler)
    assert len(json.loads(body)["records"]) == 120
    summary = throughput.as_dict()
    assert summary["records"] == 120 and summary["passes"] == 2
    assert len(summary["processor"]["seconds_all"]) == 2 and summary["ratio"] > 0
    assert sum(output["results"].values()) == 120
    assert set(output["results"]) <= {"Ok", "Dropped", "ProcessingFailed"}
    assert output["payload_bytes_in"] == corpus.total_bytes
    labels = Counter(row["stage"] for row in stages["stages"])
    assert "mask (PII engine)" in labels and "correlate (trace/span/transaction ids)" in labels
