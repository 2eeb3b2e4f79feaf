"""The embedded search store of the local run: SQLite with FTS5 (standard library, no server).

It holds the search stream's documents exactly as the processor produced them (nested ECS JSON), with
the fields operators filter by pulled into indexed columns and the text fields in an FTS5 index, so
``logpipe trace`` / ``logpipe search`` / ``logpipe alerts test`` work on a laptop the way they do against
OpenSearch.

Full-text matching: every word of the query matches as a prefix (``결제`` finds ``결제가``, ``time``
finds ``timeout``), ``"quoted phrases"`` match as phrases, ``-word`` excludes, and all terms must match.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from logpipe.jsonfast import dumps_str, loads
from logpipe.levels import LEVEL_NAMES, LEVEL_RANK
from logpipe.stores.query import iso_millis

DEFAULT_PATH = Path(".logpipe/local/search.db")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    service TEXT,
    level TEXT,
    trace_id TEXT,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_trace ON docs(trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_ts ON docs(ts);
CREATE INDEX IF NOT EXISTS docs_service_ts ON docs(service, ts);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    message, error, ids, tokenize = 'unicode61 remove_diacritics 2'
);
"""
_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _get(doc: Mapping[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return doc.get(path)  # flat (dotted) documents are accepted too
        node = node[part]
    return node


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def fts_query(text: str) -> str | None:
    """Turn what a person types into an FTS5 MATCH expression (``None`` when nothing is searchable).

    Words become quoted prefix terms, so FTS5 operators and punctuation in log text (``user@x``,
    ``/api/v1``) cannot break the query.
    """
    include: list[str] = []
    exclude: list[str] = []
    for negated_phrase, phrase, word in _TERM.findall(text):
        negated = bool(negated_phrase) or word.startswith("-")
        token = phrase if phrase else word.lstrip("-")
        tokens = re.findall(r"\w+", token)
        if not tokens:
            continue
        if phrase:
            term = '"' + " ".join(tokens) + '"'
        else:
            term = " ".join('"' + t + '"*' for t in tokens)
            term = f"({term})" if len(tokens) > 1 else term
        (exclude if negated else include).append(term)
    if not include:
        return None
    expression = " AND ".join(include)
    for term in exclude:
        expression += f" NOT {term}"
    return expression


class LocalStore:
    """Nested ECS documents in one SQLite file (created on first use)."""

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path))
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def clear(self) -> None:
        """Remove every document (``logpipe run --reset``)."""
        with self._db:
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM docs_fts")

    def add(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Store ``docs`` (one transaction); returns how many were added."""
        rows = []
        fts_rows = []
        with self._db:
            cursor = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM docs")
            next_id = int(cursor.fetchone()[0]) + 1
            for doc in docs:
                error_text = " ".join(
                    _text(_get(doc, key)) for key in ("error.type", "error.message", "error.stack_trace")
                ).strip()
                ids_text = " ".join(
                    _text(_get(doc, key)) for key in ("trace.id", "span.id", "transaction.id", "service.name")
                ).strip()
                trace_id = _get(doc, "trace.id")
                rows.append(
                    (
                        next_id,
                        _text(_get(doc, "@timestamp")),
                        _text(_get(doc, "service.name")) or None,
                        _text(_get(doc, "log.level")) or None,
                        _text(trace_id) if trace_id else None,
                        dumps_str(doc),
                    )
                )
                fts_rows.append((next_id, _text(_get(doc, "message")), error_text, ids_text))
                next_id += 1
            self._db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._db.executemany("INSERT INTO docs_fts(rowid, message, error, ids) VALUES (?, ?, ?, ?)", fts_rows)
        return len(rows)

    def count(self) -> int:
        """Number of stored documents."""
        return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def fetch_trace(self, trace_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Every document of ``trace_id``, oldest first (implements :class:`logpipe.traces.TraceSource`)."""
        cursor = self._db.execute(
            "SELECT source FROM docs WHERE trace_id = ? ORDER BY ts, id LIMIT ?", (trace_id, limit)
        )
        return [loads(row[0]) for row in cursor]

    def search(
        self,
        query: str = "",
        service: str | None = None,
        level: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Full-text and field search, newest first. ``level`` keeps that level and anything more severe."""
        where: list[str] = []
        params: list[Any] = []
        match = fts_query(query)
        if query.strip() and match is None:
            return []  # only punctuation: nothing can match
        if match is not None:
            where.append("d.id IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)")
            params.append(match)
        if service:
            where.append("d.service = ?")
            params.append(service)
        if level:
            wanted = [name for name in LEVEL_NAMES if LEVEL_RANK[name] >= LEVEL_RANK.get(level, 0)]
            where.append(f"d.level IN ({','.join('?' * len(wanted))})")
            params.extend(wanted)
        if since is not None:
            where.append("d.ts >= ?")
            params.append(iso_millis(since))
        sql = "SELECT d.source FROM docs d"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY d.ts DESC, d.id DESC LIMIT ?"
        params.append(limit)
        return [loads(row[0]) for row in self._db.execute(sql, params)]

    def iter_documents(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every document in time order (``logpipe alerts test`` replays them through the alert rules)."""
        if since is None:
            cursor = self._db.execute("SELECT source FROM docs ORDER BY ts, id")
        else:
            cursor = self._db.execute("SELECT source FROM docs WHERE ts >= ? ORDER BY ts, id", (iso_millis(since),))
        for row in cursor:
            yield loads(row[0])

    def trace_ids_with_errors(self, limit: int = 10) -> list[str]:
        """Traces that logged an error, most recent first (the demo and ``logpipe trace`` hints use it)."""
        cursor = self._db.execute(
            "SELECT trace_id, MAX(ts) AS last FROM docs WHERE trace_id IS NOT NULL AND level IN ('error', 'fatal') "
            "GROUP BY trace_id ORDER BY last DESC LIMIT ?",
            (limit,),
        )
        return [str(row[0]) for row in cursor]
