"""What a search asks for, independent of the backend that answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """``"15m"`` -> the moment 15 minutes before ``now``; an ISO-8601 time is taken as is.

    Raises ValueError with the accepted forms when ``text`` is neither (a typo must not silently search
    everything).
    """
    if text is None or not text.strip():
        return None
    match = _DURATION.match(text)
    if match:
        delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return (now or datetime.now(UTC)) - delta
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"--since {text!r}: use a duration like 30s, 15m, 2h, 7d, 1w or an ISO-8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_millis(moment: datetime) -> str:
    """The ``@timestamp`` format the processor writes (UTC, milliseconds, ``Z``), so strings compare in order."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A full-text query plus field filters; empty ``text`` matches every document."""

    text: str = ""
    service: str | None = None
    level: str | None = None
    since: datetime | None = None
    limit: int = 50


class SearchStore(Protocol):
    """A backend ``logpipe search`` and ``logpipe trace`` can read from."""

    def fetch_trace(self, trace_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Documents whose ``trace.id`` is ``trace_id``, any order."""
        ...

    def search(
        self,
        query: str = "",
        service: str | None = None,
        level: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Newest first."""
        ...
