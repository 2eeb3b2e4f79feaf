"""The processor's metrics are valid CloudWatch EMF (checked against the specification's rules) and keep the
names and dimensions the alarms and dashboard use."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

import pytest

import firehose_processor
from logpipe.emf import UNITS, MetricSet, dimension_value, write
from logpipe.jsonlog import JsonFormatter
from logpipe.stats import BatchStats
from tests.conftest import firehose_event


def assert_valid_emf(doc: dict[str, Any]) -> None:
    """The EMF specification's structural rules (root node, metadata, directives, target members)."""
    aws = doc["_aws"]
    assert set(aws) <= {"Timestamp", "CloudWatchMetrics", "LogGroupName", "LogStreamName"}
    assert isinstance(aws["Timestamp"], int) and not isinstance(aws["Timestamp"], bool)
    assert aws["Timestamp"] > 1_000_000_000_000  # epoch milliseconds
    assert isinstance(aws["CloudWatchMetrics"], list) and aws["CloudWatchMetrics"]
    for directive in aws["CloudWatchMetrics"]:
        assert set(directive) == {"Namespace", "Dimensions", "Metrics"}
        assert re.fullmatch(r"[^:].{0,1023}", directive["Namespace"])
        assert isinstance(directive["Dimensions"], list)
        for dimension_set in directive["Dimensions"]:
            assert isinstance(dimension_set, list) and len(dimension_set) <= 30
            for key in dimension_set:
                value = doc[key]  # every dimension key refers to a root member ...
                assert isinstance(value, str) and 0 < len(value) <= 1024  # ... holding a string
                assert value.strip()
        assert 0 < len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert set(metric) <= {"Name", "Unit", "StorageResolution"}
            assert isinstance(metric["Name"], str) and 0 < len(metric["Name"]) <= 1024
            assert metric.get("Unit", "None") in UNITS
            value = doc[metric["Name"]]  # every metric refers to a numeric root member
            values = value if isinstance(value, list) else [value]
            assert values and len(values) <= 100
            assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_metric_set_document_is_valid_emf() -> None:
    metrics = MetricSet("logpipe")
    metrics.add_dimension("service", "processor")
    metrics.add_dimension("Stream", "search")
    metrics.add_metric("RecordsIn", 3)
    metrics.add_metric("RecordsIn", 2)
    metrics.add_metric("BytesIn", 100, "Bytes")
    (doc,) = metrics.documents(timestamp_ms=1_714_530_896_000)
    assert_valid_emf(doc)
    assert doc["RecordsIn"] == 5
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "Stream"]]


def test_more_than_100_metrics_are_split_across_documents() -> None:
    metrics = MetricSet("logpipe")
    metrics.add_dimension("service", "processor")
    for i in range(150):
        metrics.add_metric(f"M{i}", i)
    docs = metrics.documents()
    assert [len(d["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for d in docs] == [100, 50]
    for doc in docs:
        assert_valid_emf(doc)


def test_invalid_units_dimensions_and_clashes_are_refused() -> None:
    metrics = MetricSet("logpipe")
    with pytest.raises(ValueError, match="unit"):
        metrics.add_metric("X", 1, "Furlongs")
    metrics.add_dimension("Stream", "search")
    with pytest.raises(ValueError, match="clashes"):
        metrics.add_metric("Stream", 1)
    for i in range(29):
        metrics.add_dimension(f"d{i}", "v")
    with pytest.raises(ValueError, match="30"):
        metrics.add_dimension("one-too-many", "v")
    assert dimension_value("  ") == "unknown"
    assert len(dimension_value("x" * 5000)) == 1024


def test_write_prints_one_compact_line_per_document() -> None:
    out = io.StringIO()
    write([{"a": 1}, {"b": "한"}], out)
    assert out.getvalue() == '{"a":1}\n{"b":"한"}\n'


def test_handler_emits_the_documented_metric_names_and_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    stats = BatchStats(records_in=3, records_ok=1, records_dropped=1, records_failed=1, events_in=3, events_ok=1)
    stats.dropped_by_rule["health-check"] += 1
    stats.failed_by_reason["invalid-base64"] += 1
    stats.masked_by_type["EMAIL"] += 2
    stats.parser_used["json"] += 3
    firehose_processor.emit_metrics(stats, "archive")
    docs = emitted(capsys)
    for doc in docs:
        assert_valid_emf(doc)
        assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "logpipe"
        assert doc["service"] == "processor" and doc["Stream"] == "archive"
    totals = docs[0]
    names = [m["Name"] for m in totals["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == [
        "RecordsIn", "RecordsOk", "RecordsDropped", "RecordsFailed", "EventsIn", "EventsOk",
        "EventsDropped", "EventsMasked", "BytesIn", "BytesOut", "TimestampsFromArrival", "TimestampsUnparsed",
    ]  # fmt: skip
    assert totals["RecordsIn"] == 3 and totals["EventsMasked"] == 2
    breakdowns = {
        (
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            tuple(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]),
        )
        for d in docs[1:]
    }
    assert breakdowns == {
        ("DroppedByRule", ("service", "Stream", "Rule")),
        ("FailedByReason", ("service", "Stream", "Reason")),
        ("MaskedByType", ("service", "Stream", "EntityType")),
        ("ParserUsed", ("service", "Stream", "Parser")),
    }
    masked = next(d for d in docs if "MaskedByType" in d)
    assert masked["EntityType"] == "EMAIL" and masked["MaskedByType"] == 2


def test_handler_logs_json_with_lambda_context(capsys: pytest.CaptureFixture[str]) -> None:
    class Context:
        function_name = "logpipe-processor"
        memory_limit_in_mb = 1024
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:logpipe-processor"
        aws_request_id = "req-1"

    event = firehose_event([b'{"log": "hello", "kubernetes": {"container_name": "svc"}}\n'], "logpipe-test-search")
    (log_handler,) = [h for h in firehose_processor.log.logger.handlers if isinstance(h.formatter, JsonFormatter)]
    assert isinstance(log_handler, logging.StreamHandler)
    log_lines = io.StringIO()
    previous = log_handler.setStream(log_lines)  # the handler binds stdout at import, as in Lambda
    try:
        response = firehose_processor.handler(event, Context())
    finally:
        log_handler.setStream(previous)
    assert [r["result"] for r in response["records"]] == ["Ok"]
    docs = emitted(capsys) + [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (line,) = [d for d in docs if d.get("message") == "batch processed"]
    assert line["level"] == "INFO" and line["service"] == "logpipe-processor"
    assert line["function_request_id"] == "req-1" and line["stream"] == "search"
    assert line["stats"]["records"]["ok"] == 1
    assert isinstance(line["cold_start"], bool)
    for doc in docs:
        if "_aws" in doc:
            assert_valid_emf(doc)
