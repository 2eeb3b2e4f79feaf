"""Make the domain's monitors match the compiled alert rules: create, update, delete what logpipe owns.

Ownership is by name: every monitor logpipe creates is called ``logpipe-<env>-<rule>``. Monitors with that
prefix whose rule no longer exists (or is disabled) are deleted; duplicates left by an interrupted run are
removed; monitors with other names are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from logpipe.opensearch.api import OpenSearchApi, OpenSearchApiError

MONITORS = "/_plugins/_alerting/monitors"


@dataclass(slots=True)
class ExistingMonitor:
    """A monitor found on the domain."""

    id: str
    name: str
    seq_no: int | None = None
    primary_term: int | None = None


@dataclass(slots=True)
class SyncResult:
    """What the sync did, by monitor name."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """``created 2, updated 3, deleted 1``."""
        return f"created {len(self.created)}, updated {len(self.updated)}, deleted {len(self.deleted)}"


def find_owned(api: OpenSearchApi, prefix: str) -> list[ExistingMonitor]:
    """Monitors whose name starts with ``prefix`` (empty when Alerting has no monitors yet)."""
    body = {
        "size": 1000,
        "seq_no_primary_term": True,
        "query": {"prefix": {"monitor.name.keyword": prefix}},
    }
    try:
        response = api.call("POST", f"{MONITORS}/_search", body)
    except OpenSearchApiError as exc:
        # Before the first monitor exists the config index does not either.
        if exc.status == 404 or "index_not_found" in exc.reason:
            return []
        raise
    found = []
    for hit in response.get("hits", {}).get("hits", []):
        source = hit.get("_source", {})
        monitor = source.get("monitor", source) if isinstance(source, Mapping) else {}
        name = monitor.get("name") if isinstance(monitor, Mapping) else None
        if isinstance(name, str) and name.startswith(prefix):
            found.append(ExistingMonitor(hit["_id"], name, hit.get("_seq_no"), hit.get("_primary_term")))
    return found


def sync_monitors(api: OpenSearchApi, prefix: str, monitors: Iterable[Mapping[str, Any]]) -> SyncResult:
    """Create or update every monitor in ``monitors``; delete owned monitors not among them."""
    result = SyncResult()
    existing: dict[str, list[ExistingMonitor]] = {}
    for mon in find_owned(api, prefix):
        existing.setdefault(mon.name, []).append(mon)
    wanted = set()
    for body in monitors:
        name = str(body["name"])
        wanted.add(name)
        current = existing.get(name, [])
        if current:
            keep, *extra = current
            params: dict[str, Any] = {}
            if keep.seq_no is not None and keep.primary_term is not None:
                params = {"if_seq_no": keep.seq_no, "if_primary_term": keep.primary_term}
            api.call("PUT", f"{MONITORS}/{keep.id}", body, params)
            result.updated.append(name)
            for dup in extra:
                api.call("DELETE", f"{MONITORS}/{dup.id}", missing_ok=True)
                result.deleted.append(name)
        else:
            api.call("POST", MONITORS, body)
            result.created.append(name)
    for name, mons in existing.items():
        if name not in wanted:
            for mon in mons:
                api.call("DELETE", f"{MONITORS}/{mon.id}", missing_ok=True)
                result.deleted.append(name)
    return result


def delete_owned(api: OpenSearchApi, prefix: str) -> list[str]:
    """Delete every monitor logpipe owns for ``prefix`` (stack deletion)."""
    deleted = []
    for mon in find_owned(api, prefix):
        api.call("DELETE", f"{MONITORS}/{mon.id}", missing_ok=True)
        deleted.append(mon.name)
    return deleted
