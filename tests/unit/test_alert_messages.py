"""SNS alert messages of every kind become one shape; rendering stays masked and within Slack's limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.alerting.messages import AlertGroup, AlertMessage, Sample, parse_alert
from logpipe.slack.blocks import FIELD_MAX, HEADER_MAX, MAX_BLOCKS, SECTION_MAX, RenderContext, render_alert
from logpipe.traces import analyse_trace
from tests.conftest import EVENTS_DIR


def fake_mask(text: str) -> str:
    """Stands in for the PII engine: masks e-mail-like words (the test checks the renderer calls it)."""
    return " ".join("<EMAIL>" if "@" in word else word for word in text.split(" "))


CTX = RenderContext(mask=fake_mask, dashboards_url="https://dash.example.com/_dashboards", environment="prod")


def sns_message(name: str) -> tuple[str, str]:
    event = json.loads((EVENTS_DIR / name).read_text())
    sns = event["Records"][0]["Sns"]
    return sns["Message"], sns["Subject"]


def texts(payload: dict[str, Any]) -> list[str]:
    """Every text string of a payload, for limit and masking checks."""
    out = [payload["text"]]
    for block in payload["attachments"][0]["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(f["text"] for f in block.get("fields", []))
        out.extend(e["text"] for e in block.get("elements", []))
    return out


def check_limits(payload: dict[str, Any]) -> None:
    blocks = payload["attachments"][0]["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_MAX
        elif "text" in block:
            assert len(block["text"]["text"]) <= SECTION_MAX
        for field in block.get("fields", []):
            assert len(field["text"]) <= FIELD_MAX
        assert len(block.get("fields", [])) <= 10


def test_sample_monitor_event_parses_with_groups_counts_and_traces() -> None:
    alert = parse_alert(*sns_message("sns-opensearch-monitor.json"))
    assert alert.source == "logpipe" and alert.rule == "error-spike" and alert.severity == "high"
    assert [(g.label, g.count, g.state) for g in alert.groups] == [("checkout", 42, "new"), ("payment", 25, "ongoing")]
    assert alert.trace_ids() == ["4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"]


def test_sample_document_monitor_event() -> None:
    alert = parse_alert(*sns_message("sns-opensearch-document-monitor.json"))
    assert alert.source == "logpipe" and alert.severity == "critical"
    assert alert.groups[0].service == "inventory"
    assert alert.groups[0].samples[0].error_type == "java.lang.OutOfMemoryError"


def test_default_text_template_with_bucket_keys() -> None:
    alert = parse_alert(*sns_message("sns-opensearch-default-text.json"))
    assert alert.source == "opensearch-text" and alert.monitor == "checkout-errors" and alert.severity == "high"
    assert alert.period_start == "2025-11-25T07:00:00.123Z"
    assert [(g.keys, g.state) for g in alert.groups] == [({"bucket": "checkout"}, "new")]


def test_cloudwatch_alarm_and_recovery() -> None:
    message, subject = sns_message("sns-cloudwatch-alarm.json")
    alert = parse_alert(message, subject)
    assert alert.source == "cloudwatch" and alert.severity == "high" and not alert.resolved
    assert ("Metric", "AWS/Lambda.Errors") in alert.details
    body = json.loads(message)
    body.update(NewStateValue="OK", OldStateValue="ALARM")
    recovered = parse_alert(json.dumps(body))
    assert recovered.resolved and recovered.severity == "info"
    payload = render_alert(recovered, [], CTX)
    assert "RESOLVED" in payload["text"]


def test_malformed_message_still_renders_masked_and_truncated() -> None:
    text = "not json at all; contact kim@example.com " + "x" * 10_000
    alert = parse_alert(text, "")
    assert alert.source == "unparsed"
    payload = render_alert(alert, [], CTX)
    check_limits(payload)
    assert all("kim@example.com" not in t for t in texts(payload))
    assert any("<EMAIL>" in t or "&lt;EMAIL&gt;" in t for t in texts(payload))


@pytest.mark.shared_data
def test_contract_opensearch_default_template_event(shared_data: Path) -> None:
    event = json.loads(
        (shared_data / "events/opensearch-alerting/sns_event_opensearch_query_monitor_DERIVED.json").read_text()
    )
    sns = event["Records"][0]["Sns"]
    alert = parse_alert(sns["Message"], sns["Subject"])
    assert alert.source == "opensearch-text"
    assert alert.monitor == "DERIVED-example-monitor" and alert.trigger == "DERIVED-example-trigger"
    assert alert.severity == "critical"
    assert alert.period_end == "2024-05-01T12:31:00Z"


@pytest.mark.shared_data
def test_contract_bucket_default_template_renders_parseable_text(shared_data: Path) -> None:
    """OpenSearch's own default bucket-level template, rendered by our previewer, parses into groups."""
    from logpipe.alerting.mustache import render

    templates = json.loads((shared_data / "events/opensearch-alerting/default_message_templates.json").read_text())
    source = templates["DEFAULT_MESSAGE_SOURCE"]["BUCKET_LEVEL_MONITOR"]
    ctx = {
        "ctx": {
            "monitor": {"name": "m1"},
            "trigger": {"name": "t1", "severity": "3"},
            "periodStart": "2024-05-01T12:30:00Z",
            "periodEnd": "2024-05-01T12:31:00Z",
            "newAlerts": [{"id": "n1", "bucket_keys": "checkout"}],
            "dedupedAlerts": [{"id": "d1", "bucket_keys": "cart"}],
            "completedAlerts": [],
        }
    }
    alert = parse_alert(render(source, ctx))
    assert alert.severity == "medium"
    assert sorted((g.keys["bucket"], g.state) for g in alert.groups) == [("cart", "ongoing"), ("checkout", "new")]


