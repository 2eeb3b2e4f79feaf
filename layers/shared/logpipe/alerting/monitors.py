"""Compile alert rules to OpenSearch Alerting monitors (the ``POST _plugins/_alerting/monitors`` bodies).

``count`` rules become bucket-level monitors: a composite aggregation per group (service by default) over
the rule's window, a bucket-level trigger whose script compares the bucket's count (and share) with the
threshold, and a per-alert action with the rule's throttle. ``document`` rules become document-level
monitors with one query per criterion combination and a tag trigger.

The action's message is a mustache template that renders a JSON body (see :data:`MESSAGE_CONTRACT`), so
the Slack notifier reads structured data instead of scraping text. OpenSearch renders ``{{var}}`` with
JSON string escaping (its mustache factory's default content type is JSON) and ``{{#toJson}}`` as JSON.

The message must stay under SNS's 256 KB publish limit whatever the logs hold, so its size is bounded by
construction (``tests/unit/test_alert_message_size.py`` renders the worst case):

* sample documents are never returned whole: ``top_hits`` returns no ``_source``, only a Painless script field
  (:data:`SAMPLE_SCRIPT`) holding the sample fields cut to :data:`SAMPLE_MESSAGE_MAX` / :data:`SAMPLE_FIELD_MAX`
  characters (a 32 KB stack trace becomes 300 characters: what Slack shows anyway);
* the composite aggregation keeps only buckets that cross the threshold (a ``bucket_selector`` with the
  trigger's own condition; it runs while the composite is reduced, before the trigger's top-level
  ``BucketSelectorExt``, so both see the same buckets) and pages by :data:`COMPOSITE_SIZE` buckets (Alerting
  pages through all of them; an action sees the last page), so a message holds at most that many buckets.
  OpenSearch's mustache cannot cut a list (an index past the end throws), hence the limit at the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from logpipe.alerting.durations import date_math, schedule_period
from logpipe.alerting.rules import AlertRule, Match

MESSAGE_CONTRACT = 1
"""Version of the JSON body the message templates render (``"logpipe_alert": 1``)."""
SAMPLE_FIELDS = ["@timestamp", "message", "trace.id", "transaction.id", "service.name", "error.type", "log.level"]
SAMPLES_PER_BUCKET = 3
SAMPLE_MESSAGE_MAX = 300
"""Characters of a sample message kept (the Slack renderer shows 300)."""
SAMPLE_FIELD_MAX = 128
"""Characters of every other sample field kept (ids, service, error type, level, timestamp)."""
COMPOSITE_SIZE = 5
"""Buckets per page of the composite aggregation, so at most this many buckets reach one message (the Slack
message shows five groups). Alerting pages through every bucket, so this costs requests, not coverage."""
AGG_NAME = "by_group"
SNS_MESSAGE_MAX_BYTES = 256 * 1024
"""SNS rejects a larger publish: the alert would never reach the notifier."""

# Painless for the ``sample`` script field of ``top_hits``: the sample fields of ``_source`` (nested ECS objects
# or flat dotted keys), each cut to a bound, so a sample's size does not depend on the log. No ``{{``/``}}``:
# the whole monitor query is rendered as a mustache template before it runs.
SAMPLE_SCRIPT = " ".join(
    line.strip()
    for line in """
