"""``logpipe alerts``: show the monitors the alert rules compile to, and test the rules on local logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click


def _load(rules_file: str | None) -> Any:
    from logpipe.alerting.rules import load_rules
    from logpipe.configfile import ConfigError

    try:
        return load_rules(rules_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(name="alerts")
def command() -> None:
    """Render alert rules as OpenSearch monitors, or test them against locally stored logs."""


@command.command("render")
@click.option("--rules", "rules_file", default=None, help="Rules file (default: the built-in alert_rules.yaml).")
@click.option("--env", "environment", default="dev", show_default=True, help="Environment (index logs-<env>-*).")
@click.option("--channel-id", default="logpipe-dev-sns", show_default=True, help="Notifications channel id.")
@click.option("--rule", "only", multiple=True, help="Only this rule (repeatable).")
@click.option("--message", is_flag=True, help="Print each monitor's action message template instead.")
def render_cmd(rules_file: str | None, environment: str, channel_id: str, only: tuple[str, ...], message: bool) -> None:
    """Print the monitors' JSON (the bodies the bootstrap sends to _plugins/_alerting/monitors)."""
    from logpipe.alerting.monitors import MonitorTarget, compile_rule

    rules = _load(rules_file)
    if environment != "dev" and channel_id == "logpipe-dev-sns":
        channel_id = f"logpipe-{environment}-sns"
    target = MonitorTarget.for_environment(environment, channel_id or None)
    selected = [rules.by_name(name) for name in only] if only else list(rules.enabled())
    monitors = [compile_rule(rule, target) for rule in selected]
    if message:
        for mon in monitors:
            trigger = next(iter(mon["triggers"][0].values()))
            for action in trigger["actions"]:
                click.echo(f"# {mon['name']}\n{action['message_template']['source']}\n")
        return
    click.echo(json.dumps(monitors, indent=2, ensure_ascii=False))


def _read_documents(path: str) -> list[dict[str, Any]]:
    docs = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError as exc:
            raise click.ClickException(f"{path}:{n}: not a JSON document: {exc}") from exc
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


def _local_documents(explicit: str | None) -> list[dict[str, Any]]:
    from logpipe.stores.local_store import LocalStore
    from logpipe_cli.store_options import default_local_store

    path = default_local_store(explicit)  # the same choice as `logpipe trace` / `logpipe search`
    click.echo(f"reading {path}", err=True)
    with LocalStore(path) as store:
        return list(store.iter_documents())


@command.command("test")
@click.option("--rules", "rules_file", default=None, help="Rules file (default: the built-in alert_rules.yaml).")
@click.option(
    "--store",
    "store",
    default=None,
    type=click.Path(dir_okay=False),
    help="Local store file (default: $LOGPIPE_STORE, else the newer of .logpipe/local and .logpipe/demo).",
)
@click.option("--db", "old_db", default=None, hidden=True, help="Old name of --store.")
@click.option("--docs", "docs_file", default=None, help="Evaluate these NDJSON documents instead of the local store.")
@click.option("--at", "at_text", default=None, help="Evaluate once with the window ending at this ISO-8601 time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def test_cmd(
    rules_file: str | None,
    store: str | None,
    old_db: str | None,
    docs_file: str | None,
    at_text: str | None,
    as_json: bool,
) -> None:
    """Evaluate the rules against logs stored by the local run and say which would fire.

    Without --at, count rules are evaluated every schedule tick across the logs' time span, as the
    monitors would have run while the logs arrived.
    """
    from logpipe.alerting.evaluate import evaluate_rules

    rules = _load(rules_file)
    at = None
    if at_text:
        try:
            at = datetime.fromisoformat(at_text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.ClickException(f"--at {at_text!r}: not an ISO-8601 time") from exc
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
    docs = _read_documents(docs_file) if docs_file else _local_documents(store or old_db)
    results = evaluate_rules(rules.rules, docs, at)
    if as_json:
        payload = [
            {"rule": r.rule.name, "fired": r.fired, "matched": r.matched, "firings": [f.as_dict() for f in r.firings]}
            for r in results
        ]
        click.echo(json.dumps({"documents": len(docs), "results": payload}, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"alert rules over {len(docs)} documents: what would fire")
    table.add_column("rule", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("group")
    table.add_column("first fired (UTC)", no_wrap=True)
    table.add_column("peak count", justify="right", no_wrap=True)
    table.add_column("sample trace", no_wrap=True)
    quiet = []
    for result in results:
        if not result.firings:
            quiet.append(f"{result.rule.name} ({result.matched} matched)")
        for firing in result.firings:
            info = firing.as_dict()
            count = f"{firing.count}" + (f"/{firing.total}" if result.rule.ratio is not None else "")
            traces = info["sample_trace_ids"]
            table.add_row(
                result.rule.name,
                result.rule.severity,
                ", ".join(firing.group.values()),
                firing.first_fired.strftime("%m-%d %H:%M"),
                count,
                traces[0] if traces else "",
            )
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze to 80 columns
        console = Console(width=140)
    if table.row_count:
        console.print(table)
    fired = sum(1 for r in results if r.fired)
    click.echo(f"{fired} of {len(results)} rules would fire" + (f"; quiet: {', '.join(quiet)}" if quiet else ""))
