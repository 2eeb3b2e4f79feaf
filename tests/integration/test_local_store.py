"""LocalStore: SQLite + FTS5 search and trace lookup over nested ECS documents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from logpipe.stores.local_store import LocalStore, fts_query
from logpipe.traces import analyse_trace


def _doc(ts: str, service: str, level: str, message: str, trace: str | None = None) -> dict[str, object]:
    doc: dict[str, object] = {
        "@timestamp": ts,
        "message": message,
        "log": {"level": level},
        "service": {"name": service},
    }
    if trace:
        doc["trace"] = {"id": trace}
    return doc


DOCS = [
    _doc("2026-11-25T01:00:00.000Z", "api-gateway", "info", "POST /api/orders 200", "t1"),
    _doc("2026-11-25T01:00:01.000Z", "payment", "error", "PG timeout after 3000 ms", "t1"),
    _doc("2026-11-25T01:00:01.500Z", "order", "error", "결제가 실패했습니다 user=<EMAIL>", "t1"),
    _doc("2026-11-25T01:00:02.000Z", "order", "warn", "retrying payment", "t2"),
    _doc("2026-11-25T01:00:03.000Z", "notification", "info", "sent mail"),
]


def test_trace_search_and_iteration(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.db") as store:
        assert store.add(DOCS) == 5
        trace = store.fetch_trace("t1")
        assert [d["service"]["name"] for d in trace] == ["api-gateway", "payment", "order"]
        report = analyse_trace("t1", trace)
        assert report.origin is not None and report.origin.service == "payment"
        assert [d["message"] for d in store.search("결제")] == [DOCS[2]["message"]]
        assert [d["message"] for d in store.search("time")] == [DOCS[1]["message"]]
        assert len(store.search("", level="warn")) == 3
        assert [d["service"]["name"] for d in store.search("", service="order")] == ["order", "order"]
        since = datetime(2026, 11, 25, 1, 0, 2, tzinfo=UTC)
        assert len(store.search("", since=since)) == 2
        # 'payment' matches the payment service's doc (service names are searchable) and the excluded warn
        assert [d["message"] for d in store.search("payment -retrying")] == [DOCS[1]["message"]]
        assert store.search("/// !!") == []
        assert list(store.iter_documents()) == DOCS
        assert store.trace_ids_with_errors() == ["t1"]
    with LocalStore(tmp_path / "s.db") as reopened:
        assert reopened.count() == 5
        reopened.clear()
        assert reopened.count() == 0


def test_fts_query_quotes_everything() -> None:
    assert fts_query('user@example.com "read timed out" -debug') == (
        '("user"* "example"* "com"*) AND "read timed out" NOT "debug"*'
    )
    assert fts_query("   ") is None
