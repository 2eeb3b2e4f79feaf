"""JSON application logs: each logging library's field names end up in the same ECS document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from logpipe.parsing import ParserSet, load_parsers, parse_event


@pytest.fixture(scope="module")
def parsers() -> ParserSet:
    return load_parsers()


def test_logstash_logback_encoder(parsers: ParserSet) -> None:
    event = {
        "@timestamp": "2025-11-25T16:00:00.012+09:00",
        "@version": "1",
        "message": "Payment failed",
        "logger_name": "c.e.pay.PaymentService",
        "thread_name": "http-nio-8080-exec-3",
        "level": "ERROR",
        "level_value": 40000,
        "stack_trace": "java.lang.IllegalStateException: PG timeout\n\tat c.e.pay.Pg.call(Pg.java:88)\n",
        "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
    }
    doc, rest = parse_event(event, parsers)
    assert doc == {
        "@timestamp": "2025-11-25T07:00:00.012Z",
        "message": "Payment failed",
        "log.level": "error",
        "log.logger": "c.e.pay.PaymentService",
        "process.thread.name": "http-nio-8080-exec-3",
        "error.stack_trace": event["stack_trace"],
        "error.type": "java.lang.IllegalStateException",
        "error.message": "PG timeout",
        "logpipe.parse": "json",
    }
    assert rest == {"@version": "1", "level_value": 40000, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736"}


def test_structlog(parsers: ParserSet) -> None:
    doc, rest = parse_event(
        {"event": "slow query", "level": "warning", "timestamp": "2025-11-25 16:00:00.5", "logger": "app.db",
         "duration_ms": 1840},
        parsers,
    )  # fmt: skip
    assert (doc["message"], doc["log.level"], doc["log.logger"]) == ("slow query", "warn", "app.db")
    assert doc["@timestamp"] == "2025-11-25T16:00:00.500Z"
    assert rest == {"duration_ms": 1840}


def test_zap_json(parsers: ParserSet) -> None:
    doc, _ = parse_event(
        {"level": "error", "ts": 1764054000.25, "logger": "pay", "caller": "pay/h.go:12", "msg": "charge failed",
         "stacktrace": "main.charge\n\t/app/pay/h.go:12\nmain.main\n\t/app/main.go:9"},
        parsers,
    )  # fmt: skip
    assert doc["@timestamp"] == "2025-11-25T07:00:00.250Z"
    assert doc["log.level"] == "error"
    assert doc["error.stack_trace"].startswith("main.charge")


@pytest.mark.parametrize(
    ("level", "expected"), [(10, "trace"), (30, "info"), (40, "warn"), (50, "error"), (60, "fatal")]
)
def test_pino_and_bunyan_numeric_levels(parsers: ParserSet, level: int, expected: str) -> None:
    doc, rest = parse_event(
        {"level": level, "time": 1764054000123, "pid": 17, "hostname": "web-1", "msg": "hi", "name": "api", "v": 0},
        parsers,
    )
    assert doc["log.level"] == expected
    assert doc["@timestamp"] == "2025-11-25T07:00:00.123Z"
    assert (doc["process.pid"], doc["host.name"], doc["message"]) == (17, "web-1", "hi")
    assert rest == {"service": "api", "v": 0}  # bunyan's logger name is the service (enrichment reads "service")


def test_ecs_json(parsers: ParserSet) -> None:
    event = {
        "@timestamp": "2025-01-13T09:58:13.631Z",
        "log.level": "warning",
        "message": "disk",
        "ecs.version": "1.6.0",
        "log": {"logger": "app", "origin": {"file": {"line": 42, "name": "x.py"}}},
        "process": {"pid": 91, "thread": {"name": "MainThread"}},
        "service": {"name": "billing"},
        "error": {"type": "OSError", "message": "full", "stack_trace": "Traceback ..."},
    }
    doc, rest = parse_event(event, parsers)
    assert doc["log.level"] == "warn"
    assert doc["log.logger"] == "app"
    assert doc["process.pid"] == 91
    assert doc["process.thread.name"] == "MainThread"
    assert (doc["error.type"], doc["error.message"], doc["error.stack_trace"]) == ("OSError", "full", "Traceback ...")
    assert rest["log"] == {"origin": {"file": {"line": 42, "name": "x.py"}}}
    assert rest["service"] == {"name": "billing"}  # enrichment reads service.name from here


def test_opentelemetry_log_record(parsers: ParserSet) -> None:
    event = {
        "timeUnixNano": "1764054000123456789",
        "severityNumber": 17,
        "severityText": "ERROR",
        "body": {"stringValue": "card declined"},
        "traceId": "5b8aa5a2d2c872e8321cf37308d69df2",
        "spanId": "051581bf3cb55c13",
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "payment"}}]},
        "attributes": [{"key": "http.status_code", "value": {"intValue": "402"}}],
    }
    doc, rest = parse_event(event, parsers)
    assert doc["logpipe.parse"] == "otel_json"
    assert (doc["@timestamp"], doc["log.level"], doc["message"]) == (
        "2025-11-25T07:00:00.123Z",
        "error",
        "card declined",
    )
    assert rest["service.name"] == "payment"
    assert rest["traceId"] == "5b8aa5a2d2c872e8321cf37308d69df2"
    assert rest["attributes"] == {"http.status_code": 402}


def test_otel_severity_number_only(parsers: ParserSet) -> None:
    doc, _ = parse_event({"timeUnixNano": 1764054000000000000, "severityNumber": 13, "body": "slow"}, parsers)
    assert doc["log.level"] == "warn"


def test_otlp_export_line(parsers: ParserSet) -> None:
    record = {"timeUnixNano": "1700000000000000000", "severityText": "INFO", "body": {"stringValue": "one"}}
    export = {"resourceLogs": [{"resource": {"attributes": []}, "scopeLogs": [{"scope": {"name": "com.x"},
              "logRecords": [record, {**record, "body": {"stringValue": "two"}}]}]}]}  # fmt: skip
    doc, rest = parse_event(export, parsers)
    assert (doc["message"], doc["log.logger"], doc["@timestamp"]) == ("one", "com.x", "2023-11-14T22:13:20.000Z")
    assert rest["otel.additional_records"] == 1


def test_json_inside_the_log_field(parsers: ParserSet) -> None:
    app = {"@timestamp": "2025-11-25T07:00:00.030Z", "level": "INFO", "message": "ok", "txId": "TX-1"}
    doc, rest = parse_event(
        {"log": json.dumps(app), "kubernetes": {"pod_name": "p"}, "@timestamp": "2026-01-01T00:00:00.000Z"}, parsers
    )
    assert doc["@timestamp"] == "2025-11-25T07:00:00.030Z"  # the app's time, not the agent's
    assert doc["message"] == "ok"
    assert rest["kubernetes"] == {"pod_name": "p"}
    assert rest["txId"] == "TX-1"


def test_agent_time_is_the_fallback(parsers: ParserSet) -> None:
    doc, _ = parse_event({"log": "no time here", "time": "2026-11-25T05:32:41"}, parsers)
    assert doc["@timestamp"] == "2026-11-25T05:32:41.000Z"
    doc, _ = parse_event({"log": "no time here", "date": 1764054000.5}, parsers)
    assert doc["@timestamp"] == "2025-11-25T07:00:00.500Z"
    doc, _ = parse_event({"log": "no time here"}, parsers)
    assert "@timestamp" not in doc


def test_agent_time_is_utc_even_in_a_korean_default_zone() -> None:
    from logpipe.parsing import build_parsers
    from logpipe.timestamps import TimeNormaliser

    seoul = build_parsers(load_parsers().config, TimeNormaliser("Asia/Seoul"))
    doc, _ = parse_event({"log": "no time here", "time": "2026-11-25T05:32:41"}, seoul)
    assert doc["@timestamp"] == "2026-11-25T05:32:41.000Z"  # Fluent Bit's time_key default format (gmtime)
    doc, _ = parse_event({"log": "2025-11-25 16:00:00,000 INFO x", "time": "2026-11-25T05:32:41"}, seoul)
    assert doc["@timestamp"] == "2025-11-25T07:00:00.000Z"  # the app's own KST time


def test_text_line_inside_a_json_message(parsers: ParserSet) -> None:
    # Fluent Bit's CRI parser: the application's line is in "message"
    doc, rest = parse_event(
        {"time": "2025-11-25T07:00:00.9Z", "stream": "stdout", "logtag": "F",
         "message": "2025-11-25 07:00:00,123 ERROR [app.pay] declined"},
        parsers,
    )  # fmt: skip
    assert doc["logpipe.parse"] == "json+python_logging"
    assert (doc["log.level"], doc["message"], doc["log.logger"]) == ("error", "declined", "app.pay")
    assert doc["@timestamp"] == "2025-11-25T07:00:00.900Z"
    assert rest == {"stream": "stdout", "logtag": "F"}


def test_log4j2_json_layout(parsers: ParserSet) -> None:
    doc, _ = parse_event(
        {"instant": {"epochSecond": 1764054000, "nanoOfSecond": 7000000}, "level": "WARN", "loggerName": "a.B",
         "message": "m", "thread": "main",
         "thrown": {"name": "java.io.IOException", "message": "eof",
                    "extendedStackTrace": "java.io.IOException: eof\n\tat a.B.c(B.java:1)"}},
        parsers,
    )  # fmt: skip
    assert doc["@timestamp"] == "2025-11-25T07:00:00.007Z"
    assert (doc["error.type"], doc["error.message"]) == ("java.io.IOException", "eof")
    assert doc["error.stack_trace"].startswith("java.io.IOException")


def test_input_event_is_not_modified(parsers: ParserSet) -> None:
    event = {
        "log": {"logger": "app", "origin": {"file": {"line": 1}}},
        "log.level": "info",
        "message": "m",
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]},
        "severityText": "INFO",
    }
    before = json.dumps(event, sort_keys=True)
    parse_event(event, parsers)
    assert json.dumps(event, sort_keys=True) == before


def test_odd_values_never_raise(parsers: ParserSet) -> None:
    for event in ({}, {"message": 42}, {"msg": None, "level": {"x": 1}}, {"log": ""}, {"log": "{not json"},
                  {"time": [1, 2], "message": ["a"]}, {"resourceLogs": "x"}, {"log": 5}):  # fmt: skip
        doc, _ = parse_event(dict[str, Any](event), parsers)
        assert isinstance(doc["message"], str)
        assert doc["logpipe.parse"]
