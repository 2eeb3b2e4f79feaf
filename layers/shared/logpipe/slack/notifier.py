"""From one SNS record to one Slack message: parse, look up sample traces, render, post, dead-letter.

The steps are plain functions with their edges injected (the poster, the trace source, the dead-letter
sender), so the Lambda handler, ``logpipe invoke slack-notifier`` and the tests run the same code.

Failure policy:
* a trace lookup failure only costs the "where it started" section (the alert still goes out);
* a permanent Slack error (400/403/404/410) is logged and the record goes to the dead-letter queue with the
  reason; the invocation succeeds, because retrying cannot help;
* a transient error (429/5xx after bounded retries, network) raises, so Lambda's async retry and SNS try
  again later (idempotency makes sure a later success is not posted twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from logpipe.alerting.messages import AlertMessage, add_documents, parse_alert
from logpipe.slack.blocks import RenderContext, render_alert
from logpipe.slack.webhook import SlackPermanentError
from logpipe.traces import TraceReport, TraceSource, lookup_traces

log = logging.getLogger(__name__)
MAX_TRACES = 3

Poster = Callable[[Mapping[str, Any]], Any]
DeadLetter = Callable[[Mapping[str, Any]], None]
DocumentFetcher = Callable[[list[str]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Notifier:
    """The notifier's edges: how to post, where traces come from, where permanent failures go."""

    post: Poster | None
    render: RenderContext
    trace_source: TraceSource | None = None
    dead_letter: DeadLetter | None = None
    documents: DocumentFetcher | None = None


def sns_fields(record: Mapping[str, Any]) -> tuple[str, str, str]:
    """(MessageId, Subject, Message) of an SNS record (Lambda event shape; tolerant of missing parts)."""
    sns = record.get("Sns") if isinstance(record.get("Sns"), Mapping) else record
    assert isinstance(sns, Mapping)
    message = sns.get("Message")
    return str(sns.get("MessageId") or ""), str(sns.get("Subject") or ""), message if isinstance(message, str) else ""


def find_traces(alert: AlertMessage, source: TraceSource | None) -> list[TraceReport]:
    """Analyse up to three sample traces; an unavailable store only logs a warning."""
    ids = alert.trace_ids(MAX_TRACES)
    if source is None or not ids:
        return []
    try:
        return lookup_traces(source, ids, limit=500)
    except Exception as exc:  # the alert matters more than its enrichment
        log.warning("trace lookup failed, posting without origin: %s", exc)
        return []


def fill_documents(alert: AlertMessage, fetch: DocumentFetcher | None) -> None:
    """Document-level alerts from clusters that do not send ``sample_documents``: fetch the matched
    documents by id (``related_doc_ids``) so the message still shows messages, services and traces."""
    has_samples = any(g.samples for g in alert.groups)
    if fetch is None or has_samples or not alert.doc_ids:
        return
    try:
        add_documents(alert, fetch(alert.doc_ids[:MAX_TRACES]))
    except Exception as exc:  # enrichment only
        log.warning("fetching the alert's documents failed: %s", exc)


def build_payload(record: Mapping[str, Any], notifier: Notifier) -> tuple[AlertMessage, dict[str, Any]]:
    """Parse the record and render the Slack payload (masked, within limits)."""
    _, subject, message = sns_fields(record)
    alert = parse_alert(message, subject)
    fill_documents(alert, notifier.documents)
    reports = find_traces(alert, notifier.trace_source)
    return alert, render_alert(alert, reports, notifier.render)


def notify(record: Mapping[str, Any], notifier: Notifier) -> dict[str, Any]:
    """Deliver one SNS record; the returned summary is what idempotency stores and the handler logs."""
    message_id, _, _ = sns_fields(record)
    alert, payload = build_payload(record, notifier)
    summary: dict[str, Any] = {
        "message_id": message_id,
        "source": alert.source,
        "severity": alert.severity,
        "title": payload["text"][:150],
        "groups": len(alert.groups),
    }
    if notifier.post is None:
        summary["status"] = "rendered"
        summary["payload"] = payload
        return summary
    try:
        notifier.post(payload)
    except SlackPermanentError as exc:
        log.error("Slack refused alert %s permanently (HTTP %s): %s", message_id, exc.status, exc.body[:200])
        if notifier.dead_letter is None:
            raise
        notifier.dead_letter(
            {
                "reason": str(exc),
                "status": exc.status,
                "slack_body": exc.body[:1000],
                "message_id": message_id,
                "record": dict(record),
            }
        )
        summary["status"] = "dead-lettered"
        summary["reason"] = str(exc)
        return summary
    summary["status"] = "posted"
    return summary
