"""What the local run reads: plain log files, Fluent Bit PutRecordBatch captures and Firehose events.

Plain files are read as Fluent Bit's ``tail`` input would after its multiline filter: one event per line,
with stack-trace continuation lines (indented frames, ``Caused by:``, ``... N more``, an exception line
right after a log line) joined to the line they belong to. Captures and Firehose events already hold
Fluent Bit records; they are replayed exactly as they are.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from logpipe.decode import bytes_to_text
from logpipe.jsonfast import loads

# Whole-file JSON (captures, Firehose events) is only attempted below this size.
MAX_JSON_DOCUMENT_BYTES = 64 * 1024 * 1024
_CONTINUATION = re.compile(
    r"^(?:[ \t]+\S"  # indented frames ("\tat ...", "  File ...")
    r"|Caused by: "
    r"|\.\.\. \d+ (?:more|common frames omitted)"
    r"|(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?::|$))"  # java.x.FooException: ...
)


class InputError(ValueError):
    """A file that cannot be read as any supported input; the message names the file and the reason."""


@dataclass(slots=True)
class LineSource:
    """Log lines of one file (one Fluent Bit ``tail`` input), joined into events."""

    name: str
    events: list[str]
    service: str | None = None
    # Per-event arrival time at Firehose (epoch ms); the demo sets simulated times, files use the run's clock.
    arrival_ms: list[int] | None = None
    # Fluent Bit's kubernetes filter with Merge_Log On: JSON lines are sent as their fields.
    merge_log: bool = False


@dataclass(slots=True)
class RecordSource:
    """Fluent Bit records as they reached Firehose (raw bytes of each record's ``Data``)."""

    name: str
    records: list[bytes]
    kind: Literal["putrecordbatch", "firehose-event"]
    stream_hint: str | None = None
    arrival_ms: list[int] | None = field(default=None)


Source = LineSource | RecordSource


def is_continuation(line: str) -> bool:
    """True for a line that continues the previous event (a stack-trace frame, ``Caused by:`` ...)."""
    return not line.startswith("{") and _CONTINUATION.match(line) is not None


def join_multiline(lines: Iterable[str]) -> Iterator[str]:
    """Join stack-trace continuation lines onto the event they belong to (blank lines are skipped)."""
    current: str | None = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if current is not None and is_continuation(line):
            current += "\n" + line
            continue
        if current is not None:
            yield current
        current = line
    if current is not None:
        yield current


def _b64(value: Any, name: str, position: int) -> bytes:
    """Strict base64, as the Firehose API requires (garbage must not silently become an empty record)."""
    if not isinstance(value, str):
        raise InputError(f"{name}: record {position} has no base64 data")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{name}: record {position} is not valid base64 ({exc})") from exc


def _as_capture(doc: Any, name: str) -> RecordSource | None:
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        records = [_b64(r.get("Data") if isinstance(r, dict) else None, name, i) for i, r in enumerate(doc["Records"])]
        return RecordSource(name, records, "putrecordbatch", stream_hint=doc.get("DeliveryStreamName"))
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        records, arrivals = [], []
        for i, r in enumerate(doc["records"]):
            records.append(_b64(r.get("data") if isinstance(r, dict) else None, name, i))
            arrival = r.get("approximateArrivalTimestamp")
            arrivals.append(arrival if isinstance(arrival, int) else 0)
        arn = str(doc.get("deliveryStreamArn") or "")
        hint = arn.rsplit("/", 1)[-1] or None
        return RecordSource(
            name, records, "firehose-event", stream_hint=hint, arrival_ms=arrivals if all(arrivals) else None
        )
    return None


def read_source(path: Path, service: str | None = None, multiline: bool = True, merge_log: bool = False) -> Source:
    """Read one input file, detecting captures and Firehose events by their content."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    name = str(path)
    stripped = raw.lstrip()
    if stripped.startswith(b"{") and len(raw) <= MAX_JSON_DOCUMENT_BYTES:
        try:
            doc = loads(raw)
        except ValueError:
            doc = None  # JSON lines, not one document
        if doc is not None:
            capture = _as_capture(doc, name)
            if capture is not None:
                return capture
    text = bytes_to_text(raw)
    lines = text.split("\n")
    events = list(join_multiline(lines)) if multiline else [ln.rstrip("\r") for ln in lines if ln.strip()]
    return LineSource(name, events, service=service, merge_log=merge_log)
