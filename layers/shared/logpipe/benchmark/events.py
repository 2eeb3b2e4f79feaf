"""Pack raw record payloads into Firehose -> Lambda transformation events, each under Lambda's 6 MB limit.

An event is kept as the exact bytes the Lambda runtime receives, because decoding them is part of what a
real invocation costs (and of what the benchmark measures).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Lambda's synchronous request limit is 6 MB including the envelope; stay just under it.
MAX_EVENT_BYTES = 6_000_000
_ENVELOPE_BYTES = 300  # invocationId, deliveryStreamArn, region and the JSON punctuation around records
FIRST_RECORD_ID = 49546986683135544286507457936321625675700192471156785154
FIRST_ARRIVAL_MS = 1714530896000
DEFAULT_STREAM_ARN = "arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/app-logs"


@dataclass(frozen=True, slots=True)
class PackedEvent:
    """One transformation event as raw JSON bytes, with the number of records and their raw payload bytes."""

    body: bytes
    records: int
    payload_bytes: int


def _record_entry(index: int, raw: bytes) -> dict[str, Any]:
    return {
        "recordId": str(FIRST_RECORD_ID + index),
        "approximateArrivalTimestamp": FIRST_ARRIVAL_MS + index,
        "data": base64.b64encode(raw).decode("ascii"),
    }


def pack_events(
    records: Iterable[bytes],
    next_invocation_id: Callable[[], str],
    *,
    stream_arn: str = DEFAULT_STREAM_ARN,
    max_bytes: int = MAX_EVENT_BYTES,
) -> list[PackedEvent]:
    """Greedily fill events with consecutive records until the next one would cross ``max_bytes``."""
    events: list[PackedEvent] = []
    entries: list[dict[str, Any]] = []
    size, payload = _ENVELOPE_BYTES, 0

    def flush() -> None:
        event = {
            "invocationId": next_invocation_id(),
            "deliveryStreamArn": stream_arn,
            "region": stream_arn.split(":")[3],
            "records": entries,
        }
        events.append(PackedEvent(json.dumps(event).encode(), len(entries), payload))

    for index, raw in enumerate(records):
        entry = _record_entry(index, raw)
        entry_size = len(json.dumps(entry)) + 2  # ", " between entries
        if entries and size + entry_size > max_bytes:
            flush()
            entries, size, payload = [], _ENVELOPE_BYTES, 0
        entries.append(entry)
        size += entry_size
        payload += len(raw)
    if entries:
        flush()
    return events


def load_event_files(directory: Path) -> list[PackedEvent]:
    """Events written by ``../shared/bench/gen_corpus.py`` (``DIR/events/*.json`` or ``DIR/*.json``)."""
    folder = directory / "events" if (directory / "events").is_dir() else directory
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no Firehose event files (*.json) in {folder}")
    events = []
    for path in files:
        body = path.read_bytes()
        event = json.loads(body)
        if not isinstance(event, dict) or not isinstance(event.get("records"), list):
            raise ValueError(f"{path}: not a Firehose transformation event (no 'records' list)")
        payload = sum(len(base64.b64decode(r["data"])) for r in event["records"])
        events.append(PackedEvent(body, len(event["records"]), payload))
    return events


def write_events(events: Iterable[PackedEvent], directory: Path) -> list[Path]:
    """Write events as ``evt_NNN.json`` (for subprocess probes and for ``logpipe invoke processor``)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, event in enumerate(events):
        path = directory / f"evt_{index:03d}.json"
        path.write_bytes(event.body)
        paths.append(path)
    return paths
