"""Shape the final document: bound oversize fields, nest dotted keys (ECS), derive S3 partition keys."""

from __future__ import annotations

import re
from typing import Any

from logpipe.pipeline_config import Limits

TRUNCATION_MARKER = "…[truncated {n} bytes]"
_PARTITION_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def truncate_utf8(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``max_bytes`` UTF-8 bytes (never inside a character), with a marker."""
    if len(text) * 4 <= max_bytes:  # fast path: cannot exceed even if every char took 4 bytes
        return text, False
    raw = text.encode("utf-8", "backslashreplace")
    if len(raw) <= max_bytes:
        return text, False
    cut = raw[:max_bytes].decode("utf-8", "ignore")
    return cut + TRUNCATION_MARKER.format(n=len(raw) - len(cut.encode("utf-8"))), True


def apply_limits(doc: dict[str, Any], limits: Limits) -> None:
    """Truncate the message and stack trace in place; flag the document when anything was cut."""
    truncated = False
    for key, limit in (
        ("message", limits.max_message_bytes),
        ("error.stack_trace", limits.max_stack_trace_bytes),
        ("error.message", limits.max_message_bytes),
    ):
        value = doc.get(key)
        if isinstance(value, str):
            doc[key], cut = truncate_utf8(value, limit)
            truncated |= cut
    if truncated:
        doc["logpipe.truncated"] = True


# Dotted key -> (object path, leaf name). Documents reuse a few hundred distinct keys, so splitting each
# once per container (instead of once per record) is a measurable share of the per-record cost.
_NEST_PLANS: dict[str, tuple[tuple[str, ...], str]] = {}
_NEST_PLANS_MAX = 4096


def _nest_plan(key: str) -> tuple[tuple[str, ...], str]:
    *prefix, leaf = key.split(".")
    plan = (tuple(prefix), leaf)
    if len(_NEST_PLANS) < _NEST_PLANS_MAX:  # labels.* keys come from data: stay bounded
        _NEST_PLANS[key] = plan
    return plan


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"log.level": "info"}`` -> ``{"log": {"level": "info"}}``; ``@timestamp`` stays a top-level key.

    A scalar and an object at the same path cannot both exist; the scalar moves to ``<path>.value``
    rather than being lost (for example ``service`` and ``service.name``).
    """
    out: dict[str, Any] = {}
    plans = _NEST_PLANS
    for key, value in flat.items():
        plan = plans.get(key)
        if plan is None:
            plan = _nest_plan(key)
        prefix, leaf = plan
        node = out
        for part in prefix:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                child = node[part] = {"value": child}
            node = child
        if not prefix:
            existing = out.get(leaf)
            if isinstance(existing, dict):
                existing["value"] = value
                continue
        node[leaf] = value
    return out


def partition_value(value: str) -> str:
    """A string safe as an S3 key segment (Firehose dynamic partitioning rejects some characters)."""
    cleaned = _PARTITION_SAFE.sub("_", value).strip("._") or "unknown"
    return cleaned[:100]


def partition_keys(service: str, timestamp: str) -> dict[str, str]:
    """Firehose dynamic partitioning keys from the service and an ISO-8601 UTC ``@timestamp``."""
    return {
        "service": partition_value(service),
        "year": timestamp[0:4],
        "month": timestamp[5:7],
        "day": timestamp[8:10],
        "hour": timestamp[11:13],
    }
