"""The notifier Lambda end to end: Secrets Manager (moto), Slack (local server), OpenSearch trace lookup
(local server), DynamoDB idempotency (moto) and the SQS dead-letter queue (moto)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe.slack.blocks import RenderContext
from logpipe.slack.notifier import Notifier, notify
from logpipe_cli.lambda_context import FakeLambdaContext
from tests.conftest import EVENTS_DIR

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text())
    return event


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for key in ("SLACK_WEBHOOK_URL", "OPENSEARCH_ENDPOINT", "DASHBOARDS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName="alerts-idem",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        queue = boto3.client("sqs").create_queue(QueueName="alert-dlq")["QueueUrl"]
        yield {"table": "alerts-idem", "queue": queue}


@pytest.fixture
def handler_module(aws: dict[str, str], httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    secret = boto3.client("secretsmanager").create_secret(
        Name="slack-webhook", SecretString=json.dumps({"url": httpserver.url_for("/hook")})
    )
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("IDEMPOTENCY_TABLE", aws["table"])
    monkeypatch.setenv("ALERT_DLQ_URL", aws["queue"])
    monkeypatch.setenv("LOGPIPE_ENVIRONMENT", "prod")
    monkeypatch.setenv("DASHBOARDS_URL", "https://dash.example.com/_dashboards")
    from aws_lambda_powertools.utilities import parameters

    import slack_notifier

    parameters.clear_caches()
    slack_notifier._processor.cache_clear()
    slack_notifier._sqs.cache_clear()
    yield slack_notifier
    slack_notifier._processor.cache_clear()
    slack_notifier._sqs.cache_clear()
    parameters.clear_caches()


def slack(httpserver: HTTPServer, status: int = 200, body: str = "ok") -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        posts.append(request.get_json())
        return Response(body, status)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    return posts


def test_posts_once_even_when_sns_delivers_twice(handler_module: Any, httpserver: HTTPServer) -> None:
    posts = slack(httpserver)
    event = load_event("sns-opensearch-monitor.json")
    first = handler_module.handler(event, FakeLambdaContext("notifier"))
    second = handler_module.handler(event, FakeLambdaContext("notifier"))
    assert len(posts) == 1
    assert first["results"][0]["status"] == "posted"
    assert second["results"] == first["results"]  # the stored result, not a second post
    header = posts[0]["attachments"][0]["blocks"][0]["text"]["text"]
    assert header.startswith("[prod] HIGH: error-spike")


def test_permanent_error_goes_to_the_dead_letter_queue(
    handler_module: Any, httpserver: HTTPServer, aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    slack(httpserver, 410, "channel_is_archived")
    result = handler_module.handler(load_event("sns-cloudwatch-alarm.json"), FakeLambdaContext("notifier"))
    assert result["results"][0]["status"] == "dead-lettered"
    messages = boto3.client("sqs").receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10)["Messages"]
    body = json.loads(messages[0]["Body"])
    assert body["status"] == 410 and body["slack_body"] == "channel_is_archived"
    assert body["record"]["Sns"]["MessageId"] == "2d6f4c1e-1111-4a3b-9c1d-000000000004"
    assert '"AlertsDeadLettered"' in capsys.readouterr().out  # EMF metric for the dashboard


def test_transient_error_raises_so_lambda_retries_and_the_retry_posts(
    handler_module: Any, httpserver: HTTPServer
) -> None:
    calls: list[int] = []

    def flaky(request: Request) -> Response:
        calls.append(1)
        return Response("busy", 503) if len(calls) <= 3 else Response("ok", 200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(flaky)
    event = load_event("sns-opensearch-default-text.json")
    import logpipe.slack.webhook as webhook

    original = webhook.post_webhook
    webhook_calls: list[Any] = []

    def no_sleep(url: str, payload: Any, **kwargs: Any) -> Any:
        webhook_calls.append(url)
        return original(url, payload, sleep=lambda s: None, **{k: v for k, v in kwargs.items() if k != "sleep"})

    webhook.post_webhook = no_sleep  # type: ignore[assignment]
    try:
        with pytest.raises(webhook.SlackTransientError):
            handler_module.handler(event, FakeLambdaContext("notifier"))
        result = handler_module.handler(event, FakeLambdaContext("notifier"))  # Lambda's retry
    finally:
        webhook.post_webhook = original  # type: ignore[assignment]
    assert result["results"][0]["status"] == "posted"
    assert len(calls) == 4


def test_trace_lookup_names_the_origin_service(
    handler_module: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = slack(httpserver)
    hits = [
        {
            "_source": {
                "@timestamp": "2025-11-25T07:04:58.101Z",
                "service": {"name": "payment"},
                "log": {"level": "error"},
                "message": "NPE",
                "error": {"type": "java.lang.NullPointerException"},
                "trace": {"id": TRACE},
            }
        },
        {
            "_source": {
                "@timestamp": "2025-11-25T07:04:58.120Z",
                "service": {"name": "checkout"},
                "log": {"level": "error"},
                "message": "502 from payment",
                "trace": {"id": TRACE},
            }
        },
    ]
    searches: list[Any] = []

    def search(request: Request) -> Response:
        body = request.get_json()
        searches.append(body)
        wanted = json.dumps(body)
        found = hits if TRACE in wanted else []
        return Response(json.dumps({"hits": {"hits": found}}), 200, content_type="application/json")

    httpserver.expect_request(re.compile(r".*/_search$")).respond_with_handler(search)
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", httpserver.url_for("/").rstrip("/"))
    handler_module.handler(load_event("sns-opensearch-monitor.json"), FakeLambdaContext("notifier"))
    assert len(searches) == 2  # the two sample trace ids
    text = json.dumps(posts[0])
    assert "started in *payment*" in text and "spread to *checkout*" in text


def test_trace_store_down_still_posts(
    handler_module: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = slack(httpserver)
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    result = handler_module.handler(load_event("sns-opensearch-monitor.json"), FakeLambdaContext("notifier"))
    assert result["results"][0]["status"] == "posted" and len(posts) == 1


class ListSource:
    """A tiny in-test TraceSource."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def fetch_trace(self, trace_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        return [d for d in self.docs if d.get("trace", {}).get("id") == trace_id][:limit]


