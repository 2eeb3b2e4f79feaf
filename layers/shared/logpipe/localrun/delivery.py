"""The two destinations of the local run: an S3 bucket emulated by a folder, and the search store.

Archive objects use exactly Firehose's S3 naming, under the prefixes of :mod:`logpipe.archive_layout`:
``<prefix with partition keys><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.gz``. The archive stream's
destination is ``CompressionFormat: UNCOMPRESSED`` with ``FileExtension: .gz``: it concatenates the records'
data as they are (each one gzip member of NDJSON, :mod:`logpipe.archive_format`), so an object is one valid
gzip stream. Records the processor (or a failed invocation) left unprocessed go to the error prefix with type
``processing-failed``, one JSON line per record in Firehose's format (gzip-compressed on the search stream,
whose backup is ``GZIP``; as they are on the archive stream); documents the search backend refused go to the
search stream's ``elasticsearch-failed`` prefix.
"""

from __future__ import annotations

import base64
import gzip
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from logpipe.archive_format import ARCHIVE_FILE_EXTENSION, document_count
from logpipe.archive_layout import archive_key_prefix, error_key_prefix
from logpipe.jsonfast import dumps, loads
from logpipe.localrun.firehose import BatchOutcome, RecordOutcome

# S3 destination buffering with dynamic partitioning (64 MiB minimum); the run flushes the rest at the end.
S3_BUFFER_BYTES = 64 * 1024 * 1024
STREAM_VERSION = 1


def _utc(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


@dataclass(slots=True)
class Bucket:
    """A folder standing in for the S3 bucket both streams write to."""

    root: Path
    rng: random.Random = field(default_factory=random.Random)
    objects: list[str] = field(default_factory=list)

    def object_name(self, stream_name: str, oldest_arrival_ms: int) -> str:
        """``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>``, as Firehose names S3 objects."""
        stamp = _utc(oldest_arrival_ms).strftime("%Y-%m-%d-%H-%M-%S")
        unique = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        return f"{stream_name}-{STREAM_VERSION}-{stamp}-{unique}"

    def put_gzip(self, key: str, payload: bytes) -> str:
        """Write one object, gzip-compressed with the ``.gz`` extension, as ``CompressionFormat: GZIP`` does."""
        key += ".gz"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(payload, compresslevel=6, mtime=0))
        self.objects.append(key)
        return key

    def put_raw(self, key: str, body: bytes, extension: str = ARCHIVE_FILE_EXTENSION) -> str:
        """Write one object byte for byte, as ``CompressionFormat: UNCOMPRESSED`` with a ``FileExtension`` does."""
        key += extension
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.objects.append(key)
        return key


def error_record(outcome: RecordOutcome, attempts: int, ended_ms: int, lambda_arn: str) -> dict[str, Any]:
    """One line of a ``processing-failed`` object, in Firehose's documented format."""
    return {
        "attemptsMade": attempts,
        "arrivalTimestamp": outcome.arrival_ms,
        "errorCode": outcome.error_code or "Lambda.ProcessingFailedStatus",
        "errorMessage": outcome.error_message or "ProcessingFailed status set for record",
        "attemptEndingTimestamp": ended_ms,
        "rawData": base64.b64encode(outcome.raw).decode("ascii"),
        "lambdaArn": lambda_arn,
    }


def write_processing_failed(
    bucket: Bucket, stream_name: str, kind: str, batch: BatchOutcome, lambda_arn: str, compressed: bool = True
) -> list[RecordOutcome]:
    """Write the batch's ProcessingFailed records under the error prefix; returns them.

    ``compressed``: the destination's ``CompressionFormat`` is GZIP (search backup) rather than UNCOMPRESSED
    (archive, whose records the processor compresses itself).
    """
    failed = [o for o in batch.records if o.result == "ProcessingFailed"]
    if not failed:
        return failed
    oldest = min(o.arrival_ms for o in failed)
    prefix = error_key_prefix("processing-failed", _utc(oldest).strftime("%Y/%m/%d/%H"), stream=kind)
    lines = b"".join(dumps(error_record(o, batch.attempts, batch.ended_ms, lambda_arn)) + b"\n" for o in failed)
    key = prefix + bucket.object_name(stream_name, oldest)
    if compressed:
        bucket.put_gzip(key, lines)
    else:
        bucket.put_raw(key, lines)
    return failed


