"""`logpipe trace` / `search` / `alerts test` on the local store: which store is read by default, how a pasted
trace id is understood, and how results are laid out in narrow consoles and pipes."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from logpipe.stores.local_store import LocalStore
from logpipe_cli.main import cli
from logpipe_cli.search import MIN_MESSAGE_WIDTH, render_results
from logpipe_cli.store_options import default_local_store
from logpipe_cli.trace import trace_id_argument

TRACE = "5759e988bd862e3fe1be46a994272793"
MESSAGE = "Payment timeout: PG approval did not respond within 3000 ms (orderId=ORD-20261125-002042, pg=tosspayments)"


def _doc(
    message: str, trace: str = TRACE, level: str = "error", ts: str = "2026-11-25T00:20:56.001Z"
) -> dict[str, Any]:
    return {
        "@timestamp": ts,
        "message": message,
        "log": {"level": level},
        "service": {"name": "payment"},
        "trace": {"id": trace},
    }


def _store(path: Path, docs: list[dict[str, Any]]) -> Path:
    with LocalStore(path) as store:
        store.add(docs)
    return path


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOGPIPE_STORE", raising=False)
    return tmp_path


def test_default_store_is_the_newer_of_the_local_run_and_the_demo(fresh_dir: Path) -> None:
    with pytest.raises(click.ClickException, match="make demo"):
        default_local_store()
    demo = _store(fresh_dir / ".logpipe" / "demo" / "search.db", [_doc("from the demo")])
    assert default_local_store() == Path(".logpipe/demo/search.db")
    local = _store(fresh_dir / ".logpipe" / "local" / "search.db", [_doc("from a run")])
    os.utime(demo, (1_000_000_000, 1_000_000_000))
    assert default_local_store() == Path(".logpipe/local/search.db")
    os.utime(local, (900_000_000, 900_000_000))
    assert default_local_store() == Path(".logpipe/demo/search.db")
    with pytest.raises(click.ClickException, match=r"no local store at nope\.db"):
        default_local_store("nope.db")


def test_search_and_alerts_read_the_demo_store_without_flags(fresh_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(fresh_dir / ".logpipe" / "demo" / "search.db", [_doc(MESSAGE)])
    found = CliRunner().invoke(cli, ["search", "PG timeout", "--level", "error", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["message"] == MESSAGE
    assert "reading .logpipe/demo/search.db" in found.stderr
    for flag in ("--store", "--db"):  # --store like trace/search; --db still accepted
        alerts = CliRunner().invoke(cli, ["alerts", "test", flag, str(store), "--json"])
        assert alerts.exit_code == 0, alerts.output
        assert json.loads(alerts.stdout)["documents"] == 1
    assert "--db" not in CliRunner().invoke(cli, ["alerts", "test", "--help"]).output
    implicit = CliRunner().invoke(cli, ["alerts", "test", "--json"])
    assert implicit.exit_code == 0 and "reading .logpipe/demo/search.db" in implicit.stderr
    monkeypatch.chdir(fresh_dir / ".logpipe")
    missing = CliRunner().invoke(cli, ["search", "x"])
    assert missing.exit_code == 1 and "run `make demo` or `logpipe run FILE...` first" in missing.output


@pytest.mark.parametrize(
    "pasted",
    [
        TRACE.upper(),
        f"00-{TRACE}-53995c3f42cd8ad8-01",
        f"traceparent: 00-{TRACE}-53995c3f42cd8ad8-01",
        "Root=1-5759e988-bd862e3fe1be46a994272793",
        "X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "1-5759E988-BD862E3FE1BE46A994272793",
        f"{TRACE}-53995c3f42cd8ad8-1",  # B3 single header
    ],
)
def test_trace_accepts_ids_as_people_paste_them(tmp_path: Path, pasted: str) -> None:
    assert trace_id_argument(pasted) == TRACE
    store = _store(tmp_path / "search.db", [_doc(MESSAGE)])
    result = CliRunner().invoke(cli, ["trace", pasted, "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["origin_service"] == "payment"


def test_trace_refuses_an_all_zero_id(tmp_path: Path) -> None:
    store = _store(tmp_path / "search.db", [_doc(MESSAGE)])
    result = CliRunner().invoke(cli, ["trace", "0" * 32, "--store", str(store)])
    assert result.exit_code == 2 and "not a trace id" in result.output


def _rendered(width: int, docs: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    render_results(docs, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_search_keeps_the_message_readable_in_80_columns() -> None:
    text = _rendered(80, [_doc(MESSAGE)])
    assert all(len(line) <= 80 for line in text.splitlines())
    words = " ".join(line.split("│")[-2].strip() for line in text.splitlines() if line.count("│") > 2)
    assert "Payment timeout: PG approval did not respond within 3000 ms" in words
    assert TRACE[:8] not in text  # no room for the trace id: dropped
    header = next(line for line in text.splitlines() if "message" in line)
    assert len(header.split("┃")[-2]) >= MIN_MESSAGE_WIDTH


def test_search_shortens_then_shows_the_trace_id_as_the_console_widens() -> None:
    medium = _rendered(110, [_doc(MESSAGE)])
    assert f"{TRACE[:8]}…" in medium and TRACE not in medium and "2026-11-25T00:20:56.001Z" in medium
    wide = _rendered(200, [_doc(MESSAGE)])
    assert TRACE in wide and MESSAGE in wide


def test_search_piped_prints_whole_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    store = _store(tmp_path / "search.db", [_doc(MESSAGE)])
    result = CliRunner().invoke(cli, ["search", "timeout", "--store", str(store)])
    assert result.exit_code == 0
    assert TRACE in result.output and MESSAGE in result.output
