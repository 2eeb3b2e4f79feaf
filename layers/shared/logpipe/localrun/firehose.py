"""Amazon Data Firehose, emulated for one delivery stream: PutRecordBatch limits, the Lambda buffer, the
synchronous invocation of the processor and the response contract.

- PutRecordBatch: at most 500 records and 4 MiB per request, 1,000 KiB per record (larger records are
  rejected by the API and counted).
- Lambda buffering hint: the buffer is handed to the processor once it holds ``buffer_bytes`` or spans
  ``buffer_ms`` of arrival time, never more than the 6 MB request limit. Defaults are the stack's
  (template.yaml): 1 MB for the search stream (``ProcessorBufferSizeMB``), 1 MB for the archive stream
  (``ArchiveProcessorBufferSizeMB``), 60 s (``ProcessorBufferSeconds``).
- Contract: every ``recordId`` must come back exactly once with ``Ok`` | ``Dropped`` | ``ProcessingFailed``;
  an exception or a broken response fails the whole batch, which is retried 3 times and then written to
  the ``processing-failed`` error prefix (like records the processor marked ``ProcessingFailed``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from logpipe.localrun.agent import AgentRecord

PUT_BATCH_MAX_RECORDS = 500
PUT_BATCH_MAX_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024
# The stack's Lambda buffering hints (template.yaml parameter defaults; tests/template checks they agree).
SEARCH_BUFFER_MB = 1.0  # ProcessorBufferSizeMB
ARCHIVE_BUFFER_MB = 1.0  # ArchiveProcessorBufferSizeMB (the processor gzips archive output: bounded)
BUFFER_SECONDS = 60  # ProcessorBufferSeconds
MIN_BUFFER_MB, MAX_BUFFER_MB = 0.2, 3.0  # what Firehose accepts for BufferSizeInMBs of a Lambda processor


def buffer_bytes(megabytes: float) -> int:
    """A ``BufferSizeInMBs`` hint in bytes."""
    return int(megabytes * 1024 * 1024)


DEFAULT_BUFFER_BYTES = buffer_bytes(SEARCH_BUFFER_MB)
ARCHIVE_BUFFER_BYTES = buffer_bytes(ARCHIVE_BUFFER_MB)
DEFAULT_BUFFER_MS = BUFFER_SECONDS * 1000
MAX_INVOCATION_BYTES = 6 * 1024 * 1024 - 16 * 1024
INVOCATION_RETRIES = 3
RESULTS = frozenset({"Ok", "Dropped", "ProcessingFailed"})
# Firehose record ids look like Kinesis sequence numbers; local ones count up from this.
_RECORD_ID_BASE = 49_546_986_683_135_544_286_507_457_936_321_625_675_700_192_471_156_785_154

Invoker = Callable[[dict[str, Any]], Any]


@dataclass(slots=True)
class RecordOutcome:
    """What became of one record: its result and, for ``Ok``, the decoded output data."""

    record_id: str
    raw: bytes
    arrival_ms: int
    events: int
    result: str
    output: bytes = b""
    partition_keys: dict[str, str] | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class BatchOutcome:
    """One transformation batch after the processor (and any retries)."""

    records: list[RecordOutcome]
    attempts: int
    ended_ms: int


@dataclass(slots=True)
class StreamCounters:
    """PutRecordBatch-level counts of one stream."""

    put_requests: int = 0
    records_put: int = 0
    records_rejected: int = 0
    invocations: int = 0
    failed_invocations: int = 0


_EVENT_OVERHEAD = 512  # the event envelope around the records


def _encoded_size(record: AgentRecord) -> int:
    """Bytes ``record`` adds to the invocation request (base64 data plus its JSON framing)."""
    return (len(record.data) + 2) // 3 * 4 + 120


def put_record_batches(records: Iterable[AgentRecord]) -> Iterable[list[AgentRecord]]:
    """Group records into PutRecordBatch requests (500 records, 4 MiB) as the agent's output does."""
    batch: list[AgentRecord] = []
    size = 0
    for record in records:
        if batch and (len(batch) >= PUT_BATCH_MAX_RECORDS or size + len(record.data) > PUT_BATCH_MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record.data)
    if batch:
        yield batch


def validate_response(response: Any, record_ids: list[str]) -> tuple[str, str] | None:
    """``None`` when the response honours the contract, else Firehose's (errorCode, errorMessage)."""
    if not isinstance(response, dict) or not isinstance(response.get("records"), list):
        return "Lambda.JsonProcessingException", "the response has no records list"
    seen: set[str] = set()
    for entry in response["records"]:
        if not isinstance(entry, dict):
            return "Lambda.JsonProcessingException", "a response record is not an object"
        rid = entry.get("recordId")
        if rid in seen:
            return "Lambda.DuplicatedRecordId", f"record id {rid} returned more than once"
        seen.add(str(rid))
        if entry.get("result") not in RESULTS:
            return "Lambda.InvalidRecordResult", f"record {rid} has result {entry.get('result')!r}"
        if entry.get("result") == "Ok" and not isinstance(entry.get("data"), str):
            return "Lambda.JsonProcessingException", f"record {rid} is Ok without base64 data"
    missing = [rid for rid in record_ids if rid not in seen]
    if missing:
        return "Lambda.MissingRecordId", f"{len(missing)} record id(s) missing from the response"
    if len(seen) != len(record_ids):
        return "Lambda.MissingRecordId", "the response holds record ids that were not sent"
    return None


