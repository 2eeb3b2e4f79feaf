"""`logpipe run --opensearch` and `logpipe trace/search --backend opensearch` against a local HTTP server
answering like OpenSearch (index template API, _bulk, _search)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe_cli.main import cli


class FakeOpenSearch:
    """Just enough of OpenSearch: templates are stored, bulk documents kept per index, _search by trace.id."""

    def __init__(self) -> None:
        self.templates: dict[str, Any] = {}
        self.indices: dict[str, list[dict[str, Any]]] = {}
        self.searches: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_index_template/"):
            name = path.rsplit("/", 1)[-1]
            if request.method == "GET":
                if name not in self.templates:
                    return Response(
                        json.dumps({"error": "not found", "status": 404}), 404, content_type="application/json"
                    )
                return _json({"index_templates": [{"name": name, "index_template": self.templates[name]}]})
            self.templates[name] = json.loads(request.data)
            return _json({"acknowledged": True})
        if path == "/_bulk":
            lines = request.data.decode().splitlines()
            items = []
            for action, source in zip(lines[::2], lines[1::2], strict=True):
                index = json.loads(action)["index"]["_index"]
                self.indices.setdefault(index, []).append(json.loads(source))
                items.append({"index": {"_index": index, "status": 201, "result": "created"}})
            return _json({"took": 1, "errors": False, "items": items})
        if path.endswith("/_search"):
            body = json.loads(request.data)
            self.searches.append(body)
            trace_id = (
                json.dumps(body).split('"trace.id": "')[1].split('"')[0]
                if '"trace.id": "' in json.dumps(body)
                else None
            )
            docs = [d for docs in self.indices.values() for d in docs if d.get("trace", {}).get("id") == trace_id]
            docs.sort(key=lambda d: d["@timestamp"])
            hits = [{"_index": "x", "_id": str(i), "_source": d} for i, d in enumerate(docs)]
            return _json({"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}})
        return Response("unexpected " + path, 400)


def _json(body: Any) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def test_run_bulk_indexes_daily_indices_with_the_template_then_trace_reads_them_back(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    fake = FakeOpenSearch()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    url = httpserver.url_for("/").rstrip("/")
    log = tmp_path / "app.log"
    lines = [
        {
            "@timestamp": "2026-11-25T00:00:00.000Z",
            "level": "INFO",
            "message": "start",
            "traceId": "t-1",
            "service": "order",
        },
        {
            "@timestamp": "2026-11-25T00:00:01.000Z",
            "level": "ERROR",
            "message": "pg timeout",
            "traceId": "t-1",
            "service": "payment",
        },
        {
            "@timestamp": "2026-11-25T00:00:01.200Z",
            "level": "ERROR",
            "message": "failed",
            "traceId": "t-1",
            "service": "order",
        },
    ]
    log.write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = CliRunner().invoke(
        cli, ["run", str(log), "--out", str(tmp_path / "out"), "--opensearch", url, "--env", "qa", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["problems"] == []
    assert report["streams"]["search"]["documents_delivered"] == 3
    assert any("index template" in note for note in report["notes"])
    assert fake.templates, "the index template is applied before indexing"
    [index] = fake.indices
    assert re.fullmatch(r"logs-qa-\d{4}-\d{2}-\d{2}", index)
    assert len(fake.indices[index]) == 3
    assert any((tmp_path / "out" / "s3" / "logs").rglob("*.gz")), "the archive still goes to the local folder"

    trace = CliRunner().invoke(
        cli, ["trace", "t-1", "--backend", "opensearch", "--endpoint", url, "--env", "qa", "--json"]
    )
    assert trace.exit_code == 0, trace.output
    answer = json.loads(trace.output)
    assert [e["message"] for e in answer["timeline"]] == ["start", "pg timeout", "failed"]
    assert answer["origin_service"] == "payment" and answer["spread_to"] == ["order"]
    assert fake.searches[-1]["size"] == 1000


def test_trace_and_search_on_the_local_store(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        '{"@timestamp": "2026-11-25T00:00:00.000Z", "level": "INFO", "message": "결제 요청", "traceId": "abc"}\n'
        '{"@timestamp": "2026-11-25T00:00:02.000Z", "level": "ERROR", "message": "PG timeout", "traceId": "abc"}\n'
    )
    store = tmp_path / "out" / "search.db"
    assert (
        CliRunner()
        .invoke(cli, ["run", str(log), "--out", str(tmp_path / "out"), "--service", "payment", "--quiet"])
        .exit_code
        == 0
    )
    found = CliRunner().invoke(cli, ["search", "결제", "--store", str(store), "--json"])
    assert found.exit_code == 0 and "결제 요청" in found.output
    none = CliRunner().invoke(cli, ["search", "nothing-like-this", "--store", str(store)])
    assert none.exit_code == 1 and "no matching logs" in none.output
    trace = CliRunner().invoke(cli, ["trace", "abc", "--store", str(store), "--json"])
    assert trace.exit_code == 0
    assert [e["service"] for e in json.loads(trace.output)["timeline"]] == ["payment", "payment"]
    missing = CliRunner().invoke(cli, ["trace", "abc", "--store", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "no local store" in missing.output
