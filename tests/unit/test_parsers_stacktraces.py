"""Stack traces joined by Fluent Bit: error.type / error.message for Java, Python, Go, Node and .NET."""

from __future__ import annotations

import pytest

from logpipe.parsing import ParserSet, load_parsers, parse_event
from logpipe.parsing.stacktrace import extract_error, split_message

JAVA = (
    "org.springframework.web.util.NestedServletException: Request processing failed\n"
    "\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)\n"
    "Caused by: java.lang.NullPointerException: order is null\n"
    "\tat c.e.order.OrderService.place(OrderService.java:42)\n"
    "\t... 14 common frames omitted"
)
PYTHON = (
    "Traceback (most recent call last):\n"
    '  File "/app/pay.py", line 10, in charge\n'
    "    raise KeyError('card')\n"
    "KeyError: 'card'"
)
GO = (
    "panic: runtime error: index out of range [3] with length 3\n\n"
    "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:8 +0x1d"
)
NODE = (
    "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (/app/index.js:12:20)\n"
    "    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)"
)
DOTNET = (
    "System.InvalidOperationException: Sequence contains no elements ---> System.Exception: inner\n"
    "   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)\n"
    "   at Shop.Orders.Get(Int32 id) in /src/Orders.cs:line 42"
)


@pytest.mark.parametrize(
    ("trace", "kind", "message"),
    [
        (JAVA, "org.springframework.web.util.NestedServletException", "Request processing failed"),
        (PYTHON, "KeyError", "'card'"),
        (GO, "panic", "runtime error: index out of range [3] with length 3"),
        (NODE, "TypeError", "Cannot read properties of undefined (reading 'id')"),
        (DOTNET, "System.InvalidOperationException", "Sequence contains no elements"),
        ('Exception in thread "main" java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)',
         "java.lang.IllegalStateException", "boom"),
        ("Error\n    at bls (<anonymous>:3:9)", "Error", ""),
    ],
)  # fmt: skip
def test_extract_error(trace: str, kind: str, message: str) -> None:
    assert extract_error(trace) == (kind, message)


def test_not_a_trace() -> None:
    assert extract_error("just a message\nwith two lines") is None
    assert split_message("line one\nline two") == ("line one\nline two", None)


@pytest.fixture(scope="module")
def parsers() -> ParserSet:
    return load_parsers()


@pytest.mark.parametrize(("trace", "kind"), [(JAVA, "org.springframework.web.util.NestedServletException"),
                                             (PYTHON, "KeyError"), (GO, "panic"), (NODE, "TypeError"),
                                             (DOTNET, "System.InvalidOperationException")])  # fmt: skip
def test_trace_after_a_log_line_keeps_the_first_line_as_message(parsers: ParserSet, trace: str, kind: str) -> None:
    line = "2025-11-25 16:00:01.123 ERROR 1 --- [main] c.e.App : Request failed\n" + trace
    doc, _ = parse_event({"log": line}, parsers)
    assert doc["message"] == "Request failed"
    assert doc["error.stack_trace"] == trace
    assert doc["error.type"] == kind
    assert doc["log.level"] == "error"


def test_bare_trace_as_raw_record(parsers: ParserSet) -> None:
    doc, _ = parse_event({"log": NODE}, parsers)
    assert doc["message"] == "TypeError: Cannot read properties of undefined (reading 'id')"
    assert doc["error.stack_trace"] == NODE
    assert doc["error.type"] == "TypeError"
    assert doc["log.level"] == "error"  # a trace without a level is an error


def test_trace_in_structlog_exception_field(parsers: ParserSet) -> None:
    doc, _ = parse_event({"event": "charge failed", "level": "error", "exception": PYTHON}, parsers)
    assert (doc["message"], doc["error.type"], doc["error.message"]) == ("charge failed", "KeyError", "'card'")


def test_trace_in_json_message(parsers: ParserSet) -> None:
    doc, _ = parse_event({"msg": "boom\n" + GO, "level": "fatal"}, parsers)
    assert doc["message"] == "boom"
    assert doc["error.type"] == "panic"
