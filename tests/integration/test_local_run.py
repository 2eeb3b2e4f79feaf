"""The local end-to-end run over real Fluent Bit captures, Firehose events and loghub samples loses nothing.

Independent check: the real handler's responses are recorded as they leave it, and every Ok document must
then be in the search store (search stream) or in the archive folder (archive stream); every
ProcessingFailed record must be in a processing-failed object with its original data.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from logpipe.archive_format import archive_payload_text
from logpipe.localrun.inputs import LineSource, RecordSource, Source, read_source
from logpipe.localrun.runner import RunOptions, RunReport, count_events, run_local
from logpipe.shape import partition_value
from logpipe.stores.local_store import LocalStore
from logpipe_cli.lambda_context import FakeLambdaContext

ARCHIVE_KEY = re.compile(
    r"^logs/service=(?P<service>[^/]+)/year=(?P<y>\d{4})/month=(?P<m>\d{2})/day=(?P<d>\d{2})/hour=(?P<h>\d{2})/"
    r"logpipe-dev-archive-1-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gz$"
)
ERROR_KEY = re.compile(
    r"^errors/(?P<stream>search|archive)/processing-failed/\d{4}/\d{2}/\d{2}/\d{2}/"
    r"logpipe-dev-(?P=stream)-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$"
)
FIREHOSE_ERROR_FIELDS = {
    "attemptsMade",
    "arrivalTimestamp",
    "errorCode",
    "errorMessage",
    "attemptEndingTimestamp",
    "rawData",
    "lambdaArn",
}


def _canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def _run_recording(
    sources: list[Source], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunReport, dict[str, list[dict[str, Any]]]]:
    import firehose_processor

    calls: dict[str, list[dict[str, Any]]] = {"search": [], "archive": []}
    real = firehose_processor.handler

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = real(event, context)
        kind = "archive" if event["deliveryStreamArn"].endswith("archive") else "search"
        originals = {r["recordId"]: r["data"] for r in event["records"]}
        calls[kind].extend({**r, "original": originals[r["recordId"]]} for r in response["records"])
        return response

    monkeypatch.setattr(firehose_processor, "handler", recording)
    report = run_local(sources, RunOptions(out_dir=tmp_path, reset=True, seed=7), FakeLambdaContext)
    return report, calls


def _objects(root: Path, prefix: str) -> dict[str, bytes]:
    """Object contents as a reader sees them: archive objects are concatenated gzip members, search error
    objects GZIP; archive error objects are written as they are (the destination is UNCOMPRESSED)."""
    return {
        str(p.relative_to(root)): archive_payload_text(p.read_bytes())
        for p in sorted((root / prefix).rglob("*"))
        if p.is_file()
    }


def _sources(shared_data: Path) -> list[Source]:
    capture = shared_data / "fluentbit_capture" / "putrecordbatch_requests"
    sources: list[Source] = [
        read_source(p) for p in sorted(capture.glob("s_*.json")) if not p.name.endswith(".headers.json")
    ]
    sources += [
        read_source(p) for p in sorted((shared_data / "events" / "derived").glob("firehose_transform_event_*.json"))
    ]
    for log in sorted((shared_data / "logs" / "loghub").glob("*_2k.log")):
        source = read_source(log, service=log.name.split("_")[0].lower())
        assert isinstance(source, LineSource)
        source.events = source.events[:150]  # every format, a fast suite
        sources.append(source)
    sources.append(read_source(shared_data / "logs" / "stacktraces" / "kwilsonO-Square_README.md", service="square"))
    sources.append(read_source(shared_data / "logs" / "json" / "logstash-logback-encoder-spike_README_lines.jsonl"))
    return sources


@pytest.mark.shared_data
def test_local_run_over_real_captures_and_loghub_loses_nothing(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _sources(shared_data)
    assert sum(isinstance(s, RecordSource) for s in sources) >= 16
    report, calls = _run_recording(sources, tmp_path, monkeypatch)
    assert report.problems() == []

    for kind in ("search", "archive"):
        rep = report.streams[kind]
        results = Counter(r["result"] for r in calls[kind])
        assert rep.stats.records_in == rep.counters.records_put == sum(results.values()) > 0
        assert rep.stats.records_in == rep.stats.records_ok + rep.stats.records_dropped + rep.stats.records_failed
        assert (rep.stats.records_ok, rep.stats.records_dropped, rep.stats.records_failed) == (
            results["Ok"],
            results["Dropped"],
            results["ProcessingFailed"],
        )

    # Search stream: every Ok document is in the store, nothing else is.
    expected = Counter(
        _canonical(json.loads(base64.b64decode(r["data"]))) for r in calls["search"] if r["result"] == "Ok"
    )
    with LocalStore(tmp_path / "search.db") as store:
        stored = Counter(_canonical(d) for d in store.iter_documents())
        assert stored == expected
        # ... and findable by what an operator would type
        some = next(d for d in store.iter_documents() if "PacketResponder" in d.get("message", ""))
        assert any(d == some for d in store.search("PacketResponder terminating", limit=10_000))

    # Archive stream: every Ok document is in an object under its partition prefix, nothing else is.
    archived: Counter[str] = Counter()
    for key, body in _objects(tmp_path / "s3", "logs").items():
        match = ARCHIVE_KEY.match(key)
        assert match, key
        for line in body.splitlines():
            doc = json.loads(line)
            archived[_canonical(doc)] += 1
            if match["service"] not in ("_mixed", "mixed"):  # a record holding several services
                assert match["service"] == partition_value(doc["service"]["name"])
    expected_archive = Counter(
        _canonical(json.loads(line))
        for r in calls["archive"]
        if r["result"] == "Ok"
        for line in archive_payload_text(base64.b64decode(r["data"])).splitlines()
    )
    assert archived == expected_archive

    # ProcessingFailed records: Firehose's error format with the original data, under the error prefix.
    failed_originals = Counter(
        r["original"] for kind in calls for r in calls[kind] if r["result"] == "ProcessingFailed"
    )
    assert failed_originals, "the captures include aggregated records the search stream must refuse"
    written: Counter[str] = Counter()
    for key, body in _objects(tmp_path / "s3", "errors").items():
        assert ERROR_KEY.match(key), key
        for line in body.splitlines():
            entry = json.loads(line)
            assert set(entry) == FIREHOSE_ERROR_FIELDS
            assert entry["errorCode"] == "Lambda.ProcessingFailedStatus" and entry["attemptsMade"] == 1
            written[entry["rawData"]] += 1
    assert written == failed_originals


def test_archive_objects_are_named_like_firehose_and_partitioned_by_service_and_hour(tmp_path: Path) -> None:
    hour = 3_600_000
    start = 1_764_028_800_000  # 2025-11-25T00:00:00Z
    lines = [json.dumps({"@timestamp": "2025-11-25T00:00:00.000Z", "message": f"m{i}"}) for i in range(4)]
    sources: list[Source] = [
        LineSource("a", lines[:2], service="order", arrival_ms=[start, start + 10]),
        LineSource("b", lines[2:], service="pay ment/x", arrival_ms=[start + 2 * hour, start + 2 * hour + 1]),
    ]
    done: Counter[str] = Counter()
    report = run_local(
        sources,
        RunOptions(out_dir=tmp_path, seed=1, start_ms=start),
        FakeLambdaContext,
        progress=lambda kind, n: done.update({kind: n}),
    )
    assert report.problems() == []
    assert (
        done
        == {"search": count_events(sources, "search"), "archive": count_events(sources, "archive")}
        == {
            "search": 4,
            "archive": 4,
        }
    )
    keys = sorted(_objects(tmp_path / "s3", "logs"))
    assert len(keys) == 2
    for key in keys:
        assert ARCHIVE_KEY.match(key), key
    assert keys[0].startswith("logs/service=order/year=")
    assert keys[1].startswith("logs/service=pay_ment_x/")
    # the object name carries the arrival time of its oldest record
    assert "-archive-1-2025-11-25-02-00-00-" in keys[1]


def test_batch_whose_output_passes_6_mb_keeps_every_record(tmp_path: Path) -> None:
    """Tiny events come back as much larger documents: with the biggest buffer hint (3 MB) the search stream's
    response would pass 6 MB, so the records that do not fit come back ProcessingFailed, land in
    processing-failed with their data, the run says which hint to lower, and the counts still add up."""
    source = LineSource("tiny", ["e"] * 20_000)  # ~13 bytes in, ~300 bytes back per record: overflows at ~18,600
    options = RunOptions(out_dir=tmp_path, streams=("search",), seed=3, search_buffer_bytes=3 * 1024 * 1024)
    report = run_local([source], options, FakeLambdaContext)
    assert report.problems() == []
    stats = report.streams["search"].stats
    assert stats.failed_by_reason["response-size-limit"] > 0
    assert any("6 MB response" in note and "--buffer-mb" in note for note in report.notes)
    failed_events = sum(
        1 for body in _objects(tmp_path / "s3", "errors").values() for line in body.splitlines() if line.strip()
    )
    with LocalStore(tmp_path / "search.db") as store:
        assert store.count() == stats.events_ok and store.count() + failed_events == 20_000


def test_archive_stream_with_the_stacks_buffer_keeps_compressible_logs_within_the_response(tmp_path: Path) -> None:
    """The compressible logs that overflowed the archive response at 1 MiB when it held plain NDJSON (docs/local-run.md)
    go through with the stack's default buffer hint: nothing fails, every event is archived."""
    line = "2026-11-25 00:00:00.000 INFO c.s.order.OrderService : order {n} confirmed " + "status=ok " * 40
    source = LineSource("big", [line.format(n=i) for i in range(9000)], service="order")
    report = run_local([source], RunOptions(out_dir=tmp_path, streams=("archive",), seed=3), FakeLambdaContext)
    assert report.problems() == []
    stats = report.streams["archive"].stats
    assert stats.records_failed == 0 and stats.events_ok == 9000
    archived = sum(body.count(b"\n") for body in _objects(tmp_path / "s3", "logs").values())
    assert archived == 9000


