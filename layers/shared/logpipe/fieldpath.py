"""Reading fields from raw log records by name or dotted path, the way loggers actually nest them.

Hot path: the processor asks for ~60 candidate field names per record (service, environment, version,
trace / span / transaction ids, context objects). Most are absent, so the common case must cost one
dict membership test: exact ``dict`` types are tested before the (slow) ``Mapping`` ABC check, and the
scan for keys that themselves contain dots only looks at such keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, (dict, Mapping))


def _dotted_keys(record: Mapping[str, Any]) -> list[str]:
    return [key for key in record if isinstance(key, str) and "." in key]


def _nested(record: Mapping[str, Any], path: str, dotted: list[str]) -> Any:
    """``path`` (which has a dot and is not a literal key of ``record``) looked up through nested objects."""
    head, _, tail = path.partition(".")
    inner = record.get(head)
    if _is_mapping(inner):
        return lookup(inner, tail)
    # Keys that themselves contain dots deeper down ("labels" -> "app.kubernetes.io/name").
    for key in dotted:
        if path.startswith(key + "."):
            value = record[key]
            if _is_mapping(value):
                found = lookup(value, path[len(key) + 1 :])
                if found is not None:
                    return found
    return None


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Value at ``path`` in ``record``: the literal key first (``"service.name"``), then nested objects.

    Loggers disagree on whether ``a.b`` is one key or two levels; both are tried, literal key first.
    Returns ``None`` when absent.
    """
    if path in record:
        return record[path]
    if "." not in path:
        return None
    return _nested(record, path, _dotted_keys(record))


# Compiled path lists: (path, head, separator, tail) split at the first dot ("" separator: no dot; a path
# ending in a dot has a dot and an empty tail). The lists come from
# configuration (tuples built once per container), so they are keyed by identity and bounded in number.
_Plan = tuple[tuple[str, str, str, str], ...]
_PLANS: dict[int, tuple[Iterable[str], _Plan]] = {}


def _plan(paths: Iterable[str]) -> _Plan:
    entry = _PLANS.get(id(paths))
    if entry is not None and entry[0] is paths:
        return entry[1]
    plan = tuple((path, *path.partition(".")) for path in paths)
    if isinstance(paths, tuple) and len(_PLANS) < 256:  # lists may be mutated later: not cached
        _PLANS[id(paths)] = (paths, plan)
    return plan


def first_present(record: Mapping[str, Any], paths: Iterable[str]) -> tuple[str, Any] | tuple[None, None]:
    """The first ``(path, value)`` among ``paths`` whose value is a non-empty scalar."""
    dotted: list[str] | None = None
    for path, head, dot, tail in _plan(paths):
        if path in record:
            value = record[path]
        else:
            if not dot:
                continue
            inner = record.get(head)
            if inner is not None and _is_mapping(inner):
                value = lookup(inner, tail)
            else:
                if dotted is None:
                    dotted = _dotted_keys(record)
                if not dotted:
                    continue
                value = _nested(record, path, dotted)
        if value is None or value == "":
            continue
        if isinstance(value, str | int | float):  # the common case: skip the Mapping ABC check
            return path, value
        if isinstance(value, list) or _is_mapping(value):
            continue
        return path, value
    return None, None


def first_possible(record: dict[str, Any], paths: tuple[str, ...]) -> tuple[str, Any] | tuple[None, None]:
    """:func:`first_present` over paths already narrowed to those a record without dotted keys can hold.

    The hot-path form used with per-key-set plans (correlate, enrich): same acceptance as ``first_present``
    (empty strings and ``None`` skipped, objects and lists are not values), without its planning.
    """
    for path in paths:
        value = record[path] if path in record else lookup(record, path)
        if value is None or value == "":
            continue
        if isinstance(value, str | int | float):
            return path, value
        if isinstance(value, (list, dict, Mapping)):
            continue
        return path, value
    return None, None


def pop_path(record: dict[str, Any], path: str) -> None:
    """Remove ``path`` (literal key or nested) so the value is not stored twice."""
    if path in record:
        del record[path]
        return
    head, _, tail = path.partition(".")
    inner = record.get(head)
    if tail and isinstance(inner, dict):
        pop_path(inner, tail)
        if not inner:
            del record[head]
