"""`logpipe demo` end to end: scenario -> local pipeline -> alerts -> Slack preview -> failing trace's origin,
and every command the demo and the docs suggest afterwards returns results."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import logpipe_cli.demo as demo
from logpipe.localrun.demo_scenario import ScenarioConfig, generate, start_for_end
from logpipe_cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--requests", "400", "--minutes", "10"]


def _json(result: Result) -> dict[str, Any]:
    return dict(json.loads(result.stdout[result.stdout.index("{") :]))


def test_scenario_is_deterministic_and_breaks_traces_in_payment_first() -> None:
    config = ScenarioConfig(seed=3, requests=400, minutes=10, incident_at_minute=6, incident_minutes=2)
    a, b = generate(config), generate(config)
    assert a.lines == b.lines and a.failing_traces == b.failing_traces and a.failing_traces
    trace = a.first_failing_trace
    assert trace is not None
    errors = sorted(
        (t, service) for service, lines in a.lines.items() for t, line in lines if trace in line and '"ERROR"' in line
    )
    assert [service for _, service in errors] == ["payment", "order", "api-gateway"]


def test_scenario_ends_at_the_given_end() -> None:
    end = datetime(2026, 3, 1, 9, 30, 15, 999_000, tzinfo=UTC)
    config = ScenarioConfig(requests=200, minutes=10, start=start_for_end(end, 10), incident_at_minute=6)
    times = [t for lines in generate(config).lines.values() for t, _ in lines]
    assert max(times) <= end.timestamp() * 1000 and max(times) >= (end - timedelta(seconds=30)).timestamp() * 1000
    assert min(times) >= (end - timedelta(minutes=10, seconds=1)).timestamp() * 1000


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One small demo in a fresh folder (the default --out .logpipe/demo), ending now, as `make demo` runs it."""
    folder = tmp_path_factory.mktemp("fresh-clone")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.delenv("LOGPIPE_STORE", raising=False)
        result = CliRunner().invoke(cli, ["demo", *SMALL, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output[-3000:]
        yield folder, _json(result)


def test_demo_runs_end_to_end_and_names_payment_as_origin(demo_dir: tuple[Path, dict[str, Any]]) -> None:
    folder, report = demo_dir
    out = folder / ".logpipe" / "demo"
    run = report["run"]
    assert run["problems"] == [] and report["problems"] == []
    for stream in run["streams"].values():
        records = stream["records"]
        assert records["in"] == records["ok"] + records["dropped"] + records["failed"]
    assert (out / "s3" / "logs").is_dir() and (out / "input" / "payment.log").is_file()
    assert report["origin_service"] == "payment"
    assert set(report["trace"]["spread_to"]) >= {"order", "api-gateway"}
    assert report["alerts"], "the incident must fire at least one alert rule"
    assert report["slack"].get("blocks") or report["slack"].get("attachments")


def _run_command(line: str, trace_id: str) -> Result:
    argv = shlex.split(line.replace("TRACE_ID", trace_id))
    assert argv[0].endswith("logpipe"), line
    return CliRunner().invoke(cli, argv[1:])


def _documented_local_examples() -> list[str]:
    """`logpipe trace/search/alerts test` lines of README's local-run section and docs/local-run.md that read
    the local store (cloud backends need AWS)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Local end-to-end run") :]
    section = section[: section.index("\n## ", 5)]
    text = section + (ROOT / "docs" / "local-run.md").read_text(encoding="utf-8")
    lines = []
    for raw in text.splitlines():
        line = raw.split("  #", 1)[0].strip().removeprefix(".venv/bin/")
        if re.match(r"logpipe (trace|search|alerts test)\b", line) and "--backend" not in line:
            lines.append(line)
    return lines


def test_documented_examples_and_the_demos_tips_return_results(demo_dir: tuple[Path, dict[str, Any]]) -> None:
    folder, report = demo_dir
    trace_id = report["trace"]["trace_id"]
    examples = _documented_local_examples()
    assert any("--since 15m" in line and "--store" not in line for line in examples), examples
    documented_trace = "1aa2f66fe3dbf91cfed2b783bc5d666a"  # docs/local-run.md: a trace of the default demo
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.delenv("LOGPIPE_STORE", raising=False)
        for line in examples:  # right after the demo: the default store is the demo's
            line = line.replace(documented_trace, trace_id).replace(documented_trace.upper(), trace_id.upper())
            result = _run_command(line, trace_id)
            assert result.exit_code == 0, f"{line}\n{result.output}"
            assert "no matching logs" not in result.output and "no logs found" not in result.output
        tips = report["tips"]
        assert any("결제" in tip for tip in tips) and any(tip.startswith("logpipe run ") for tip in tips)
        for tip in tips:
            result = _run_command(tip, trace_id)
            assert result.exit_code == 0, f"{tip}\n{result.output}"
            assert "no matching logs" not in result.output and " 0 of " not in result.output, tip
            if tip.startswith("logpipe search"):
                assert "result(s)" in result.output, tip
    assert documented_trace in generate(ScenarioConfig(incident_at_minute=20, incident_minutes=3)).failing_traces


def test_korean_search_finds_the_pg_messages(demo_dir: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = demo_dir
    store = folder / ".logpipe" / "demo" / "search.db"
    result = CliRunner().invoke(cli, ["search", "결제", "--store", str(store), "--json", "--limit", "500"])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert {d["service"]["name"] for d in docs} >= {"payment"}
    assert any("결제가 완료되었습니다" in d["message"] for d in docs)


def test_demo_fails_when_no_alert_fires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "evaluate_alerts", lambda store: [])
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path), "--requests", "60", "--minutes", "5", "--jobs", "1", "--json"]
    )
    assert result.exit_code == 1
    assert "no alert rule fired on the incident" in result.output
    assert _json(result)["problems"]


def test_demo_fails_when_no_origin_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = demo.analyse_trace
    monkeypatch.setattr(demo, "analyse_trace", lambda trace_id, docs: real(trace_id, []))
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path), "--requests", "60", "--minutes", "5", "--jobs", "1", "--json"]
    )
    assert result.exit_code == 1
    assert "no origin service found" in result.output


def test_demo_period_ends_at_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    monkeypatch.setattr(demo, "CLOCK", lambda: now)
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path), "--requests", "60", "--minutes", "5", "--jobs", "1", "--json"]
    )
    assert result.exit_code == 0, result.output[-2000:]
    stamps = re.findall(r'"@timestamp":"([^"]+)"', (tmp_path / "input" / "payment.log").read_text(encoding="utf-8"))
    assert max(stamps) <= "2031-05-06T07:08:09.000Z" and min(stamps) >= "2031-05-06T07:03:09.000Z"
    bad = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--end", "yesterday"])
    assert bad.exit_code == 2 and "--end" in bad.output
