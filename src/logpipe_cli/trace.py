"""``logpipe trace``: every log of one trace across services, in time order, with where the error started."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from logpipe.correlate import normalise_trace_id
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


_HEADER_NAMES = ("traceparent", "x-amzn-trace-id", "b3", "x-b3-traceid", "trace-id", "trace_id", "traceid")


def trace_id_argument(value: str) -> str:
    """The stored spelling of a trace id as a person pastes it.

    Documents hold :func:`logpipe.correlate.normalise_trace_id`'s form (32 lower-case hex); people paste
    upper-case ids, whole W3C ``traceparent`` values, X-Ray headers (``Root=1-…;Parent=…;Sampled=1``), B3
    headers, UUIDs, sometimes with the header name in front. Raises click.BadParameter for an empty or
    all-zero (invalid) id.
    """
    text = value.strip().strip("'\"")
    name, sep, rest = text.partition(":")
    if sep and name.strip().lower() in _HEADER_NAMES:
        text = rest.strip()
    for part in text.split(";"):  # X-Ray: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;Sampled=1
        key, eq, val = part.strip().partition("=")
        if eq and key.strip().lower() == "root":
            text = val.strip()
            break
    pieces = text.split("-")
    # B3 single header: {trace}-{span}[-{sampled}[-{parent}]] with a 16 or 32 hex trace id
    if 2 <= len(pieces) <= 4 and len(pieces[0]) in (16, 32) and len(pieces[1]) == 16 and pieces[0] != "00":
        text = pieces[0]
    trace_id = normalise_trace_id(text)
    if trace_id is None:
        raise click.BadParameter(f"{value!r} is not a trace id (empty or all zeros)", param_hint="TRACE_ID")
    return trace_id


@click.command(name="trace")
@click.argument("trace_id")
@backend_options
@click.option("--limit", default=1000, show_default=True, help="At most this many logs.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_errors
def command(trace_id: str, limit: int, as_json: bool, **backend: Any) -> None:
    """Show every log of TRACE_ID across services as a timeline, with the service where the error started.

    TRACE_ID may be written as stored (32 hex), in upper case, as a W3C traceparent, an X-Ray header
    (Root=1-…) or a B3 header.
    """
    trace_id = trace_id_argument(trace_id)
    store = open_store(**backend)
    report = analyse_trace(trace_id, store.fetch_trace(trace_id, limit))
    if as_json:
        import json

        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        render_trace(report, Console())
    if not report.entries:
        raise SystemExit(1)
