"""Wire the local run together: sources -> Fluent Bit records -> Firehose (search and archive) -> the real
processor handler -> the archive folder and the search store, with counts that must add up.

Nothing is lost silently: every input event is either dropped by the agent (oversize, counted), rejected
by PutRecordBatch (counted), or becomes part of a Firehose record that comes back ``Ok`` (delivered),
``Dropped`` (counted by rule) or ``ProcessingFailed`` (written to the error prefix, counted by reason).
:meth:`RunReport.problems` checks exactly that.
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from logpipe.localrun.agent import AgentCounts, AgentRecord, archive_records, search_records
from logpipe.localrun.backends import LocalBackend, OpenSearchBackend
from logpipe.localrun.delivery import ArchiveDestination, Bucket, SearchDestination
from logpipe.localrun.firehose import (
    DEFAULT_BUFFER_BYTES,
    DEFAULT_BUFFER_MS,
    MAX_RECORD_BYTES,
    BatchOutcome,
    FirehoseStream,
    StreamCounters,
    put_record_batches,
)
from logpipe.localrun.handler import processor_handler
from logpipe.localrun.inputs import LineSource, Source
from logpipe.stats import BatchStats
from logpipe.stores.local_store import LocalStore

StreamKind = Literal["search", "archive"]
STREAMS: tuple[StreamKind, ...] = ("search", "archive")
Progress = Callable[[StreamKind, int], None]


@dataclass(slots=True)
class RunOptions:
    """Where the run writes and how Firehose is configured."""

    environment: str = "dev"
    out_dir: Path = Path(".logpipe/local")
    bucket_dir: Path | None = None
    store_path: Path | None = None
    opensearch: str | None = None
    reset: bool = False
    buffer_bytes: int = DEFAULT_BUFFER_BYTES
    buffer_ms: int = DEFAULT_BUFFER_MS
    seed: int = 0
    streams: tuple[StreamKind, ...] = STREAMS
    start_ms: int | None = None

    @property
    def bucket_root(self) -> Path:
        """The folder standing in for the S3 bucket."""
        return self.bucket_dir or self.out_dir / "s3"

    @property
    def store_file(self) -> Path:
        """The SQLite search store."""
        return self.store_path or self.out_dir / "search.db"

    def stream_name(self, kind: StreamKind) -> str:
        """``logpipe-<env>-search`` / ``logpipe-<env>-archive``, as the SAM stack names them."""
        return f"logpipe-{self.environment}-{kind}"


@dataclass(slots=True)
class StreamReport:
    """Counts of one delivery stream."""

    kind: StreamKind
    name: str
    stats: BatchStats = field(default_factory=BatchStats)
    counters: StreamCounters = field(default_factory=StreamCounters)
    agent: AgentCounts = field(default_factory=AgentCounts)
    results: Counter[str] = field(default_factory=Counter)
    replayed_records: int = 0
    documents_delivered: int = 0
    documents_refused: int = 0
    error_records_written: int = 0


@dataclass(slots=True)
class RunReport:
    """Everything the summary shows, and the checks that nothing was lost."""

    events: int
    sources: int
    streams: dict[str, StreamReport]
    elapsed_s: float
    bucket: Path
    store: Path | None
    opensearch: str | None
    objects: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        """Input events carried through every stream per second of wall time."""
        return self.events / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def problems(self) -> list[str]:
        """Broken invariants (empty when every record is accounted for)."""
        out = []
        for kind, rep in self.streams.items():
            s = rep.stats
            ok, dropped, failed = rep.results["Ok"], rep.results["Dropped"], rep.results["ProcessingFailed"]
            if rep.counters.records_put != ok + dropped + failed:
                out.append(f"{kind}: {rep.counters.records_put} records put but {ok + dropped + failed} came back")
            if s.records_in != s.records_ok + s.records_dropped + s.records_failed:
                out.append(f"{kind}: records in {s.records_in} != ok + dropped + failed")
            if (s.records_ok, s.records_dropped, s.records_failed) != (ok, dropped, failed):
                out.append(
                    f"{kind}: processor counts {s.records_ok}/{s.records_dropped}/{s.records_failed} "
                    f"differ from the responses {ok}/{dropped}/{failed}"
                )
            if s.events_ok != rep.documents_delivered + rep.documents_refused:
                out.append(
                    f"{kind}: {s.events_ok} documents ok but {rep.documents_delivered} delivered "
                    f"and {rep.documents_refused} refused"
                )
            if failed != rep.error_records_written:
                out.append(f"{kind}: {failed} failed records but {rep.error_records_written} written to errors/")
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON view for ``logpipe run --json``."""
        return {
            "events": self.events,
            "sources": self.sources,
            "elapsed_s": round(self.elapsed_s, 3),
            "events_per_second": round(self.events_per_second, 1),
            "bucket": str(self.bucket),
            "store": str(self.store) if self.store else None,
            "opensearch": self.opensearch,
            "archive_objects": len(self.objects),
            "streams": {
                kind: {
                    "name": rep.name,
                    "agent": {"events": rep.agent.events, "dropped_oversize": rep.agent.dropped_oversize},
                    "put_requests": rep.counters.put_requests,
                    "records_rejected": rep.counters.records_rejected,
                    "invocations": rep.counters.invocations,
                    "documents_delivered": rep.documents_delivered,
                    "documents_refused": rep.documents_refused,
                    **rep.stats.as_dict(),
                }
                for kind, rep in self.streams.items()
            },
            "notes": self.notes,
            "problems": self.problems(),
        }


def applies_to(kind: StreamKind, hint: str | None) -> bool:
    """A capture of one named stream replays into that kind only; unnamed ones into both."""
    if hint and hint.endswith("archive"):
        return kind == "archive"
    if hint and hint.endswith("search"):
        return kind == "search"
    return True


