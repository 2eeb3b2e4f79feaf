"""Contract: real log samples (loghub, lnav fixtures, JSON app logs, stack traces) through the parsers.

Each line is sent the way Fluent Bit's default output sends it (``{"log": line}``). Per file the test
asserts how many lines got a timestamp and a level (exact numbers: a change shows up as a diff here) and
prints the table (``pytest -s``). Formats that carry no time (tai64n, HPC's epoch in column 5, lnav's
docker-compose / caddy captures with a container prefix) or no level (syslog, HealthApp) are expected at 0.
Several timestamps are checked by exact value. Clock-dependent, year-less formats are checked relative to
the inferred year.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from logpipe.levels import LEVEL_NAMES
from logpipe.parsing import ParserSet, load_parsers, parse_event

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# file: (non-empty lines, lines with @timestamp, lines with log.level)
EXPECTED: dict[str, tuple[int, int, int]] = {
    "loghub/Android_2k.log": (2000, 2000, 2000),
    "loghub/Apache_2k.log": (2000, 2000, 2000),
    "loghub/BGL_2k.log": (2000, 2000, 2000),
    "loghub/HDFS_2k.log": (2000, 2000, 2000),
    "loghub/HPC_2k.log": (2000, 0, 0),  # epoch in column 5: indistinguishable from a number in text
    "loghub/Hadoop_2k.log": (2000, 2000, 2000),
    "loghub/HealthApp_2k.log": (2000, 2000, 0),  # no level in the format
    "loghub/Linux_2k.log": (2000, 2000, 0),  # syslog without PRI: no level
    "loghub/Mac_2k.log": (2000, 2000, 0),
    "loghub/OpenSSH_2k.log": (2000, 2000, 0),
    "loghub/OpenStack_2k.log": (2000, 2000, 2000),
    "loghub/Proxifier_2k.log": (2000, 2000, 11),  # no level; 11 lines say "error" right after the time
    "loghub/Spark_2k.log": (2000, 2000, 2000),
    "loghub/Thunderbird_2k.log": (2000, 2000, 0),
    "loghub/Windows_2k.log": (2000, 2000, 2000),
    "loghub/Zookeeper_2k.log": (2000, 2000, 2000),
    "lnav/logfile_access_log.0": (3, 3, 3),
    "lnav/logfile_ansi.1": (10, 10, 0),
    "lnav/logfile_bunyan.0": (10, 10, 10),
    "lnav/logfile_caddy_log.0": (39, 0, 0),  # "caddy  | {json}": docker compose output, not an agent record
    "lnav/logfile_crlf.0": (2, 2, 2),
    "lnav/logfile_docker_compose.0": (22, 0, 0),
    "lnav/logfile_dst.0": (10, 10, 0),
    "lnav/logfile_ecs_log.json": (5, 5, 5),
    "lnav/logfile_empty.0": (0, 0, 0),
    "lnav/logfile_epoch.0": (2, 2, 0),
    "lnav/logfile_epoch.1": (2, 2, 0),
    "lnav/logfile_generic_nanos.0": (2, 2, 2),
    "lnav/logfile_glog.0": (7, 7, 7),
    "lnav/logfile_invalid_json.json": (5, 4, 4),  # a truncated JSON line stays raw
    "lnav/logfile_invalid_tz.0": (2, 2, 2),
    "lnav/logfile_invalid_utf8.0": (6, 1, 1),  # one record split over 6 lines (XML body)
    "lnav/logfile_java.0": (20, 20, 20),
    "lnav/logfile_journald.json": (2, 2, 2),
    "lnav/logfile_json.json": (14, 13, 13),  # one line has "ts": "xxx" and level "DEBUG3"... "bad ts"
    "lnav/logfile_json2.json": (3, 3, 3),
    "lnav/logfile_json3.json": (3, 3, 0),  # nginx JSON access log: no level field
    "lnav/logfile_json_invalid.json": (13, 12, 11),  # one truncated JSON line stays raw
    "lnav/logfile_json_subsec.json": (2, 2, 0),
    "lnav/logfile_logfmt.0": (5, 5, 5),
    "lnav/logfile_mixed_json2.json": (18, 14, 13),  # includes continuation lines of a Go panic
    "lnav/logfile_multiline.0": (3, 2, 2),  # continuation line read alone
    "lnav/logfile_nested_json.json": (13, 13, 12),
    "lnav/logfile_otel_collector.jsonl": (6, 6, 5),
    "lnav/logfile_pino.0": (1, 1, 1),
    "lnav/logfile_rust_tracing.0": (5, 5, 5),
    "lnav/logfile_spark.0": (399, 399, 399),
    "lnav/logfile_syslog.0": (4, 4, 0),
    "lnav/logfile_syslog_fr.0": (1, 0, 0),  # French month name "août"
    "lnav/logfile_syslog_with_mixed_times.0": (13, 13, 0),
    "lnav/logfile_tai64n.0": (10, 0, 0),
    "lnav/logfile_with_zones.0": (3, 3, 2),
    "lnav/logfile_yday.0": (2, 2, 2),
    "lnav/logfile_zap_console.0": (9, 3, 3),  # 6 lines are a Go stack trace read line by line
    "json/logstash-logback-encoder-spike_README_lines.jsonl": (6, 6, 6),
}

# (file, 1-based line number, expected @timestamp, expected log.level, parser)
EXACT: list[tuple[str, int, str, str | None, str]] = [
    ("loghub/HDFS_2k.log", 1, "2008-11-09T20:36:15.000Z", "info", "generic"),
    ("loghub/Apache_2k.log", 2, "2005-12-04T04:47:44.000Z", "error", "generic"),
    ("loghub/Hadoop_2k.log", 1, "2015-10-18T18:01:47.978Z", "info", "python_logging"),
    ("loghub/BGL_2k.log", 1, "2005-06-03T22:42:50.000Z", "info", "generic"),  # the epoch column (UTC)
    ("loghub/HealthApp_2k.log", 1, "2017-12-23T22:15:29.606Z", None, "generic"),
    ("loghub/Spark_2k.log", 1, "2017-06-09T20:10:40.000Z", "info", "generic"),
    ("loghub/Windows_2k.log", 1, "2016-09-28T04:30:30.000Z", "info", "generic"),
    ("loghub/Zookeeper_2k.log", 3, "2015-07-29T19:04:29.071Z", "warn", "generic"),
    ("loghub/OpenStack_2k.log", 1, "2017-05-16T00:00:00.008Z", "info", "generic"),
    ("loghub/Thunderbird_2k.log", 1, "2005-11-09T20:01:01.000Z", None, "generic"),
    ("lnav/logfile_access_log.0", 1, "2009-07-20T22:59:26.000Z", "info", "access_log"),
    ("lnav/logfile_bunyan.0", 1, "2023-03-24T14:26:16.243Z", "debug", "json"),
    ("lnav/logfile_pino.0", 1, "2025-04-24T22:08:37.537Z", "info", "json"),
    ("lnav/logfile_ecs_log.json", 3, "2025-01-13T09:58:13.633Z", "warn", "json"),
    ("lnav/logfile_otel_collector.jsonl", 2, "2023-11-14T22:13:23.000Z", "error", "otel_json"),
    ("lnav/logfile_epoch.0", 1, "2015-04-10T02:58:07.123Z", None, "generic"),
    ("lnav/logfile_generic_nanos.0", 2, "2025-01-01T01:00:00.987Z", "warn", "generic"),
    ("lnav/logfile_glog.0", 1, "-05-17T15:04:22.619Z", "error", "glog"),
    ("lnav/logfile_json_subsec.json", 2, "2022-09-24T00:00:19.222Z", None, "json"),
    ("lnav/logfile_journald.json", 1, "2018-08-21T14:04:21.221Z", "fatal", "json"),
    ("lnav/logfile_logfmt.0", 2, "2021-09-15T21:17:11.674Z", "warn", "logfmt"),
    ("lnav/logfile_with_zones.0", 2, "2022-08-27T14:22:01.694Z", None, "syslog_rfc5424"),
    ("lnav/logfile_yday.0", 2, "2014-11-29T16:56:38.344Z", "warn", "generic"),
    ("lnav/logfile_zap_console.0", 1, "2025-04-24T22:09:20.854Z", "info", "go_console"),
    ("lnav/logfile_rust_tracing.0", 3, "2025-10-28T19:15:10.821Z", "trace", "json"),
    ("lnav/logfile_java.0", 1, "2025-01-24T07:00:30.139Z", "info", "generic"),
    ("loghub/Linux_2k.log", 1, "-06-14T15:16:01.000Z", None, "syslog_rfc3164"),
    ("loghub/Android_2k.log", 1, "-03-17T16:13:38.811Z", "debug", "logcat"),
    ("json/logstash-logback-encoder-spike_README_lines.jsonl", 1, "2020-02-20T11:07:35.776Z", "info", "json"),
]


@pytest.fixture(scope="module")
def parsers() -> ParserSet:
    return load_parsers()


def _lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def _parse(line: str, parsers: ParserSet) -> dict[str, Any]:
    doc, _ = parse_event({"log": line}, parsers)
    return doc


def test_every_file_is_counted(shared_data: Path, parsers: ParserSet) -> None:
    logs = shared_data / "logs"
    present = {str(p.relative_to(logs)) for p in (logs / "loghub").glob("*_2k.log")}
    present |= {str(p.relative_to(logs)) for p in (logs / "lnav").glob("logfile_*")}
    present |= {str(p.relative_to(logs)) for p in (logs / "json").glob("*.jsonl")}
    assert present == set(EXPECTED), "a reference file was added or removed: update EXPECTED"

    failures = []
    print(f"\n{'file':58} {'lines':>6} {'@timestamp':>10} {'level':>6}  parsers")
    for name, expected in EXPECTED.items():
        lines, with_time, with_level = 0, 0, 0
        used: Counter[str] = Counter()
        for line in _lines(logs / name):
            doc = _parse(line, parsers)
            lines += 1
            used[doc["logpipe.parse"]] += 1
            assert isinstance(doc["message"], str)
            if "@timestamp" in doc:
                assert ISO_MS.match(doc["@timestamp"]), (name, doc["@timestamp"])
                with_time += 1
            if "log.level" in doc:
                assert doc["log.level"] in LEVEL_NAMES
                with_level += 1
        print(f"{name:58} {lines:6} {with_time:10} {with_level:6}  {dict(used.most_common(3))}")
        if (lines, with_time, with_level) != expected:
            failures.append(f"{name}: got {(lines, with_time, with_level)}, expected {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "number", "iso", "level", "parser"), EXACT)
def test_exact_values(
    shared_data: Path, parsers: ParserSet, name: str, number: int, iso: str, level: str | None, parser: str
) -> None:
    line = _lines(shared_data / "logs" / name)[number - 1]
    doc = _parse(line, parsers)
    assert doc["logpipe.parse"] == parser
    if iso.startswith("-"):  # year-less format: the year is inferred (never in the future)
        assert doc["@timestamp"].endswith(iso)
    else:
        assert doc["@timestamp"].startswith(iso)
    assert doc.get("log.level") == level


def test_logback_json_lines(shared_data: Path, parsers: ParserSet) -> None:
    lines = _lines(shared_data / "logs/json/logstash-logback-encoder-spike_README_lines.jsonl")
    docs = [_parse(line, parsers) for line in lines]
    errors = [d for d in docs if "error.stack_trace" in d]
    assert errors, "the sample holds a stack_trace"
    for doc in errors:
        assert doc["error.type"] == "java.lang.RuntimeException"
        assert doc["error.message"] == "Boom!"
        assert doc["log.level"] == "error"
        assert "\n\tat com.damianryan.spikes.logging.Main.run(Main.java:21)" in doc["error.stack_trace"]
    assert {d["log.logger"] for d in docs} == {"com.damianryan.spikes.logging.Main"}


# fluent-plugin-detect-exceptions samples, each one joined record: expected (error.type, error.message prefix)
TRACES: dict[str, tuple[str, str] | None] = {
    "JAVA_EXC_PART1": ("RuntimeException", "Run from this message!"),
    "COMPLEX_JAVA_EXC": ("javax.servlet.ServletException", "Something bad happened"),
    "NESTED_JAVA_EXC": ("java.lang.RuntimeException", "javax.mail.SendFailedException: Invalid Addresses;"),
    "PYTHON_EXC": ("Exception", "('spam', 'eggs')"),
    "GO_EXC": ("panic", "my panic"),
    "GO_SIGNAL_EXC": ("panic", "runtime error: invalid memory address or nil pointer dereference"),
    "GO_ON_GAE_EXC": ("panic", "runtime error: index out of range"),
    "GO_HTTP": ("panic", "test panic"),
    "NODE_JS_EXC": ("ReferenceError", "myArray is not defined"),
    "CLIENT_JS_EXC": ("Error", ""),
    "CSHARP_EXC": ("System.Collections.Generic.KeyNotFoundException", "The given key was not present"),
    "CSHARP_NESTED_EXC": ("System.InvalidOperationException", "This is the outer exception"),
    "CSHARP_ASYNC_EXC": ("System.InvalidOperationException", "This is an exception"),
    "ARBITRARY_TEXT": None,
}


@pytest.mark.parametrize(("name", "expected"), TRACES.items())
def test_detect_exceptions_samples(
    shared_data: Path, parsers: ParserSet, name: str, expected: tuple[str, str] | None
) -> None:
    path = shared_data / "logs/stacktraces/fluent-plugin-detect-exceptions" / f"{name}.txt"
    text = path.read_text(encoding="utf-8").strip("\n")
    doc = _parse(text, parsers)
    if expected is None:
        assert "error.stack_trace" not in doc
        assert doc["message"] == text
        return
    kind, message = expected
    assert doc["error.type"] == kind
    assert doc.get("error.message", "").startswith(message)
    assert doc["log.level"] == "error"
    assert "\n" not in doc["message"]  # the message keeps its first line
    assert doc["error.stack_trace"]


def test_all_detect_exceptions_samples_are_kept_whole(shared_data: Path, parsers: ParserSet) -> None:
    """Dart/PHP/Ruby traces have no extractor: they must still arrive intact (message + trace)."""
    folder = shared_data / "logs/stacktraces/fluent-plugin-detect-exceptions"
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 40
    typed = 0
    for path in files:
        text = path.read_text(encoding="utf-8").strip("\n")
        doc = _parse(text, parsers)
        kept = doc["message"] + "\n" + doc.get("error.stack_trace", "")
        for line in text.split("\n")[1:]:
            assert line.strip() in kept
        typed += "error.type" in doc
    print(f"\ndetect-exceptions samples with error.type: {typed}/{len(files)}")
    assert typed == 13


def _join_spring_records(text: str) -> list[str]:
    """What Fluent Bit's multiline parser sends for a Spring Boot console log: one record per entry."""
    records: list[str] = []
    for line in text.split("\n"):
        if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", line):
            records.append(line)
        elif records and not line.startswith("```"):
            records[-1] += "\n" + line
        elif line.startswith("```"):
            records.append("")  # a code fence ends the log block
    return [r.rstrip("\n") for r in records if r]


