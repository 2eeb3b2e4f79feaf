"""The processor pipeline: one Firehose transformation batch in, one Firehose response out.

Stages per log event (pure functions over plain dicts): parse -> correlate -> enrich -> filter -> mask
-> shape. Per record: decode (base64, gzip, aggregation, log_key) first, then one output document
(``search`` stream, as the OpenSearch destination requires) or newline-delimited documents with
dynamic-partitioning keys (``archive`` stream).

Contract with Firehose, kept whatever the input:
- every input ``recordId`` comes back exactly once, with ``Ok`` | ``Dropped`` | ``ProcessingFailed``; a batch
  entry without one (or not an object) cannot be answered: it is left out, logged and counted (reasons
  ``missing-record-id`` / ``record-not-an-object``), so every entry of the response stays valid;
- a record that cannot be processed comes back ``ProcessingFailed`` with its original data (Firehose then
  writes it to the ``processing-failed`` prefix) and a counted reason, never an exception for the batch;
- the response never exceeds Firehose's 6 MB limit (records that would overflow it come back
  ``ProcessingFailed`` with reason ``response-size-limit``, so Firehose keeps them).
"""

from __future__ import annotations

import os
from binascii import b2a_base64
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from logpipe.archive_format import compress_member, document_count
from logpipe.correlate import correlate
from logpipe.decode import DecodeError, decode_events
from logpipe.enrich import enrich
from logpipe.filtering import CompiledRule, compile_rules, drop_reason
from logpipe.jsonfast import dumps
from logpipe.masking import Masker, load_masker
from logpipe.parsing import ParserSet, load_parsers, parse_event
from logpipe.pipeline_config import PipelineConfig, load_pipeline_config
from logpipe.shape import apply_limits, nest, partition_keys
from logpipe.stats import BatchStats

StreamKind = Literal["search", "archive"]
OK, DROPPED, FAILED = "Ok", "Dropped", "ProcessingFailed"
# Firehose rejects responses over 6 MB; keep a margin for the JSON envelope Lambda adds.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024
# Framing of one response entry, '{"recordId": "", "result": "ProcessingFailed", "data": ""}, ', with the
# spaces the Lambda runtime's json.dumps adds, rounded up.
_RECORD_OVERHEAD = 64


def _log() -> Any:
    # Only failures log here: ``logging`` is imported when the first one happens, not at cold start.
    import logging

    return logging.getLogger("logpipe.pipeline")


