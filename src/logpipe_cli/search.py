"""``logpipe search``: full-text and field search over stored logs (local store, OpenSearch or Athena)."""

from __future__ import annotations

import os
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from logpipe.stores.query import parse_since
from logpipe_cli.store_options import backend_options, open_store, store_errors
from logpipe_cli.trace import LEVEL_STYLES

MIN_MESSAGE_WIDTH = 30
MAX_MESSAGE = 160
# Console widths: from WIDE the full trace id and timestamp fit beside a readable message; from MEDIUM a
# shortened trace id; below that the trace id column goes and the time loses its date.
WIDE = 140
MEDIUM = 100
PIPE_WIDTH = 200


def _get(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@click.command(name="search")
@click.argument("query", default="", required=False)
@backend_options
@click.option("--service", default=None, help="Only this service (service.name).")
@click.option(
    "--level",
    type=click.Choice(["trace", "debug", "info", "warn", "error", "fatal"]),
    default=None,
    help="This level and anything more severe.",
)
@click.option("--since", default=None, help="Only logs newer than this: 30s, 15m, 2h, 7d or an ISO-8601 time.")
@click.option("--limit", default=50, show_default=True, help="At most this many results (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Print matching documents as JSON lines.")
@store_errors
def command(
    query: str, service: str | None, level: str | None, since: str | None, limit: int, as_json: bool, **backend: Any
) -> None:
    """Search stored logs: words match anywhere in message and error fields ("quoted phrase", -exclude)."""
    try:
        cutoff = parse_since(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    store = open_store(**backend)
    docs = store.search(query, service=service, level=level, since=cutoff, limit=limit)
    if as_json:
        import json

        for doc in docs:
            click.echo(json.dumps(doc, ensure_ascii=False))
        return
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:  # piped: whole lines, not 80 columns
        console = Console(width=PIPE_WIDTH)
    if not docs:
        console.print("[yellow]no matching logs[/]")
        raise SystemExit(1)
    render_results(docs, console)


def render_results(docs: list[dict[str, Any]], console: Console) -> None:
    """The results table, laid out for the console's width.

    The message is what people read, so it keeps at least :data:`MIN_MESSAGE_WIDTH` columns: on narrower
    consoles the timestamp loses its year and milliseconds and the trace id is shortened (``logpipe trace`` accepts the
    full id only, so it is shown whole whenever it fits), then dropped.
    """
    width = console.width
    full_trace = width >= WIDE
    show_trace = width >= MEDIUM
    short_time = width < MEDIUM
    table = Table(title=f"{len(docs)} result(s), newest first", title_style="bold")
    table.add_column("time (UTC)" if short_time else "@timestamp", no_wrap=True)
    table.add_column("service", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("level", no_wrap=True)
    if show_trace:
        table.add_column(
            "trace.id", no_wrap=True, style="dim", overflow="ellipsis", max_width=None if full_trace else 9
        )
    table.add_column("message", overflow="fold", min_width=MIN_MESSAGE_WIDTH, ratio=1)
    for doc in docs:
        lvl = str(_get(doc, "log.level") or "")
        message = str(_get(doc, "message") or "").split("\n", 1)[0][:MAX_MESSAGE]
        stamp = str(doc.get("@timestamp", ""))
        cells: list[str | Text] = [
            f"{stamp[5:10]} {stamp[11:19]}" if short_time and len(stamp) >= 19 else stamp,
            str(_get(doc, "service.name") or ""),
            Text(lvl, style=LEVEL_STYLES.get(lvl, "")),
        ]
        if show_trace:
            trace_id = str(_get(doc, "trace.id") or "")
            cells.append(trace_id if full_trace or len(trace_id) <= 9 else trace_id[:8] + "…")
        cells.append(message)
        table.add_row(*cells)
    console.print(table)
