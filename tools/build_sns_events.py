#!/usr/bin/env python3
"""Build the sample SNS events for the Slack notifier in events/sns-*.json.

The monitor messages are the real message templates of the built-in alert rules rendered (with logpipe's
mustache previewer) over an Alerting context shaped like the one OpenSearch passes to actions, so the
samples change when the templates do. `tests/unit/test_sns_events.py` checks the committed files are
current. Run: .venv/bin/python tools/build_sns_events.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from logpipe.alerting.monitors import MonitorTarget, compile_rule
from logpipe.alerting.mustache import render
from logpipe.alerting.rules import load_rules

EVENTS = Path(__file__).resolve().parent.parent / "events"
TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:logpipe-prod-alerts"
TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACE_B = "0af7651916cd43dd8448eb211c80319c"


def sns_event(message: str, subject: str, message_id: str) -> dict[str, Any]:
    """An SNS -> Lambda event with one record (shape of the aws-lambda-go / Powertools samples)."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{TOPIC}:6f1c1f4e-0000-4000-8000-000000000001",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": TOPIC,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": "2025-11-25T07:05:01.234Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "EXAMPLE",
                    "UnsubscribeUrl": "EXAMPLE",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def _hit(service: str, message: str, trace: str, ts: str, error_type: str | None = None) -> dict[str, Any]:
    source: dict[str, Any] = {
        "@timestamp": ts,
        "message": message,
        "trace": {"id": trace},
        "service": {"name": service},
        "log": {"level": "error"},
    }
    if error_type:
        source["error"] = {"type": error_type}
    return {"_index": "logs-prod-2025-11-25", "_id": f"id-{ts}", "_source": source}


def _bucket_hit(service: str, message: str, trace: str, ts: str, error_type: str | None = None) -> dict[str, Any]:
    """A bucket-level monitor's ``top_hits`` hit: no ``_source``, the ``sample`` script field (flat dotted keys,
    each value cut by the script; see logpipe.alerting.monitors.SAMPLE_SCRIPT)."""
    sample = {"@timestamp": ts, "message": message, "trace.id": trace, "service.name": service, "log.level": "error"}
    if error_type:
        sample["error.type"] = error_type
    return {
        "_index": "logs-prod-2025-11-25",
        "_id": f"id-{ts}",
        "_score": None,
        "fields": {"sample": [sample]},
        "sort": [ts],
    }


def monitor_message(rule_name: str, ctx_extra: dict[str, Any]) -> tuple[str, str]:
    """(message, subject) a built-in rule's action renders for ``ctx_extra``."""
    rule = load_rules().by_name(rule_name)
    target = MonitorTarget.for_environment("prod", "logpipe-prod-sns")
    monitor = compile_rule(rule, target)
    trigger = next(iter(monitor["triggers"][0].values()))
    action = trigger["actions"][0]
    ctx = {
        "monitor": {"name": monitor["name"]},
        "trigger": {"name": trigger["name"], "severity": trigger["severity"]},
        "periodStart": "2025-11-25T07:00:00Z",
        "periodEnd": "2025-11-25T07:05:00.123Z",
        **ctx_extra,
    }
    context = {"ctx": ctx}
    return render(action["message_template"]["source"], context), render(action["subject_template"]["source"], context)


