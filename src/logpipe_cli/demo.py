"""``logpipe demo`` (what ``make demo`` runs): the whole product on a laptop in one command.

1. generate a seeded multi-service scenario with one incident (PG timeouts in payment);
2. run it through the local pipeline (Fluent Bit -> Firehose -> the real processor -> archive + store);
3. evaluate the alert rules over the stored logs (as the OpenSearch monitors would);
4. show the Slack message the notifier would send for the first alert;
5. print the timeline of the failing trace and the service where its error started.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from logpipe.localrun.demo_scenario import SERVICES, Scenario, ScenarioConfig, generate, scenario_period, start_for_end
from logpipe.localrun.inputs import LineSource, is_continuation
from logpipe.localrun.runner import RunOptions, RunReport, run_local
from logpipe.stores.local_store import LocalStore
from logpipe.traces import TraceReport, analyse_trace
from logpipe_cli.lambda_context import FakeLambdaContext
from logpipe_cli.run import progress_bar, render_summary
from logpipe_cli.trace import render_trace

# Fluent Bit flushes every second and Firehose stamps the arrival a moment later.
DELIVERY_DELAY_MS = 800
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _utc_now() -> datetime:
    return datetime.now(UTC)


# The simulated period ends when the demo runs (so `logpipe search --since 15m` finds the incident right
# after `make demo`); tests pass --end, or replace this clock.
CLOCK: Callable[[], datetime] = _utc_now


def scenario_sources(scenario: Scenario, input_dir: Path) -> list[LineSource]:
    """Write each service's log file (for people to look at or replay) and build the agent inputs.

    Continuation lines of a stack trace join the line before them (Fluent Bit's multiline filter), and
    keep that line's time.
    """
    input_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for service in SERVICES:
        lines = scenario.sorted_lines(service)
        (input_dir / f"{service}.log").write_text("".join(line + "\n" for _, line in lines), encoding="utf-8")
        events: list[str] = []
        arrivals: list[int] = []
        for t, line in lines:
            if events and is_continuation(line):
                events[-1] += "\n" + line
                continue
            events.append(line)
            arrivals.append(t + DELIVERY_DELAY_MS)
        sources.append(
            LineSource(str(input_dir / f"{service}.log"), events, service=service, arrival_ms=arrivals, merge_log=True)
        )
    return sources


def evaluate_alerts(store: LocalStore) -> list[tuple[Any, Any]]:
    """Evaluate every enabled rule over the stored logs; returns (rule, firing) pairs in firing order."""
    from logpipe.alerting.evaluate import evaluate_rules
    from logpipe.alerting.rules import load_rules

    results = evaluate_rules(load_rules().rules, store.iter_documents())
    pairs = [(result.rule, firing) for result in results for firing in result.firings]
    # Earliest first; at the same moment the alert whose samples carry trace ids (the notifier can show where
    # the error started), then the most severe.
    pairs.sort(
        key=lambda pair: (
            pair[1].first_fired,
            not any(_trace_id(d) for d in pair[1].samples),
            SEVERITY_ORDER.get(pair[1].severity, 9),
        )
    )
    return pairs


def _trace_id(doc: dict[str, Any]) -> str | None:
    trace = doc.get("trace")
    value = trace.get("id") if isinstance(trace, dict) else doc.get("trace.id")
    return value if isinstance(value, str) and value else None


def alert_message(rule: Any, firing: Any, environment: str) -> Any:
    """The alert the rule's monitor would publish for ``firing``, as the notifier reads it."""
    from logpipe.alerting.messages import AlertGroup, AlertMessage, Sample

    def sample(doc: dict[str, Any]) -> Sample:
        def get(path: str) -> Any:
            node: Any = doc
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            return node

        return Sample(
            message=str(get("message") or ""),
            service=get("service.name"),
            trace_id=get("trace.id"),
            timestamp=get("@timestamp"),
            level=get("log.level"),
            error_type=get("error.type"),
        )

    end = firing.first_fired
    start = end.timestamp() - rule.window_s
    from datetime import UTC, datetime

    return AlertMessage(
        source="logpipe",
        title=rule.description or rule.name,
        severity=firing.severity,
        rule=rule.name,
        environment=environment,
        period_start=datetime.fromtimestamp(start, UTC).isoformat().replace("+00:00", "Z"),
        period_end=end.isoformat().replace("+00:00", "Z"),
        window=f"{rule.window_s // 60}m" if rule.window_s % 60 == 0 else f"{rule.window_s}s",
        threshold=rule.threshold,
        ratio=rule.ratio,
        description=rule.description,
        runbook=rule.runbook,
        groups=[
            AlertGroup(
                keys=dict(firing.group),
                count=firing.count,
                total=firing.total,
                samples=[sample(d) for d in firing.samples],
            )
        ],
    )


def slack_payload(alert: Any, reports: list[TraceReport], environment: str) -> dict[str, Any]:
    """The webhook payload the notifier would post (Block Kit, masked, truncated to Slack's limits)."""
    from logpipe.slack.blocks import RenderContext, default_masker, render_alert

    payload: dict[str, Any] = render_alert(
        alert, reports, RenderContext(mask=default_masker(), environment=environment)
    )
    return payload


def block_text(payload: dict[str, Any]) -> str:
    """Block Kit as plain text, for the terminal preview."""
    lines: list[str] = []
    blocks = list(payload.get("blocks", []))
    for attachment in payload.get("attachments", []):
        blocks.extend(attachment.get("blocks", []))
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"])
            lines.append("")
        elif kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            lines.extend(item["text"].replace("\n", ": ", 1) for item in block.get("fields", []))
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            lines.append(" ".join(f"[{e.get('text', {}).get('text', '')}]" for e in block.get("elements", [])))
    import html

    # Slack shows &lt; as <: so does the preview
    return html.unescape("\n".join(lines) or str(payload.get("text", "")))


def _reset(out: Path) -> None:
    for name in ("s3", "input"):
        shutil.rmtree(out / name, ignore_errors=True)
    for name in ("search.db", "processor.log"):
        (out / name).unlink(missing_ok=True)


def _parse_end(text: str | None) -> datetime:
    if not text:
        return CLOCK()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 time", param_hint="--end") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command(name="demo")
@click.option("--out", "out_dir", default=".logpipe/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", default=42, show_default=True, help="Same seed and --end, same logs.")
@click.option("--requests", default=3000, show_default=True, help="Simulated user requests.")
@click.option("--minutes", default=30, show_default=True, help="Simulated period.")
@click.option("--end", "end_text", default=None, help="End of the simulated period, ISO-8601 (default: now).")
@click.option("--env", "environment", default="dev", show_default=True)
@click.option("--jobs", default=2, show_default=True, help="Processes (2: archive stream beside the search stream).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result instead of the tour.")
def command(
    out_dir: str,
    seed: int,
    requests: int,
    minutes: int,
    end_text: str | None,
    environment: str,
    jobs: int,
    as_json: bool,
) -> None:
    """Generate a multi-service scenario with one incident, run it through the local pipeline, evaluate the
    alerts, show the Slack message and the failing trace's timeline with its origin service.

    Exits 1 when a record is unaccounted for, no alert rule fires on the incident, or no origin service is found.
    """
    if minutes < 5 or requests < 50:
        raise click.BadParameter("use at least 50 requests over at least 5 minutes")
    started = time.perf_counter()
    out = Path(out_dir)
    console = Console(quiet=as_json)
    config = ScenarioConfig(
        seed=seed,
        requests=requests,
        minutes=minutes,
        start=start_for_end(_parse_end(end_text), minutes),
        incident_at_minute=minutes * 2 / 3,
        incident_minutes=max(1.0, minutes / 10),
    )
    scenario = generate(config)
    begin, end = scenario_period(config)
    _reset(out)
    sources = scenario_sources(scenario, out / "input")
    events = sum(len(source.events) for source in sources)
    console.rule("[bold]logpipe demo: an online shop on Kubernetes")
    console.print(
        f"{scenario.requests:,} requests over {minutes} min ({begin:%Y-%m-%d %H:%M}–{end:%H:%M} UTC, seed {seed}) "
        f"through {' → '.join(SERVICES)}: {scenario.total_lines():,} log lines = {events:,} log events once "
        f"stack-trace lines join their log line, {scenario.personal_data_lines:,} with personal data; "
        f"formats: nginx access, logback JSON, Spring console.\n"
        f"Incident: the payment provider times out from minute {config.incident_at_minute:.0f} "
        f"for {config.incident_minutes:.0f} min."
    )
    options = RunOptions(environment=environment, out_dir=out, reset=True, seed=seed, jobs=jobs)
    console.rule("[bold]1. Fluent Bit → Firehose ×2 → processor → search store + S3 archive")
    with progress_bar(sources, options.streams, Console(stderr=True, quiet=as_json), enabled=not as_json) as advance:
        report = run_local(sources, options, FakeLambdaContext, progress=advance)
    render_summary(report, console)

    problems = list(report.problems())
    result: dict[str, Any] = {"run": report.as_dict(), "alerts": [], "slack": None}
    with LocalStore(options.store_file) as store:
        console.rule("[bold]2. Alert rules (evaluated as the OpenSearch monitors would)")
        trace_id = _alerts_and_slack(store, environment, console, result)
        if trace_id is None:
            problems.append(
                "no alert rule fired on the incident: the stored documents do not match "
                "layers/shared/logpipe/config/alert_rules.yaml (check log.level parsing; `logpipe alerts test`)"
            )
            trace_id = scenario.first_failing_trace
        console.rule("[bold]3. The failing trace")
        trace = analyse_trace(trace_id, store.fetch_trace(trace_id)) if trace_id else None
    if trace is not None:
        render_trace(trace, console)
        result["trace"] = trace.as_dict()
    else:
        result["trace"] = None
    result["origin_service"] = trace.origin.service if trace and trace.origin else None
    if result["origin_service"] is None:
        problems.append(f"no origin service found for the failing trace {trace_id or '(none)'}: no error was stored")
    result["problems"] = problems
    result["tips"] = [command_line for command_line, _ in closing_tips(out, trace_id)] if not problems else []
    result["elapsed_s"] = round(time.perf_counter() - started, 2)
    if not problems:
        _closing(console, out, trace_id, report)
    if as_json:
        import json

        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    if problems:
        err = Console(stderr=True)
        err.print("[bold red]demo failed:[/]")
        for problem in problems:
            err.print(f"  [red]- {problem}[/]")
        raise SystemExit(1)


def _alerts_and_slack(store: LocalStore, environment: str, console: Console, result: dict[str, Any]) -> str | None:
    """Evaluate the rules, show what fired and the Slack message; return the trace to show (``None``: none fired)."""
    pairs = evaluate_alerts(store)
    if not pairs:
        console.print("[bold red]no alert rule fired[/]")
        return None
    table = Table(title=f"{len(pairs)} alert(s) would fire", title_style="bold")
    for column in ("first fired (UTC)", "rule", "severity", "group", "count", "sample trace"):
        table.add_column(column, overflow="fold")
    for rule, firing in pairs[:12]:
        result["alerts"].append(firing.as_dict())
        samples = firing.as_dict().get("sample_trace_ids") or [""]
        table.add_row(
            firing.first_fired.strftime("%H:%M:%S"),
            rule.name,
            firing.severity,
            ", ".join(f"{v}" for v in firing.group.values()),
            f"{firing.count:,}",
            samples[0][:16] + "…" if samples[0] else "",
        )
    console.print(table)
    rule, firing = pairs[0]
    alert = alert_message(rule, firing, environment)
    from logpipe.traces import lookup_traces

    reports = lookup_traces(store, alert.trace_ids(3))
    payload = slack_payload(alert, reports, environment)
    result["slack"] = payload
    console.print(
        Panel(block_text(payload), title="Slack message the notifier would post (first alert)", border_style="magenta")
    )
    ids = alert.trace_ids(1)
    if ids:
        return str(ids[0])
    errors = store.trace_ids_with_errors(limit=1)  # an alert without sample traces: the latest failing trace
    return errors[0] if errors else None


def closing_tips(out: Path, trace_id: str | None) -> list[tuple[str, str]]:
    """The commands the demo suggests, each with what it shows (a test runs every one and expects results)."""
    store = out / "search.db"
    return [
        (f"logpipe trace {trace_id or 'TRACE_ID'} --store {store}", "the failing trace's timeline and origin"),
        (f"logpipe search 'PG timeout' --level error --since 15m --store {store}", "the incident's errors"),
        (f"logpipe search 결제 --service payment --store {store}", "Korean text: the PG's messages"),
        (f"logpipe alerts test --store {store}", "which alert rules fire"),
        (
            f"logpipe run {out / 'input' / 'payment.log'} --service payment --merge-log --out .logpipe/local",
            "replay one service's log yourself",
        ),
    ]


def _closing(console: Console, out: Path, trace_id: str | None, report: RunReport) -> None:
    console.rule("[bold]Try it yourself")
    for command_line, what in closing_tips(out, trace_id):
        console.print(f"  {command_line}   [dim]# {what}[/]", soft_wrap=True)
    console.print(
        f"  archive (S3 layout): {out / 's3'}   processor logs/EMF: {out / 'processor.log'}\n"
        f"local pipeline throughput: {report.events_per_second:,.0f} events/s "
        f"({report.events:,} events through both streams in {report.elapsed_s:.1f} s)"
    )
