"""Counters of one batch (or of a whole local run): what came in, what was kept, dropped, failed, masked."""

from __future__ import annotations

from collections import Counter
from typing import Any


class BatchStats:
    """Per-batch counts, turned into EMF metrics by the handler and into a summary by the CLI.

    ``records_*`` count Firehose records (what Firehose bills and retries); ``events_*`` count log events
    (an aggregated record holds many). ``records_in == records_ok + records_dropped + records_failed``.
    A plain class with ``__slots__`` (not a dataclass: ~1 ms of cold start to create one).
    """

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "dropped_by_rule",
        "events_by_service",
        "events_in",
        "events_ok",
        "failed_by_reason",
        "masked_by_type",
        "parser_used",
        "records_dropped",
        "records_failed",
        "records_in",
        "records_ok",
        "timestamps_from_arrival",
        "timestamps_unparsed",
    )

    def __init__(
        self,
        records_in: int = 0,
        records_ok: int = 0,
        records_dropped: int = 0,
        records_failed: int = 0,
        events_in: int = 0,
        events_ok: int = 0,
        bytes_in: int = 0,
        bytes_out: int = 0,
        dropped_by_rule: Counter[str] | None = None,
        failed_by_reason: Counter[str] | None = None,
        masked_by_type: Counter[str] | None = None,
        parser_used: Counter[str] | None = None,
        events_by_service: Counter[str] | None = None,
        timestamps_from_arrival: int = 0,
        timestamps_unparsed: int = 0,
    ) -> None:
        self.records_in = records_in
        self.records_ok = records_ok
        self.records_dropped = records_dropped
        self.records_failed = records_failed
        self.events_in = events_in
        self.events_ok = events_ok
        self.bytes_in = bytes_in
        self.bytes_out = bytes_out
        self.dropped_by_rule: Counter[str] = Counter() if dropped_by_rule is None else dropped_by_rule
        self.failed_by_reason: Counter[str] = Counter() if failed_by_reason is None else failed_by_reason
        self.masked_by_type: Counter[str] = Counter() if masked_by_type is None else masked_by_type
        self.parser_used: Counter[str] = Counter() if parser_used is None else parser_used
        self.events_by_service: Counter[str] = Counter() if events_by_service is None else events_by_service
        # Events whose time came from the Firehose arrival time / whose time field could not be read.
        self.timestamps_from_arrival = timestamps_from_arrival
        self.timestamps_unparsed = timestamps_unparsed

    def __repr__(self) -> str:
        return f"BatchStats({self.as_dict()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BatchStats) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable (as the dataclass was)

    def merge(self, other: BatchStats) -> None:
        """Add ``other``'s counts into this one (used to total a local run)."""
        for name in (
            "records_in",
            "records_ok",
            "records_dropped",
            "records_failed",
            "events_in",
            "events_ok",
            "bytes_in",
            "bytes_out",
            "timestamps_from_arrival",
            "timestamps_unparsed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("dropped_by_rule", "failed_by_reason", "masked_by_type", "parser_used", "events_by_service"):
            getattr(self, name).update(getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able view, for ``--json`` output and logs."""
        return {
            "records": {
                "in": self.records_in,
                "ok": self.records_ok,
                "dropped": self.records_dropped,
                "failed": self.records_failed,
            },
            "events": {"in": self.events_in, "ok": self.events_ok, "dropped": sum(self.dropped_by_rule.values())},
            "bytes": {"in": self.bytes_in, "out": self.bytes_out},
            "timestamps": {"from_arrival": self.timestamps_from_arrival, "unparsed": self.timestamps_unparsed},
            "dropped_by_rule": dict(self.dropped_by_rule),
            "failed_by_reason": dict(self.failed_by_reason),
            "masked_by_type": dict(self.masked_by_type),
            "parser_used": dict(self.parser_used),
            "events_by_service": dict(self.events_by_service),
        }