def test_notify_masks_every_text_before_posting() -> None:
    posted: list[Any] = []
    event = load_event("sns-malformed.json")
    notifier = Notifier(
        post=posted.append,
        render=RenderContext(mask=lambda t: t.replace("hunter2", "<SECRET>").replace("kim@example.com", "<EMAIL>")),
        trace_source=ListSource([]),
    )
    summary = notify(event["Records"][0], notifier)
    assert summary["status"] == "posted"
    text = json.dumps(posted[0])
    assert "hunter2" not in text and "kim@example.com" not in text


def test_secret_may_hold_the_bare_url(
    handler_module: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.utilities import parameters

    client = boto3.client("secretsmanager")
    bare = client.create_secret(Name="bare", SecretString=httpserver.url_for("/hook"))
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", bare["ARN"])
    parameters.clear_caches()
    assert handler_module.webhook_url() == httpserver.url_for("/hook")
    wrong = client.create_secret(Name="wrong", SecretString="xoxb-not-a-webhook")
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", wrong["ARN"])
    with pytest.raises(ValueError, match="no https webhook URL"):
        handler_module.webhook_url()


@pytest.mark.filterwarnings("ignore:No application metrics")
def test_event_without_records_is_ignored(handler_module: Any) -> None:
    assert handler_module.handler({"hello": "world"}, FakeLambdaContext("notifier")) == {"results": []}


def test_document_alert_without_samples_fetches_its_documents(
    handler_module: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clusters without ``sample_documents`` still get messages and traces, via ``related_doc_ids``."""
    from logpipe.alerting.monitors import MonitorTarget, compile_rule
    from logpipe.alerting.mustache import render
    from logpipe.alerting.rules import load_rules

    monitor = compile_rule(load_rules().by_name("fatal-log"), MonitorTarget.for_environment("prod", "c"))
    source = monitor["triggers"][0]["document_level_trigger"]["actions"][0]["message_template"]["source"]
    ctx = {
        "ctx": {
            "monitor": {"name": "m"},
            "trigger": {"name": "t", "severity": "1"},
            "alerts": [{"id": "a1", "related_doc_ids": "doc-1,doc-2"}],
        }
    }
    event = load_event("sns-opensearch-document-monitor.json")
    event["Records"][0]["Sns"]["Message"] = render(source, ctx)
    event["Records"][0]["Sns"]["MessageId"] = "doc-fetch-1"
    posts = slack(httpserver)
    doc = {
        "@timestamp": "2025-11-25T07:00:00Z",
        "service": {"name": "billing"},
        "log": {"level": "fatal"},
        "message": "cannot start: disk full",
        "trace": {"id": TRACE},
    }

    def search(request: Request) -> Response:
        body = request.get_json()
        hits = [{"_id": "doc-1", "_source": doc}] if "ids" in body["query"] or TRACE in json.dumps(body) else []
        return Response(json.dumps({"hits": {"hits": hits}}), 200, content_type="application/json")

    httpserver.expect_request(re.compile(r".*/_search$")).respond_with_handler(search)
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", httpserver.url_for("/").rstrip("/"))
    handler_module.handler(event, FakeLambdaContext("notifier"))
    text = json.dumps(posts[0])
    assert "billing" in text and "cannot start: disk full" in text and "started in *billing*" in text


def test_message_published_through_sns_is_posted_once(handler_module: Any, httpserver: HTTPServer) -> None:
    """Publish the monitor message to an SNS topic (moto), take the notification SNS delivers (via an SQS
    subscription, which carries the same envelope Lambda gets under ``Sns``) and run the handler on it."""
    posts = slack(httpserver)
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="logpipe-prod-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sample = load_event("sns-opensearch-monitor.json")["Records"][0]["Sns"]
    sns.publish(TopicArn=topic, Message=sample["Message"], Subject=sample["Subject"])
    delivered = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": delivered}]}
    handler_module.handler(event, FakeLambdaContext("notifier"))
    handler_module.handler(event, FakeLambdaContext("notifier"))  # SNS retried the delivery
    assert len(posts) == 1
    assert posts[0]["attachments"][0]["blocks"][0]["text"]["text"].startswith("[prod] HIGH: error-spike")