String cut(def v, int n) {
  if (v instanceof List) { v = v.isEmpty() ? null : v.get(0); }
  if (v == null) { return null; }
  String t = v.toString();
  return t.length() <= n ? t : t.substring(0, n) + '…';
}
def pick(Map src, String path) {
  if (src.containsKey(path)) { return src.get(path); }
  def node = src;
  for (String part : path.splitOnToken('.')) {
    if (!(node instanceof Map) || !node.containsKey(part)) { return null; }
    node = node.get(part);
  }
  return node;
}
Map src = params['_source'];
Map out = new HashMap();
for (String f : params.fields) {
  def v = cut(pick(src, f), f == 'message' ? params.message_max : params.field_max);
  if (v != null) { out.put(f, v); }
}
return out;
""".strip().splitlines()
)


@dataclass(frozen=True, slots=True)
class MonitorTarget:
    """Where the monitors run and report: index pattern, name prefix and the notification channel."""

    environment: str
    index_pattern: str
    name_prefix: str
    channel_id: str | None = None

    @classmethod
    def for_environment(
        cls, environment: str, channel_id: str | None = None, index_prefix: str | None = None
    ) -> MonitorTarget:
        """``logs-<env>-*`` and ``logpipe-<env>-`` for ``environment``."""
        prefix = index_prefix or f"logs-{environment}"
        return cls(environment, f"{prefix}-*", f"logpipe-{environment}-", channel_id)

    def monitor_name(self, rule: AlertRule) -> str:
        """The monitor's name, which is also how the bootstrap finds the monitors it owns."""
        return f"{self.name_prefix}{rule.name}"


def _clean(text: str) -> str:
    """Static text inside a mustache template must not open tags."""
    return text.replace("{{", "{ {").replace("}}", "} }")


def _static(value: Any) -> str:
    return _clean(json.dumps(value, ensure_ascii=False))


def match_filters(match: Match) -> list[dict[str, Any]]:
    """The query filters for a rule's criteria (keyword fields as logpipe's index template maps them)."""
    filters: list[dict[str, Any]] = []
    if match.services:
        filters.append({"terms": {"service.name": list(match.services)}})
    if match.levels:
        filters.append({"terms": {"log.level": list(match.levels)}})
    if match.error_types:
        filters.append({"terms": {"error.type": list(match.error_types)}})
    if match.message_contains:
        filters.append(
            {
                "bool": {
                    "should": [{"match_phrase": {"message": phrase}} for phrase in match.message_contains],
                    "minimum_should_match": 1,
                }
            }
        )
    return filters


def _source_name(field: str) -> str:
    return field.replace(".", "_")


