"""SNS -> Slack: post each alert on the topic to the Slack incoming webhook, once.

Environment: SLACK_WEBHOOK_SECRET_ARN (secret value = webhook URL, or JSON ``{"url": ...}``) or
SLACK_WEBHOOK_URL (local runs), OPENSEARCH_ENDPOINT (trace lookups; optional), DASHBOARDS_URL (links),
IDEMPOTENCY_TABLE (DynamoDB; duplicate SNS deliveries are not posted twice), ALERT_DLQ_URL (SQS for alerts
Slack refuses permanently), LOGPIPE_ENVIRONMENT. The logic lives in :mod:`logpipe.slack.notifier`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent

from logpipe.slack.blocks import RenderContext, default_masker
from logpipe.slack.notifier import Notifier, notify

logger = Logger(service="logpipe-slack-notifier")
metrics = Metrics(service="slack-notifier")
SECRET_MAX_AGE_S = 300
POST_BUDGET_S = 20.0


def webhook_url() -> str | None:
    """The webhook URL: SLACK_WEBHOOK_URL, or the Secrets Manager secret (cached by Powertools Parameters)."""
    direct = os.environ.get("SLACK_WEBHOOK_URL")
    if direct:
        return direct
    arn = os.environ.get("SLACK_WEBHOOK_SECRET_ARN")
    if not arn:
        return None
    from aws_lambda_powertools.utilities import parameters

    value = str(parameters.get_secret(arn, max_age=SECRET_MAX_AGE_S)).strip()
    if value.startswith("{"):
        from logpipe.jsonfast import loads

        parsed = loads(value)
        value = str(parsed.get("url") or parsed.get("webhook_url") or "") if isinstance(parsed, dict) else ""
    local = value.startswith(("http://localhost:", "http://127.0.0.1:"))  # test servers and local mocks
    if not value.startswith("https://") and not local:
        raise ValueError(f'secret {arn} holds no https webhook URL (expected the URL or JSON {{"url": ...}})')
    return value


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def dead_letter(entry: Mapping[str, Any]) -> None:
    """Send a refused alert to ALERT_DLQ_URL (logged only when no queue is configured)."""
    url = os.environ.get("ALERT_DLQ_URL")
    if not url:
        logger.error("no ALERT_DLQ_URL: refused alert kept only in this log", extra={"dead_letter": entry})
        return
    from logpipe.jsonfast import dumps_str

    _sqs().send_message(QueueUrl=url, MessageBody=dumps_str(entry)[:250_000])


def opensearch_edges() -> tuple[Any, Any]:
    """(trace source, document fetcher) backed by OPENSEARCH_ENDPOINT, or (None, None) without it.

    One client with a short timeout: the alert matters more than its enrichment.
    """
    endpoint = os.environ.get("OPENSEARCH_ENDPOINT")
    if not endpoint:
        return None, None
    from logpipe.opensearch.client import make_client
    from logpipe.opensearch.documents import fetch_documents
    from logpipe.stores.opensearch_store import OpenSearchStore

    client = make_client(endpoint, timeout=5.0)
    return OpenSearchStore(endpoint, client=client), functools.partial(fetch_documents, client, "logs-*")


def build_notifier(post: bool = True) -> Notifier:
    """The notifier wired from the environment (``post=False`` renders only)."""
    url = webhook_url() if post else None
    poster: Callable[[Mapping[str, Any]], Any] | None = None
    if url:
        from logpipe.slack.webhook import post_webhook

        def poster(payload: Mapping[str, Any]) -> Any:
            return post_webhook(url, payload, budget_s=POST_BUDGET_S)

    elif post:
        raise RuntimeError("set SLACK_WEBHOOK_SECRET_ARN (or SLACK_WEBHOOK_URL) to post alerts")
    render = RenderContext(
        mask=default_masker(),
        dashboards_url=os.environ.get("DASHBOARDS_URL") or None,
        environment=os.environ.get("LOGPIPE_ENVIRONMENT") or None,
    )
    traces, documents = opensearch_edges()
    return Notifier(post=poster, render=render, trace_source=traces, dead_letter=dead_letter, documents=documents)


def _process(record: dict[str, Any]) -> dict[str, Any]:
    summary = notify(record, build_notifier())
    summary.pop("payload", None)
    return summary


_idempotency_config: Any = None


@lru_cache(maxsize=1)
def _processor() -> Callable[..., dict[str, Any]]:
    """``_process`` wrapped with Powertools idempotency keyed on the SNS MessageId (when a table is set)."""
    global _idempotency_config
    table = os.environ.get("IDEMPOTENCY_TABLE")
    if not table:
        return lambda record: _process(record)
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    _idempotency_config = IdempotencyConfig(event_key_jmespath="Sns.MessageId", expires_after_seconds=6 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=table)
    wrapped: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="record", config=_idempotency_config, persistence_store=persistence
    )(_process)
    return wrapped


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One Slack message per SNS record; raises on transient Slack errors so Lambda retries the event."""
    process = _processor()
    if _idempotency_config is not None:
        _idempotency_config.register_lambda_context(context)
    results = []
    if not event.get("Records"):
        logger.warning("event without SNS Records ignored", extra={"keys": sorted(event)})
        return {"results": []}
    for record in SNSEvent(event).records:
        try:
            summary = process(record=record.raw_event)
        except Exception:
            metrics.add_metric(name="AlertsFailed", unit=MetricUnit.Count, value=1)
            raise
        outcome = "AlertsDeadLettered" if summary.get("status") == "dead-lettered" else "AlertsPosted"
        metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
        logger.info("alert handled", extra={"alert": summary})
        results.append(summary)
    return {"results": results}