def test_spring_boot_console_log_with_caused_by(shared_data: Path, parsers: ParserSet) -> None:
    text = (shared_data / "logs/stacktraces/kwilsonO-Square_README.md").read_text(encoding="utf-8")
    records = _join_spring_records(text)
    docs = [_parse(r, parsers) for r in records]
    print(f"\nSquare README: {len(docs)} Spring records, {Counter(d.get('log.level') for d in docs)}")
    assert len(docs) == 8
    assert all(d["logpipe.parse"] == "spring_boot" for d in docs)
    assert all(ISO_MS.match(d["@timestamp"]) for d in docs)
    assert docs[0]["@timestamp"] == "2018-01-29T01:27:38.574Z"  # offset-less, default zone UTC
    failed = next(d for d in docs if d["message"] == "Application startup failed")
    assert failed["log.level"] == "error"
    assert failed["error.type"] == "org.springframework.context.ApplicationContextException"
    assert failed["error.message"].startswith("Unable to start embedded container")
    assert "Caused by: " in failed["error.stack_trace"]
    assert "common frames omitted" in failed["error.stack_trace"]


def test_fluent_bit_multiline_expectation(shared_data: Path, parsers: ParserSet) -> None:
    """The joined record Fluent Bit's own test expects (a Java trace inside a JSON message)."""
    out = _lines(shared_data / "logs/stacktraces/fluent-bit/multiline_001.out")
    docs = [_parse(line, parsers) for line in out]
    java = next(d for d in docs if "error.type" in d)
    assert java["error.type"] == "java.lang.RuntimeException"
    assert java["error.message"] == "Something has gone wrong, aborting!"
    assert java["@timestamp"] == "2006-07-28T13:22:04.000Z"  # the record's JSON time
