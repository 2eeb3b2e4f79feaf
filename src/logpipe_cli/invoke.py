"""``logpipe invoke``: run the real Lambda handlers in-process on an event file (what ``sam local invoke``
does, without Docker)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from logpipe.archive_format import archive_payload_text
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


@click.group(name="invoke")
def command() -> None:
    """Run a Lambda handler in-process on an event file (the Docker-free `sam local invoke`)."""


def decode_response(response: dict[str, Any], reasons: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Firehose response records with their data decoded into documents, for people; failed records with
    their reason (``reasons``: recordId -> reason)."""
    out = []
    for record in response.get("records", []):
        entry: dict[str, Any] = {"recordId": record.get("recordId"), "result": record.get("result")}
        if record.get("result") == "Ok":
            # archive records hold one gzip member of NDJSON each (logpipe.archive_format)
            payload = archive_payload_text(base64.b64decode(record.get("data", "")))
            entry["documents"] = [loads(line) for line in payload.splitlines() if line.strip()]
            if "metadata" in record:
                entry["partitionKeys"] = record["metadata"].get("partitionKeys")
        elif record.get("result") == "ProcessingFailed":
            entry["reason"] = (reasons or {}).get(str(record.get("recordId")), "unknown")
        out.append(entry)
    return out


def failure_reasons(processor: Any, event: dict[str, Any], response: dict[str, Any], stream: str) -> dict[str, str]:
    """Why each ProcessingFailed record failed (recordId -> reason, as counted in the FailedByReason metric).

    The response carries no reason (Firehose has no field for it), so each failed record is run through the
    processor again on its own; one that then succeeds failed only because the whole response passed 6 MB.
    """
    from logpipe.stats import BatchStats

    failed = {str(r.get("recordId")) for r in response.get("records", []) if r.get("result") == "ProcessingFailed"}
    reasons: dict[str, str] = {}
    for record in event.get("records") or []:
        if not isinstance(record, dict) or str(record.get("recordId")) not in failed:
            continue
        stats = BatchStats()
        processor.transform_record(record, stream, stats)
        reasons[str(record.get("recordId"))] = next(iter(stats.failed_by_reason), "response-size-limit")
    return reasons


_STREAM_NAME = re.compile(r"^logpipe-(?P<env>[A-Za-z0-9][A-Za-z0-9-]*?)-(?P<kind>search|archive)$")


def environment_from_stream(delivery_stream_arn: Any) -> str | None:
    """``prod`` for ``…:deliverystream/logpipe-prod-search``: the stack names its streams ``logpipe-<env>-<kind>``
    and sets the processor's LOGPIPE_ENVIRONMENT to that same ``<env>``."""
    name = str(delivery_stream_arn or "").rsplit("/", 1)[-1]
    match = _STREAM_NAME.match(name)
    return match.group("env") if match else None


@contextlib.contextmanager
def processor_environment(environment: str | None) -> Iterator[None]:
    """LOGPIPE_ENVIRONMENT as the deployed stack sets it, for one invocation (restored afterwards)."""
    from logpipe.pipeline import default_processor

    saved = {key: os.environ.get(key) for key in ("LOGPIPE_ENVIRONMENT", "POWERTOOLS_METRICS_NAMESPACE")}
    if environment:
        os.environ["LOGPIPE_ENVIRONMENT"] = environment
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "logpipe")
    default_processor.cache_clear()  # the environment is read when the processor is built
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        default_processor.cache_clear()


class ConfigProblem(click.ClickException):
    """A configuration file the processor loads is invalid: exit code 2, like a usage error."""

    exit_code = 2

    def format_message(self) -> str:
        return f"invalid configuration: {self.message}"


@command.command("processor")
@click.argument("event_file", metavar="EVENT.json")
@click.option(
    "--stream",
    type=click.Choice(["search", "archive"]),
    default=None,
    help="Delivery stream to act as (default: from the event's deliveryStreamArn).",
)
@click.option(
    "--decode", is_flag=True, help="Print decoded documents (and why records failed) instead of the response."
)
@click.option(
    "--env",
    "environment",
    default=None,
    help="Environment (sets LOGPIPE_ENVIRONMENT; default: from the stream name logpipe-ENV-search/-archive).",
)
def processor(event_file: str, stream: str | None, decode: bool, environment: str | None) -> None:
    """Run the Firehose processor on EVENT.json and print the Firehose response JSON.

    Configuration comes from $LOGPIPE_CONFIG_DIR (else the built-in files); an invalid file exits 2 naming
    the file, the location and the reason.
    """
    from logpipe.configfile import ConfigError

    event = _read_event(event_file)
    environment = environment or environment_from_stream(event.get("deliveryStreamArn"))
    if stream is not None:
        environment = environment or "dev"
        event["deliveryStreamArn"] = (
            f"arn:aws:firehose:local:000000000000:deliverystream/logpipe-{environment}-{stream}"
        )
    import firehose_processor
    from logpipe.pipeline import default_processor, stream_kind_for
    from logpipe_cli.emf import capture_stdout_metrics

    with processor_environment(environment):
        try:
            built = default_processor()  # loads and validates the configuration, as a cold start does
        except ConfigError as exc:
            raise ConfigProblem(str(exc)) from exc
        with capture_stdout_metrics():
            response = firehose_processor.handler(event, FakeLambdaContext("logpipe-processor"))
            reasons = (
                failure_reasons(built, event, response, stream_kind_for(event.get("deliveryStreamArn")))
                if decode
                else {}
            )
    if decode:
        click.echo(dumps_indent(decode_response(response, reasons)))
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
