"""Reading fields from raw log records by name or dotted path, the way loggers actually nest them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Value at ``path`` in ``record``: the literal key first (``"service.name"``), then nested objects.

    Loggers disagree on whether ``a.b`` is one key or two levels; both are tried, literal key first.
    Returns ``None`` when absent.
    """
    if path in record:
        return record[path]
    if "." not in path:
        return None
    head, _, tail = path.partition(".")
    inner = record.get(head)
    if isinstance(inner, Mapping):
        return lookup(inner, tail)
    # Keys that themselves contain dots deeper down ("labels" -> "app.kubernetes.io/name").
    for key, value in record.items():
        if isinstance(value, Mapping) and path.startswith(key + "."):
            found = lookup(value, path[len(key) + 1 :])
            if found is not None:
                return found
    return None


def first_present(record: Mapping[str, Any], paths: Iterable[str]) -> tuple[str, Any] | tuple[None, None]:
    """The first ``(path, value)`` among ``paths`` whose value is a non-empty scalar."""
    for path in paths:
        value = lookup(record, path)
        if value is None or value == "" or isinstance(value, Mapping | list):
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
