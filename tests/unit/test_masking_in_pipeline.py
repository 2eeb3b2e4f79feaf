"""Masking as the processor applies it: what a service logs is what the audit found stored unmasked."""

from __future__ import annotations

from typing import Any

import pytest

from logpipe.masking import load_masker
from logpipe.pipeline import Processor
from logpipe.stats import BatchStats


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor.from_config()


def _stored(processor: Processor, event: dict[str, Any]) -> dict[str, Any]:
    doc = processor.process_event(event, 1_732_500_000_000, BatchStats())
    assert doc is not None
    return doc


@pytest.mark.parametrize(
    ("event", "field", "expected"),
    [
        ({"message": "order by 01098765432 done"}, "message", "order by <PHONE_NUMBER> done"),
        ({"message": "x", "receiver": "01098765432"}, "labels.receiver", "<PHONE_NUMBER>"),
        ({"message": "tel: 0212345678"}, "message", "tel: <PHONE_NUMBER>"),
    ],
)
def test_bare_korean_phone_numbers_are_masked(
    processor: Processor, event: dict[str, Any], field: str, expected: str
) -> None:
    doc = _stored(processor, event)
    assert doc[field] == expected
    assert "PHONE_NUMBER" in doc["logpipe.masked"]


@pytest.mark.parametrize(
    ("event", "field", "expected"),
    [
        ({"message": "x", "txId": "kim@example.com"}, "transaction.id", "<EMAIL_ADDRESS>"),
        ({"message": "x", "transaction_id": "010-1234-5678"}, "transaction.id", "<PHONE_NUMBER>"),
        ({"message": "x", "trace_id": "kim@example.com"}, "trace.id", "<EMAIL_ADDRESS>"),
        ({"message": "x", "span_id": "kim@example.com"}, "span.id", "<EMAIL_ADDRESS>"),
    ],
)
def test_personal_data_in_id_fields_is_masked(
    processor: Processor, event: dict[str, Any], field: str, expected: str
) -> None:
    assert _stored(processor, event)[field] == expected


def test_canonical_ids_are_kept(processor: Processor) -> None:
    doc = _stored(
        processor,
        {
            "message": "x",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "span_id": "00f067aa0ba902b7",
            "transaction_id": "TX-2024-000123",
        },
    )
    assert doc["trace.id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert doc["span.id"] == "00f067aa0ba902b7"
    assert doc["transaction.id"] == "TX-2024-000123"  # free-form, scanned, nothing personal in it
    assert "logpipe.masked" not in doc


def test_id_field_values_that_are_not_canonical_are_scanned() -> None:
    masker = load_masker()
    doc: dict[str, Any] = {
        "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span.id": "4111111111111111",  # 16 characters but all digits: a card, not a span id
        "parent.id": "00f067aa0ba902b7",
        "transaction.id": "order-7/kim@example.com",
    }
    assert masker.mask_document(doc) == {"CREDIT_CARD", "EMAIL_ADDRESS"}
    assert doc == {
        "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span.id": "<CREDIT_CARD>",
        "parent.id": "00f067aa0ba902b7",
        "transaction.id": "order-7/<EMAIL_ADDRESS>",
    }


@pytest.mark.parametrize(
    ("event", "key"),
    [
        ({"message": "x", "kim@example.com": "x"}, "labels.<EMAIL_ADDRESS>"),
        ({"message": "x", "user": {"kim@example.com": "x"}}, "labels.<EMAIL_ADDRESS>"),
        ({"message": "x", "01012345678": "x"}, "labels.<PHONE_NUMBER>"),
        ({"message": "x", "10.1.2.3": "x"}, "labels.<IP_ADDRESS>"),
        ({"message": "x", "rrn_9601211021413": "x"}, "labels.rrn_<KR_RRN>"),  # the key's own words are context
    ],
)
def test_personal_data_in_field_names_is_masked(processor: Processor, event: dict[str, Any], key: str) -> None:
    doc = _stored(processor, event)
    assert doc[key] == "x"
    assert not any("kim" in k or "0101" in k or "10_1" in k or "960121" in k for k in doc)
    assert doc["logpipe.masked"]


def test_ordinary_field_names_are_kept(processor: Processor) -> None:
    doc = _stored(processor, {"message": "x", "1510254469499": "a", "user_id": "b", "order_2024_0001": "c"})
    assert (doc["labels.1510254469499"], doc["labels.user_id"], doc["labels.order_2024_0001"]) == ("a", "b", "c")
    assert "logpipe.masked" not in doc


def test_masked_field_names_do_not_overwrite_each_other() -> None:
    doc: dict[str, Any] = {"labels.kim@example_com": "a", "labels.lee@example_com": "b", "labels.<EMAIL_ADDRESS>": "c"}
    assert load_masker().mask_document(doc) == {"EMAIL_ADDRESS"}
    assert sorted(doc.values()) == ["a", "b", "c"]
    assert set(doc) == {"labels.<EMAIL_ADDRESS>", "labels.<EMAIL_ADDRESS>_2", "labels.<EMAIL_ADDRESS>_3"}


def test_host_and_thread_names_are_scanned_code_names_are_not() -> None:
    doc: dict[str, Any] = {
        "host.name": "10.1.2.3",  # an end-user device reporting its address as its name
        "process.thread.name": "export:kim@example.com",
        "log.logger": "c.e.user.Kim01012345678",  # written by developers: never scanned
        "error.type": "java.lang.IllegalStateException",
        "service.name": "order-api",
    }
    assert load_masker().mask_document(doc) == {"IP_ADDRESS", "EMAIL_ADDRESS"}
    assert doc["host.name"] == "<IP_ADDRESS>"
    assert doc["process.thread.name"] == "export:<EMAIL_ADDRESS>"
    assert doc["log.logger"] == "c.e.user.Kim01012345678"
