"""A bucket-level alert message stays under SNS's 256 KB publish limit whatever the logs hold.

The worst case is built from the compiled monitor itself (page size, samples per bucket, the script field's
caps), filled with the costliest character for JSON (a control character: 6 bytes escaped), and rendered with
logpipe's mustache renderer, which escapes like OpenSearch's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from logpipe.alerting.messages import parse_alert
from logpipe.alerting.monitors import (
    AGG_NAME,
    SAMPLE_SCRIPT,
    SNS_MESSAGE_MAX_BYTES,
    MonitorTarget,
    bucket_condition,
    compile_rule,
)
from logpipe.alerting.mustache import render
from logpipe.alerting.rules import GROUP_FIELDS, TEXT_MAX, AlertRule, load_rules, parse_rules

WORST = "\x01"  # JSON-escapes to \u0001: six bytes per character
GROUP_VALUE_MAX = 128
"""Longest group value assumed (service names are Kubernetes labels, at most 63 characters)."""


def compiled(rule: AlertRule) -> tuple[dict[str, Any], str]:
    monitor = compile_rule(rule, MonitorTarget.for_environment("prod", "logpipe-prod-sns"))
    trigger = next(iter(monitor["triggers"][0].values()))
    return monitor, trigger["actions"][0]["message_template"]["source"]


def composite_of(monitor: dict[str, Any]) -> dict[str, Any]:
    agg: dict[str, Any] = monitor["inputs"][0]["search"]["query"]["aggregations"][AGG_NAME]
    return agg


def top_hits_of(monitor: dict[str, Any]) -> dict[str, Any]:
    aggs = composite_of(monitor)["aggs"]
    holder = aggs["matched"]["aggs"] if "matched" in aggs else aggs
    hits: dict[str, Any] = holder["samples"]["top_hits"]
    return hits


def worst_context(rule: AlertRule, monitor: dict[str, Any], alerts: int, value: str) -> dict[str, Any]:
    """An Alerting action context with every bounded part at its bound (the page full of firing buckets)."""
    composite = composite_of(monitor)
    top_hits = top_hits_of(monitor)
    params = top_hits["script_fields"]["sample"]["script"]["params"]
    sample = {
        f: WORST * ((params["message_max"] if f == "message" else params["field_max"]) + 1) for f in params["fields"]
    }
    hit = {"_index": "i" * 255, "_id": "d" * 512, "_score": None, "fields": {"sample": [sample]}, "sort": [2**63 - 1]}
    hits = {"total": {"value": 10_000, "relation": "gte"}, "max_score": None, "hits": [hit] * top_hits["size"]}
    key = {f.replace(".", "_"): value for f in rule.group_by}
    bucket: dict[str, Any] = {"key": key, "doc_count": 2**31}
    if "matched" in composite["aggs"]:
        bucket["matched"] = {"doc_count": 2**31, "samples": {"hits": hits}}
    else:
        bucket["samples"] = {"hits": hits}
    alert = {"id": "a" * 22, "state": "ACTIVE", "bucket_keys": ",".join([value] * len(rule.group_by))}
    return {
        "ctx": {
            "monitor": {"name": monitor["name"]},
            "trigger": {"name": rule.name, "severity": "1"},
            "periodStart": "2025-11-25T07:00:00.000Z",
            "periodEnd": "2025-11-25T07:05:00.000Z",
            "error": WORST * 1000,
            "newAlerts": [alert] * alerts,
            "results": [
                {"aggregations": {AGG_NAME: {"after_key": key, "buckets": [bucket] * composite["composite"]["size"]}}}
            ],
        }
    }


def worst_rules() -> list[AlertRule]:
    """The built-in count rules plus the largest rule the file format allows (texts at their limit, every
    group field, a ratio)."""
    builtin = [r for r in load_rules().rules if r.kind == "count"]
    biggest = {
        "name": "x" * 63,
        "description": WORST * TEXT_MAX,
        "runbook": WORST * TEXT_MAX,
        "match": {"levels": ["error"]},
        "threshold": 1,
        "group_by": list(GROUP_FIELDS),
    }
    synthetic = parse_rules({"rules": [biggest, {**biggest, "name": "y", "ratio": 0.5}]}, "worst.yaml").rules
    return [*builtin, *synthetic]


@pytest.mark.parametrize("rule", worst_rules(), ids=lambda r: r.name[:12])
def test_worst_case_bucket_alert_renders_under_the_sns_limit(rule: AlertRule) -> None:
    monitor, template = compiled(rule)
    message = render(template, worst_context(rule, monitor, alerts=1, value=WORST * GROUP_VALUE_MAX))
    size = len(message.encode())
    assert size < SNS_MESSAGE_MAX_BYTES, f"{rule.name}: {size} bytes"
    alert = parse_alert(message)  # and the notifier still reads it
    assert alert.source == "logpipe" and alert.groups and alert.groups[0].samples


def test_many_alerts_in_one_message_stay_under_the_limit() -> None:
    # Above max_actionable_alert_count (default 50) OpenSearch sends one message listing every alert: each adds
    # about 40 bytes plus its group values.
    rule = load_rules().by_name("error-spike")
    monitor, template = compiled(rule)
    message = render(template, worst_context(rule, monitor, alerts=1000, value="s" * 63))
    assert len(message.encode()) < SNS_MESSAGE_MAX_BYTES
    assert parse_alert(message).groups[0].keys == {"service.name": "s" * 63}


def test_samples_are_cut_on_the_server_and_only_firing_buckets_are_returned() -> None:
    for rule in worst_rules():
        monitor, _ = compiled(rule)
        top_hits = top_hits_of(monitor)
        assert top_hits["_source"] is False  # never the whole document (a 32 KB stack trace)
        assert set(top_hits) == {"size", "sort", "_source", "script_fields"}
        script = top_hits["script_fields"]["sample"]["script"]
        assert script["source"] == SAMPLE_SCRIPT and script["lang"] == "painless"
        assert set(script["params"]) == {"fields", "message_max", "field_max"}
        firing = composite_of(monitor)["aggs"]["firing"]["bucket_selector"]
        condition = bucket_condition(rule)
        assert (firing["buckets_path"], firing["script"]) == (condition["buckets_path"], condition["script"])
        query_text = json.dumps(monitor["inputs"][0]["search"]["query"])
        # the query is rendered as mustache before it runs: only the period placeholders may open a tag
        assert query_text.replace("{{period_end}}", "").count("{{") == 0


def test_the_old_shape_would_not_fit() -> None:
    """What the audit found: whole ``_source`` samples of a full page of buckets far exceed the limit."""
    rule = load_rules().by_name("error-spike")
    monitor, template = compiled(rule)
    context = worst_context(rule, monitor, alerts=1, value="checkout")
    whole = {"_source": {"message": "x" * 32_768}}
    bucket = context["ctx"]["results"][0]["aggregations"][AGG_NAME]["buckets"][0]
    old_bucket = {**bucket, "samples": {"hits": {"hits": [whole] * 3}}}
    context["ctx"]["results"][0]["aggregations"][AGG_NAME]["buckets"] = [old_bucket] * 100
    assert len(render(template, context).encode()) > SNS_MESSAGE_MAX_BYTES


def test_renderer_indexes_lists_like_opensearch() -> None:
    from logpipe.alerting.mustache import TemplateError

    assert render("{{a.0}}/{{a.size}}", {"a": ["x", "y"]}) == "x/2"
    with pytest.raises(TemplateError, match="past the end"):
        render("{{#a.2}}never{{/a.2}}", {"a": ["x", "y"]})  # OpenSearch's CollectionMap throws here too


def test_failed_query_without_results_still_renders() -> None:
    rule = load_rules().by_name("error-spike")
    _, template = compiled(rule)
    context = {"ctx": {"monitor": {"name": "m"}, "trigger": {"name": "t"}, "error": "boom", "results": []}}
    alert = parse_alert(render(template, context))
    assert alert.error == "boom" and alert.groups == []
