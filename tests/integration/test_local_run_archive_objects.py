"""The local run's archive objects are what Firehose writes with ``CompressionFormat: UNCOMPRESSED`` and
``FileExtension: .gz``: the processor's gzip members concatenated, so each object is one valid gzip stream of
NDJSON (no double gzip) that gunzip/zcat read; ProcessingFailed records stay raw, in plain JSON lines."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from logpipe.localrun.inputs import LineSource, RecordSource
from logpipe.localrun.runner import RunOptions, run_local
from logpipe_cli.lambda_context import FakeLambdaContext

GZIP_MAGIC = b"\x1f\x8b"
START = 1_764_028_800_000  # 2025-11-25T00:00:00Z


def _members(body: bytes) -> int:
    """How many gzip members ``body`` holds (each must be complete)."""
    count = 0
    while body:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        inflater.decompress(body)
        assert inflater.eof
        body, count = inflater.unused_data, count + 1
    return count


def _run(tmp_path: Path) -> tuple[Path, int, bytes]:
    lines = [f"2025-11-25 00:00:{i % 60:02d}.000 INFO c.s.order.OrderService : order {i} confirmed" for i in range(300)]
    broken = GZIP_MAGIC + b"\x08\x00 truncated gzip"  # the processor fails it: invalid gzip
    sources = [
        # two flushes' worth of events per source: several records, so objects hold several gzip members
        LineSource("order", lines, service="order", arrival_ms=[START + i * 10 for i in range(300)]),
        LineSource("payment", lines[:50], service="payment", arrival_ms=[START + i for i in range(50)]),
        RecordSource("capture", [broken], "putrecordbatch", stream_hint="logpipe-dev-archive"),
    ]
    report = run_local(
        sources, RunOptions(out_dir=tmp_path, streams=("archive",), seed=2, start_ms=START), FakeLambdaContext
    )
    assert report.problems() == []
    return tmp_path / "s3", report.streams["archive"].documents_delivered, broken


def test_archive_objects_are_concatenated_gzip_members_of_ndjson(tmp_path: Path) -> None:
    root, delivered, _ = _run(tmp_path)
    objects = sorted((root / "logs").rglob("*"))
    objects = [p for p in objects if p.is_file()]
    assert {p.parts[p.parts.index("logs") + 1] for p in objects} == {"service=order", "service=payment"}
    documents = 0
    members = 0
    for path in objects:
        assert path.name.endswith(".gz")
        body = path.read_bytes()
        assert body[:2] == GZIP_MAGIC
        members += _members(body)
        text = gzip.decompress(body)  # every member, as gunzip and Athena read them
        assert text[:2] != GZIP_MAGIC, "double gzip"
        docs = [json.loads(line) for line in text.splitlines()]
        assert all(d["service"]["name"] == path.parts[path.parts.index("logs") + 1].split("=")[1] for d in docs)
        documents += len(docs)
    assert members > len(objects)  # several records per object
    assert documents == delivered == 350


@pytest.mark.skipif(shutil.which("gzip") is None, reason="no gzip command on this machine")
def test_zcat_shows_the_ndjson(tmp_path: Path) -> None:
    root, _, _ = _run(tmp_path)
    for path in (p for p in (root / "logs").rglob("*.gz") if p.is_file()):
        shown = subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout
        assert shown == gzip.decompress(path.read_bytes())
        assert all(json.loads(line)["message"] for line in shown.splitlines())


def test_processing_failed_archive_records_are_raw_input_in_plain_json_lines(tmp_path: Path) -> None:
    root, _, broken = _run(tmp_path)
    (path,) = [p for p in (root / "errors" / "archive" / "processing-failed").rglob("*") if p.is_file()]
    body = path.read_bytes()
    assert body[:2] != GZIP_MAGIC  # the destination is UNCOMPRESSED: error records are written as they are
    (entry,) = [json.loads(line) for line in body.splitlines()]
    assert entry["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(entry["rawData"]) == broken
