"""Durations as people write them in rule files (``30s``, ``5m``, ``1h``, ``1d``)."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """``"5m"`` -> 300 seconds; raises ValueError naming the accepted forms."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a duration like 30s, 5m, 1h or 1d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def date_math(seconds: int) -> str:
    """300 -> ``5m``: the OpenSearch date-math unit for a window (``{{period_end}}||-5m``)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def schedule_period(seconds: int) -> dict[str, object]:
    """The monitor ``schedule.period`` for an interval (Alerting's smallest unit is MINUTES)."""
    if seconds % 3600 == 0:
        return {"interval": seconds // 3600, "unit": "HOURS"}
    return {"interval": max(1, seconds // 60), "unit": "MINUTES"}