@pytest.mark.shared_data
def test_contract_cloudwatch_alarm_sample(shared_data: Path) -> None:
    event = json.loads(
        (shared_data / "events/aws-lambda-go/cloudwatch-alarm-sns-payload-single-metric.json").read_text()
    )
    sns = event["Records"][0]["Sns"]
    alert = parse_alert(sns["Message"], sns["Subject"])
    assert alert.source == "cloudwatch" and alert.title == "EXAMPLE" and alert.severity == "high"
    assert ("Dimensions", "InstanceId=TestInstance") in alert.details
    check_limits(render_alert(alert, [], CTX))


def test_render_shows_origin_and_spread_with_links() -> None:
    alert = parse_alert(*sns_message("sns-opensearch-monitor.json"))
    docs = [
        {
            "@timestamp": "2025-11-25T07:04:58.100Z",
            "service": {"name": "payment"},
            "log": {"level": "error"},
            "message": "NPE",
            "error": {"type": "java.lang.NullPointerException"},
        },
        {
            "@timestamp": "2025-11-25T07:04:58.120Z",
            "service": {"name": "checkout"},
            "log": {"level": "error"},
            "message": "502",
        },
    ]
    report = analyse_trace("4bf92f3577b34da6a3ce929d0e0e4736", docs)
    payload = render_alert(alert, [report], CTX)
    joined = "\n".join(texts(payload))
    assert "started in *payment*" in joined and "spread to *checkout*" in joined and "within 20 ms" in joined
    assert "trace.id:%224bf92f3577b34da6a3ce929d0e0e4736%22" in joined
    assert "index:'logpipe-prod-logs'" in joined
    assert payload["attachments"][0]["color"] == "#E65100"
    check_limits(payload)


def test_render_bounds_many_groups_and_long_messages() -> None:
    long = "error for user@example.com <script> & " + "y" * 5000
    groups = [
        AlertGroup(keys={"service.name": f"svc-{i}" * 20}, count=i, samples=[Sample(long, trace_id=f"t{i}")] * 10)
        for i in range(200)
    ]
    alert = AlertMessage(source="logpipe", title="t" * 500, severity="critical", groups=groups, text=long * 3)
    payload = render_alert(alert, [], CTX)
    check_limits(payload)
    joined = "\n".join(texts(payload))
    assert "user@example.com" not in joined
    assert "<script>" not in joined and "&lt;script&gt;" in joined


@settings(max_examples=60, deadline=None)
@given(message=st.text(max_size=3000), subject=st.text(max_size=200))
def test_any_message_parses_and_renders_within_limits(message: str, subject: str) -> None:
    payload = render_alert(parse_alert(message, subject), [], CTX)
    check_limits(payload)
    json.dumps(payload)


@settings(max_examples=40, deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "logpipe_alert",
                "buckets",
                "alerts",
                "documents",
                "kind",
                "group_by",
                "severity",
                "threshold",
                "AlarmName",
                "NewStateValue",
                "Trigger",
            ]
        ),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=20),
            st.lists(
                st.one_of(
                    st.none(),
                    st.integers(),
                    st.text(max_size=5),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
                ),
                max_size=3,
            ),
        ),
    )
)
def test_odd_json_shapes_never_raise(body: dict[str, Any]) -> None:
    if "logpipe_alert" in body:
        body["logpipe_alert"] = 1
    check_limits(render_alert(parse_alert(json.dumps(body)), [], CTX))


def test_real_pii_engine_masks_the_malformed_sample() -> None:
    from logpipe.slack.blocks import default_masker

    ctx = RenderContext(mask=default_masker(), environment="prod")
    payload = render_alert(parse_alert(*sns_message("sns-malformed.json")), [], ctx)
    joined = json.dumps(payload)
    for secret in ("kim@example.com", "010-1234-5678", "hunter2"):
        assert secret not in joined


def test_html_escaped_rendering_with_raw_line_breaks_still_parses() -> None:
    body = '{"logpipe_alert":1,"kind":"count","rule":"r","severity":"2","alerts":[null],"buckets":,'
    body += '"description":"two\nlines &quot;quoted&quot;"}'
    alert = parse_alert(body)
    assert alert.source == "logpipe" and alert.description.startswith("two\nlines")


@pytest.mark.shared_data
@pytest.mark.parametrize("sample", ["powertools-python/snsEvent.json", "aws-lambda-go/sns-event.json"])
def test_contract_plain_sns_events_become_minimal_alerts(shared_data: Path, sample: str) -> None:
    from logpipe.slack.notifier import Notifier, notify

    event = json.loads((shared_data / "events" / sample).read_text())
    posted: list[Any] = []
    summary = notify(event["Records"][0], Notifier(post=posted.append, render=CTX))
    assert summary["source"] == "unparsed" and summary["status"] == "posted"
    check_limits(posted[0])
