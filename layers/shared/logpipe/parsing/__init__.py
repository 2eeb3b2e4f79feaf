"""Parsing: turn one raw event into a flat ECS document plus the fields nobody consumed.

INTERIM first cut written with the foundation; the parser registry replaces it.
Contract (stable, used by logpipe.pipeline):

    parsers = load_parsers(directory=None)          # validated parsers.yaml, once per container
    doc, rest = parse_event(event, parsers)

``doc`` is flat with dotted ECS keys: always ``message`` (str) and ``logpipe.parse`` (parser name); when
found ``@timestamp`` (ISO-8601 UTC with milliseconds, ``Z``), ``log.level`` (one of levels.LEVEL_NAMES),
``log.logger``, ``error.type`` / ``error.message`` / ``error.stack_trace``, ``http.*`` / ``url.*`` /
``source.ip`` / ``user_agent.original`` for access logs, and ids the parser happened to see.
``rest`` holds every field of the event that was not consumed (``kubernetes``, app fields, MDC ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ParserSet:
    """Compiled parser configuration."""

    default_timezone: str = "UTC"


def load_parsers(directory: str | None = None) -> ParserSet:
    """Load the parser configuration."""
    return ParserSet()


def parse_event(event: dict[str, Any], parsers: ParserSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``event`` into a flat document and the unconsumed rest."""
    rest = dict(event)
    doc: dict[str, Any] = {}
    message = None
    for key in ("message", "msg", "log"):
        if isinstance(rest.get(key), str):
            message = rest.pop(key)
            break
    doc["message"] = message if message is not None else ""
    doc["logpipe.parse"] = "json" if message is not None and "log" not in event else "raw"
    return doc, rest