class Processor:
    """Everything compiled once per container: configuration, parsers, drop rules, masker.

    A plain class with ``__slots__`` rather than a dataclass: creating a dataclass costs ~1 ms of cold start
    (it compiles generated methods), and the per-record path reads these attributes constantly.
    """

    __slots__ = ("config", "default_service", "environment", "masker", "parsers", "rules")

    def __init__(
        self,
        config: PipelineConfig,
        parsers: ParserSet,
        masker: Masker,
        rules: tuple[CompiledRule, ...] = (),
        environment: str = "dev",
        default_service: str = "unknown",
    ) -> None:
        self.config = config
        self.parsers = parsers
        self.masker = masker
        self.rules = rules
        self.environment = environment
        self.default_service = default_service

    @classmethod
    def from_config(
        cls, directory: str | None = None, *, environment: str | None = None, default_service: str | None = None
    ) -> Processor:
        """Load and validate every configuration file (raises ConfigError with the exact location)."""
        config = load_pipeline_config(directory)
        return cls(
            config=config,
            parsers=load_parsers(directory),
            masker=load_masker(directory),
            rules=compile_rules(config.drop_rules),
            environment=environment or os.environ.get("LOGPIPE_ENVIRONMENT", "dev"),
            default_service=default_service or os.environ.get("LOGPIPE_DEFAULT_SERVICE", "unknown"),
        )

    def process_event(self, event: dict[str, Any], arrival_ms: int | None, stats: BatchStats) -> dict[str, Any] | None:
        """Run one log event through parse, correlate, enrich, filter, mask and limits.

        Returns the flat document, or ``None`` when a drop rule dropped the event (counted in ``stats``).
        """
        doc, rest = parse_event(event, self.parsers)
        stats.parser_used[str(doc.get("logpipe.parse", "unknown"))] += 1
        if not doc.get("@timestamp"):
            # Never silent: the document says its time is the arrival time (and the parser kept an
            # unreadable time field in labels.time_unparsed); both are counted.
            doc["@timestamp"] = _iso_from_ms(arrival_ms)
            doc["logpipe.timestamp"] = "arrival"
            stats.timestamps_from_arrival += 1
        if "labels.time_unparsed" in doc:
            stats.timestamps_unparsed += 1
        config = self.config
        environment = self.environment
        correlate(doc, rest, config)
        enrich(doc, rest, config, environment=environment, default_service=self.default_service)
        rule = drop_reason(doc, self.rules, environment)
        if rule is not None:
            stats.dropped_by_rule[rule] += 1
            return None
        fired = self.masker.mask_document(doc)
        if fired:
            doc["logpipe.masked"] = sorted(fired)
            stats.masked_by_type.update(fired)
        apply_limits(doc, config.limits)
        stats.events_by_service[str(doc.get("service.name"))] += 1
        return doc

    def transform_record(self, record: dict[str, Any], stream: StreamKind, stats: BatchStats) -> dict[str, Any]:
        """Turn one Firehose record into its response entry (never raises for bad data)."""
        record_id = record.get("recordId")
        data = record.get("data", "")
        stats.records_in += 1
        try:
            if not isinstance(data, str):
                raise DecodeError("data-not-a-string")
            stats.bytes_in += len(data)
            events = decode_events(data)
            if events is None:  # a CloudWatch Logs control message: no log data
                stats.records_dropped += 1
                stats.dropped_by_rule["cloudwatch-control-message"] += 1
                return {"recordId": record_id, "result": DROPPED, "data": ""}
            arrival = record.get("approximateArrivalTimestamp")
            arrival_ms = arrival if isinstance(arrival, int) else None
            if len(events) == 1:
                stats.events_in += 1
                doc = self.process_event(events[0], arrival_ms, stats)
                documents = [] if doc is None else [doc]
            elif stream == "search" and events:
                raise DecodeError("aggregated-record-on-search-stream")
            else:
                documents = []
                for event in events:
                    stats.events_in += 1
                    doc = self.process_event(event, arrival_ms, stats)
                    if doc is not None:
                        documents.append(doc)
            if not documents:
                stats.records_dropped += 1
                return {"recordId": record_id, "result": DROPPED, "data": ""}
            # Encoding is inside the guard too: a document the codec refuses (for example a lone surrogate
            # decoded by the standard library's JSON in pure mode) fails its record, not the batch.
            out = self._encode(record_id, documents, stream)
        except DecodeError as exc:
            return self._failed(record_id, data, exc.reason, stats)
        except Exception as exc:  # a bug must cost one record, never the batch
            # The type and the frames only: an exception's message quotes the value it choked on ("invalid
            # literal for int() with base 10: '01012345678²'"), and this log goes to CloudWatch unmasked.
            _log().error("processor error on record %s: %s at %s", record_id, type(exc).__name__, _frames(exc))
            return self._failed(record_id, data, f"internal-error:{type(exc).__name__}", stats)
        stats.events_ok += len(documents)
        stats.records_ok += 1
        stats.bytes_out += len(out["data"])
        return out

    @staticmethod
    def _encode(record_id: Any, documents: list[dict[str, Any]], stream: StreamKind) -> dict[str, Any]:
        """The ``Ok`` response entry of a record's documents: nested, JSON, base64 (gzip on ``archive``)."""
        if stream == "search":
            payload = dumps(nest(documents[0]))
            return {"recordId": record_id, "result": OK, "data": b2a_base64(payload, newline=False).decode("ascii")}
        # One gzip member per record: the output stays about as large as the input however much the NDJSON
        # inflates (logpipe.archive_format); the S3 destination concatenates members into a .gz object.
        payload = compress_member(b"".join([dumps(nest(doc)) + b"\n" for doc in documents]))
        first = documents[0]
        service = first.get("service.name")
        if len(documents) > 1 and any(doc.get("service.name") != service for doc in documents):
            service = "_mixed"
        return {
            "recordId": record_id,
            "result": OK,
            "data": b2a_base64(payload, newline=False).decode("ascii"),
            "metadata": {"partitionKeys": partition_keys(str(service), str(first["@timestamp"]))},
        }

    @staticmethod
    def _failed(record_id: Any, data: Any, reason: str, stats: BatchStats) -> dict[str, Any]:
        # The reason is logged, never the content: the raw record may hold personal data.
        _log().warning("record %s failed: %s", record_id, reason)
        stats.records_failed += 1
        stats.failed_by_reason[reason] += 1
        if not isinstance(data, str):
            data = ""
        elif reason == "invalid-base64":  # keep the response valid: hand back the text itself, encoded
            data = b2a_base64(data.encode("utf-8", "backslashreplace"), newline=False).decode("ascii")
        return {"recordId": record_id, "result": FAILED, "data": data}

    def transform_batch(self, event: dict[str, Any], stream: StreamKind) -> tuple[dict[str, Any], BatchStats]:
        """Process a whole Firehose transformation event; returns the response and the batch's counts."""
        stats = BatchStats()
        records = event.get("records")
        if not isinstance(records, list):
            records = []
        originals = _original_sizes(records)
        # Bytes still needed to hand back every remaining record unchanged (the fallback that always fits).
        remaining = sum(originals)
        used = 0
        out_records: list[dict[str, Any]] = []
        append = out_records.append
        transform = self.transform_record
        archive = stream == "archive"
        for index, (record, original) in enumerate(zip(records, originals, strict=True)):
            remaining -= original
            record_id = record.get("recordId") if isinstance(record, dict) else None
            if type(record_id) is not str or not record_id:  # Firehose's ids are non-empty strings
                _unanswerable(index, record, stats)
                continue
            result = transform(record, stream, stats)
            # _entry_size(result), inlined: every result holds this record_id and a str "data"; only
            # archive results can carry metadata.
            size = _entry_size(result) if archive else _RECORD_OVERHEAD + len(record_id) + len(result["data"])
            if used + size + remaining > MAX_RESPONSE_BYTES and result["result"] == OK:
                stats.records_ok -= 1
                # an archive record holds one document per line: all of them are no longer ok
                stats.events_ok -= _decoded_lines(result["data"]) if stream == "archive" else 1
                stats.bytes_out -= len(result["data"])
                result = self._failed(record.get("recordId"), record.get("data"), "response-size-limit", stats)
                size = _entry_size(result)
            used += size
            append(result)
        return {"records": out_records}, stats