@dataclass(slots=True)
class FirehoseStream:
    """One delivery stream in front of the processor; ``deliver`` receives every processed batch."""

    name: str
    invoker: Invoker
    deliver: Callable[[BatchOutcome], None]
    region: str = "local"
    buffer_bytes: int = DEFAULT_BUFFER_BYTES
    buffer_ms: int = DEFAULT_BUFFER_MS
    counters: StreamCounters = field(default_factory=StreamCounters)
    _buffer: list[tuple[str, AgentRecord]] = field(default_factory=list)
    _buffer_bytes: int = 0
    _buffer_encoded: int = _EVENT_OVERHEAD
    _next_id: int = 0

    @property
    def arn(self) -> str:
        """The ARN the processor sees (it derives search/archive from the name)."""
        return f"arn:aws:firehose:{self.region}:000000000000:deliverystream/{self.name}"

    def put_record_batch(self, records: list[AgentRecord]) -> int:
        """Accept one PutRecordBatch request; returns how many records were rejected (too large)."""
        if len(records) > PUT_BATCH_MAX_RECORDS or sum(len(r.data) for r in records) > PUT_BATCH_MAX_BYTES:
            raise ValueError("PutRecordBatch request over 500 records or 4 MiB")
        self.counters.put_requests += 1
        rejected = 0
        for record in records:
            if len(record.data) > MAX_RECORD_BYTES:
                rejected += 1
                continue
            self._add(record)
        self.counters.records_put += len(records) - rejected
        self.counters.records_rejected += rejected
        return rejected

    def _add(self, record: AgentRecord) -> None:
        encoded = _encoded_size(record)
        if self._buffer:
            first = self._buffer[0][1].arrival_ms
            if (
                self._buffer_bytes + len(record.data) > self.buffer_bytes
                or record.arrival_ms - first >= self.buffer_ms
                or self._buffer_encoded + encoded > MAX_INVOCATION_BYTES
            ):
                self.flush()
        record_id = str(_RECORD_ID_BASE + self._next_id)
        self._next_id += 1
        self._buffer.append((record_id, record))
        self._buffer_bytes += len(record.data)
        self._buffer_encoded += encoded

    def flush(self) -> None:
        """Invoke the processor on whatever is buffered."""
        if not self._buffer:
            return
        buffered, self._buffer, self._buffer_bytes, self._buffer_encoded = self._buffer, [], 0, _EVENT_OVERHEAD
        self.deliver(self._invoke(buffered))

    def _invoke(self, buffered: list[tuple[str, AgentRecord]]) -> BatchOutcome:
        event = {
            "invocationId": f"local-{self.name}-{buffered[0][0][-8:]}",
            "deliveryStreamArn": self.arn,
            "region": self.region,
            "records": [
                {
                    "recordId": rid,
                    "approximateArrivalTimestamp": record.arrival_ms,
                    "data": base64.b64encode(record.data).decode("ascii"),
                }
                for rid, record in buffered
            ],
        }
        record_ids = [rid for rid, _ in buffered]
        error: tuple[str, str] | None = None
        response: Any = None
        attempts = 0
        for _ in range(1 + INVOCATION_RETRIES):
            attempts += 1
            self.counters.invocations += 1
            try:
                response = self.invoker(event)
            except Exception as exc:  # the function failed: Firehose retries, then gives up on the batch
                error = ("Lambda.FunctionError", f"{type(exc).__name__}: {exc}"[:500])
            else:
                error = validate_response(response, record_ids)
            if error is None:
                break
            self.counters.failed_invocations += 1
        ended = int(time.time() * 1000)
        if error is not None:
            code, message = error
            return BatchOutcome(
                [
                    RecordOutcome(
                        rid, r.data, r.arrival_ms, r.events, "ProcessingFailed", error_code=code, error_message=message
                    )
                    for rid, r in buffered
                ],
                attempts,
                ended,
            )
        by_id = {entry["recordId"]: entry for entry in response["records"]}
        outcomes = []
        for rid, record in buffered:
            entry = by_id[rid]
            outcome = RecordOutcome(rid, record.data, record.arrival_ms, record.events, entry["result"])
            if entry["result"] == "Ok":
                outcome.output = base64.b64decode(entry["data"])
                keys = (entry.get("metadata") or {}).get("partitionKeys")
                outcome.partition_keys = dict(keys) if isinstance(keys, dict) else None
            elif entry["result"] == "ProcessingFailed":
                outcome.error_code = "Lambda.ProcessingFailedStatus"
                outcome.error_message = "ProcessingFailed status set for record"
            outcomes.append(outcome)
        return BatchOutcome(outcomes, attempts, ended)
