"""JSON snapshots of the YAML configuration: always equal to the YAML, used only when fresh, never required."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from logpipe import configfile
from logpipe.configfile import (
    BUILTIN_DIR,
    SNAPSHOT_FILES,
    ConfigError,
    load_document,
    snapshot_path,
    stale_snapshots,
    write_snapshots,
)
from logpipe.pipeline_config import load_pipeline_config


@pytest.mark.parametrize("name", SNAPSHOT_FILES)
def test_builtin_snapshot_equals_the_yaml(name: str) -> None:
    path = BUILTIN_DIR / name
    snapshot = json.loads(snapshot_path(path).read_text(encoding="utf-8"))
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert snapshot["document"] == expected, f"run `python -m logpipe.configfile write` after editing {name}"
    assert json.dumps(snapshot["document"]) == json.dumps(expected)  # key order too
    assert not stale_snapshots(), "snapshots are stale: run `python -m logpipe.configfile write` (make config-snapshot)"


def _copy(tmp_path: Path, name: str = "pipeline.yaml") -> Path:
    target = tmp_path / name
    target.write_bytes((BUILTIN_DIR / name).read_bytes())
    return target


def test_fresh_snapshot_is_used_without_parsing_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy(tmp_path)
    write_snapshots(tmp_path, ["pipeline.yaml"])
    # Make the snapshot's document recognisably different from the YAML to see which one was read.
    snap = json.loads(snapshot_path(path).read_text(encoding="utf-8"))
    snap["document"]["limits"]["max_labels"] = 7
    snapshot_path(path).write_text(json.dumps(snap), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)  # importing yaml would raise
    assert load_document(path)["limits"]["max_labels"] == 7


def test_edited_yaml_is_read_from_the_yaml_not_the_stale_snapshot(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    write_snapshots(tmp_path, ["pipeline.yaml"])
    path.write_text(path.read_text(encoding="utf-8").replace("max_labels: 64", "max_labels: 50"), encoding="utf-8")
    assert load_document(path)["limits"]["max_labels"] == 50
    assert stale_snapshots(tmp_path, ["pipeline.yaml"]) == ["pipeline.yaml"]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": 1, "document": {}}',
        '{"format": 99, "source_bytes": 0, "source_crc32": 0, "document": {}}',
    ],
)
def test_broken_or_foreign_snapshot_falls_back_to_yaml(tmp_path: Path, content: str) -> None:
    path = _copy(tmp_path)
    snapshot_path(path).parent.mkdir()
    snapshot_path(path).write_text(content, encoding="utf-8")
    assert load_document(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_override_folder_without_snapshot_reads_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("max_labels: 64", "max_labels: 20"), encoding="utf-8")
    monkeypatch.setenv("LOGPIPE_CONFIG_DIR", str(tmp_path))
    assert load_pipeline_config().limits.max_labels == 20


def test_validation_errors_name_the_yaml_file_with_or_without_snapshot(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("max_labels: 64", "max_labels: 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pipeline\.yaml: limits\.max_labels: must be >= 16"):
        load_pipeline_config(str(tmp_path))
    write_snapshots(tmp_path, ["pipeline.yaml"])
    with pytest.raises(ConfigError, match=r"pipeline\.yaml: limits\.max_labels: must be >= 16"):
        load_pipeline_config(str(tmp_path))


def test_yaml_that_json_cannot_hold_gets_no_snapshot(tmp_path: Path) -> None:
    (tmp_path / "pipeline.yaml").write_text("version: 1\nwhen: 2024-05-01\n1: one\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="JSON cannot represent"):
        write_snapshots(tmp_path, ["pipeline.yaml"])
    assert not snapshot_path(tmp_path / "pipeline.yaml").exists()


def test_cli_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy(tmp_path)
    assert configfile.main(["check", str(tmp_path)]) == 1
    assert "snapshot missing or stale" in capsys.readouterr().err
    assert configfile.main(["write", str(tmp_path)]) == 0
    assert configfile.main(["check", str(tmp_path)]) == 0
    assert configfile.main(["bogus"]) == 2


def test_cold_start_does_not_import_yaml() -> None:
    code = (
        "import sys, firehose_processor\n"
        "from logpipe.pipeline import default_processor\n"
        "default_processor()\n"
        "print(sorted(m for m in ('yaml', 'logging') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "LOGPIPE_CONFIG_DIR"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "yaml" not in done.stdout
