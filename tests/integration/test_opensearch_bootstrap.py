"""The bootstrap against a local server answering like OpenSearch's documented APIs, and the
CloudFormation custom resource handler around it (ResponseURL on the same local server)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe.alerting.rules import load_rules, parse_rules
from logpipe.configfile import ConfigError
from logpipe.opensearch.bootstrap import BootstrapParams, connect, run_bootstrap, run_teardown
from logpipe.opensearch.custom_resource import Outcome, run_with_deadline
from logpipe_cli.lambda_context import FakeLambdaContext
from tests.integration.fake_opensearch import FakeOpenSearch

ARN = "arn:aws:iam::123456789012:role/"


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeOpenSearch:
    state = FakeOpenSearch(services=["checkout", "payment"])
    httpserver.expect_request(re.compile("^/(?!cfn-response).*")).respond_with_handler(state.handle)
    return state


def props(httpserver: HTTPServer, **extra: str) -> dict[str, str]:
    base = {
        "Endpoint": httpserver.url_for("/").rstrip("/"),
        "Environment": "prod",
        "IndexPrefix": "logs-prod",
        "Shards": "2",
        "Replicas": "1",
        "HotDays": "7",
        "WarmDays": "0",
        "RetentionDays": "30",
        "FirehoseRoleArn": ARN + "firehose",
        "OperatorRoleArn": ARN + "operators",
        "ReaderRoleArns": ARN + "slack-notifier, " + ARN + "cli",
        "SnsTopicArn": "arn:aws:sns:ap-northeast-2:123456789012:alerts",
        "SnsRoleArn": ARN + "opensearch-sns",
        "DashboardsUrl": httpserver.url_for("/_dashboards"),
        "ConfigVersion": "1",
    }
    base.update(extra)
    return base


def bootstrap(httpserver: HTTPServer, **extra: str) -> Any:
    params = BootstrapParams.from_properties(props(httpserver, **extra))
    api, dashboards = connect(params, timeout=5)
    return run_bootstrap(api, params, load_rules(), dashboards)


def test_first_run_creates_everything(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    report = bootstrap(httpserver)
    assert report.ok, report.summary()
    template = fake.templates["logpipe-prod-logs"]
    assert template["index_patterns"] == ["logs-prod-*"]
    settings = template["template"]["settings"]["index"]
    assert (settings["number_of_shards"], settings["codec"]) == (2, "best_compression")
    assert settings["mapping"]["ignore_malformed"] is True
    props_ = template["template"]["mappings"]["properties"]
    assert props_["@timestamp"]["type"] == "date" and props_["trace"]["properties"]["id"]["type"] == "keyword"
    assert props_["message"]["fields"]["keyword"]["type"] == "keyword"
    policy = fake.policies["logpipe-prod-retention"]["policy"]
    assert [s["name"] for s in policy["states"]] == ["hot", "delete"]
    assert policy["states"][0]["transitions"][0]["conditions"] == {"min_index_age": "30d"}
    assert policy["ism_template"][0]["index_patterns"] == ["logs-prod-*"]
    assert fake.mappings["logpipe_prod_firehose"]["backend_roles"] == [ARN + "firehose"]
    assert fake.roles["logpipe_prod_firehose"]["index_permissions"][0]["index_patterns"] == ["logs-prod-*"]
    assert fake.mappings["logpipe_prod_operator"]["backend_roles"] == [
        ARN + "operators",
        ARN + "slack-notifier",
        ARN + "cli",
    ]
    assert fake.channels["logpipe-prod-sns"]["sns"]["role_arn"] == ARN + "opensearch-sns"
    names = sorted(m["body"]["name"] for m in fake.monitors.values())
    assert names == sorted(f"logpipe-prod-{r.name}" for r in load_rules().enabled())
    ids = {oid for _, oid in fake.saved}
    assert {"logpipe-prod-logs", "logpipe-prod-trace", "logpipe-prod-overview", "logpipe-prod-errors-over-time"} <= ids
    assert {"logpipe-prod-service-checkout", "logpipe-prod-service-payment"} <= ids
    visualization = fake.saved[("visualization", "logpipe-prod-errors-over-time")]
    assert json.loads(visualization["attributes"]["visState"])["type"] == "histogram"


def test_second_run_updates_in_place_with_concurrency_control(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    assert bootstrap(httpserver).ok
    monitor_ids = set(fake.monitors)
    report = bootstrap(httpserver, RetentionDays="60", WarmDays="7")
    assert report.ok, report.summary()
    assert set(fake.monitors) == monitor_ids  # updated, not duplicated
    policy = fake.policies["logpipe-prod-retention"]
    assert policy["seq_no"] == 1
    assert [s["name"] for s in policy["policy"]["states"]] == ["hot", "warm", "delete"]
    assert policy["policy"]["states"][1]["actions"] == [{"read_only": {}}, {"force_merge": {"max_num_segments": 1}}]
    assert ("POST", "/_plugins/_ism/change_policy/logs-prod-*") in fake.requests
    statuses = {s.step: s.status for s in report.steps}
    assert statuses["index-template"] == "updated" and statuses["ism-policy"] == "updated"


def test_removed_rules_delete_their_monitors_and_foreign_monitors_stay(
    httpserver: HTTPServer, fake: FakeOpenSearch
) -> None:
    fake.monitors["handmade"] = {"body": {"name": "someone-elses-monitor"}, "seq_no": 0}
    assert bootstrap(httpserver).ok
    params = BootstrapParams.from_properties(props(httpserver))
    api, dashboards = connect(params, timeout=5)
    fewer = parse_rules({"rules": [{"name": "error-spike", "match": {"levels": ["error"]}}]}, "x.yaml")
    report = run_bootstrap(api, params, fewer, dashboards)
    assert report.ok
    names = sorted(m["body"]["name"] for m in fake.monitors.values())
    assert names == ["logpipe-prod-error-spike", "someone-elses-monitor"]


def test_partial_failure_reports_every_problem_and_keeps_going(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    fake.fail[("PUT", "/_plugins/_security/api/roles/logpipe_prod_firehose")] = (
        403,
        "no permissions for [] and User [name=bootstrap]",
    )
    fake.import_errors = [
        {"id": "logpipe-prod-overview", "type": "dashboard", "title": "x", "error": {"type": "missing_references"}}
    ]
    report = bootstrap(httpserver)
    failed = {s.step: s.detail for s in report.failed}
    assert set(failed) == {"security", "dashboards"}
    assert "HTTP 403" in failed["security"] and "no permissions" in failed["security"]
    assert "dashboard/logpipe-prod-overview (missing_references)" in failed["dashboards"]
    assert fake.monitors and fake.templates  # independent steps still ran
    assert "security: PUT /_plugins/_security/api/roles/logpipe_prod_firehose: HTTP 403" in report.failure_reason()


def test_channel_failure_skips_monitors(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    fake.fail[("POST", "/_plugins/_notifications/configs")] = (400, "Invalid SNS topic ARN")
    report = bootstrap(httpserver)
    statuses = {s.step: (s.status, s.detail) for s in report.steps}
    assert statuses["notification-channel"][0] == "failed"
    assert statuses["monitors"] == ("failed", "not synced: the notification channel failed")
    assert not fake.monitors


def test_without_optional_arns_steps_are_skipped_and_monitors_have_no_actions(
    httpserver: HTTPServer, fake: FakeOpenSearch
) -> None:
    report = bootstrap(
        httpserver, FirehoseRoleArn="", OperatorRoleArn="", ReaderRoleArns="", SnsTopicArn="", SnsRoleArn=""
    )
    assert report.ok
    statuses = {s.step: s.status for s in report.steps}
    assert statuses["security"] == "skipped" and statuses["notification-channel"] == "skipped"
    for monitor in fake.monitors.values():
        assert next(iter(monitor["body"]["triggers"][0].values()))["actions"] == []


def test_unreachable_endpoint_fails_each_step_with_a_reason() -> None:
    params = BootstrapParams.from_properties({"Endpoint": "http://127.0.0.1:9", "Environment": "dev"})
    api, _ = connect(params, timeout=2, with_dashboards=False)
    api.client.transport.max_retries = 0
    report = run_bootstrap(api, params, load_rules(), None)
    assert not report.ok
    assert "HTTP unreachable" in report.failure_reason()


def test_teardown_removes_only_what_it_owns(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    fake.monitors["handmade"] = {"body": {"name": "someone-elses-monitor"}, "seq_no": 0}
    fake.saved[("search", "their-search")] = {}
    assert bootstrap(httpserver).ok
    params = BootstrapParams.from_properties(props(httpserver))
    api, dashboards = connect(params, timeout=5)
    report = run_teardown(api, params, dashboards)
    assert report.ok, report.summary()
    assert [m["body"]["name"] for m in fake.monitors.values()] == ["someone-elses-monitor"]
    assert not fake.templates and not fake.policies and not fake.channels and not fake.roles and not fake.mappings
    assert list(fake.saved) == [("search", "their-search")]
    again = run_teardown(api, params, dashboards)  # idempotent: nothing left, nothing fails
    assert again.ok


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Endpoint": ""}, "property Endpoint: required"),
        ({"Shards": "two"}, "property Shards: expected a whole number, got 'two'"),
        ({"Replicas": "-1"}, "property Replicas: must be >= 0"),
        ({"RetentionDays": "7", "HotDays": "7"}, "property RetentionDays: 7 must exceed HotDays + WarmDays"),
        ({"SnsRoleArn": ""}, "property SnsRoleArn: required with SnsTopicArn"),
    ],
)
def test_bad_properties_are_named(httpserver: HTTPServer, change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        BootstrapParams.from_properties(props(httpserver, **change))


# -- the custom resource handler --------------------------------------------------------------------------


def cfn_event(
    httpserver: HTTPServer, request_type: str, properties: dict[str, str], physical: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:ap-northeast-2:123456789012:function:bootstrap",
        "ResponseURL": httpserver.url_for("/cfn-response"),
        "StackId": "arn:aws:cloudformation:ap-northeast-2:123456789012:stack/logpipe-prod/1",
        "RequestId": "req-1",
        "ResourceType": "Custom::OpenSearchBootstrap",
        "LogicalResourceId": "OpenSearchBootstrap",
        "ResourceProperties": {"ServiceToken": "x", **properties},
    }
    if physical:
        event["PhysicalResourceId"] = physical
    return event


def responses(httpserver: HTTPServer) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        assert request.headers.get("Content-Type", "") == ""
        got.append(json.loads(request.data))
        return Response("", 200)

    httpserver.expect_request("/cfn-response", method="PUT").respond_with_handler(handler)
    return got


def test_custom_resource_create_then_delete(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    import opensearch_bootstrap

    got = responses(httpserver)
    create = cfn_event(httpserver, "Create", props(httpserver))
    result = opensearch_bootstrap.handler(create, FakeLambdaContext("bootstrap", timeout_seconds=60))
    assert result["Status"] == "SUCCESS"
    answer = got[-1]
    assert answer["Status"] == "SUCCESS" and answer["RequestId"] == "req-1"
    assert answer["PhysicalResourceId"].startswith("logpipe-bootstrap:") and answer["Data"]["monitors"].startswith(
        "updated"
    )
    physical = answer["PhysicalResourceId"]
    update = cfn_event(httpserver, "Update", props(httpserver, ConfigVersion="2"), physical)
    opensearch_bootstrap.handler(update, FakeLambdaContext("bootstrap", timeout_seconds=60))
    assert got[-1]["PhysicalResourceId"] == physical  # stable: no replacement
    delete = cfn_event(httpserver, "Delete", props(httpserver), physical)
    opensearch_bootstrap.handler(delete, FakeLambdaContext("bootstrap", timeout_seconds=60))
    assert got[-1]["Status"] == "SUCCESS" and not fake.monitors and not fake.templates


def test_custom_resource_failure_answers_failed_with_the_reason(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    import opensearch_bootstrap

    got = responses(httpserver)
    fake.fail[("PUT", "/_index_template/logpipe-prod-logs")] = (400, "mapper_parsing_exception: bad mapping")
    opensearch_bootstrap.handler(
        cfn_event(httpserver, "Create", props(httpserver)), FakeLambdaContext("bootstrap", timeout_seconds=60)
    )
    assert got[-1]["Status"] == "FAILED"
    assert "index-template: PUT /_index_template/logpipe-prod-logs: HTTP 400" in got[-1]["Reason"]


def test_custom_resource_bad_properties_fail_create_but_not_delete(httpserver: HTTPServer) -> None:
    import opensearch_bootstrap

    got = responses(httpserver)
    bad = props(httpserver, Shards="many")
    opensearch_bootstrap.handler(
        cfn_event(httpserver, "Create", bad), FakeLambdaContext("bootstrap", timeout_seconds=60)
    )
    assert got[-1]["Status"] == "FAILED" and "property Shards" in got[-1]["Reason"]
    opensearch_bootstrap.handler(
        cfn_event(httpserver, "Delete", bad, "logpipe-bootstrap:x"), FakeLambdaContext("bootstrap", timeout_seconds=60)
    )
    assert got[-1]["Status"] == "SUCCESS" and got[-1]["PhysicalResourceId"] == "logpipe-bootstrap:x"


def test_custom_resource_delete_with_unreachable_domain_still_succeeds(httpserver: HTTPServer) -> None:
    import opensearch_bootstrap

    got = responses(httpserver)
    gone = props(httpserver, Endpoint="http://127.0.0.1:9", DashboardsUrl="http://127.0.0.1:9/_dashboards")
    opensearch_bootstrap.handler(
        cfn_event(httpserver, "Delete", gone, "logpipe-bootstrap:y"), FakeLambdaContext("bootstrap", timeout_seconds=60)
    )
    assert got[-1]["Status"] == "SUCCESS" and "cleanup incomplete" in got[-1]["Reason"]


def test_deadline_answers_failed_before_the_lambda_dies() -> None:
    def slow() -> Outcome:
        time.sleep(2)
        return Outcome("SUCCESS", "p")

    started = time.monotonic()
    outcome = run_with_deadline(slow, 0.2, "fallback")
    assert time.monotonic() - started < 1.0
    assert (outcome.status, outcome.physical_id) == ("FAILED", "fallback") and "timed out" in outcome.reason


def test_exceptions_become_failed_answers() -> None:
    def broken() -> Outcome:
        raise RuntimeError("kaputt")

    outcome = run_with_deadline(broken, 5, "fallback")
    assert outcome.status == "FAILED" and outcome.reason == "RuntimeError: kaputt"
