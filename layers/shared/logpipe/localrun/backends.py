"""Search backends of the local run: the SQLite FTS5 store, or a real OpenSearch bulk-loaded like Firehose."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from logpipe.stores.local_store import LocalStore
from logpipe.stores.opensearch_store import OpenSearchStore, daily_index


@dataclass(slots=True)
class LocalBackend:
    """Documents into :class:`LocalStore` (SQLite refuses nothing that is valid JSON)."""

    store: LocalStore

    def index(self, docs: list[dict[str, Any]], arrivals: list[int]) -> list[tuple[int, str]]:
        """Store every document."""
        self.store.add(docs)
        return []


@dataclass(slots=True)
class OpenSearchBackend:
    """Documents into ``logs-<env>-YYYY-MM-DD`` by arrival day, as Firehose's ``OneDay`` index rotation does."""

    store: OpenSearchStore
    environment: str

    def index(self, docs: list[dict[str, Any]], arrivals: list[int]) -> list[tuple[int, str]]:
        """Bulk-index per daily index; return refused documents' positions and reasons."""
        by_index: dict[str, list[int]] = defaultdict(list)
        for position, arrival in enumerate(arrivals):
            by_index[daily_index(self.environment, datetime.fromtimestamp(arrival / 1000, UTC))].append(position)
        refused: list[tuple[int, str]] = []
        for index, positions in by_index.items():
            result = self.store.bulk_index([docs[p] for p in positions], index)
            pending = list(result.failed)  # copies of the refused documents, in request order
            for p in positions:
                if pending and pending[0][0] == docs[p]:
                    refused.append((p, pending.pop(0)[1]))  # noqa: PERF401 (pops as it goes)
        return refused
