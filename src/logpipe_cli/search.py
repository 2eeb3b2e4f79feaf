"""``logpipe search``: full-text and field search over stored logs (local store, OpenSearch or Athena)."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from logpipe.stores.query import parse_since
from logpipe_cli.store_options import backend_options, open_store, store_errors
from logpipe_cli.trace import LEVEL_STYLES


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
    if not docs:
        console.print("[yellow]no matching logs[/]")
        raise SystemExit(1)
    table = Table(title=f"{len(docs)} result(s), newest first", title_style="bold")
    table.add_column("@timestamp", no_wrap=True)
    table.add_column("service", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("trace.id", no_wrap=True, style="dim")
    table.add_column("message", overflow="fold")
    for doc in docs:
        lvl = str(_get(doc, "log.level") or "")
        message = str(_get(doc, "message") or "").split("\n", 1)[0][:160]
        table.add_row(
            str(doc.get("@timestamp", "")),
            str(_get(doc, "service.name") or ""),
            Text(lvl, style=LEVEL_STYLES.get(lvl, "")),
            str(_get(doc, "trace.id") or ""),
            message,
        )
    console.print(table)
