"""Alarms reach the alert topic and every alarmed metric is on the dashboard; the dashboard covers the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import dashboard_body, dashboard_metrics, props, render, resources

ALARMS = sorted(resources("AWS::CloudWatch::Alarm"))


def _dashboard_series() -> set[tuple[Any, ...]]:
    """(namespace, metric, (dim, value), ...) of every explicit metric line (options dicts dropped)."""
    series = set()
    for line in dashboard_metrics():
        parts = [p for p in line if not isinstance(p, dict)]
        if len(parts) >= 2:
            namespace, metric, *dims = parts
            pairs = tuple(sorted(zip(dims[::2], dims[1::2], strict=True)))
            series.add((namespace, metric, *pairs))
    return series


def _alarm_series(name: str) -> tuple[Any, ...]:
    p = props(name)
    pairs = tuple(sorted((d["Name"], render(d["Value"])) for d in p["Dimensions"]))
    return (p["Namespace"], p["MetricName"], *pairs)


def test_there_are_alarms_for_every_data_at_risk_condition() -> None:
    metrics = {props(a)["MetricName"] for a in ALARMS}
    assert {
        "DeliveryToAmazonOpenSearchService.DataFreshness",
        "DeliveryToS3.DataFreshness",  # freshness
        "DeliveryToAmazonOpenSearchService.Success",
        "DeliveryToS3.Success",  # delivery failure
        "ExecuteProcessing.Success",
        "RecordsFailed",
        "Errors",  # processing failures
        "ClusterStatus.red",
        "FreeStorageSpace",
        "JVMMemoryPressure",  # OpenSearch health
        "ApproximateNumberOfMessagesVisible",  # alert DLQ not empty
    } <= metrics


@pytest.mark.parametrize("alarm", ALARMS)
def test_alarm_notifies_the_alert_topic(alarm: str) -> None:
    p = props(alarm)
    assert {"Ref": "AlertTopic"} in p["AlarmActions"]
    assert {"Ref": "AlertTopic"} in p.get("OKActions", [])
    assert render(p["AlarmName"]).startswith("logpipe-${Environment}-")


@pytest.mark.parametrize("alarm", ALARMS)
def test_alarm_metric_is_on_the_dashboard(alarm: str) -> None:
    assert _alarm_series(alarm) in _dashboard_series()


def test_dashboard_covers_firehose_processor_notifier_and_opensearch() -> None:
    metrics = {(s[0], s[1]) for s in _dashboard_series()}
    firehose = {
        "IncomingRecords",
        "IncomingBytes",
        "ThrottledRecords",
        "DeliveryToAmazonOpenSearchService.Success",
        "DeliveryToS3.Success",
        "DeliveryToAmazonOpenSearchService.DataFreshness",
        "DeliveryToS3.DataFreshness",
    }
    assert {("AWS/Firehose", m) for m in firehose} <= metrics
    assert {("AWS/Lambda", m) for m in ("Invocations", "Errors", "Duration", "ConcurrentExecutions")} <= metrics
    opensearch = {
        "ClusterStatus.red",
        "FreeStorageSpace",
        "JVMMemoryPressure",
        "CPUUtilization",
        "IndexingRate",
        "SearchLatency",
        "ThreadpoolWriteRejected",
    }
    assert {("AWS/ES", m) for m in opensearch} <= metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in metrics
    processor = {
        "RecordsIn",
        "RecordsOk",
        "RecordsDropped",
        "RecordsFailed",
        "EventsIn",
        "EventsOk",
        "EventsDropped",
        "EventsMasked",
        "BytesIn",
        "BytesOut",
    }
    assert {("logpipe", m) for m in processor} <= metrics


def test_processor_emf_series_use_the_processors_dimensions() -> None:
    for series in _dashboard_series():
        if series[0] == "logpipe":
            dims = dict(series[2:])
            assert dims["service"] == "processor" and dims["Stream"] in {"search", "archive"}, series


@pytest.mark.parametrize(
    ("metric", "dimension"),
    [("DroppedByRule", "Rule"), ("FailedByReason", "Reason"), ("MaskedByType", "EntityType"), ("ParserUsed", "Parser")],
)
def test_dimensioned_processor_metrics_use_search_expressions(metric: str, dimension: str) -> None:
    expressions = [
        p["expression"] for line in dashboard_metrics() for p in line if isinstance(p, dict) and "expression" in p
    ]
    assert any(
        f'MetricName="{metric}"' in e and "{logpipe,service,Stream," + dimension + "}" in e for e in expressions
    ), expressions


def test_dashboard_widgets_have_a_region_and_do_not_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for widget in dashboard_body()["widgets"]:
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "${AWS::Region}"
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, widget.get("properties", {}).get("title")
                cells.add((x, y))
        assert widget["x"] + widget["width"] <= 24