def count_events(sources: Sequence[Source], kind: StreamKind) -> int:
    """Input units the progress bar counts for ``kind`` (log events, or replayed records)."""
    return sum(
        len(s.events) if isinstance(s, LineSource) else len(s.records) if applies_to(kind, s.stream_hint) else 0
        for s in sources
    )


def _records(kind: StreamKind, sources: Sequence[Source], start_ms: int, rep: StreamReport) -> Iterator[AgentRecord]:
    iterators: list[Iterator[AgentRecord]] = []
    for source in sources:
        if isinstance(source, LineSource):
            arrivals = source.arrival_ms or [start_ms + i for i in range(len(source.events))]
            make = search_records if kind == "search" else archive_records
            iterators.append(make(source.events, arrivals, source.service, rep.agent, source.merge_log))
        elif applies_to(kind, source.stream_hint):
            arrivals = source.arrival_ms or [start_ms + i for i in range(len(source.records))]
            rep.replayed_records += len(source.records)
            iterators.append(AgentRecord(d, a) for d, a in zip(source.records, arrivals, strict=True))
    return heapq.merge(*iterators, key=lambda r: r.arrival_ms)


def run_local(
    sources: Sequence[Source],
    options: RunOptions,
    context_factory: Callable[[str], Any],
    progress: Progress | None = None,
) -> RunReport:
    """Replay ``sources`` through both streams and deliver the results; returns the counts."""
    started = time.perf_counter()
    start_ms = options.start_ms if options.start_ms is not None else int(time.time() * 1000)
    bucket = Bucket(options.bucket_root, random.Random(options.seed))
    notes: list[str] = []
    store: LocalStore | None = None
    if options.opensearch:
        from logpipe.stores.opensearch_store import OpenSearchStore

        os_store = OpenSearchStore(options.opensearch, index=f"logs-{options.environment}-*")
        notes.extend(apply_index_template(os_store, options.environment))
        backend: Any = OpenSearchBackend(os_store, options.environment)
    else:
        store = LocalStore(options.store_file)
        if options.reset:
            store.clear()
        backend = LocalBackend(store)
    reports: dict[str, StreamReport] = {}
    try:
        with processor_handler(options.environment, options.out_dir / "processor.log", context_factory) as invoker:
            for kind in options.streams:
                rep = StreamReport(kind, options.stream_name(kind))
                reports[kind] = rep
                destination: ArchiveDestination | SearchDestination
                if kind == "archive":
                    destination = ArchiveDestination(bucket, rep.name, invoker.lambda_arn)
                else:
                    destination = SearchDestination(bucket, rep.name, invoker.lambda_arn, backend)

                def on_batch(batch: BatchOutcome, rep: StreamReport = rep, destination: Any = destination) -> None:
                    stats = invoker.last_stats
                    codes = {o.error_code for o in batch.records}
                    if stats is None or (codes - {None, "Lambda.ProcessingFailedStatus"}):
                        # the whole batch failed: Firehose counts every record as failed
                        stats = BatchStats(records_in=len(batch.records), records_failed=len(batch.records))
                        for o in batch.records:
                            stats.failed_by_reason[str(o.error_code)] += 1
                    rep.stats.merge(stats)
                    rep.results.update(o.result for o in batch.records)
                    destination.deliver(batch)
                    if progress is not None:  # progress counts events the processor has handled
                        progress(rep.kind, sum(o.events for o in batch.records))

                stream = FirehoseStream(
                    rep.name,
                    invoker,
                    on_batch,
                    buffer_bytes=options.buffer_bytes,
                    buffer_ms=options.buffer_ms,
                    counters=rep.counters,
                )
                if progress is not None:
                    progress(kind, 0)  # the stream starts now
                dropped_seen = 0
                for request in put_record_batches(_records(kind, sources, start_ms, rep)):
                    stream.put_record_batch(request)
                    # events that never reach the processor: too large for the agent or for the API
                    lost = rep.agent.dropped_oversize - dropped_seen
                    lost += sum(r.events for r in request if len(r.data) > MAX_RECORD_BYTES)
                    dropped_seen = rep.agent.dropped_oversize
                    if progress is not None and lost:
                        progress(kind, lost)
                stream.flush()
                if isinstance(destination, ArchiveDestination):
                    destination.close()
                rep.documents_delivered = destination.documents
                rep.documents_refused = destination.refused if isinstance(destination, SearchDestination) else 0
                rep.error_records_written = destination.failed_records
    finally:
        if store is not None:
            store.close()
    events = sum(len(s.events) if isinstance(s, LineSource) else len(s.records) for s in sources)
    return RunReport(
        events=events,
        sources=len(sources),
        streams=reports,
        elapsed_s=time.perf_counter() - started,
        bucket=options.bucket_root,
        store=None if options.opensearch else options.store_file,
        opensearch=options.opensearch,
        objects=bucket.objects,
        notes=notes,
    )


def apply_index_template(store: Any, environment: str) -> list[str]:
    """Install logpipe's index template (what the stack's bootstrap does) before bulk indexing, through the
    OpenSearch bootstrap library; without that library the documents get OpenSearch's dynamic mapping."""
    try:
        from logpipe.opensearch.api import OpenSearchApi
        from logpipe.opensearch.bootstrap import BootstrapParams, put_index_template
    except ImportError as exc:
        return [f"index template not applied ({exc}); documents were bulk-indexed with dynamic mapping"]
    params = BootstrapParams(endpoint=store.endpoint, environment=environment, index_prefix=f"logs-{environment}")
    outcome, detail = put_index_template(OpenSearchApi(store.client), params)
    return [f"index template {outcome}: {detail}"]
