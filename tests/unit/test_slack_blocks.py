"""Block Kit details an audit found wrong: fallback totals, link index pattern, footer wording, masked ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from logpipe.alerting.messages import AlertGroup, AlertMessage, Sample, parse_alert
from logpipe.alerting.monitors import MonitorTarget, bucket_message_template
from logpipe.alerting.mustache import render
from logpipe.alerting.rules import load_rules
from logpipe.slack.blocks import RenderContext, default_masker, render_alert
from logpipe.traces import analyse_trace

DASH = "https://dash.example.com/_dashboards"


def all_text(payload: dict[str, Any]) -> str:
    """The whole payload as Slack receives it (texts, links, fallback)."""
    return json.dumps(payload, ensure_ascii=False)


def footer(payload: dict[str, Any]) -> str:
    block = payload["attachments"][0]["blocks"][-1]
    assert block["type"] == "context"
    return str(block["elements"][0]["text"])


def two_services(**extra: Any) -> AlertMessage:
    groups = [
        AlertGroup(keys={"service.name": "checkout"}, count=42, samples=[Sample("502", trace_id="4bf92f3577b34da6")]),
        AlertGroup(keys={"service.name": "payment"}, count=25, state="ongoing"),
    ]
    return AlertMessage(source="logpipe", title="error-spike", severity="high", window="5m", groups=groups, **extra)


def test_fallback_text_counts_every_alerting_group() -> None:
    payload = render_alert(two_services(), [], RenderContext(mask=lambda s: s))
    assert payload["text"].endswith(": 67 logs in 5m (checkout 42, payment 25)"), payload["text"]
    assert payload["attachments"][0]["fallback"] == payload["text"]


def test_fallback_text_for_one_group_and_for_recovered_groups() -> None:
    one = AlertMessage(source="logpipe", title="r", window="5m", groups=[AlertGroup({"service.name": "a"}, count=1)])
    assert render_alert(one, [], RenderContext(mask=lambda s: s))["text"].endswith(": 1 log in 5m")
    recovered = AlertMessage(
        source="logpipe", title="r", groups=[AlertGroup({"service.name": "a"}, state="completed", count=9)]
    )
    assert ": 9 logs" not in render_alert(recovered, [], RenderContext(mask=lambda s: s))["text"]


def test_links_carry_the_index_pattern_of_the_alerts_environment() -> None:
    # The notifier's LOGPIPE_ENVIRONMENT may be unset: the alert's own environment names the index pattern.
    alert = two_services(environment="stage")
    payload = render_alert(alert, [], RenderContext(mask=lambda s: s, dashboards_url=DASH))
    text = all_text(payload)
    assert text.count("/app/discover#/") >= 2
    for url in [part.split("|")[0] for part in text.split("<")[1:] if part.startswith("https://")]:
        assert "index:'logpipe-stage-logs'" in url, url


def test_footer_promises_links_only_when_there_are_links() -> None:
    rules = load_rules()
    runbook = rules.by_name("error-spike").runbook
    alert = two_services(runbook=runbook)
    without = footer(render_alert(alert, [], RenderContext(mask=lambda s: s)))
    assert "link" not in without.lower() and "below" not in without.lower()
    with_links = footer(render_alert(alert, [], RenderContext(mask=lambda s: s, dashboards_url=DASH)))
    assert "links open OpenSearch Dashboards Discover" in with_links
    for rule in rules.rules:  # no rule text may promise links that may be missing
        assert "link" not in rule.runbook.lower() and "below" not in rule.runbook.lower(), rule.name


def monitor_message_with_transaction_id(transaction_id: str) -> str:
    """A real bucket-level message (rendered from the monitor template) whose sample has only transaction.id."""
    rule = load_rules().by_name("error-spike")
    template = bucket_message_template(rule, MonitorTarget.for_environment("prod", "chan"))
    hit = {
        "_index": "logs-prod-2025-11-25",
        "_id": "x1",
        "_source": {
            "@timestamp": "2025-11-25T07:04:58.120Z",
            "message": "checkout failed",
            "transaction": {"id": transaction_id},
            "service": {"name": "checkout"},
            "log": {"level": "error"},
        },
    }
    bucket = {"key": {"service_name": "checkout"}, "doc_count": 30, "samples": {"hits": {"hits": [hit]}}}
    ctx = {
        "monitor": {"name": "logpipe-prod-error-spike"},
        "trigger": {"name": "error-spike", "severity": "2"},
        "periodStart": "2025-11-25T07:00:00Z",
        "periodEnd": "2025-11-25T07:05:00Z",
        "newAlerts": [{"id": "a1", "bucket_keys": "checkout"}],
        "results": [{"aggregations": {"by_group": {"buckets": [bucket]}}}],
    }
    return render(template, {"ctx": ctx})


@pytest.mark.parametrize("dashboards_url", [None, DASH])
def test_free_form_transaction_id_with_personal_data_is_masked_everywhere(dashboards_url: str | None) -> None:
    alert = parse_alert(monitor_message_with_transaction_id("kim@example.com"))
    assert alert.trace_ids() == ["kim@example.com"]  # the sample's id is read (then masked when rendered)
    report = analyse_trace("kim@example.com", [{"@timestamp": "2025-11-25T07:04:58Z", "message": "x"}])
    for reports in ([], [report]):
        payload = render_alert(alert, reports, RenderContext(mask=default_masker(), dashboards_url=dashboards_url))
        text = all_text(payload)
        assert "kim@example.com" not in text and "kim%40example.com" not in text and "kim" not in text
        assert "EMAIL" in text  # shown masked, not dropped


def test_canonical_trace_ids_stay_linked() -> None:
    alert = parse_alert(monitor_message_with_transaction_id("4bf92f3577b34da6a3ce929d0e0e4736"))
    payload = render_alert(alert, [], RenderContext(mask=default_masker(), dashboards_url=DASH))
    assert "|4bf92f3577b34da6a3ce929d0e0e4736>" in all_text(payload)
    assert "trace.id:%224bf92f3577b34da6a3ce929d0e0e4736%22" in all_text(payload)