@dataclass(slots=True)
class ArchiveDestination:
    """The archive stream's S3 destination with dynamic partitioning (partition keys from the processor)."""

    bucket: Bucket
    stream_name: str
    lambda_arn: str
    buffer_bytes: int = S3_BUFFER_BYTES
    documents: int = 0
    failed_records: int = 0
    _buffers: dict[str, list[tuple[int, bytes]]] = field(default_factory=lambda: defaultdict(list))
    _sizes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def deliver(self, batch: BatchOutcome) -> None:
        """Buffer Ok records per partition prefix, write ProcessingFailed ones to the error prefix."""
        self.failed_records += len(
            write_processing_failed(self.bucket, self.stream_name, "archive", batch, self.lambda_arn, compressed=False)
        )
        for outcome in batch.records:
            if outcome.result != "Ok":
                continue
            keys = outcome.partition_keys or {}
            prefix = archive_key_prefix(keys)
            if "!{" in prefix:  # a key the processor did not set: Firehose fails the record's partitioning
                prefix = error_key_prefix("partitioning-failed", _utc(outcome.arrival_ms).strftime("%Y/%m/%d/%H"))
            self.documents += document_count(outcome.output)
            self._buffers[prefix].append((outcome.arrival_ms, outcome.output))
            self._sizes[prefix] += len(outcome.output)
            if self._sizes[prefix] >= self.buffer_bytes:
                self._flush(prefix)

    def _flush(self, prefix: str) -> None:
        parts = self._buffers.pop(prefix, [])
        self._sizes.pop(prefix, None)
        if not parts:
            return
        oldest = min(arrival for arrival, _ in parts)
        # No delimiter between records (none is configured): gzip members concatenate into one gzip stream.
        body = b"".join(data for _, data in parts)
        self.bucket.put_raw(prefix + self.bucket.object_name(self.stream_name, oldest), body)

    def close(self) -> None:
        """Write every partition still buffered (end of the run)."""
        for prefix in sorted(self._buffers):
            self._flush(prefix)


class SearchBackend(Protocol):
    """Where the search stream's documents go: the local SQLite store or a real OpenSearch."""

    def index(self, docs: list[dict[str, Any]], arrivals: list[int]) -> list[tuple[int, str]]:
        """Store ``docs``; return (position, reason) for each refused document."""
        ...


@dataclass(slots=True)
class SearchDestination:
    """The search stream's OpenSearch destination: exactly one JSON document per Ok record."""

    bucket: Bucket
    stream_name: str
    lambda_arn: str
    backend: SearchBackend
    documents: int = 0
    failed_records: int = 0
    refused: int = 0

    def deliver(self, batch: BatchOutcome) -> None:
        """Index Ok documents; send ProcessingFailed records and refused documents to the error prefix."""
        self.failed_records += len(
            write_processing_failed(self.bucket, self.stream_name, "search", batch, self.lambda_arn)
        )
        docs: list[dict[str, Any]] = []
        arrivals: list[int] = []
        sources: list[RecordOutcome] = []
        refused: list[tuple[RecordOutcome, str]] = []
        for outcome in batch.records:
            if outcome.result != "Ok":
                continue
            try:
                doc = loads(outcome.output)
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                refused.append((outcome, "not exactly one JSON document"))
                continue
            docs.append(doc)
            arrivals.append(outcome.arrival_ms)
            sources.append(outcome)
        if docs:
            for position, reason in self.backend.index(docs, arrivals):
                refused.append((sources[position], reason))
            self.documents += len(docs)
        if refused:
            self.documents -= sum(1 for o, _ in refused if o in sources)
            self.refused += len(refused)
            self._write_refused(refused, batch)

    def _write_refused(self, refused: list[tuple[RecordOutcome, str]], batch: BatchOutcome) -> None:
        oldest = min(o.arrival_ms for o, _ in refused)
        prefix = error_key_prefix("elasticsearch-failed", _utc(oldest).strftime("%Y/%m/%d/%H"), stream="search")
        lines = b"".join(
            dumps(
                {
                    "attemptsMade": 1,
                    "arrivalTimestamp": o.arrival_ms,
                    "errorCode": "OS.MapperParsingException" if "pars" in reason else "OS.DocumentRejected",
                    "errorMessage": reason[:500],
                    "attemptEndingTimestamp": batch.ended_ms,
                    "rawData": base64.b64encode(o.output).decode("ascii"),
                }
            )
            + b"\n"
            for o, reason in refused
        )
        self.bucket.put_gzip(prefix + self.bucket.object_name(self.stream_name, oldest), lines)
