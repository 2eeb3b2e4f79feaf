"""Fluent Bit's ``kinesis_firehose`` output, reproduced: how log events become Firehose records.

- Every event is the JSON of the record (``{"log": line}`` from ``tail``, plus the ``kubernetes`` object
  its filter adds) followed by ``\\n``.
- The search stream's output sends one event per record (the OpenSearch destination needs one document
  per record, so no aggregation there).
- The archive stream's output uses ``simple_aggregation`` (newline-joined events packed into one record)
  and ``compression gzip`` (each record gzipped on its own), which cuts Firehose's 5 KB-step billing.
- Events of 1,024,000 bytes or more are dropped by the agent (Firehose's 1,000 KiB record limit); they
  are counted, never silently lost.
- With ``merge_log`` (the kubernetes filter's ``Merge_Log On`` / ``Keep_Log Off``, the usual EKS setup),
  a line that is a JSON object is sent as that object's fields instead of ``{"log": line}``.
- Events are flushed every second (``Flush 1``): an aggregated record never spans two flushes or two
  inputs (files / pods).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from logpipe.jsonfast import dumps, loads

# Fluent Bit's MAX_EVENT_SIZE: records of this size or more never leave the agent.
MAX_EVENT_BYTES = 1_024_000
FLUSH_MS = 1000


@dataclass(frozen=True, slots=True)
class AgentRecord:
    """One Firehose record as the agent sends it: raw bytes, arrival time and how many events it holds."""

    data: bytes
    arrival_ms: int
    events: int = 1


def kubernetes_metadata(service: str) -> dict[str, Any]:
    """What Fluent Bit's kubernetes filter adds for a pod of ``service`` (stable names for the demo)."""
    suffix = format(abs(hash_text(service)) % 0xFFFFF, "05x")
    return {
        "pod_name": f"{service}-7d9c8b-{suffix}",
        "namespace_name": "shop",
        "container_name": service,
        "host": "ip-10-0-1-17.ap-northeast-2.compute.internal",
        "labels": {"app": service, "app.kubernetes.io/name": service},
    }


def hash_text(text: str) -> int:
    """A hash that does not change between runs (``hash()`` is salted per process)."""
    value = 0
    for char in text.encode():
        value = (value * 131 + char) & 0xFFFFFFFF
    return value


def shape_event(line: str, service: str | None, merge_log: bool = False) -> bytes:
    """The JSON Fluent Bit sends for one ``tail`` line, with its newline."""
    record: dict[str, Any] = {"log": line}
    if merge_log and line.startswith("{"):
        try:
            parsed = loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            record = parsed
    if service:
        record["kubernetes"] = kubernetes_metadata(service)
    return dumps(record) + b"\n"


@dataclass(slots=True)
class AgentCounts:
    """Events the agent handled and the ones it had to drop."""

    events: int = 0
    dropped_oversize: int = 0


def search_records(
    events: Sequence[str],
    arrivals: Sequence[int],
    service: str | None,
    counts: AgentCounts,
    merge_log: bool = False,
) -> Iterator[AgentRecord]:
    """One record per event (the search stream's output)."""
    for line, arrival in zip(events, arrivals, strict=True):
        counts.events += 1
        data = shape_event(line, service, merge_log)
        if len(data) >= MAX_EVENT_BYTES:
            counts.dropped_oversize += 1
            continue
        yield AgentRecord(data, arrival)


def archive_records(
    events: Sequence[str],
    arrivals: Sequence[int],
    service: str | None,
    counts: AgentCounts,
    merge_log: bool = False,
    compress: bool = True,
) -> Iterator[AgentRecord]:
    """Events packed with ``simple_aggregation`` per flush, each record then gzipped on its own."""
    parts: list[bytes] = []
    size = 0
    first_arrival = 0

    def flush() -> AgentRecord:
        payload = b"".join(parts)
        data = gzip.compress(payload, compresslevel=6, mtime=0) if compress else payload
        return AgentRecord(data, first_arrival, len(parts))

    for line, arrival in zip(events, arrivals, strict=True):
        counts.events += 1
        data = shape_event(line, service, merge_log)
        if len(data) >= MAX_EVENT_BYTES:
            counts.dropped_oversize += 1
            continue
        new_flush = parts and arrival - first_arrival >= FLUSH_MS
        if parts and (new_flush or size + len(data) >= MAX_EVENT_BYTES):
            yield flush()
            parts, size = [], 0
        if not parts:
            first_arrival = arrival
        parts.append(data)
        size += len(data)
    if parts:
        yield flush()
