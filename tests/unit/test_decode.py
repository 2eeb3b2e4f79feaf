"""Record decoding: every Fluent Bit output variant, and bad input that must fail cleanly."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from logpipe.decode import DecodeError, decode_record, gunzip_bounded, parse_line


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_default_record_is_one_json_event() -> None:
    decoded = decode_record(b64(b'{"log":"hello"}\n'))
    assert decoded.events == [{"log": "hello"}]
    assert not decoded.gzipped


def test_gzip_and_aggregation_together() -> None:
    raw = gzip.compress(b'{"log":"a"}\n{"log":"b"}\n{"log":"c"}\n')
    decoded = decode_record(b64(raw))
    assert decoded.gzipped
    assert [e["log"] for e in decoded.events] == ["a", "b", "c"]


def test_log_key_plain_text_becomes_log_field() -> None:
    assert decode_record(b64(b"081109 203615 148 INFO dfs.DataNode: ok\n")).events == [
        {"log": "081109 203615 148 INFO dfs.DataNode: ok"}
    ]


def test_log_key_json_escaped_without_quotes_is_unescaped() -> None:
    inner = json.dumps({"level": "ERROR", "stack_trace": "x\n\tat y"})
    escaped = json.dumps(inner)[1:-1].encode()  # what Fluent Bit's log_key sends
    assert decode_record(b64(escaped + b"\n")).events == [json.loads(inner)]


def test_invalid_utf8_kept_visible() -> None:
    event = decode_record(b64(b'{"log":"ok"}\n\xff\xfeabc\n')).events[1]
    assert event == {"log": "\\xff\\xfeabc"}


def test_private_use_code_points_survive() -> None:
    text = '{"log":"<node>\ue0c0\ue0c1</node>"}\n'.encode()
    assert decode_record(b64(text)).events[0]["log"] == "<node>\ue0c0\ue0c1</node>"


def test_cloudwatch_subscription_payload_expands_log_events() -> None:
    doc = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "/ecs/payment-svc",
        "logStream": "s",
        "logEvents": [{"id": "1", "timestamp": 1, "message": "one"}, {"id": "2", "timestamp": 2, "message": "two"}],
    }
    decoded = decode_record(b64(gzip.compress(json.dumps(doc).encode())))
    assert [e["log"] for e in decoded.events] == ["one", "two"]
    assert decoded.events[0]["aws_log_group"] == "/ecs/payment-svc"


def test_cloudwatch_control_message_is_flagged() -> None:
    doc = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
    assert decode_record(b64(gzip.compress(json.dumps(doc).encode()))).control_message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("***", "invalid-base64"),
        (b64(b""), "empty-record"),
        (b64(b"\n\n  \n"), "empty-record"),
        (b64(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xffgarbage"), "invalid-gzip"),
        (b64(gzip.compress(b'{"log":"x"}')[:-6]), "truncated-gzip"),
    ],
)
def test_bad_records_raise_decode_error_with_reason(data: str, reason: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_record(data)
    assert info.value.reason == reason


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    with pytest.raises(DecodeError, match="gzip-too-large"):
        gunzip_bounded(bomb, limit=1_000_000)


def test_non_object_json_is_text() -> None:
    assert parse_line("[1,2]") == {"log": "[1,2]"}
    assert parse_line('"just a string"') == {"log": '"just a string"'}
