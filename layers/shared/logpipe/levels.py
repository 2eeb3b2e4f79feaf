"""Log levels: the standard lower-case names and their order, shared by parsers, filters and alerts."""

from __future__ import annotations

# Most to least verbose. Every normalised ``log.level`` is one of these.
LEVEL_NAMES: tuple[str, ...] = ("trace", "debug", "info", "warn", "error", "fatal")
LEVEL_RANK: dict[str, int] = {name: i for i, name in enumerate(LEVEL_NAMES)}


def level_rank(level: str | None) -> int:
    """Severity rank of a normalised level; unknown or missing levels rank as ``info``."""
    if level is None:
        return LEVEL_RANK["info"]
    return LEVEL_RANK.get(level, LEVEL_RANK["info"])
