"""Links into OpenSearch Dashboards Discover, filtered by trace id or service, for alerts and the CLI.

Discover reads its state from rison in the URL fragment: ``_g`` (time range) and ``_a`` (index pattern,
query). The index pattern id is the one the bootstrap imports (:func:`index_pattern_id`).
"""

from __future__ import annotations

from urllib.parse import quote


def index_pattern_id(environment: str) -> str:
    """Saved-object id of the ``logs-*`` index pattern the bootstrap creates for ``environment``."""
    return f"logpipe-{environment}-logs"


def rison_string(value: str) -> str:
    """A rison string literal (``'`` and ``!`` escaped with ``!``)."""
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def kql_quote(value: str) -> str:
    """A KQL quoted value."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def discover_url(
    dashboards_url: str,
    kql: str,
    *,
    environment: str | None = None,
    time_from: str = "now-24h",
    time_to: str = "now",
) -> str:
    """A Discover URL showing documents matching ``kql`` between ``time_from`` and ``time_to``."""
    state = f"query:(language:kuery,query:{rison_string(kql)})"
    if environment:
        state = f"index:{rison_string(index_pattern_id(environment))},{state}"
    g = f"(time:(from:{rison_string(time_from)},to:{rison_string(time_to)}))"
    safe = "(),:!'*-_."
    return f"{dashboards_url.rstrip('/')}/app/discover#/?_g={quote(g, safe=safe)}&_a=({quote(state, safe=safe)})"


def trace_url(dashboards_url: str, trace_id: str, environment: str | None = None) -> str:
    """Discover filtered by the id as ``trace.id`` or ``transaction.id`` over the last 7 days (a trace is short,
    but alerts can be late; a sample may carry only a transaction id)."""
    quoted = kql_quote(trace_id)
    kql = f"trace.id:{quoted} or transaction.id:{quoted}"
    return discover_url(dashboards_url, kql, environment=environment, time_from="now-7d")


def service_url(
    dashboards_url: str,
    service: str,
    environment: str | None = None,
    time_from: str = "now-1h",
    time_to: str = "now",
    levels: tuple[str, ...] = ("error", "fatal"),
) -> str:
    """Discover filtered by ``service.name`` (and levels) around the alert period."""
    kql = f"service.name:{kql_quote(service)}"
    if levels:
        kql += " and log.level:(" + " or ".join(levels) + ")"
    return discover_url(dashboards_url, kql, environment=environment, time_from=time_from, time_to=time_to)
