"""Our corpus generator reproduces the reference generator (../shared/bench/gen_corpus.py) record for record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from logpipe.benchmark.corpus import generate
from logpipe.benchmark.events import load_event_files, pack_events
from tests.conftest import SHARED_DATA

REFERENCE = SHARED_DATA.parent / "bench" / "gen_corpus.py"


@pytest.mark.shared_data
def test_same_records_and_events_as_the_reference_generator(tmp_path: Path) -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"reference generator not found at {REFERENCE}")
    out = tmp_path / "corpus"
    env = dict(os.environ, N="400")
    subprocess.run([sys.executable, str(REFERENCE), str(out)], check=True, env=env, capture_output=True)
    corpus, builder = generate(400)
    assert (out / "records.ndjson").read_bytes().splitlines(keepends=True) == corpus.records
    ours = pack_events(corpus.records, builder.invocation_id)
    theirs = load_event_files(out)
    assert [json.loads(e.body) for e in ours] == [json.loads(e.body) for e in theirs]
    stats = json.loads((out / "stats.json").read_text())
    for key in ("structured", "plaintext", "access", "pii", "multiline", "korean", "traceparent", "health"):
        assert corpus.counts[key] == stats[key], key
