"""Alert rules: validation with clear errors, compilation to monitors, and the message template contract."""

from __future__ import annotations

import json
from typing import Any

import pytest

from logpipe.alerting.messages import parse_alert
from logpipe.alerting.monitors import (
    MonitorTarget,
    bucket_condition,
    compile_rule,
    compile_rules,
    document_query_string,
)
from logpipe.alerting.mustache import TemplateError, render
from logpipe.alerting.rules import Match, load_rules, parse_rules
from logpipe.configfile import ConfigError

TARGET = MonitorTarget.for_environment("prod", "logpipe-prod-sns")


def rules_doc(**rule: Any) -> dict[str, Any]:
    base = {"name": "r1", "severity": "high", "match": {"levels": ["error"]}}
    base.update(rule)
    return {"rules": [base]}


def test_builtin_rules_load_and_cover_both_kinds() -> None:
    rules = load_rules()
    names = {r.name for r in rules.rules}
    assert {"error-spike", "fatal-log", "java-out-of-memory", "payment-failures", "error-rate"} <= names
    assert {r.kind for r in rules.rules} == {"count", "document"}
    oom = rules.by_name("java-out-of-memory")
    assert oom.match.error_types == ("java.lang.OutOfMemoryError",)
    assert oom.opensearch_severity == "1"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (rules_doc(mesage="x"), "rules[0]: unknown key 'mesage'"),
        (rules_doc(severity="urgent"), "rules[0] (r1).severity: 'urgent' is not one of"),
        (rules_doc(match={"levels": ["eror"]}), "match.levels[0]: 'eror' is not one of"),
        (rules_doc(window="5 minutes"), "window: '5 minutes' is not a duration"),
        (rules_doc(schedule="30s"), "schedule: OpenSearch monitors run in whole minutes"),
        (rules_doc(kind="document", ratio=0.5), "ratio: a ratio needs kind: count"),
        (rules_doc(kind="document", threshold=3), "threshold: a document rule fires on every matching document"),
        (rules_doc(threshold=0), "threshold: must be >= 1"),
        (rules_doc(match={}), "give at least one of"),
        (rules_doc(name="Bad Name"), "must be lower-case letters"),
        (rules_doc(group_by=["user.email"]), "group_by[0]: 'user.email' is not one of"),
        ({"rules": []}, "rules: the list is empty"),
        ({"rules": [rules_doc()["rules"][0], rules_doc()["rules"][0]]}, "duplicate rule name 'r1'"),
    ],
)
def test_invalid_rules_name_file_and_location(doc: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_rules(doc, "alert_rules.yaml")
    assert str(err.value).startswith("alert_rules.yaml: ")
    assert expected in str(err.value)


def test_rules_file_errors_name_the_file(tmp_path: Any) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - name: x\n    match: {levels: [error]}\n    throttle: 90s\n")
    with pytest.raises(ConfigError, match=r"rules.yaml: rules\[0\] \(x\).throttle: Alerting throttles"):
        load_rules(bad)


def test_count_rule_compiles_to_bucket_level_monitor_per_service() -> None:
    rule = load_rules().by_name("error-spike")
    monitor = compile_rule(rule, TARGET)
    assert monitor["monitor_type"] == "bucket_level_monitor"
    assert monitor["name"] == "logpipe-prod-error-spike"
    search = monitor["inputs"][0]["search"]
    assert search["indices"] == ["logs-prod-*"]
    filters = search["query"]["query"]["bool"]["filter"]
    assert filters[0]["range"]["@timestamp"]["gte"] == "{{period_end}}||-5m"
    assert {"terms": {"log.level": ["error", "fatal"]}} in filters
    composite = search["query"]["aggregations"]["by_group"]["composite"]
    assert composite["sources"] == [{"service_name": {"terms": {"field": "service.name"}}}]
    trigger = monitor["triggers"][0]["bucket_level_trigger"]
    assert trigger["severity"] == "2"
    assert trigger["condition"]["script"]["source"] == "params.matched >= 20"
    action = trigger["actions"][0]
    assert action["destination_id"] == "logpipe-prod-sns"
    assert action["throttle"] == {"value": 15, "unit": "MINUTES"}
    assert action["action_execution_policy"]["action_execution_scope"]["per_alert"]["actionable_alerts"] == [
        "DEDUPED",
        "NEW",
        "COMPLETED",
    ]


def test_ratio_rule_counts_matches_in_a_sub_aggregation() -> None:
    rule = load_rules().by_name("error-rate")
    monitor = compile_rule(rule, TARGET)
    query = monitor["inputs"][0]["search"]["query"]
    assert len(query["query"]["bool"]["filter"]) == 1  # time only: the share needs every log
    matched = query["aggregations"]["by_group"]["aggs"]["matched"]
    assert matched["filter"]["bool"]["filter"] == [{"terms": {"log.level": ["error", "fatal"]}}]
    condition = bucket_condition(rule)
    assert condition["buckets_path"] == {"matched": "matched>_count", "total": "_count"}
    assert "params.matched / params.total >= 0.25" in condition["script"]["source"]


def test_document_rule_compiles_to_doc_level_monitor_with_tag_trigger() -> None:
    monitor = compile_rule(load_rules().by_name("java-out-of-memory"), TARGET)
    assert monitor["monitor_type"] == "doc_level_monitor"
    query = monitor["inputs"][0]["doc_level_input"]["queries"][0]
    assert query["query"] == '(error.type:"java.lang.OutOfMemoryError")'
    assert query["tags"] == ["java-out-of-memory"]
    trigger = monitor["triggers"][0]["document_level_trigger"]
    assert trigger["condition"]["script"]["source"] == "query[tag=java-out-of-memory]"


def test_document_query_string_quotes_values() -> None:
    match = Match(services=["a"], levels=("fatal",), message_contains=('say "hi"\\',))  # type: ignore[arg-type]
    assert document_query_string(match) == '(service.name:"a") AND (log.level:"fatal") AND (message:"say \\"hi\\"\\\\")'


def test_no_channel_means_no_actions() -> None:
    monitors = compile_rules(load_rules().rules, MonitorTarget.for_environment("dev"))
    for monitor in monitors:
        assert next(iter(monitor["triggers"][0].values()))["actions"] == []


def _bucket_ctx(message: str) -> dict[str, Any]:
    source = {
        "message": message,
        "trace": {"id": "t-1"},
        "service": {"name": "svc"},
        "@timestamp": "2025-01-01T00:00:00Z",
    }
    return {
        "ctx": {
            "monitor": {"name": 'mon "x"'},
            "trigger": {"name": "trig", "severity": "2"},
            "periodStart": "2025-01-01T00:00:00Z",
            "periodEnd": "2025-01-01T00:05:00Z",
            "newAlerts": [{"id": "a", "bucket_keys": "svc"}],
            "results": [
                {
                    "aggregations": {
                        "by_group": {
                            "buckets": [
                                {
                                    "key": {"service_name": "svc"},
                                    "doc_count": 30,
                                    "samples": {"hits": {"hits": [{"_source": source}]}},
                                },
                                {"key": {"service_name": "quiet"}, "doc_count": 1},
                            ]
                        }
                    }
                }
            ],
        }
    }


HOSTILE = 'line1\nline2 "quoted" \\ back {{ctx.monitor.name}} </tag> 한국어'


def test_bucket_template_renders_json_the_notifier_reads() -> None:
    rule = load_rules().by_name("error-spike")
    template = compile_rule(rule, TARGET)["triggers"][0]["bucket_level_trigger"]["actions"][0]["message_template"]
    rendered = render(template["source"], _bucket_ctx(HOSTILE))
    body = json.loads(rendered)
    assert body["logpipe_alert"] == 1 and body["rule"] == "error-spike" and body["monitor"] == 'mon "x"'
    alert = parse_alert(rendered)
    assert alert.source == "logpipe" and alert.severity == "high"
    assert [g.label for g in alert.groups] == ["svc"]  # the quiet bucket did not alert
    assert alert.groups[0].count == 30
    assert alert.groups[0].samples[0].message == HOSTILE
    assert alert.trace_ids() == ["t-1"]


def test_document_template_renders_json_with_samples() -> None:
    rule = load_rules().by_name("fatal-log")
    template = compile_rule(rule, TARGET)["triggers"][0]["document_level_trigger"]["actions"][0]["message_template"]
    docs = [
        {"_index": "i", "_id": "1", "_source": {"message": HOSTILE, "service": {"name": "a"}, "trace": {"id": "t1"}}},
        {"_index": "i", "_id": "2", "_source": {"message": "x", "service": {"name": "b"}}},
    ]
    ctx = {
        "ctx": {
            "monitor": {"name": "m"},
            "trigger": {"name": "t", "severity": "1"},
            "alerts": [{"id": "z", "sample_documents": docs}],
        }
    }
    alert = parse_alert(render(template["source"], ctx))
    assert alert.severity == "critical"
    assert sorted(g.label for g in alert.groups) == ["a", "b"]
    assert alert.trace_ids() == ["t1"]


def test_template_with_failed_query_still_parses() -> None:
    """``{{#toJson}}`` renders nothing when results are missing (monitor error): the body stays readable."""
    rule = load_rules().by_name("error-spike")
    template = compile_rule(rule, TARGET)["triggers"][0]["bucket_level_trigger"]["actions"][0]["message_template"]
    ctx = {"ctx": {"monitor": {"name": "m"}, "trigger": {"name": "t", "severity": "2"}, "error": "boom", "results": []}}
    rendered = render(template["source"], ctx)
    alert = parse_alert(rendered)
    assert alert.source == "logpipe" and alert.error == "boom"


def test_static_rule_text_cannot_open_mustache_tags() -> None:
    doc = rules_doc(description="uses {{ctx.secret}} braces")
    rule = parse_rules(doc, "x.yaml").rules[0]
    source = compile_rule(rule, TARGET)["triggers"][0]["bucket_level_trigger"]["actions"][0]["message_template"][
        "source"
    ]
    assert "{{ctx.secret}}" not in source


def test_mustache_sections_and_errors() -> None:
    assert render("{{#a}}[{{b}}]{{/a}}{{^c}}none{{/c}}", {"a": [{"b": 1}, {"b": 'x"y'}]}) == '[1][x\\"y]none'
    assert render("{{#toJson}}a.0{{/toJson}}", {"a": [{"k": [1]}]}) == '{"k": [1]}'
    with pytest.raises(TemplateError):
        render("{{#a}}x", {})
    with pytest.raises(TemplateError):
        render("{{/a}}", {})


def test_completed_bucket_alert_renders_as_recovered() -> None:
    from logpipe.slack.blocks import RenderContext, render_alert

    rule = load_rules().by_name("error-spike")
    template = compile_rule(rule, TARGET)["triggers"][0]["bucket_level_trigger"]["actions"][0]["message_template"]
    ctx = _bucket_ctx("x")
    ctx["ctx"]["newAlerts"] = []
    ctx["ctx"]["completedAlerts"] = [{"id": "a", "bucket_keys": "cart"}]
    alert = parse_alert(render(template["source"], ctx))
    assert alert.resolved and [(g.label, g.state) for g in alert.groups] == [("cart", "completed")]
    payload = render_alert(alert, [], RenderContext(mask=lambda t: t))
    assert payload["attachments"][0]["color"] == "#2E7D32" and "RESOLVED" in payload["text"]
    assert "*cart*: recovered" in json.dumps(payload)
