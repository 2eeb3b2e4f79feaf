"""``logpipe mask`` and ``logpipe bench masking`` through click, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from logpipe_cli.bench_masking import run_masking_benchmark
from logpipe_cli.mask import command


def test_masks_each_line_with_offsets_into_the_input() -> None:
    stdin = '{"text": "mail kim@example.com 전화 010-1234-5678"}\n{"text": "nothing here"}\n'
    result = CliRunner().invoke(command, [], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["text"] == "mail <EMAIL_ADDRESS> 전화 <PHONE_NUMBER>"
    assert lines[0]["entities"] == [
        {"type": "EMAIL_ADDRESS", "start": 5, "end": 20},
        {"type": "PHONE_NUMBER", "start": 24, "end": 37},
    ]
    assert lines[1] == {"text": "nothing here", "entities": []}


def test_bad_lines_get_an_error_line_so_output_lines_up_with_input() -> None:
    stdin = 'not json\n{"text": "card 4111 1111 1111 1111"}\n[1]\n{"txt": "x"}\n\n{"text": "ok"}\n'
    result = CliRunner().invoke(command, [], input=stdin)
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6  # one output line per input line
    assert lines[0]["line"] == 1 and lines[0]["error"].startswith("not valid JSON")
    assert lines[1] == {"text": "card <CREDIT_CARD>", "entities": [{"type": "CREDIT_CARD", "start": 5, "end": 24}]}
    assert lines[2] == {"error": 'expected a JSON object like {"text": "..."}', "line": 3}
    assert lines[3] == {"error": 'missing string field "text"', "line": 4}
    assert lines[4] == {"error": "empty line", "line": 5}
    assert lines[5] == {"text": "ok", "entities": []}
    assert "line 1: not valid JSON" in result.stderr
    assert "line 3: expected a JSON object" in result.stderr
    assert 'line 4: missing string field "text"' in result.stderr
    assert "4 bad input line(s)" in result.stderr


def test_lone_surrogates_are_valid_json_and_stay_visible() -> None:
    stdin = '{"text": "\\ud800 kim@example.com"}\n{"text": "\\ud83d\\ude00 01012345678"}\n'
    result = CliRunner().invoke(command, [], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {
        "text": "\ufffd <EMAIL_ADDRESS>",
        "entities": [{"type": "EMAIL_ADDRESS", "start": 2, "end": 17}],
    }
    assert lines[1]["text"] == "\U0001f600 <PHONE_NUMBER>"  # a valid pair is one code point: offsets count it once
    assert lines[1]["entities"] == [{"type": "PHONE_NUMBER", "start": 2, "end": 13}]


def test_invalid_utf8_is_one_bad_line_not_the_end_of_the_run() -> None:
    stdin = b'\xff\xfe\n{"text": "a\xff kim@example.com"}\n'
    result = CliRunner().invoke(command, [], input=stdin)
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"error": "not valid UTF-8", "line": 1}
    assert lines[1]["text"] == "a\ufffd <EMAIL_ADDRESS>"


def test_config_dir_errors_are_clear(tmp_path: Path) -> None:
    (tmp_path / "masking.yaml").write_text("version: 1\nrules: [{type: EMAIL_ADDRESS, action: hide}]\n")
    result = CliRunner().invoke(command, ["--config-dir", str(tmp_path)], input='{"text": "x"}\n')
    assert result.exit_code == 1
    assert "masking.yaml: rules[0].action: 'hide' is not one of" in result.stderr


def test_config_dir_rules_apply(tmp_path: Path) -> None:
    (tmp_path / "masking.yaml").write_text(
        "version: 1\nrules: [{type: EMAIL_ADDRESS, detector: email, action: partial}]\n"
    )
    result = CliRunner().invoke(command, ["--config-dir", str(tmp_path)], input='{"text": "kim@example.com"}\n')
    assert json.loads(result.stdout)["text"] == "***@******e.com"  # last 4 letters or digits kept


def test_masking_benchmark_measures_and_reports() -> None:
    docs = [{"message": "user kim@example.com from 10.1.2.3", "trace.id": "abc"}, {"message": "ok"}] * 50
    result = run_masking_benchmark(docs, passes=2)
    assert result["documents"] == 100
    assert result["records_per_s"] > 0 and result["records_per_cpu_s"] > 0
    assert result["documents_masked"] == 50
    assert result["fired"] == {"EMAIL_ADDRESS": 50, "IP_ADDRESS": 50}
    assert docs[0]["message"] == "user kim@example.com from 10.1.2.3"  # copies are masked, not the input
