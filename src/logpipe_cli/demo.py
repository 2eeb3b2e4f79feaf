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
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from logpipe.localrun.demo_scenario import SERVICES, Scenario, ScenarioConfig, generate, scenario_period
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


def _alerting_available() -> str | None:
    """``None`` when the alert evaluator and the Slack renderer can be imported, else why not."""
    try:
        from logpipe.alerting.evaluate import evaluate_rules  # noqa: F401
        from logpipe.alerting.messages import AlertGroup, AlertMessage, Sample  # noqa: F401
        from logpipe.alerting.rules import load_rules  # noqa: F401
        from logpipe.slack.blocks import RenderContext, default_masker, render_alert  # noqa: F401
    except ImportError as exc:  # the alerting work (issue 5) is not installed in this tree
        return f"alert evaluation pending: {exc}"
    return None


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


@click.command(name="demo")
@click.option("--out", "out_dir", default=".logpipe/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", default=42, show_default=True, help="Same seed, same logs.")
@click.option("--requests", default=3000, show_default=True, help="Simulated user requests.")
@click.option("--minutes", default=30, show_default=True, help="Simulated period.")
@click.option("--env", "environment", default="dev", show_default=True)
@click.option("--jobs", default=2, show_default=True, help="Processes (2: archive stream beside the search stream).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result instead of the tour.")
def command(out_dir: str, seed: int, requests: int, minutes: int, environment: str, jobs: int, as_json: bool) -> None:
    """Generate a multi-service scenario with one incident, run it through the local pipeline, evaluate the
    alerts, show the Slack message and the failing trace's timeline with its origin service."""
    if minutes < 5 or requests < 50:
        raise click.BadParameter("use at least 50 requests over at least 5 minutes")
    started = time.perf_counter()
    out = Path(out_dir)
    console = Console(quiet=as_json)
    config = ScenarioConfig(
        seed=seed,
        requests=requests,
        minutes=minutes,
        incident_at_minute=minutes * 2 / 3,
        incident_minutes=max(1.0, minutes / 10),
    )
    scenario = generate(config)
    begin, end = scenario_period(config)
    console.rule("[bold]logpipe demo: an online shop on Kubernetes")
    console.print(
        f"{scenario.requests:,} requests over {minutes} min ({begin:%Y-%m-%d %H:%M}–{end:%H:%M} UTC, seed {seed}) "
        f"through {' → '.join(SERVICES)}: {scenario.total_lines():,} log events, "
        f"{scenario.personal_data_lines:,} with personal data, formats: nginx access, logback JSON, Spring console.\n"
        f"Incident: the payment provider times out from minute {config.incident_at_minute:.0f} "
        f"for {config.incident_minutes:.0f} min."
    )
    _reset(out)
    sources = scenario_sources(scenario, out / "input")
    options = RunOptions(environment=environment, out_dir=out, reset=True, seed=seed, jobs=jobs)
    console.rule("[bold]1. Fluent Bit → Firehose ×2 → processor → search store + S3 archive")
    with progress_bar(sources, options.streams, Console(stderr=True, quiet=as_json), enabled=not as_json) as advance:
        report = run_local(sources, options, FakeLambdaContext, progress=advance)
    render_summary(report, console)

    result: dict[str, Any] = {"run": report.as_dict(), "alerts": [], "slack": None}
    with LocalStore(options.store_file) as store:
        console.rule("[bold]2. Alert rules (evaluated as the OpenSearch monitors would)")
        trace_id = _alerts_and_slack(store, environment, console, result, scenario)
        console.rule("[bold]3. The failing trace")
        trace = analyse_trace(trace_id, store.fetch_trace(trace_id)) if trace_id else None
    if trace is not None:
        render_trace(trace, console)
        result["trace"] = trace.as_dict()
    else:
        console.print("[red]no failing trace found in the store[/]")
        result["trace"] = None
    result["origin_service"] = trace.origin.service if trace and trace.origin else None
    result["elapsed_s"] = round(time.perf_counter() - started, 2)
    _closing(console, out, trace_id, report)
    if as_json:
        import json

        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    if report.problems() or result["origin_service"] is None:
        raise SystemExit(1)


def _alerts_and_slack(
    store: LocalStore, environment: str, console: Console, result: dict[str, Any], scenario: Scenario
) -> str | None:
    """Evaluate the rules, show what fired and the Slack message; return the trace to show."""
    pending = _alerting_available()
    if pending is not None:
        console.print(f"[yellow]{pending}[/]; showing a failing trace from the store instead.")
        result["alerts_pending"] = pending
        return _fallback_trace(store, console, scenario)
    pairs = evaluate_alerts(store)
    if not pairs:
        console.print("[yellow]no alert rule fired[/]")
        return _fallback_trace(store, console, scenario)
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
    return ids[0] if ids else scenario.first_failing_trace


def _fallback_trace(store: LocalStore, console: Console, scenario: Scenario) -> str | None:
    """A trace that logged an error, straight from the store; else the one the scenario broke first."""
    errors = store.trace_ids_with_errors(limit=10_000)
    if errors:
        return errors[-1]
    console.print(
        "[yellow]no stored document has log.level error: the processor's parsers did not extract levels from "
        "these formats, so neither alerts nor the origin can be found. Showing the first trace the incident "
        "broke.[/]"
    )
    return scenario.first_failing_trace


def _closing(console: Console, out: Path, trace_id: str | None, report: RunReport) -> None:
    console.rule("[bold]Try it yourself")
    store = out / "search.db"
    console.print(
        f"  logpipe trace {trace_id or 'TRACE_ID'} --store {store}\n"
        f"  logpipe search 'PG timeout' --service payment --store {store}\n"
        f"  logpipe search 결제 --store {store}\n"
        f"  logpipe run {out / 'input'}/*.log --out .logpipe/local   # replay the generated files yourself\n"
        f"  archive (S3 layout): {out / 's3'}   processor logs/EMF: {out / 'processor.log'}\n"
        f"local pipeline throughput: {report.events_per_second:,.0f} events/s "
        f"({report.events:,} events through both streams in {report.elapsed_s:.1f} s)"
    )
