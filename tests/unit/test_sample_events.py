"""The sample events in events/ are current (built by tools/build_sample_events.py) and process as intended."""

from __future__ import annotations

import base64
import gzip
import json
import sys
from types import ModuleType
from typing import Any

import pytest

from logpipe.pipeline import Processor, StreamKind
from tests.conftest import EVENTS_DIR, ROOT


def _builder() -> ModuleType:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_sample_events
    finally:
        sys.path.pop(0)
    return build_sample_events


def test_committed_events_match_the_builder() -> None:
    for name, text in _builder().render_files().items():
        assert (EVENTS_DIR / name).read_text(encoding="utf-8") == text, (
            f"events/{name} is stale: run python tools/build_sample_events.py"
        )


def _run(name: str) -> list[tuple[str, list[dict[str, Any]]]]:
    event = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    stream: StreamKind = "archive" if "archive" in name else "search"
    response, _ = Processor.from_config().transform_batch(event, stream)
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    out = []
    for record in response["records"]:
        docs = []
        if record["result"] == "Ok":
            raw = base64.b64decode(record["data"])
            text = (gzip.decompress(raw) if stream == "archive" else raw).decode()  # archive: a gzip member
            docs = [json.loads(line) for line in text.split("\n") if line]
        out.append((record["result"], docs))
    return out


# The app lines in every raw variant: (parser, level, error.type or None); the health check is Dropped.
RAW = [
    ("spring_boot", "info", None),
    ("spring_boot", "error", "org.springframework.dao.DataAccessResourceFailureException"),
    ("python_logging", "warn", None),
    ("python_logging", "error", "httpx.ReadTimeout"),
    ("access_log", "info", None),
    None,
    ("go_console", "warn", None),
    ("json", "warn", None),
    ("spring_boot", "info", None),
]


@pytest.mark.parametrize(
    "name",
    ["firehose-search-default.json", "firehose-search-time-key.json", "firehose-search-log-key.json",
     "firehose-search-gzip.json", "firehose-archive-aggregated.json"],
)  # fmt: skip
def test_raw_line_variants(name: str) -> None:
    results = _run(name)
    if "aggregated" in name:
        ((result, docs),) = results
        assert result == "Ok"
        expected = [e for e in RAW if e is not None]  # the health check is dropped inside the record
    else:
        assert [r for r, _ in results] == ["Dropped" if e is None else "Ok" for e in RAW]
        docs = [d for _, ds in results for d in ds]
        expected = [e for e in RAW if e is not None]
    assert len(docs) == len(expected)
    for doc, (parser, level, error_type) in zip(docs, expected, strict=True):
        assert doc["logpipe"]["parse"] == parser
        assert doc["log"]["level"] == level
        assert doc.get("error", {}).get("type") == error_type
        assert doc["@timestamp"].startswith("2025-11-25T07:00:0")
    assert "주문이 정상적으로 처리되었습니다" in docs[-1]["message"]
    assert "Caused by: java.sql.SQLTransientConnectionException" in docs[1]["error"]["stack_trace"]


def test_aggregated_gzip_variant() -> None:
    ((result, docs),) = _run("firehose-archive-aggregated-gzip.json")
    assert result == "Ok"
    assert len(docs) == 8 + 4  # app lines without the health check, then the 4-service request
    assert [d["logpipe"]["parse"] for d in docs[:8]] == [e[0] for e in RAW if e is not None]
    assert {d.get("trace", {}).get("id") for d in docs[8:]} == {"4bf92f3577b34da6a3ce929d0e0e4736"}


def test_json_parsed_variant() -> None:
    docs = [d for _, ds in _run("firehose-search-json-parsed.json") for d in ds]
    assert [(d["log"]["level"], d.get("error", {}).get("type"), d["service"]["name"]) for d in docs] == [
        ("error", "java.lang.IllegalStateException", "payment-svc"),
        ("info", None, "notification-worker"),
        ("error", "TypeError", "cart-svc"),
    ]
    assert [d["@timestamp"] for d in docs] == [
        "2025-11-25T07:00:05.120Z",
        "2025-11-25T07:00:05.300Z",
        "2025-11-25T07:00:05.450Z",
    ]


def test_log_key_on_parsed_variant() -> None:
    docs = [d for _, ds in _run("firehose-search-log-key-parsed.json") for d in ds]
    assert [d["message"] for d in docs] == [
        "Payment authorization failed",
        "결제 완료 알림 발송",
        "cart checkout rejected",
    ]
    assert {d["logpipe"]["parse"] for d in docs} == {"raw"}
