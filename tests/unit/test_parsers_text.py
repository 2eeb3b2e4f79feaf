"""Plain-text parsers: one realistic line per format, checked field by field."""

from __future__ import annotations

from typing import Any

import pytest

from logpipe.parsing import ParserSet, build_parsers, load_parsers, parse_event
from logpipe.timestamps import TimeNormaliser


@pytest.fixture(scope="module")
def parsers() -> ParserSet:
    return load_parsers()


def parse(line: str, parsers: ParserSet) -> dict[str, Any]:
    doc, _ = parse_event({"log": line}, parsers)
    return doc


def test_spring_boot(parsers: ParserSet) -> None:
    doc = parse(
        "2025-11-25 16:00:01.123  WARN 1 --- [nio-8080-exec-1] c.e.order.web.OrderController    : Stock low item=42",
        parsers,
    )
    assert doc == {
        "@timestamp": "2025-11-25T16:00:01.123Z",
        "log.level": "warn",
        "process.pid": 1,
        "process.thread.name": "nio-8080-exec-1",
        "log.logger": "c.e.order.web.OrderController",
        "message": "Stock low item=42",
        "logpipe.parse": "spring_boot",
    }


def test_spring_boot_3_with_application_name(parsers: ParserSet) -> None:
    doc = parse(
        "2024-01-01T10:00:00.123+09:00  INFO 7 --- [order-api] [           main] c.e.App : Started App", parsers
    )
    assert doc["@timestamp"] == "2024-01-01T01:00:00.123Z"
    assert doc["service.name"] == "order-api"
    assert doc["process.thread.name"] == "main"
    assert doc["message"] == "Started App"