def bucket_query(rule: AlertRule) -> dict[str, Any]:
    """The search input of a count rule's bucket-level monitor."""
    time_filter = {
        "range": {
            "@timestamp": {
                "gte": "{{period_end}}||-" + date_math(rule.window_s),
                "lte": "{{period_end}}",
                "format": "epoch_millis",
            }
        }
    }
    samples = {
        "top_hits": {
            "size": SAMPLES_PER_BUCKET,
            "sort": [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
            "_source": False,
            "script_fields": {
                "sample": {
                    "script": {
                        "source": SAMPLE_SCRIPT,
                        "lang": "painless",
                        "params": {
                            "fields": SAMPLE_FIELDS,
                            "message_max": SAMPLE_MESSAGE_MAX,
                            "field_max": SAMPLE_FIELD_MAX,
                        },
                    }
                }
            },
        }
    }
    sources = [{_source_name(f): {"terms": {"field": f}}} for f in rule.group_by]
    composite: dict[str, Any] = {"composite": {"size": COMPOSITE_SIZE, "sources": sources}}
    filters: list[dict[str, Any]] = [time_filter]
    condition = bucket_condition(rule)
    firing = {"bucket_selector": {"buckets_path": condition["buckets_path"], "script": condition["script"]}}
    if rule.ratio is None:
        filters += match_filters(rule.match)
        composite["aggs"] = {"samples": samples, "firing": firing}
    else:
        # The share needs every log of the group in the window: filter by services only, count matches in a
        # sub-aggregation.
        if rule.match.services:
            filters.append({"terms": {"service.name": list(rule.match.services)}})
        matched_only = Match(
            levels=rule.match.levels, message_contains=rule.match.message_contains, error_types=rule.match.error_types
        )
        composite["aggs"] = {
            "matched": {"filter": {"bool": {"filter": match_filters(matched_only)}}, "aggs": {"samples": samples}},
            "firing": firing,
        }
    return {"size": 0, "query": {"bool": {"filter": filters}}, "aggregations": {AGG_NAME: composite}}


def bucket_condition(rule: AlertRule) -> dict[str, Any]:
    """The bucket-level trigger condition (bucket selector over the composite aggregation)."""
    if rule.ratio is None:
        paths = {"matched": "_count"}
        script = f"params.matched >= {rule.threshold}"
    else:
        paths = {"matched": "matched>_count", "total": "_count"}
        script = (
            f"params.matched >= {rule.threshold} && params.total > 0 && params.matched / params.total >= {rule.ratio}"
        )
    return {
        "buckets_path": paths,
        "parent_bucket_path": AGG_NAME,
        "script": {"source": script, "lang": "painless"},
    }


def _header(rule: AlertRule, target: MonitorTarget) -> str:
    """Static part of the JSON body: what the rule is, known when the monitor is compiled."""
    fields = {
        "logpipe_alert": MESSAGE_CONTRACT,
        "kind": rule.kind,
        "rule": rule.name,
        "environment": target.environment,
        "severity_name": rule.severity,
        "description": rule.description,
        "runbook": rule.runbook,
        "window": date_math(rule.window_s) if rule.kind == "count" else None,
        "threshold": rule.threshold if rule.kind == "count" else None,
        "ratio": rule.ratio,
        "group_by": list(rule.group_by),
    }
    return ",".join(f"{json.dumps(k)}:{_static(v)}" for k, v in fields.items())


_CTX = (
    '"monitor":"{{ctx.monitor.name}}","trigger":"{{ctx.trigger.name}}","severity":"{{ctx.trigger.severity}}",'
    '"period_start":"{{ctx.periodStart}}","period_end":"{{ctx.periodEnd}}","error":"{{ctx.error}}"'
)


def bucket_message_template(rule: AlertRule, target: MonitorTarget) -> str:
    """Mustache source rendering the JSON body of a bucket-level alert.

    Lists end with a ``null`` sentinel because mustache cannot omit the last comma; the notifier drops it.
    ``buckets`` is the page of firing composite buckets (keys, counts, cut samples; at most
    :data:`COMPOSITE_SIZE`); the notifier keeps the ones named by the alerts' ``bucket_keys``.
    """
    alerts = (  # no alert ids: above max_actionable_alert_count one message lists every alert
        '"alerts":['
        '{{#ctx.newAlerts}}{"state":"new","bucket_keys":"{{bucket_keys}}"},{{/ctx.newAlerts}}'
        '{{#ctx.dedupedAlerts}}{"state":"ongoing","bucket_keys":"{{bucket_keys}}"},{{/ctx.dedupedAlerts}}'
        '{{#ctx.completedAlerts}}{"state":"completed","bucket_keys":"{{bucket_keys}}"},'
        "{{/ctx.completedAlerts}}null]"
    )
    # Iterate ``ctx.results`` instead of indexing ``ctx.results.0``: OpenSearch's mustache throws on an index past
    # the end, and a failed query leaves ``results`` empty (the alert with its error must still go out).
    buckets = '"buckets":{{#ctx.results}}{{#toJson}}aggregations.' + AGG_NAME + ".buckets{{/toJson}}{{/ctx.results}}"
    return "{" + ",".join([_header(rule, target), _CTX, alerts, buckets]) + "}"


def document_message_template(rule: AlertRule, target: MonitorTarget) -> str:
    """Mustache source rendering the JSON body of a document-level alert (sample documents per alert)."""
    doc = (
        '{"@timestamp":"{{_source.@timestamp}}","service":"{{_source.service.name}}",'
        '"level":"{{_source.log.level}}","trace_id":"{{_source.trace.id}}","transaction_id":"{{_source.transaction.id}}",'
        '"error_type":"{{_source.error.type}}","message":"{{_source.message}}","index":"{{_index}}","id":"{{_id}}"},'
    )
    alerts = (
        '"alerts":[{{#ctx.alerts}}{"state":"new","id":"{{id}}","related_doc_ids":"{{related_doc_ids}}"},'
        "{{/ctx.alerts}}null]"
    )
    documents = '"documents":[{{#ctx.alerts}}{{#sample_documents}}' + doc + "{{/sample_documents}}{{/ctx.alerts}}null]"
    return "{" + ",".join([_header(rule, target), _CTX, alerts, documents]) + "}"


def subject_template(rule: AlertRule, target: MonitorTarget) -> str:
    """SNS subject: one short line (SNS allows < 100 characters, no line breaks)."""
    return _clean(f"logpipe {target.environment} {rule.severity}: {rule.name}")[:99]


def _action(rule: AlertRule, target: MonitorTarget, message: str) -> dict[str, Any]:
    """Per-alert action: one message per group, repeated at most every ``throttle`` while the alert lasts.

    Bucket-level alerts also notify once when they complete (the service recovered); document-level
    alerts have no completion.
    """
    actionable = ["DEDUPED", "NEW", "COMPLETED"] if rule.kind == "count" else ["DEDUPED", "NEW"]
    return {
        "name": f"notify-{rule.name}",
        "destination_id": target.channel_id,
        "message_template": {"source": message, "lang": "mustache"},
        "subject_template": {"source": subject_template(rule, target), "lang": "mustache"},
        "throttle_enabled": True,
        "throttle": {"value": max(1, rule.throttle_s // 60), "unit": "MINUTES"},
        "action_execution_policy": {"action_execution_scope": {"per_alert": {"actionable_alerts": actionable}}},
    }


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def document_query_string(match: Match) -> str:
    """The document-level query (query-string syntax): criteria ANDed, list items ORed."""
    parts = []
    for field, values in (
        ("service.name", match.services),
        ("log.level", match.levels),
        ("error.type", match.error_types),
        ("message", match.message_contains),
    ):
        if values:
            parts.append("(" + " OR ".join(f"{field}:{_quote(v)}" for v in values) + ")")
    return " AND ".join(parts)


def compile_rule(rule: AlertRule, target: MonitorTarget) -> dict[str, Any]:
    """The monitor body for ``rule`` (actions only when a notification channel is known)."""
    name = target.monitor_name(rule)
    base: dict[str, Any] = {
        "type": "monitor",
        "name": name,
        "enabled": rule.enabled,
        "schedule": {"period": schedule_period(rule.schedule_s)},
    }
    if rule.kind == "count":
        message = bucket_message_template(rule, target)
        trigger: dict[str, Any] = {
            "bucket_level_trigger": {
                "name": rule.name,
                "severity": rule.opensearch_severity,
                "condition": bucket_condition(rule),
                "actions": [_action(rule, target, message)] if target.channel_id else [],
            }
        }
        return {
            **base,
            "monitor_type": "bucket_level_monitor",
            "inputs": [{"search": {"indices": [target.index_pattern], "query": bucket_query(rule)}}],
            "triggers": [trigger],
        }
    message = document_message_template(rule, target)
    trigger = {
        "document_level_trigger": {
            "name": rule.name,
            "severity": rule.opensearch_severity,
            "condition": {"script": {"source": f"query[tag={rule.name}]", "lang": "painless"}},
            "actions": [_action(rule, target, message)] if target.channel_id else [],
        }
    }
    query = {"id": f"{rule.name}-0", "name": rule.name, "query": document_query_string(rule.match), "tags": [rule.name]}
    return {
        **base,
        "monitor_type": "doc_level_monitor",
        "inputs": [
            {
                "doc_level_input": {
                    "description": rule.description,
                    "indices": [target.index_pattern],
                    "queries": [query],
                }
            }
        ],
        "triggers": [trigger],
    }


def compile_rules(rules: tuple[AlertRule, ...], target: MonitorTarget) -> list[dict[str, Any]]:
    """Monitor bodies for every enabled rule, in file order."""
    return [compile_rule(rule, target) for rule in rules if rule.enabled]
