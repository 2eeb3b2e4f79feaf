"""OpenSearchStore against a local HTTP server answering like OpenSearch (_search, _bulk)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe.stores.opensearch_store import OpenSearchStore, daily_index
from logpipe.traces import analyse_trace


def _hit(doc: dict[str, Any], i: int) -> dict[str, Any]:
    return {"_index": "logs-dev-2026-11-25", "_id": str(i), "_score": None, "_source": doc, "sort": [i]}


def _search_response(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "took": 3,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(docs), "relation": "eq"},
            "max_score": None,
            "hits": [_hit(d, i) for i, d in enumerate(docs)],
        },
    }


TRACE_DOCS = [
    {
        "@timestamp": "2026-11-25T01:00:00.100Z",
        "message": "POST /orders",
        "log": {"level": "info"},
        "service": {"name": "api-gateway"},
        "trace": {"id": "abc123"},
        "span": {"id": "s1"},
    },
    {
        "@timestamp": "2026-11-25T01:00:03.200Z",
        "message": "PG timeout",
        "log": {"level": "error"},
        "service": {"name": "payment"},
        "trace": {"id": "abc123"},
        "span": {"id": "s3"},
        "error": {"type": "java.net.SocketTimeoutException"},
    },
    {
        "@timestamp": "2026-11-25T01:00:03.400Z",
        "message": "payment failed",
        "log": {"level": "error"},
        "service": {"name": "order"},
        "trace": {"id": "abc123"},
        "span": {"id": "s2"},
    },
]


def test_fetch_trace_sends_a_trace_query_and_feeds_analyse_trace(httpserver: HTTPServer) -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: Request) -> Response:
        seen.append(json.loads(request.data))
        return Response(json.dumps(_search_response(TRACE_DOCS)), content_type="application/json")

    httpserver.expect_request("/logs-*/_search").respond_with_handler(answer)
    store = OpenSearchStore(httpserver.url_for("/").rstrip("/"))
    docs = store.fetch_trace("abc123", limit=200)
    assert len(docs) == 3
    body = seen[0]
    assert body["size"] == 200
    terms = body["query"]["bool"]["filter"][0]["bool"]["should"]
    assert {"term": {"trace.id": "abc123"}} in terms
    report = analyse_trace("abc123", docs)
    assert report.origin is not None and report.origin.service == "payment"
    assert report.spread_to == ("order",)


def test_search_builds_filters_for_service_level_and_since(httpserver: HTTPServer) -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: Request) -> Response:
        seen.append(json.loads(request.data))
        return Response(json.dumps(_search_response(TRACE_DOCS[1:2])), content_type="application/json")

    httpserver.expect_request("/logs-dev-*/_search").respond_with_handler(answer)
    store = OpenSearchStore(httpserver.url_for("/").rstrip("/"), index="logs-dev-*")
    since = datetime(2026, 11, 25, 0, 45, tzinfo=UTC)
    docs = store.search("timeout", service="payment", level="warn", since=since, limit=10)
    assert docs[0]["service"]["name"] == "payment"
    query = seen[0]["query"]["bool"]
    assert query["must"][0]["simple_query_string"]["query"] == "timeout"
    flat = json.dumps(query["filter"])
    assert '"payment"' in flat and '"error"' in flat and '"fatal"' in flat and '"info"' not in flat
    assert {"range": {"@timestamp": {"gte": "2026-11-25T00:45:00.000Z"}}} in query["filter"]
    assert seen[0]["sort"][0]["@timestamp"]["order"] == "desc"


def test_bulk_index_reports_refused_documents(httpserver: HTTPServer) -> None:
    lines: list[str] = []

    def answer(request: Request) -> Response:
        lines.extend(request.data.decode().splitlines())
        items = [
            {"index": {"_index": "logs-dev-2026-11-25", "_id": "a", "status": 201, "result": "created"}},
            {
                "index": {
                    "_index": "logs-dev-2026-11-25",
                    "_id": "b",
                    "status": 400,
                    "error": {"type": "mapper_parsing_exception", "reason": "failed to parse field [labels.x]"},
                }
            },
        ]
        return Response(json.dumps({"took": 5, "errors": True, "items": items}), content_type="application/json")

    httpserver.expect_request("/_bulk", method="POST").respond_with_handler(answer)
    store = OpenSearchStore(httpserver.url_for("/").rstrip("/"))
    index = daily_index("dev", datetime(2026, 11, 25, 23, 59, tzinfo=UTC))
    assert index == "logs-dev-2026-11-25"
    result = store.bulk_index([{"message": "a"}, {"message": "b"}], index, ids=["a", "b"])
    assert result.indexed == 1
    assert result.failed == [({"message": "b"}, "mapper_parsing_exception: failed to parse field [labels.x]")]
    assert json.loads(lines[0]) == {"index": {"_index": "logs-dev-2026-11-25", "_id": "a"}}
    assert json.loads(lines[1]) == {"message": "a"}