def test_spring_boot_with_trace_ids() -> None:
    parsers = load_parsers()
    sleuth = parse(
        "2019-06-24 13:29:42.123  INFO [order-api,5d0a2f8a9c3e4b1f,6e1b3f9a0d4c5e2a,true] 12345 --- "
        "[nio-8080-exec-1] c.e.OrderController : created",
        parsers,
    )
    assert (sleuth["service.name"], sleuth["trace.id"], sleuth["span.id"], sleuth["process.pid"]) == (
        "order-api",
        "5d0a2f8a9c3e4b1f",
        "6e1b3f9a0d4c5e2a",
        12345,
    )
    micrometer = parse(
        "2024-01-01T10:00:00.123Z  INFO 1 --- [order-api] [nio-8080-exec-1] "
        "[4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7] c.e.OrderController : created",
        parsers,
    )
    assert micrometer["trace.id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert micrometer["span.id"] == "00f067aa0ba902b7"
    assert micrometer["message"] == "created"


def test_spring_boot_in_kst_without_offset() -> None:
    seoul = build_parsers(load_parsers().config, TimeNormaliser("Asia/Seoul"))
    doc = parse("2025-11-25 16:00:01.123  INFO 1 --- [main] c.e.App : 주문 완료", seoul)
    assert doc["@timestamp"] == "2025-11-25T07:00:01.123Z"
    assert doc["message"] == "주문 완료"


@pytest.mark.parametrize(
    ("line", "level", "logger", "message"),
    [
        ("WARNING:root:disk almost full", "warn", "root", "disk almost full"),
        ("2025-11-25 07:00:01,123 - app.db - ERROR - query failed", "error", "app.db", "query failed"),
        ("2025-11-25 07:00:01,123 - CRITICAL - out of memory", "fatal", None, "out of memory"),
        (
            "2025-11-25 07:00:01,123 INFO [app.handlers] [trace_id=abc] hello",
            "info",
            "app.handlers",
            "[trace_id=abc] hello",
        ),
        ("2025-11-25 07:00:01,123:DEBUG:foo bar", "debug", None, "foo bar"),
        ("2025-11-25 07:00:01,123 [WARNING] app.x: careful", "warn", "app.x", "careful"),
    ],
)
def test_python_logging(parsers: ParserSet, line: str, level: str, logger: str | None, message: str) -> None:
    doc = parse(line, parsers)
    assert doc["logpipe.parse"] == "python_logging"
    assert doc["log.level"] == level
    assert doc.get("log.logger") == logger
    assert doc["message"] == message
    if line[0].isdigit():
        assert doc["@timestamp"] == "2025-11-25T07:00:01.123Z"


def test_go_zap_console(parsers: ParserSet) -> None:
    doc, rest = parse_event(
        {"log": '2025-04-24T22:09:20.856Z\terror\tinternal/queue_sender.go:128\tExporting failed.\t{"retries": 3}'},
        parsers,
    )
    assert doc["logpipe.parse"] == "go_console"
    assert doc["log.level"] == "error"
    assert doc["log.origin.file.name"] == "internal/queue_sender.go"
    assert doc["log.origin.file.line"] == 128
    assert doc["message"] == "Exporting failed."
    assert rest == {"retries": 3}


def test_go_zap_console_with_logger(parsers: ParserSet) -> None:
    doc = parse("2025-11-25T07:00:00.000Z\tINFO\tpayments\tpay/handler.go:12\tcharged", parsers)
    assert (doc["log.logger"], doc["message"], doc["log.level"]) == ("payments", "charged", "info")


def test_glog(parsers: ParserSet) -> None:
    doc = parse("E1125 07:00:00.123456    1234 server.go:88] connection refused", parsers)
    assert doc["logpipe.parse"] == "glog"
    assert doc["log.level"] == "error"
    assert doc["@timestamp"].endswith("-11-25T07:00:00.123Z")
    assert doc["process.thread.id"] == 1234
    assert doc["message"] == "connection refused"


def test_nginx_combined_with_request_time(parsers: ParserSet) -> None:
    doc = parse(
        '203.0.113.9 - alice [25/Nov/2025:16:00:00 +0900] "POST /api/v1/orders?page=2 HTTP/2.0" 502 87 '
        '"https://shop.example.com/cart" "Mozilla/5.0 (X11)" 0.250 [order-api-8080]',
        parsers,
    )
    assert doc == {
        "message": doc["message"],
        "@timestamp": "2025-11-25T07:00:00.000Z",
        "http.request.method": "POST",
        "url.path": "/api/v1/orders",
        "url.query": "page=2",
        "http.version": "2.0",
        "http.response.status_code": 502,
        "http.response.body.bytes": 87,
        "source.ip": "203.0.113.9",
        "user.name": "alice",
        "http.request.referrer": "https://shop.example.com/cart",
        "user_agent.original": "Mozilla/5.0 (X11)",
        "event.duration": 250_000_000,
        "log.level": "error",
        "logpipe.parse": "access_log",
    }


def test_apache_common_log(parsers: ParserSet) -> None:
    doc = parse('2001:db8::1 - - [25/Nov/2025:07:00:00 +0000] "GET /index.html HTTP/1.0" 404 -', parsers)
    assert doc["logpipe.parse"] == "access_log"
    assert doc["source.ip"] == "2001:db8::1"
    assert doc["http.response.status_code"] == 404
    assert "http.response.body.bytes" not in doc
    assert doc["log.level"] == "warn"


def test_syslog_rfc5424(parsers: ParserSet) -> None:
    doc = parse(
        '<165>1 2025-11-25T07:00:00.003Z mymachine.example.com evntslog 8710 ID47 [ex@32473 iut="3"] An event', parsers
    )
    assert doc["logpipe.parse"] == "syslog_rfc5424"
    assert doc["@timestamp"] == "2025-11-25T07:00:00.003Z"
    assert doc["log.level"] == "info"  # 165 % 8 = 5 notice
    assert doc["host.name"] == "mymachine.example.com"
    assert doc["process.name"] == "evntslog"
    assert doc["process.pid"] == 8710
    assert doc["message"] == "An event"


def test_syslog_rfc3164(parsers: ParserSet) -> None:
    doc = parse("<38>Nov 25 07:00:01 bastion sshd[4242]: Accepted publickey for deploy", parsers)
    assert doc["logpipe.parse"] == "syslog_rfc3164"
    assert doc["@timestamp"].endswith("-11-25T07:00:01.000Z")
    assert doc["log.level"] == "info"  # 38 % 8 = 6
    assert (doc["host.name"], doc["process.name"], doc["process.pid"]) == ("bastion", "sshd", 4242)
    assert doc["message"] == "Accepted publickey for deploy"


def test_logcat(parsers: ParserSet) -> None:
    doc = parse("11-25 07:00:01.500  1702  2395 W ActivityManager: Slow operation", parsers)
    assert (doc["logpipe.parse"], doc["log.level"], doc["log.logger"]) == ("logcat", "warn", "ActivityManager")


def test_logfmt(parsers: ParserSet) -> None:
    doc, rest = parse_event(
        {"log": 'time="2025-11-25T07:00:00Z" level=warning msg="cache miss \\"hot\\"" key=user:1 took=3ms'}, parsers
    )
    assert doc == {
        "@timestamp": "2025-11-25T07:00:00.000Z",
        "log.level": "warn",
        "message": 'cache miss "hot"',
        "logpipe.parse": "logfmt",
    }
    assert rest == {"key": "user:1", "took": "3ms"}


@pytest.mark.parametrize(
    ("line", "iso", "level"),
    [
        ("081109 203615 148 INFO dfs.DataNode$PacketResponder: done", "2008-11-09T20:36:15.000Z", "info"),
        ("2015-07-29 17:41:44,747 - WARN  [main:Quorum@1] - leaving", "2015-07-29T17:41:44.747Z", "warn"),
        ("[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state", "2005-12-04T04:47:44.000Z", "error"),
        ("2016-09-28 04:30:30, Info  CBS  Loaded Servicing Stack", "2016-09-28T04:30:30.000Z", "info"),
        ("17/06/09 20:10:40 ERROR executor.Executor: boom", "2017-06-09T20:10:40.000Z", "error"),
        ("2019/01/15 07:48:05 http: TLS handshake failed", "2019-01-15T07:48:05.000Z", None),
    ],
)
def test_generic_timestamp_and_level(parsers: ParserSet, line: str, iso: str, level: str | None) -> None:
    doc = parse(line, parsers)
    assert doc["logpipe.parse"] == "generic"
    assert doc["@timestamp"] == iso
    assert doc.get("log.level") == level


def test_dates_inside_a_sentence_are_not_the_record_time(parsers: ParserSet) -> None:
    doc = parse("Nightly export scheduled for 2026-01-01 00:00 by cron", parsers)
    assert doc["logpipe.parse"] == "raw"
    assert "@timestamp" not in doc
    doc = parse("nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.osapi started", parsers)
    assert doc["@timestamp"] == "2017-05-16T00:00:00.008Z"


def test_anything_else_is_raw(parsers: ParserSet) -> None:
    doc = parse("여권번호는 M789C1234입니다", parsers)
    assert doc == {"message": "여권번호는 M789C1234입니다", "logpipe.parse": "raw"}


def test_private_use_and_ansi(parsers: ParserSet) -> None:
    doc = parse("\x1b[32mINFO\x1b[0m:app:caf\udcc3\ue000 ok", parsers)
    assert doc["message"] == "caf\udcc3\ue000 ok"
    assert doc["log.level"] == "info"


def test_multiline_text_without_trace_keeps_everything(parsers: ParserSet) -> None:
    doc = parse("2009-07-20 22:59:27,672:DEBUG:Hello, World!\n  How are you today?", parsers)
    assert doc["message"] == "Hello, World!\n  How are you today?"
    assert "error.stack_trace" not in doc
