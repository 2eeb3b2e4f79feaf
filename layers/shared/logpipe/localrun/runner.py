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

from logpipe.archive_format import document_count, is_gzip
from logpipe.localrun.agent import AgentCounts, AgentRecord, archive_records, search_records
from logpipe.localrun.backends import LocalBackend, OpenSearchBackend
from logpipe.localrun.delivery import ArchiveDestination, Bucket, SearchDestination
from logpipe.localrun.firehose import (
    ARCHIVE_BUFFER_BYTES,
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
# Below this many events a second process costs more (interpreter start, imports) than it saves.
PARALLEL_MIN_EVENTS = 5000


@dataclass(slots=True)
class RunOptions:
    """Where the run writes and how Firehose is configured."""

    environment: str = "dev"
    out_dir: Path = Path(".logpipe/local")
    bucket_dir: Path | None = None
    store_path: Path | None = None
    opensearch: str | None = None
    reset: bool = False
    # Lambda buffering hints per stream, as the stack sets them (template.yaml's defaults).
    search_buffer_bytes: int = DEFAULT_BUFFER_BYTES
    archive_buffer_bytes: int = ARCHIVE_BUFFER_BYTES
    buffer_ms: int = DEFAULT_BUFFER_MS
    seed: int = 0
    streams: tuple[StreamKind, ...] = STREAMS
    start_ms: int | None = None
    # Processes: 2 runs the archive stream beside the search stream (inputs of PARALLEL_MIN_EVENTS or more).
    jobs: int = 1

    @property
    def bucket_root(self) -> Path:
        """The folder standing in for the S3 bucket."""
        return self.bucket_dir or self.out_dir / "s3"

    @property
    def store_file(self) -> Path:
        """The SQLite search store."""
        return self.store_path or self.out_dir / "search.db"

    def buffer_bytes(self, kind: StreamKind) -> int:
        """The Lambda buffer size hint of stream ``kind``."""
        return self.archive_buffer_bytes if kind == "archive" else self.search_buffer_bytes

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


def _run_stream(
    kind: StreamKind,
    sources: Sequence[Source],
    options: RunOptions,
    start_ms: int,
    bucket: Bucket,
    backend: Any,
    context_factory: Callable[[str], Any],
    progress: Progress | None,
) -> StreamReport:
    """One delivery stream end to end: agent records -> Firehose -> the real handler -> its destination."""
    rep = StreamReport(kind, options.stream_name(kind))
    log_path = options.out_dir / "processor.log"
    with processor_handler(options.environment, log_path, context_factory) as invoker:
        destination: ArchiveDestination | SearchDestination
        if kind == "archive":
            destination = ArchiveDestination(bucket, rep.name, invoker.lambda_arn)
        else:
            destination = SearchDestination(bucket, rep.name, invoker.lambda_arn, backend)

        def on_batch(batch: BatchOutcome) -> None:
            stats = invoker.last_stats
            codes = {o.error_code for o in batch.records}
            if codes - {None, "Lambda.ProcessingFailedStatus"}:
                # the whole batch failed: Firehose counts every record as failed
                stats = BatchStats(records_in=len(batch.records), records_failed=len(batch.records))
                for o in batch.records:
                    stats.failed_by_reason[str(o.error_code)] += 1
            elif stats is None:
                stats = stats_from_outcomes(batch)
            rep.stats.merge(stats)
            rep.results.update(o.result for o in batch.records)
            destination.deliver(batch)
            if progress is not None:  # progress counts events the processor has handled
                progress(kind, sum(o.events for o in batch.records))

        stream = FirehoseStream(
            rep.name,
            invoker,
            on_batch,
            buffer_bytes=options.buffer_bytes(kind),
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
    return rep


def stats_from_outcomes(batch: BatchOutcome) -> BatchStats:
    """Counts read off the responses, for a handler whose own counts cannot be observed."""
    stats = BatchStats(records_in=len(batch.records), events_in=sum(o.events for o in batch.records))
    for o in batch.records:
        if o.result == "Ok":
            stats.records_ok += 1
            if is_gzip(o.output):  # an archive record: one gzip member of NDJSON
                stats.events_ok += document_count(o.output)
            else:
                stats.events_ok += o.output.count(b"\n") + (0 if o.output.endswith(b"\n") else 1)
        elif o.result == "Dropped":
            stats.records_dropped += 1
        else:
            stats.records_failed += 1
            stats.failed_by_reason["processing-failed (reason not observable)"] += 1
    return stats


def _stream_bucket(options: RunOptions, kind: StreamKind) -> Bucket:
    """The bucket as one stream sees it (its own seeded RNG: same names whether streams run apart or not)."""
    return Bucket(options.bucket_root, random.Random(f"{options.seed}:{kind}"))


def _archive_worker(
    sources: Sequence[Source], options: RunOptions, start_ms: int, context_factory: Callable[[str], Any], queue: Any
) -> None:
    """Child process: the archive stream, reporting progress and its result through ``queue``."""
    try:
        bucket = _stream_bucket(options, "archive")
        rep = _run_stream(
            "archive", sources, options, start_ms, bucket, None, context_factory, lambda k, n: queue.put(("p", k, n))
        )
        queue.put(("done", rep, bucket.objects))
    except BaseException:  # the parent re-raises it with the child's traceback
        import traceback

        queue.put(("error", traceback.format_exc(), None))


def run_local(
    sources: Sequence[Source],
    options: RunOptions,
    context_factory: Callable[[str], Any],
    progress: Progress | None = None,
) -> RunReport:
    """Replay ``sources`` through the streams and deliver the results; returns the counts.

    With ``options.jobs > 1`` and both streams on a large enough input, the archive stream runs in a child
    process while this one runs the search stream (they share nothing but the output folder).
    """
    started = time.perf_counter()
    start_ms = options.start_ms if options.start_ms is not None else int(time.time() * 1000)
    events = sum(len(s.events) if isinstance(s, LineSource) else len(s.records) for s in sources)
    notes: list[str] = []
    kinds = list(options.streams)
    # The search destination first: an unreachable OpenSearch fails the run before any work starts.
    store: LocalStore | None = None
    backend: Any = None
    if "search" in kinds and options.opensearch:
        from logpipe.stores.opensearch_store import OpenSearchStore

        os_store = OpenSearchStore(options.opensearch, index=f"logs-{options.environment}-*")
        notes.extend(apply_index_template(os_store, options.environment))
        backend = OpenSearchBackend(os_store, options.environment)
    elif "search" in kinds:
        store = LocalStore(options.store_file)
        if options.reset:
            store.clear()
        backend = LocalBackend(store)

    child: _ChildStream | None = None
    if options.jobs > 1 and "archive" in kinds and "search" in kinds and events >= PARALLEL_MIN_EVENTS:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # safe beside the progress bar's thread
        queue = context.Queue()
        process = context.Process(
            target=_archive_worker, args=(sources, options, start_ms, context_factory, queue), daemon=True
        )
        process.start()
        child = _ChildStream(process, queue)
        kinds.remove("archive")

    def report_progress(kind: StreamKind, n: int) -> None:
        if progress is not None:
            progress(kind, n)
        if child is not None:
            child.pump(progress, wait=False)

    reports: dict[str, StreamReport] = {}
    objects: list[str] = []
    try:
        for kind in kinds:
            bucket = _stream_bucket(options, kind)
            reports[kind] = _run_stream(
                kind, sources, options, start_ms, bucket, backend, context_factory, report_progress
            )
            objects.extend(bucket.objects)
        if child is not None:
            child.pump(progress, wait=True)
            assert child.result is not None
            reports["archive"], child_objects = child.result
            objects.extend(child_objects)
    finally:
        if store is not None:
            store.close()
        if child is not None:
            child.process.join(timeout=5)
    ordered: dict[str, StreamReport] = {kind: reports[kind] for kind in options.streams if kind in reports}
    for rep in ordered.values():
        overflow = rep.stats.failed_by_reason.get("response-size-limit", 0)
        if overflow:
            notes.append(
                f"{rep.name}: {overflow} record(s) did not fit the processor's 6 MB response and went to "
                "processing-failed; lower this stream's Lambda buffer hint ("
                + (
                    "--archive-buffer-mb, the stack's ArchiveProcessorBufferSizeMB"
                    if rep.kind == "archive"
                    else "--buffer-mb, the stack's ProcessorBufferSizeMB"
                )
                + ")"
            )
    return RunReport(
        events=events,
        sources=len(sources),
        streams=ordered,
        elapsed_s=time.perf_counter() - started,
        bucket=options.bucket_root,
        store=options.store_file if "search" in options.streams and not options.opensearch else None,
        opensearch=options.opensearch,
        objects=objects,
        notes=notes,
    )


class _ChildStream:
    """The archive stream running in a child process: its progress messages and, at the end, its result."""

    def __init__(self, process: Any, queue: Any) -> None:
        self.process = process
        self.queue = queue
        self.result: tuple[StreamReport, list[str]] | None = None

    def pump(self, progress: Progress | None, *, wait: bool) -> None:
        """Forward progress; with ``wait``, return only once the result arrived (or the child died)."""
        import queue as queue_module

        exited = False
        while self.result is None:
            try:
                tag, first, second = self.queue.get(timeout=1.0) if wait else self.queue.get_nowait()
            except queue_module.Empty:
                if not wait:
                    return
                if exited:  # gone, and nothing more came through the pipe after it exited
                    raise RuntimeError(
                        f"the archive stream's process died (exit code {self.process.exitcode})"
                    ) from None
                exited = not self.process.is_alive()
                continue
            if tag == "p":
                if progress is not None:
                    progress(first, second)
            elif tag == "done":
                self.result = (first, second)
            else:
                raise RuntimeError(f"the archive stream failed in its process:\n{first}")


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
