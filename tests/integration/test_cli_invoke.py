"""`logpipe invoke processor`: a broken configuration is a clean error (exit 2), --decode says why records
failed, and the environment comes from the stream name as in the deployed stack."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from logpipe_cli.invoke import environment_from_stream
from logpipe_cli.main import cli
from tests.conftest import firehose_event

ROOT = Path(__file__).resolve().parents[2]
LINE = b'{"log": "2026-11-25 00:00:00.000 INFO c.s.OrderService : order confirmed"}'


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["invoke", "processor", *args])


def _event_file(tmp_path: Path, event: dict[str, Any]) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return str(path)


def _environments(result: Result) -> set[str]:
    return {doc["service"]["environment"] for entry in json.loads(result.stdout) for doc in entry.get("documents", [])}


@pytest.mark.parametrize(
    ("content", "reason"),
    [("limits: [\n", "invalid YAML"), ("no_such_section: 1\n", "missing required key 'version'")],
)
def test_an_invalid_configuration_is_a_clean_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, reason: str
) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "pipeline.yaml").write_text(content, encoding="utf-8")
    monkeypatch.setenv("LOGPIPE_CONFIG_DIR", str(config_dir))
    result = _invoke(str(ROOT / "events" / "firehose-search-trace.json"))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "invalid configuration:" in result.output and str(config_dir / "pipeline.yaml") in result.output
    assert reason in result.output and "Traceback" not in result.output


def test_decode_shows_why_each_record_failed() -> None:
    result = _invoke(str(ROOT / "events" / "firehose-search-malformed.json"), "--decode")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    failed = [e for e in entries if e["result"] == "ProcessingFailed"]
    assert failed and all(e["reason"] not in ("", "unknown") for e in failed)
    assert {"empty-record", "invalid-gzip"} <= {e["reason"] for e in failed}
    assert all("reason" not in e for e in entries if e["result"] != "ProcessingFailed")


def test_decode_reads_archive_records() -> None:
    result = _invoke(str(ROOT / "events" / "firehose-archive-aggregated-gzip.json"), "--decode")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert entries and all(e["result"] == "Ok" and e["documents"] and e["partitionKeys"] for e in entries)


def test_the_environment_comes_from_the_stream_name_like_the_deployed_function(tmp_path: Path) -> None:
    before = os.environ.get("LOGPIPE_ENVIRONMENT")
    prod = _event_file(tmp_path, firehose_event([LINE], stream="logpipe-prod-search"))
    assert _environments(_invoke(prod, "--decode")) == {"prod"}
    assert _environments(_invoke(prod, "--decode", "--env", "stage")) == {"stage"}  # --env wins
    archive = _invoke(prod, "--decode", "--stream", "archive")  # keeps prod, acts as logpipe-prod-archive
    assert _environments(archive) == {"prod"} and json.loads(archive.stdout)[0]["partitionKeys"]
    assert os.environ.get("LOGPIPE_ENVIRONMENT") == before  # the invocation's setting does not leak
    assert environment_from_stream("arn:aws:firehose:eu-west-1:1:deliverystream/logpipe-qa-eu-archive") == "qa-eu"
    assert environment_from_stream("arn:aws:firehose:eu-west-1:1:deliverystream/other-stream") is None
