"""``logpipe trace``: every log of one trace across services, in time order, with where the error started."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from logpipe.traces import TraceReport, analyse_trace
from logpipe_cli.store_options import backend_options, open_store, store_errors

LEVEL_STYLES = {"fatal": "bold white on red", "error": "bold red", "warn": "yellow", "debug": "dim", "trace": "dim"}


def render_trace(report: TraceReport, console: Console, max_message: int = 110) -> None:
    """The timeline table and the origin / spread / gap lines under it."""
    if not report.entries:
        console.print(f"[yellow]no logs found for trace {report.trace_id}[/]")
        return
    table = Table(title=f"trace {report.trace_id}", title_style="bold", expand=False)
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("service", no_wrap=True)
    table.add_column("level", no_wrap=True)
    show_span = console.width >= 120
    if show_span:
        table.add_column("span", no_wrap=True, style="dim")
    table.add_column("message", overflow="fold")
    for entry in report.entries:
        first_line = entry.message.split("\n", 1)[0]
        if len(first_line) > max_message:
            first_line = first_line[: max_message - 1] + "…"
        marker = " ◀ origin" if report.origin is entry else ""
        message = Text(first_line)
        if entry.error_type:
            message.append(f"  [{entry.error_type}]", style="magenta")
        if marker:
            message.append(marker, style="bold red")
        cells: list[str | Text] = [
            entry.timestamp[11:23] if len(entry.timestamp) >= 23 else entry.timestamp,
            entry.service,
            Text(entry.level, style=LEVEL_STYLES.get(entry.level, "")),
        ]
        if show_span:
            cells.append(entry.span_id or "")
        cells.append(message)
        table.add_row(*cells)
    console.print(table)
    console.print(f"services in order: {' → '.join(report.services)}")
    if report.origin is None:
        console.print("[green]no error in this trace[/]")
        return
    detail = f", {report.origin.error_type}" if report.origin.error_type else ""
    console.print(
        f"[bold]origin:[/] [bold red]{report.origin.service}[/] (first error at {report.origin.timestamp}{detail})"
    )
    if report.spread_to:
        gap = f" within {report.error_gap_ms:,} ms" if report.error_gap_ms is not None else ""
        console.print(f"[bold]spread to:[/] {', '.join(report.spread_to)}{gap}")


@click.command(name="trace")
@click.argument("trace_id")
@backend_options
@click.option("--limit", default=1000, show_default=True, help="At most this many logs.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_errors
def command(trace_id: str, limit: int, as_json: bool, **backend: Any) -> None:
    """Show every log of TRACE_ID across services as a timeline, with the service where the error started."""
    store = open_store(**backend)
    report = analyse_trace(trace_id, store.fetch_trace(trace_id, limit))
    if as_json:
        import json

        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        render_trace(report, Console())
    if not report.entries:
        raise SystemExit(1)
