"""Counters of one batch (or of a whole local run): what came in, what was kept, dropped, failed, masked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class BatchStats:
    """Per-batch counts, turned into EMF metrics by the handler and into a summary by the CLI.

    ``records_*`` count Firehose records (what Firehose bills and retries); ``events_*`` count log events
    (an aggregated record holds many). ``records_in == records_ok + records_dropped + records_failed``.
    """

    records_in: int = 0
    records_ok: int = 0
    records_dropped: int = 0
    records_failed: int = 0
    events_in: int = 0
    events_ok: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    dropped_by_rule: Counter[str] = field(default_factory=Counter)
    failed_by_reason: Counter[str] = field(default_factory=Counter)
    masked_by_type: Counter[str] = field(default_factory=Counter)
    parser_used: Counter[str] = field(default_factory=Counter)
    events_by_service: Counter[str] = field(default_factory=Counter)

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
            "dropped_by_rule": dict(self.dropped_by_rule),
            "failed_by_reason": dict(self.failed_by_reason),
            "masked_by_type": dict(self.masked_by_type),
            "parser_used": dict(self.parser_used),
            "events_by_service": dict(self.events_by_service),
        }