def _unanswerable(index: int, record: Any, stats: BatchStats) -> None:
    """Count and log a batch entry that has no recordId (or is not an object): it gets no response entry.

    Firehose matches every response entry to an input record by ``recordId``; an entry with a missing or
    invented id is a mismatch, which Firehose treats as a data transformation failure. Firehose itself
    always sends an id, so such an entry comes from a hand-made or corrupted event: leaving it out keeps
    every entry of the response valid, and this warning plus the ``FailedByReason`` metric say why the
    response has fewer entries than the request. Nothing of the record's content is logged.
    """
    reason = "missing-record-id" if isinstance(record, dict) else "record-not-an-object"
    _log().warning("batch entry #%d not answered: %s (Firehose needs a recordId to match the answer)", index, reason)
    stats.records_in += 1
    stats.records_failed += 1
    stats.failed_by_reason[reason] += 1


def _frames(exc: BaseException) -> str:
    """``file:line:function`` of each frame of ``exc``'s traceback, innermost last: no message, locals or source."""
    import traceback

    frames = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
    return " > ".join(f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in frames)


def _decoded_lines(data: str) -> int:
    from binascii import a2b_base64

    return document_count(a2b_base64(data))


def _original_sizes(records: list[Any]) -> list[int]:
    """:func:`_entry_size` of each batch entry (0 for a non-object), the common shape without a call each."""
    sizes: list[int] = []
    append = sizes.append
    overhead = _RECORD_OVERHEAD
    for record in records:
        if type(record) is dict:
            record_id = record.get("recordId")
            data = record.get("data")
            if type(record_id) is str and type(data) is str and "metadata" not in record:
                append(overhead + len(record_id) + len(data))
                continue
        append(_entry_size(record) if isinstance(record, dict) else 0)
    return sizes


def _entry_size(entry: dict[str, Any]) -> int:
    """Upper bound of the bytes ``entry`` takes in the serialised response (as Failed if it has data)."""
    data = entry.get("data")
    record_id = entry.get("recordId")
    size = _RECORD_OVERHEAD + len(record_id if type(record_id) is str else str(record_id))
    if isinstance(data, str):
        size += len(data)
    metadata = entry.get("metadata")
    if metadata:
        size += 32 + sum(len(k) + len(v) + 8 for k, v in metadata.get("partitionKeys", {}).items())
    return size


def _iso_from_ms(epoch_ms: int | None) -> str:
    """ISO-8601 UTC with milliseconds for an epoch-ms value (now when absent)."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stream_kind_for(delivery_stream_arn: str | None) -> StreamKind:
    """Which stream invoked us: names in $LOGPIPE_ARCHIVE_STREAMS, or a name ending in ``archive``."""
    name = (delivery_stream_arn or "").rsplit("/", 1)[-1]
    explicit = {s.strip() for s in os.environ.get("LOGPIPE_ARCHIVE_STREAMS", "").split(",") if s.strip()}
    if name in explicit or name.endswith("archive"):
        return "archive"
    return "search"


@lru_cache(maxsize=1)
def default_processor() -> Processor:
    """The container-wide processor (configuration is loaded and validated once per cold start)."""
    return Processor.from_config(os.environ.get("LOGPIPE_CONFIG_DIR"))
