"""Trace correlation: ids from fields, MDC, propagation headers and message text, in one canonical form."""

from __future__ import annotations

from typing import Any

import pytest

from logpipe.correlate import correlate, normalise_span_id, normalise_trace_id
from logpipe.pipeline_config import load_pipeline_config

CFG = load_pipeline_config()
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def run(rest: dict[str, Any], message: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    doc: dict[str, Any] = {"message": message}
    correlate(doc, rest, CFG)
    return doc, rest


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (TRACE.upper(), TRACE),
        ("463ac35c9f6413ad", "0000000000000000463ac35c9f6413ad"),  # 64-bit B3 id padded
        ("1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793"),  # X-Ray root
        ("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", TRACE),  # UUID form
        (f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),  # a whole traceparent
        ("00000000000000000000000000000000", None),  # invalid per W3C
        ("  ", None),
        ("order-7781-retry", "order-7781-retry"),  # free-form kept
    ],
)
def test_normalise_trace_id(raw: str, expected: str | None) -> None:
    assert normalise_trace_id(raw) == expected


def test_normalise_span_id() -> None:
    assert normalise_span_id("00F067AA0BA902B7") == "00f067aa0ba902b7"
    assert normalise_span_id("0000000000000000") is None


@pytest.mark.parametrize("key", ["trace_id", "traceId", "X-B3-TraceId", "traceID"])
def test_trace_id_field_names(key: str) -> None:
    doc, rest = run({key: TRACE, "other": 1})
    assert doc["trace.id"] == TRACE
    assert rest == {"other": 1}  # consumed, not stored twice


def test_ids_in_mdc_and_transaction_id() -> None:
    doc, _ = run({"mdc": {"traceId": TRACE, "spanId": "a2fb4a1d1a96d312", "txId": "TX-1"}})
    assert (doc["trace.id"], doc["span.id"], doc["transaction.id"]) == (TRACE, "a2fb4a1d1a96d312", "TX-1")


def test_traceparent_header_anywhere_in_record() -> None:
    doc, _ = run({"headers": {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}})
    assert doc["trace.id"] == TRACE and doc["span.id"] == "00f067aa0ba902b7"


def test_xray_header_in_message() -> None:
    doc, _ = run(
        {}, "GET / X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    assert doc["trace.id"] == "5759e988bd862e3fe1be46a994272793"
    assert doc["span.id"] == "53995c3f42cd8ad8"


def test_b3_single_header() -> None:
    doc, _ = run({"b3": f"{TRACE}-e457b5a2e4d86bd1-1"})
    assert doc["trace.id"] == TRACE and doc["span.id"] == "e457b5a2e4d86bd1"


def test_key_value_ids_in_message() -> None:
    doc, _ = run({}, f"payment failed trace_id={TRACE} txId=TX-20251125-42 amount=10")
    assert doc["trace.id"] == TRACE and doc["transaction.id"] == "TX-20251125-42"


def test_sleuth_console_pattern() -> None:
    doc, _ = run({}, "INFO [order-api,5f2b1c3d4e5f6a7b,5f2b1c3d4e5f6a7b,true] 1 --- Creating order")
    assert doc["trace.id"] == "00000000000000005f2b1c3d4e5f6a7b"


def test_fields_beat_message() -> None:
    doc, _ = run({"trace_id": TRACE}, "trace_id=ffffffffffffffffffffffffffffffff")
    assert doc["trace.id"] == TRACE


def test_no_ids_no_keys() -> None:
    doc, _ = run({"user": "x"}, "plain message without ids")
    assert not {"trace.id", "span.id", "transaction.id"} & doc.keys()


def test_consumed_traceparent_field_is_not_kept_as_a_label() -> None:
    doc, rest = run({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01", "request_id": "r-1"})
    assert doc["trace.id"] == TRACE and doc["span.id"] == "00f067aa0ba902b7"
    assert rest == {"request_id": "r-1"}


def test_header_naming_another_trace_is_kept() -> None:
    other = f"00-{'1' * 32}-00f067aa0ba902b7-01"
    doc, rest = run({"trace_id": TRACE, "traceparent": other})
    assert doc["trace.id"] == TRACE
    assert rest == {"traceparent": other}


def test_consumed_b3_and_xray_fields_are_dropped() -> None:
    _, rest = run({"b3": f"{TRACE}-00f067aa0ba902b7-1"})
    assert rest == {}
    _, rest = run({"X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"})
    assert rest == {}
