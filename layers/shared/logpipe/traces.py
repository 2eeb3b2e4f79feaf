"""Trace correlation across services: from one trace's documents to a timeline and the error's origin.

The same function serves ``logpipe trace`` (local store, OpenSearch, Athena) and the Slack notifier's
lookup, so an operator sees the same answer in the terminal and in the alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from logpipe.levels import LEVEL_RANK

ERROR_RANK = LEVEL_RANK["error"]


class TraceSource(Protocol):
    """Anything that can return the stored documents of one trace (nested ECS documents)."""

    def fetch_trace(self, trace_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Documents whose ``trace.id`` is ``trace_id``, any order."""
        ...


def _get(doc: Mapping[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, Mapping) and path in node:  # flat documents
            return node[path]
        else:
            return None
    return node


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One log line of the trace, as shown in a timeline."""

    timestamp: str
    service: str
    level: str
    message: str
    span_id: str | None = None
    error_type: str | None = None

    @property
    def is_error(self) -> bool:
        """Errors and fatals count as errors."""
        return LEVEL_RANK.get(self.level, 2) >= ERROR_RANK


@dataclass(frozen=True, slots=True)
class TraceReport:
    """The trace as a timeline, where its first error happened and which services the error reached."""

    trace_id: str
    entries: tuple[TimelineEntry, ...]
    services: tuple[str, ...] = ()
    origin: TimelineEntry | None = None
    spread_to: tuple[str, ...] = ()
    error_gap_ms: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view for ``--json`` and the notifier."""
        return {
            "trace_id": self.trace_id,
            "services": list(self.services),
            "origin_service": self.origin.service if self.origin else None,
            "origin": _entry_dict(self.origin) if self.origin else None,
            "spread_to": list(self.spread_to),
            "error_gap_ms": self.error_gap_ms,
            "timeline": [_entry_dict(e) for e in self.entries],
        }


def _entry_dict(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "@timestamp": entry.timestamp,
        "service": entry.service,
        "level": entry.level,
        "message": entry.message,
        "span_id": entry.span_id,
        "error_type": entry.error_type,
    }


def _millis(ts: str) -> int | None:
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def analyse_trace(trace_id: str, documents: Iterable[Mapping[str, Any]]) -> TraceReport:
    """Order ``documents`` by time and find the origin service: the one that logged the earliest error.

    The error "spread to" every other service that logged an error later in the same trace; the gap is
    the time between the origin error and the last of those.
    """
    entries = sorted(
        (
            TimelineEntry(
                timestamp=str(_get(doc, "@timestamp") or ""),
                service=str(_get(doc, "service.name") or "unknown"),
                level=str(_get(doc, "log.level") or "info"),
                message=str(_get(doc, "message") or ""),
                span_id=_get(doc, "span.id"),
                error_type=_get(doc, "error.type"),
            )
            for doc in documents
        ),
        key=lambda e: e.timestamp,
    )
    services: list[str] = []
    for entry in entries:
        if entry.service not in services:
            services.append(entry.service)
    errors = [e for e in entries if e.is_error]
    origin = errors[0] if errors else None
    spread: list[str] = []
    for entry in errors[1:]:
        if origin and entry.service != origin.service and entry.service not in spread:
            spread.append(entry.service)
    gap = None
    if origin and len(errors) > 1:
        first, last = _millis(origin.timestamp), _millis(errors[-1].timestamp)
        if first is not None and last is not None:
            gap = last - first
    return TraceReport(
        trace_id=trace_id,
        entries=tuple(entries),
        services=tuple(services),
        origin=origin,
        spread_to=tuple(spread),
        error_gap_ms=gap,
    )


def lookup_traces(source: TraceSource, trace_ids: Sequence[str], limit: int = 1000) -> list[TraceReport]:
    """Fetch and analyse several traces (the notifier looks up to three sample trace ids)."""
    return [analyse_trace(tid, source.fetch_trace(tid, limit)) for tid in trace_ids]
