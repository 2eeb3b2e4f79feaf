"""``logpipe invoke``: run the real Lambda handlers in-process on an event file (what ``sam local invoke``
does, without Docker)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import click

from logpipe.jsonfast import dumps_str, loads
from logpipe_cli.lambda_context import FakeLambdaContext


def _read_event(path: str) -> dict[str, Any]:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read event {path}: {exc.strerror}") from exc
    try:
        event = loads(raw)
    except ValueError as exc:
        raise click.ClickException(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise click.ClickException(f"{path}: an event must be a JSON object")
    return event


def decode_response(response: dict[str, Any]) -> list[dict[str, Any]]:
    """Firehose response records with their base64 data decoded into documents, for people."""
    out = []
    for record in response.get("records", []):
        entry: dict[str, Any] = {"recordId": record.get("recordId"), "result": record.get("result")}
        if record.get("result") == "Ok":
            payload = base64.b64decode(record.get("data", ""))
            entry["documents"] = [loads(line) for line in payload.splitlines() if line.strip()]
            if "metadata" in record:
                entry["partitionKeys"] = record["metadata"].get("partitionKeys")
        out.append(entry)
    return out


@click.group(name="invoke")
def command() -> None:
    """Run a Lambda handler in-process on an event file (the Docker-free `sam local invoke`)."""


@command.command("processor")
@click.argument("event_file", metavar="EVENT.json")
@click.option(
    "--stream",
    type=click.Choice(["search", "archive"]),
    default=None,
    help="Delivery stream to act as (default: from the event's deliveryStreamArn).",
)
@click.option("--decode", is_flag=True, help="Print decoded documents instead of the raw Firehose response.")
@click.option("--env", "environment", default=None, help="Environment name (sets LOGPIPE_ENVIRONMENT).")
def processor(event_file: str, stream: str | None, decode: bool, environment: str | None) -> None:
    """Run the Firehose processor on EVENT.json and print the Firehose response JSON."""
    import os

    if environment:
        os.environ["LOGPIPE_ENVIRONMENT"] = environment
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "logpipe")
    event = _read_event(event_file)
    if stream is not None:
        name = f"logpipe-local-{stream}"
        event["deliveryStreamArn"] = f"arn:aws:firehose:local:000000000000:deliverystream/{name}"
    import firehose_processor
    from logpipe_cli.emf import capture_stdout_metrics

    with capture_stdout_metrics():
        response = firehose_processor.handler(event, FakeLambdaContext("logpipe-processor"))
    if decode:
        click.echo(dumps_indent(decode_response(response)))
    else:
        click.echo(dumps_str(response))


def dumps_indent(value: Any) -> str:
    """Indented JSON for people (non-ASCII kept readable)."""
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


@command.command("slack-notifier")
@click.argument("event_file", metavar="EVENT.json")
@click.option(
    "--opensearch", "endpoint", default=None, help="OpenSearch URL for trace lookups (or $OPENSEARCH_ENDPOINT)."
)
@click.option("--dashboards-url", default=None, help="Dashboards URL for links (or $DASHBOARDS_URL).")
@click.option("--env", "environment", default=None, help="Environment name (sets LOGPIPE_ENVIRONMENT).")
def slack_notifier_cmd(
    event_file: str, endpoint: str | None, dashboards_url: str | None, environment: str | None
) -> None:
    """Run the Slack notifier on an SNS EVENT.json: posts with $SLACK_WEBHOOK_URL, else prints the Block Kit payload.

    Needs no AWS: no secret, no idempotency table, no queue; traces are looked up only with --opensearch.
    """
    import os

    for name, value in (("OPENSEARCH_ENDPOINT", endpoint), ("DASHBOARDS_URL", dashboards_url)):
        if value:
            os.environ[name] = value
    if environment:
        os.environ["LOGPIPE_ENVIRONMENT"] = environment
    event = _read_event(event_file)
    import slack_notifier
    from logpipe.slack.notifier import notify
    from logpipe.slack.webhook import SlackPostError
    from logpipe_cli.emf import capture_stdout_metrics

    post = bool(os.environ.get("SLACK_WEBHOOK_URL"))
    records = [r for r in event.get("Records") or [] if isinstance(r, dict)]
    if not records:
        raise click.ClickException(f"{event_file}: no SNS Records in the event")
    outputs: list[str] = []
    failures: list[str] = []
    with capture_stdout_metrics():  # stdout is redirected in here: print after the block
        notifier = slack_notifier.build_notifier(post=post)
        for number, record in enumerate(records, 1):
            try:
                summary = notify(record, notifier)
            except SlackPostError as exc:  # transient (429/5xx after retries, network): Lambda would retry
                failures.append(f"record {number}: not posted: {exc}")
                continue
            outputs.append(dumps_indent(summary.get("payload", summary)))
            if summary.get("status") not in ("posted", "rendered"):
                reason = summary.get("reason") or "see the summary above"
                failures.append(f"record {number}: not posted ({summary.get('status')}): {reason}")
    for text in outputs:
        click.echo(text)
    if failures:
        # Only a delivered (or, without a webhook, rendered) alert is success: a script must see the failure.
        raise click.ClickException("\n".join(failures))
