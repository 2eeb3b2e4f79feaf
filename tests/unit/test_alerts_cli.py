"""The command line of the alerting area: alerts render/test, bootstrap --dry-run, invoke slack-notifier."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe_cli.main import cli
from tests.conftest import EVENTS_DIR, ROOT


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_alerts_render_prints_monitor_json() -> None:
    result = run("alerts", "render", "--env", "stage")
    assert result.exit_code == 0, result.output
    monitors = json.loads(result.output)
    assert monitors[0]["name"].startswith("logpipe-stage-")
    assert monitors[0]["inputs"][0]["search"]["indices"] == ["logs-stage-*"]
    action = monitors[0]["triggers"][0]["bucket_level_trigger"]["actions"][0]
    assert action["destination_id"] == "logpipe-stage-sns"


def test_alerts_render_reports_rule_errors(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - name: x\n    match: {levels: [loud]}\n")
    result = CliRunner().invoke(cli, ["alerts", "render", "--rules", str(bad)])
    assert result.exit_code == 1
    assert "rules.yaml: rules[0] (x).match.levels[0]: 'loud' is not one of" in result.output


def write_docs(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))


def test_alerts_test_over_documents(tmp_path: Path) -> None:
    docs = [
        {
            "@timestamp": f"2025-11-25T07:00:{i:02d}Z",
            "service": {"name": "checkout"},
            "log": {"level": "error"},
            "message": "payment failed for order",
            "trace": {"id": f"t{i}"},
        }
        for i in range(25)
    ]
    file = tmp_path / "docs.ndjson"
    write_docs(file, docs)
    result = run("alerts", "test", "--docs", str(file), "--json")
    assert result.exit_code == 0, result.output
    fired = {r["rule"]: r for r in json.loads(result.stdout)["results"]}
    assert fired["error-spike"]["fired"] and fired["payment-failures"]["fired"]
    assert not fired["fatal-log"]["fired"]
    assert fired["error-spike"]["firings"][0]["group"] == {"service.name": "checkout"}
    table = run("alerts", "test", "--docs", str(file))
    assert "rules would fire" in table.output


def test_alerts_test_without_local_run_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["alerts", "test"])
    assert result.exit_code == 1
    assert "no local store found" in result.output and "run `make demo` or `logpipe run FILE...` first" in result.output


def test_alerts_test_reads_the_local_store(tmp_path: Path) -> None:
    local_store = pytest.importorskip("logpipe.stores.local_store")
    db = tmp_path / "search.db"
    docs = [
        {
            "@timestamp": f"2025-11-25T07:00:{i:02d}.000Z",
            "service": {"name": "inventory"},
            "log": {"level": "fatal"},
            "message": "heap",
            "error": {"type": "java.lang.OutOfMemoryError"},
            "trace": {"id": f"x{i}"},
        }
        for i in range(3)
    ]
    with local_store.LocalStore(db) as store:
        store.add(docs)
    result = run("alerts", "test", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    fired = {r["rule"]: r for r in json.loads(result.stdout)["results"]}
    assert fired["java-out-of-memory"]["fired"] and fired["fatal-log"]["fired"]


def test_bootstrap_dry_run_contacts_nothing() -> None:
    result = run("bootstrap", "--endpoint", "http://127.0.0.1:9", "--env", "dev", "--warm-days", "3", "--dry-run")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert "logpipe-dev-logs" in plan["index_template"]
    states = plan["ism_policy"]["logpipe-dev-retention"]["policy"]["states"]
    assert [s["name"] for s in states] == ["hot", "warm", "delete"]


def test_bootstrap_rejects_bad_retention() -> None:
    result = CliRunner().invoke(cli, ["bootstrap", "--endpoint", "http://x:9200", "--retention-days", "3"])
    assert result.exit_code == 1 and "RetentionDays" in result.output


def test_bootstrap_against_an_endpoint(httpserver: HTTPServer) -> None:
    from tests.integration.fake_opensearch import FakeOpenSearch

    fake = FakeOpenSearch()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    endpoint = httpserver.url_for("/").rstrip("/").replace("http://", "http://admin:secret@")
    result = run("bootstrap", "--endpoint", endpoint, "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "monitors: updated (created 5" in result.output and "dashboards: skipped" in result.output
    teardown = run("bootstrap", "--endpoint", endpoint, "--env", "dev", "--delete")
    assert teardown.exit_code == 0, teardown.output
    assert not fake.monitors and not fake.templates


def test_invoke_slack_notifier_prints_block_kit_without_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_SECRET_ARN", "OPENSEARCH_ENDPOINT", "IDEMPOTENCY_TABLE"):
        monkeypatch.delenv(key, raising=False)
    result = run("invoke", "slack-notifier", str(EVENTS_DIR / "sns-opensearch-monitor.json"), "--env", "prod")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["attachments"][0]["blocks"][0]["type"] == "header"


def test_invoke_slack_notifier_posts_with_webhook_url(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    posts: list[Any] = []

    def hook(request: Request) -> Response:
        posts.append(request.get_json())
        return Response("ok", 200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    monkeypatch.delenv("OPENSEARCH_ENDPOINT", raising=False)
    result = run(
        "invoke",
        "slack-notifier",
        str(EVENTS_DIR / "sns-cloudwatch-alarm.json"),
        env={"SLACK_WEBHOOK_URL": httpserver.url_for("/hook")},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "posted" and len(posts) == 1


def test_sample_sns_events_are_current() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_sns_events
    finally:
        sys.path.pop(0)
    for name, text in build_sns_events.render_files().items():
        assert (EVENTS_DIR / name).read_text(encoding="utf-8") == text, (
            f"events/{name} is stale: run tools/build_sns_events.py"
        )


@pytest.mark.parametrize(("status", "body"), [(400, "invalid_payload"), (410, "channel_is_archived")])
def test_invoke_slack_notifier_fails_when_slack_refuses_permanently(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, status: int, body: str
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data(body, status=status)
    for key in ("OPENSEARCH_ENDPOINT", "ALERT_DLQ_URL"):
        monkeypatch.delenv(key, raising=False)
    result = run(
        "invoke",
        "slack-notifier",
        str(EVENTS_DIR / "sns-cloudwatch-alarm.json"),
        env={"SLACK_WEBHOOK_URL": httpserver.url_for("/hook")},
    )
    assert result.exit_code == 1, result.output
    assert '"status": "dead-lettered"' in result.output
    assert f"not posted (dead-lettered): Slack refused the message permanently: HTTP {status} {body}" in result.output
    assert "Traceback" not in result.output


def test_invoke_slack_notifier_fails_cleanly_when_5xx_persists(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import slack_notifier

    httpserver.expect_request("/hook", method="POST").respond_with_data("oops", status=503)
    monkeypatch.delenv("OPENSEARCH_ENDPOINT", raising=False)
    monkeypatch.setattr(slack_notifier, "POST_BUDGET_S", 0.0)  # no time for retries: fail at once
    result = run(
        "invoke",
        "slack-notifier",
        str(EVENTS_DIR / "sns-cloudwatch-alarm.json"),
        env={"SLACK_WEBHOOK_URL": httpserver.url_for("/hook")},
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "not posted: Slack did not accept the message: HTTP 503 oops" in result.output
    assert "Traceback" not in result.output and "SlackTransientError" not in result.output
