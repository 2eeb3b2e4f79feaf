"""Turn one Firehose record's base64 ``data`` into the log events Fluent Bit put in it.

Fluent Bit's ``kinesis_firehose`` output writes each event as JSON followed by ``\\n``. Variants seen in
real captures (``shared/data/fluentbit_capture``) and handled here:

- ``compression gzip``: every record is gzipped on its own;
- ``simple_aggregation``: one record holds many newline-joined events;
- ``log_key``: the value of one key is sent alone, still JSON-escaped but without quotes;
- invalid UTF-8 already replaced by Fluent Bit with private-use code points (kept as they are);
- CloudWatch Logs subscription payloads (gzip JSON with ``logEvents``), as Firehose receives them when
  a log group is subscribed to the stream.

Nothing here raises on bad input: a record that cannot be decoded yields a :class:`DecodeError` with a
short machine-readable reason, never the content (which may hold personal data).
"""

from __future__ import annotations

import binascii
import zlib
from binascii import a2b_base64
from typing import Any

from logpipe.jsonfast import loads

GZIP_MAGIC = b"\x1f\x8b"
# A Firehose record is at most 1,000 KiB; anything inflating past this is a gzip bomb, not a log record.
MAX_INFLATED_BYTES = 16 * 1024 * 1024


class DecodeError(ValueError):
    """A record that cannot be turned into events; ``reason`` is safe to log and count."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DecodedRecord:
    """The events of one record, plus how they were encoded (for metrics and the partition keys)."""

    __slots__ = ("control_message", "events", "gzipped")

    def __init__(
        self, events: list[dict[str, Any]] | None = None, gzipped: bool = False, control_message: bool = False
    ) -> None:
        self.events: list[dict[str, Any]] = [] if events is None else events
        self.gzipped = gzipped
        # True when the record was a CloudWatch Logs control message (no log data: safe to drop).
        self.control_message = control_message

    def __repr__(self) -> str:
        return f"DecodedRecord(events={self.events!r}, gzipped={self.gzipped}, control_message={self.control_message})"


def decode_base64(data: str | bytes) -> bytes:
    """Decode Firehose's base64 ``data`` strictly: silent garbage-in would hide agent bugs."""
    try:
        # strict_mode: the same acceptance as b64decode(validate=True), checked in C instead of by a regex.
        return a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError("invalid-base64") from exc


def gunzip_bounded(payload: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """Inflate a gzip member, refusing output larger than ``limit`` (decompression bombs)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(payload, limit)
    except zlib.error as exc:
        raise DecodeError("invalid-gzip") from exc
    if inflater.unconsumed_tail:
        raise DecodeError("gzip-too-large")
    if not inflater.eof:
        raise DecodeError("truncated-gzip")
    return out


def bytes_to_text(raw: bytes) -> str:
    """UTF-8 text; bytes that are not UTF-8 stay visible as ``\\xNN`` escapes instead of failing."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def _unescape_log_key(line: str) -> str:
    r"""Undo the JSON escaping of a ``log_key`` value (``{\"a\":1}`` -> ``{"a":1}``, ``\n`` -> newline)."""
    if "\\" not in line:
        return line
    try:
        value = loads('"' + line + '"')
    except ValueError:
        return line
    return value if isinstance(value, str) else line


def parse_line(line: str) -> dict[str, Any]:
    """One newline-delimited event: a JSON object as sent by Fluent Bit, or raw text (``log_key``).

    Raw text becomes ``{"log": text}`` so later stages see the same shape as the default output.
    """
    if line.startswith("{"):
        try:
            value = loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    text = _unescape_log_key(line)
    if text is not line and text.startswith("{"):
        try:
            value = loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    return {"log": text}


def _cloudwatch_events(doc: dict[str, Any]) -> DecodedRecord:
    """Expand a CloudWatch Logs subscription payload into one event per log event."""
    if doc.get("messageType") == "CONTROL_MESSAGE":
        return DecodedRecord(events=[], gzipped=True, control_message=True)
    group = str(doc.get("logGroup", ""))
    stream = str(doc.get("logStream", ""))
    events: list[dict[str, Any]] = []
    for item in doc.get("logEvents") or []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        event: dict[str, Any] = parse_line(message) if message.startswith("{") else {"log": message}
        event.setdefault("time", item.get("timestamp"))
        event.setdefault("aws_log_group", group)
        event.setdefault("aws_log_stream", stream)
        events.append(event)
    return DecodedRecord(events=events, gzipped=True)


def decode_events(data: str | bytes) -> list[dict[str, Any]] | None:
    """The events of one record (``None`` for a CloudWatch Logs control message: no log data).

    The processor's per-record path: no result object, and the common record, one JSON object and its
    newline, parsed from the decoded bytes directly (no str copy, no split). Raises :class:`DecodeError`
    when the record cannot be read, like :func:`decode_record`.
    """
    try:
        # strict_mode: the same acceptance as b64decode(validate=True), checked in C instead of by a regex.
        raw = a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError("invalid-base64") from exc
    if raw[:1] == b"{":
        newline = raw.find(b"\n")
        if (newline == -1 or newline == len(raw) - 1) and not raw.startswith(b'{"messageType"'):
            try:
                value = loads(raw)
            except ValueError:
                value = None
            if type(value) is dict:
                return [value]
    decoded = _decode_raw(raw)
    return None if decoded.control_message else decoded.events


def _decode_raw(raw: bytes) -> DecodedRecord:
    gzipped = raw[:2] == GZIP_MAGIC
    if gzipped:
        raw = gunzip_bounded(raw)
    return _general(raw, gzipped)


def _general(raw: bytes, gzipped: bool) -> DecodedRecord:
    """Every other shape: gzip members, CloudWatch payloads, several lines, raw text, invalid UTF-8."""
    if raw[:1] == b"{" and not raw.startswith(b'{"messageType"'):
        newline = raw.find(b"\n")
        if newline == -1 or newline == len(raw) - 1:
            try:
                value = loads(raw)
            except ValueError:
                value = None
            if isinstance(value, dict):
                return DecodedRecord(events=[value], gzipped=gzipped)
    text = bytes_to_text(raw)
    if gzipped and text.startswith('{"messageType"'):
        try:
            doc = loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and "logEvents" in doc:
            return _cloudwatch_events(doc)
    # One event per line; \r\n from Windows agents is tolerated, blank lines are padding.
    events = [parse_line(line) for line in text.split("\n") if line.strip()]
    if not events:
        raise DecodeError("empty-record")
    return DecodedRecord(events=events, gzipped=gzipped)


def decode_record(data: str | bytes) -> DecodedRecord:
    """Decode one Firehose record into its events; raise :class:`DecodeError` when it cannot be read."""
    return _decode_raw(decode_base64(data))