def build() -> dict[str, dict[str, Any]]:
    """File name -> event."""
    bucket_ctx = {
        "newAlerts": [{"id": "alert-1", "bucket_keys": "checkout"}],
        "dedupedAlerts": [{"id": "alert-0", "bucket_keys": "payment"}],
        "results": [
            {
                "aggregations": {
                    "by_group": {
                        "buckets": [
                            {
                                "key": {"service_name": "checkout"},
                                "doc_count": 42,
                                "samples": {
                                    "hits": {
                                        "hits": [
                                            _bucket_hit(
                                                "checkout",
                                                "order 1042 failed: upstream payment returned 502 for user <EMAIL>",
                                                TRACE_A,
                                                "2025-11-25T07:04:58.120Z",
                                            ),
                                            _bucket_hit(
                                                "checkout",
                                                "order 1043 failed: upstream payment timeout after 3000 ms",
                                                TRACE_B,
                                                "2025-11-25T07:04:51.007Z",
                                            ),
                                        ]
                                    }
                                },
                            },
                            {
                                "key": {"service_name": "payment"},
                                "doc_count": 25,
                                "samples": {
                                    "hits": {
                                        "hits": [
                                            _bucket_hit(
                                                "payment",
                                                "NullPointerException in CardTokenizer.tokenize",
                                                TRACE_A,
                                                "2025-11-25T07:04:58.101Z",
                                                "java.lang.NullPointerException",
                                            )
                                        ]
                                    }
                                },
                            },
                        ]
                    }
                }
            }
        ],
    }
    bucket_message, bucket_subject = monitor_message("error-spike", bucket_ctx)
    doc_ctx = {
        "alerts": [
            {
                "id": "alert-9",
                "related_doc_ids": "id-1",
                "sample_documents": [
                    _hit(
                        "inventory",
                        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
                        TRACE_B,
                        "2025-11-25T07:03:12.500Z",
                        "java.lang.OutOfMemoryError",
                    )
                ],
            }
        ]
    }
    doc_message, doc_subject = monitor_message("java-out-of-memory", doc_ctx)
    default_text = (
        "Monitor checkout-errors just entered alert status. Please investigate the issue.\n"
        "  - Trigger: too-many-errors\n  - Severity: 2\n"
        "  - Period start: 2025-11-25T07:00:00.123Z\n  - Period end: 2025-11-25T07:05:00Z\n\n"
        "  - Deduped Alerts:\n  \n\n  - New Alerts:\n  \n    * Nq3KaZoBq1cR2m3d5L7x : [checkout]\n  \n\n"
        "  - Completed Alerts:\n  "
    )
    alarm = {
        "AlarmName": "logpipe-prod-processor-errors",
        "AlarmDescription": "Firehose processor Lambda errors (severity: high). Runbook: docs/deploy.md",
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [3.0 (25/11/25 07:04:00)] was "
        "greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": "2025-11-25T07:05:00.123+0000",
        "Region": "Asia Pacific (Seoul)",
        "AlarmArn": "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:logpipe-prod-processor-errors",
        "OldStateValue": "OK",
        "Trigger": {
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": "logpipe-prod-processor", "name": "FunctionName"}],
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1.0,
            "TreatMissingData": "notBreaching",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    malformed = '{"monitor": "half a message", "password=hunter2 user kim@example.com called 010-1234-5678'
    return {
        "sns-opensearch-monitor.json": sns_event(
            bucket_message, bucket_subject, "2d6f4c1e-1111-4a3b-9c1d-000000000001"
        ),
        "sns-opensearch-document-monitor.json": sns_event(
            doc_message, doc_subject, "2d6f4c1e-1111-4a3b-9c1d-000000000002"
        ),
        "sns-opensearch-default-text.json": sns_event(
            default_text, "Alerting Notification action", "2d6f4c1e-1111-4a3b-9c1d-000000000003"
        ),
        "sns-cloudwatch-alarm.json": sns_event(
            json.dumps(alarm),
            'ALARM: "logpipe-prod-processor-errors" in Asia Pacific (Seoul)',
            "2d6f4c1e-1111-4a3b-9c1d-000000000004",
        ),
        "sns-malformed.json": sns_event(malformed, "", "2d6f4c1e-1111-4a3b-9c1d-000000000005"),
    }


def render_files() -> dict[str, str]:
    """File name -> file text (what is committed)."""
    return {name: json.dumps(event, indent=2, ensure_ascii=False) + "\n" for name, event in build().items()}


def main() -> None:
    """Write the events (``--check``: only report whether the committed files are current)."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if events/ differs; write nothing")
    if parser.parse_args().check:
        stale = [
            n for n, t in render_files().items() if not (EVENTS / n).is_file() or (EVENTS / n).read_text("utf-8") != t
        ]
        print("stale: " + ", ".join(stale) if stale else "events/ is current")
        raise SystemExit(1 if stale else 0)
    EVENTS.mkdir(exist_ok=True)
    for name, text in render_files().items():
        (EVENTS / name).write_text(text, encoding="utf-8")
        print(f"wrote events/{name}")


if __name__ == "__main__":
    main()
