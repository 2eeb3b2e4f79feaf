"""Without AWS settings, or with AWS / OpenSearch out of reach, commands end in one clear error line with a hint
(exit code 1), never a botocore / opensearch-py traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

from logpipe_cli.cloud_errors import explain
from logpipe_cli.main import cli

UNREACHABLE = "http://127.0.0.1:1"


@pytest.fixture
def no_aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without any AWS configuration."""
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.fixture
def unreachable_aws(monkeypatch: pytest.MonkeyPatch, no_aws_config: None) -> None:
    """A region and credentials, but every AWS endpoint refuses connections (one attempt, no retries)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", UNREACHABLE)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")


def _clean_failure(result: Result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # a click error, not a crash
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.log"
    path.write_text("2026-11-25 00:00:00 INFO hello\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("no_aws_config")
def test_without_a_region_trace_athena_and_ship_say_how_to_set_one(log_file: Path) -> None:
    trace = CliRunner().invoke(cli, ["trace", "1aa2f66fe3dbf91cfed2b783bc5d666a", "--backend", "athena"])
    _clean_failure(trace, "no AWS region configured", "--region")
    ship = CliRunner().invoke(cli, ["ship", str(log_file), "--env", "dev"])
    _clean_failure(ship, "no AWS region configured", "AWS_DEFAULT_REGION")
    search = CliRunner().invoke(cli, ["search", "x", "--backend", "opensearch"])  # endpoint from the stack
    _clean_failure(search, "stack logpipe-dev cannot be read", "no AWS region configured")


@pytest.mark.usefixtures("unreachable_aws")
def test_unreachable_aws_endpoints_are_named(log_file: Path) -> None:
    trace = CliRunner().invoke(cli, ["trace", "1aa2f66fe3dbf91cfed2b783bc5d666a", "--backend", "athena"])
    _clean_failure(trace, f"cannot reach {UNREACHABLE}", "EndpointConnectionError")
    ship = CliRunner().invoke(cli, ["ship", str(log_file), "--env", "dev", "--max-attempts", "1"])
    _clean_failure(ship, "logpipe-dev-search: cannot reach")


@mock_aws
def test_ship_to_an_environment_without_streams_names_the_missing_stack(
    log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = CliRunner().invoke(cli, ["ship", str(log_file), "--env", "nosuchenv", "--region", "eu-west-1"])
    _clean_failure(result, "logpipe-nosuchenv-search: AWS refused PutRecordBatch: ResourceNotFoundException")


def test_run_and_search_against_an_unreachable_opensearch(log_file: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke(
        cli, ["run", str(log_file), "--opensearch", UNREACHABLE, "--out", str(tmp_path / "out"), "--quiet"]
    )
    _clean_failure(run, f"--opensearch {UNREACHABLE}: cannot reach OpenSearch")
    search = CliRunner().invoke(cli, ["search", "x", "--backend", "opensearch", "--endpoint", UNREACHABLE])
    _clean_failure(search, "cannot reach OpenSearch", "--endpoint")


def test_opensearch_refusals_get_hints() -> None:
    from opensearchpy import AuthenticationException, AuthorizationException, NotFoundError

    assert "HTTP 403" in str(explain(AuthorizationException(403, "security_exception", {})))
    assert "role" in str(explain(AuthorizationException(403, "security_exception", {})))
    assert "credentials" in str(explain(AuthenticationException(401, "unauthorized", {})))
    assert "--index" in str(explain(NotFoundError(404, "index_not_found_exception", {})))
    assert explain(KeyError("a bug")) is None  # anything else keeps its traceback