def test_local_run_buffer_defaults_are_the_stacks() -> None:
    """The local run hands the processor the batches the deployed streams would (template.yaml's defaults)."""
    import yaml

    from logpipe.localrun import firehose

    class TemplateLoader(yaml.SafeLoader):
        """YAML with CloudFormation's short tags (!Ref, !Sub ...) read as plain values."""

    TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((Path(__file__).resolve().parents[2] / "template.yaml").read_text("utf-8"), TemplateLoader)  # noqa: S506
    params = template["Parameters"]
    options = RunOptions()
    assert float(params["ProcessorBufferSizeMB"]["Default"]) == firehose.SEARCH_BUFFER_MB
    assert float(params["ArchiveProcessorBufferSizeMB"]["Default"]) == firehose.ARCHIVE_BUFFER_MB
    assert int(params["ProcessorBufferSeconds"]["Default"]) == firehose.BUFFER_SECONDS
    assert options.buffer_bytes("search") == int(firehose.SEARCH_BUFFER_MB * 1024 * 1024)
    assert options.buffer_bytes("archive") == int(firehose.ARCHIVE_BUFFER_MB * 1024 * 1024)
    assert options.buffer_ms == firehose.BUFFER_SECONDS * 1000


def test_archive_stream_in_a_second_process_gives_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logpipe.localrun.runner as runner

    monkeypatch.setattr(runner, "PARALLEL_MIN_EVENTS", 0)
    lines = [
        json.dumps({"@timestamp": f"2025-11-25T00:00:{i % 60:02d}.000Z", "message": f"m{i}", "level": "INFO"})
        for i in range(300)
    ]
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        done: Counter[str] = Counter()
        report = run_local(
            [LineSource("a", lines, service="order", arrival_ms=[1_764_028_800_000 + i for i in range(300)])],
            RunOptions(out_dir=out, seed=5, jobs=jobs),
            FakeLambdaContext,
            progress=lambda kind, n, done=done: done.update({kind: n}),
        )
        assert report.problems() == []
        assert done == {"search": 300, "archive": 300}
        results[jobs] = (
            {k: r.stats.as_dict() for k, r in report.streams.items()},
            sorted(report.objects),
            _objects(out / "s3", "logs"),
        )
    assert results[1] == results[2]


def test_counts_come_from_the_responses_when_the_handler_publishes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import firehose_processor

    monkeypatch.delattr(firehose_processor, "emit_metrics")
    monkeypatch.setattr(
        firehose_processor,
        "handler",
        lambda event, context: {
            "records": [
                {"recordId": r["recordId"], "result": ["Ok", "Dropped", "ProcessingFailed"][i % 3], "data": r["data"]}
                for i, r in enumerate(event["records"])
            ]
        },
    )
    lines = [
        json.dumps({"message": f"m{i}", "@timestamp": "2025-11-25T00:00:00.000Z", "service": {"name": "s"}})
        for i in range(9)
    ]
    report = run_local([LineSource("a", lines)], RunOptions(out_dir=tmp_path, streams=("search",)), FakeLambdaContext)
    stats = report.streams["search"].stats
    assert (stats.records_ok, stats.records_dropped, stats.records_failed) == (3, 3, 3)
    assert report.problems() == []
