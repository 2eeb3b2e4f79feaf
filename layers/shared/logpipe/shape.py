"""Shape the final document: bound oversize fields, nest dotted keys (ECS), derive S3 partition keys."""

from __future__ import annotations

import re
from collections.abc import Callable
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
        # len * 4 <= limit: cannot exceed even if every character took 4 bytes (truncate_utf8's fast path).
        if isinstance(value, str) and len(value) * 4 > limit:
            doc[key], cut = truncate_utf8(value, limit)
            truncated |= cut
    if truncated:
        doc["logpipe.truncated"] = True


# Dotted key -> (depth, first segment, second segment, leaf) for keys of up to two dots (the ECS fields and
# labels: nearly all), (depth, object path, "", leaf) beyond. Documents reuse a few hundred distinct keys,
# so splitting each once per container (instead of once per record) is a measurable share of the cost.
_Plan = tuple[int, Any, str, str]
_NEST_PLANS: dict[str, _Plan] = {}
_NEST_PLANS_MAX = 4096


def _nest_plan(key: str) -> _Plan:
    *prefix, leaf = key.split(".")
    depth = len(prefix)
    if depth == 1:
        plan: _Plan = (1, prefix[0], "", leaf)
    elif depth == 2:
        plan = (2, prefix[0], prefix[1], leaf)
    else:
        plan = (depth, tuple(prefix), "", leaf)
    if len(_NEST_PLANS) < _NEST_PLANS_MAX:  # labels.* keys come from data: stay bounded
        _NEST_PLANS[key] = plan
    return plan


# Documents come in few shapes (key sequences): ~150 in 10,000 corpus records, most documents in a few
# dozen. For a shape seen _BUILD_AFTER times, a builder function is generated whose body is one nested
# dict display in the shape's order (CPython builds such a display about twice as fast as key-by-key
# insertion). Generating one costs ~0.25 ms, repaid after ~80 documents of its shape, so rare shapes stay
# on the general path. Keys are embedded with repr(), so any key is a safe literal. Shapes where a key is
# also the object path of another key ("service" and "service.name") keep the general algorithm, whose
# merging rules they need. Everything is bounded (keys come from data).
_Builder = Callable[..., dict[str, Any]]
_BUILDERS: dict[tuple[str, ...], _Builder | None] = {}
_SIGHTINGS: dict[tuple[str, ...], int] = {}
_BUILD_AFTER = 16
_BUILDERS_MAX = 1024
_BUILDER_MAX_KEYS = 200
_BUILDER_MAX_KEY_CHARS = 8192


def _compile_builder(shape: tuple[str, ...]) -> _Builder | None:
    """A function taking the shape's values in order and returning the nested document, or ``None``."""
    if len(shape) > _BUILDER_MAX_KEYS or sum(len(key) for key in shape) > _BUILDER_MAX_KEY_CHARS:
        return None
    tree: dict[str, Any] = {}  # name -> subtree, or the index of the value it holds
    for index, key in enumerate(shape):
        *prefix, leaf = key.split(".")
        node = tree
        for part in prefix:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                return None  # a value and an object at the same path: the general rules apply
            node = child
        if leaf in node:
            return None
        node[leaf] = index

    def display(node: dict[str, Any]) -> str:
        members = (f"{key!r}: {display(sub) if isinstance(sub, dict) else f'v{sub}'}" for key, sub in node.items())
        return "{" + ", ".join(members) + "}"

    params = ", ".join(f"v{i}" for i in range(len(shape)))
    namespace: dict[str, Any] = {}
    code = compile(f"def build({params}):\n    return {display(tree)}\n", "<logpipe.shape.nest>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from repr() of the keys only
    builder: _Builder = namespace["build"]
    return builder


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"log.level": "info"}`` -> ``{"log": {"level": "info"}}``; ``@timestamp`` stays a top-level key.

    A scalar and an object at the same path cannot both exist; the scalar moves to ``<path>.value``
    rather than being lost (for example ``service`` and ``service.name``).
    """
    shape = tuple(flat)
    builder = _BUILDERS.get(shape)
    if builder is not None:
        return builder(*flat.values())
    if shape not in _BUILDERS and len(_BUILDERS) < _BUILDERS_MAX:
        seen = _SIGHTINGS.get(shape, 0) + 1
        if seen >= _BUILD_AFTER:
            del _SIGHTINGS[shape]
            built = _BUILDERS[shape] = _compile_builder(shape)
            if built is not None:
                return built(*flat.values())
        else:
            if len(_SIGHTINGS) >= _BUILDERS_MAX * 8:
                _SIGHTINGS.clear()
            _SIGHTINGS[shape] = seen
    return nest_by_key(flat)


def nest_by_key(flat: dict[str, Any]) -> dict[str, Any]:
    """:func:`nest` key by key (any shape): new objects are created with their first member in one step,
    and keys of one and two dots (nearly all) take unrolled paths."""
    out: dict[str, Any] = {}
    plans = _NEST_PLANS
    for key, value in flat.items():
        plan = plans.get(key)
        if plan is None:
            plan = _nest_plan(key)
        depth, head, second, leaf = plan
        if depth == 1:
            child = out.get(head)
            if child is None:
                out[head] = {leaf: value}
            elif isinstance(child, dict):
                child[leaf] = value
            else:
                out[head] = {"value": child, leaf: value}
        elif depth == 2:
            child = out.get(head)
            if child is None:
                out[head] = {second: {leaf: value}}
                continue
            if not isinstance(child, dict):
                child = out[head] = {"value": child}
            grand = child.get(second)
            if grand is None:
                child[second] = {leaf: value}
            elif isinstance(grand, dict):
                grand[leaf] = value
            else:
                child[second] = {"value": grand, leaf: value}
        elif depth == 0:
            existing = out.get(leaf)
            if isinstance(existing, dict):
                existing["value"] = value
            else:
                out[leaf] = value
        else:
            node = out
            for part in head:
                child = node.get(part)
                if child is None:
                    child = node[part] = {}
                elif not isinstance(child, dict):
                    child = node[part] = {"value": child}
                node = child
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
