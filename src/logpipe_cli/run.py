"""``logpipe run``: replay log files through the local end-to-end pipeline (Fluent Bit -> Firehose -> the real
processor -> archive folder + search store), with a progress bar and a summary that must add up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from logpipe.localrun.firehose import (
    ARCHIVE_BUFFER_MB,
    BUFFER_SECONDS,
    MAX_BUFFER_MB,
    MIN_BUFFER_MB,
    SEARCH_BUFFER_MB,
    buffer_bytes,
)
from logpipe.localrun.inputs import InputError, Source, read_source
from logpipe.localrun.runner import STREAMS, RunOptions, RunReport, StreamKind, count_events, run_local
from logpipe_cli.cloud_errors import cloud_errors
from logpipe_cli.lambda_context import FakeLambdaContext


class RateColumn(ProgressColumn):
    """Records per second of the task, as the run goes."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.finished and task.elapsed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:,.0f} rec/s" if speed else "… rec/s", style="cyan")


@contextlib.contextmanager
def progress_bar(
    sources: Sequence[Source], streams: Sequence[StreamKind], console: Console, enabled: bool
) -> Iterator[Any]:
    """A rich progress bar per stream; yields the callback the runner reports to."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    tasks = {kind: progress.add_task(kind, total=count_events(sources, kind), start=False) for kind in streams}
    started: set[StreamKind] = set()

    def advance(kind: StreamKind, n: int) -> None:
        if kind not in started:  # streams run one after the other: each clock starts with its stream
            started.add(kind)
            progress.start_task(tasks[kind])
        progress.advance(tasks[kind], n)

    with progress:
        yield advance


def _fmt_counter(counter: dict[str, int]) -> str:
    if not counter:
        return "-"
    return ", ".join(f"{name} {count:,}" for name, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def render_summary(report: RunReport, console: Console) -> None:
    """The end-of-run table: per stream, what came in and what became of it."""
    table = Table(title="Local run summary", title_style="bold", show_lines=False)
    table.add_column("", style="bold")
    for kind in report.streams:
        table.add_column(f"{kind} stream\n{report.streams[kind].name}", overflow="fold")
    reps = list(report.streams.values())

    def row(label: str, values: list[str]) -> None:
        table.add_row(label, *values)

    row("events from the agent", [f"{r.agent.events + r.replayed_records:,}" for r in reps])
    row("dropped by the agent (≥1,024,000 B)", [f"{r.agent.dropped_oversize:,}" for r in reps])
    row(
        "PutRecordBatch requests / rejected",
        [f"{r.counters.put_requests:,} / {r.counters.records_rejected:,}" for r in reps],
    )
    row("processor invocations", [f"{r.counters.invocations:,}" for r in reps])
    row("records in", [f"{r.stats.records_in:,}" for r in reps])
    row("  ok", [f"[green]{r.stats.records_ok:,}[/]" for r in reps])
    row("  dropped", [f"{r.stats.records_dropped:,}" for r in reps])
    row("  failed", [f"[red]{r.stats.records_failed:,}[/]" if r.stats.records_failed else "0" for r in reps])
    row("events in / ok", [f"{r.stats.events_in:,} / {r.stats.events_ok:,}" for r in reps])
    row("events dropped by rule", [_fmt_counter(dict(r.stats.dropped_by_rule)) for r in reps])
    row("records failed by reason", [_fmt_counter(dict(r.stats.failed_by_reason)) for r in reps])
    row("masked by type", [_fmt_counter(dict(r.stats.masked_by_type)) for r in reps])
    row("documents by service", [_fmt_counter(dict(r.stats.events_by_service)) for r in reps])
    row(
        "delivered",
        [
            f"{r.documents_delivered:,} docs → {'OpenSearch' if report.opensearch else 'search store'}"
            + (f", {r.documents_refused:,} refused" if r.documents_refused else "")
            if r.kind == "search"
            else f"{r.documents_delivered:,} docs → archive"
            for r in reps
        ],
    )
    row("written to errors/", [f"{r.error_records_written:,} records" for r in reps])
    console.print(table)
    console.print(
        f"[bold]{report.events:,}[/] input events from {report.sources} source(s) in {report.elapsed_s:.2f} s "
        f"= [bold cyan]{report.events_per_second:,.0f} events/s[/] through {len(report.streams)} stream(s)"
    )
    console.print(f"archive folder (S3 layout): {report.bucket}  ({len(report.objects)} objects)")
    if report.store:
        console.print(f"search store: {report.store}   try: logpipe search 'error' --store {report.store}")
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    problems = report.problems()
    if problems:
        console.print("[bold red]accounting problems:[/]")
        for problem in problems:
            console.print(f"  [red]- {problem}[/]")
    else:
        console.print("[green]✔ every record accounted for: in = ok + dropped + failed on both streams[/]")


def load_sources(files: Sequence[str], service: str | None, multiline: bool, merge_log: bool = False) -> list[Source]:
    """Read every input, with a clear error naming the file that cannot be read."""
    sources: list[Source] = []
    for name in files:
        try:
            sources.append(read_source(Path(name), service=service, multiline=multiline, merge_log=merge_log))
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc
    return sources


@click.command(name="run")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--env", "environment", default="dev", show_default=True, help="Environment the processor acts as.")
@click.option("--service", default=None, help="Service name for plain log files (adds Kubernetes metadata).")
@click.option(
    "--out",
    "out_dir",
    default=".logpipe/local",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the archive (s3/), the search store and processor.log.",
)
@click.option("--opensearch", default=None, metavar="URL", help="Bulk-index into this OpenSearch instead of SQLite.")
@click.option("--reset/--append", default=False, help="Empty the local search store first (default: append).")
@click.option("--stream", "streams", type=click.Choice(STREAMS), multiple=True, help="Only these streams.")
@click.option("--no-multiline", is_flag=True, help="Do not join stack-trace lines (one event per line).")
@click.option("--merge-log", is_flag=True, help="Send JSON lines as their fields (Fluent Bit Merge_Log On).")
@click.option(
    "--buffer-mb",
    default=SEARCH_BUFFER_MB,
    show_default=True,
    help="Search stream's Lambda buffer size hint, MB 0.2-3 (the stack's ProcessorBufferSizeMB).",
)
@click.option(
    "--archive-buffer-mb",
    default=ARCHIVE_BUFFER_MB,
    show_default=True,
    help="Archive stream's Lambda buffer size hint, MB 0.2-3 (the stack's ArchiveProcessorBufferSizeMB).",
)
@click.option(
    "--buffer-seconds",
    default=BUFFER_SECONDS,
    show_default=True,
    help="Lambda buffer interval hint of both streams (the stack's ProcessorBufferSeconds).",
)
@click.option("--jobs", default=2, show_default=True, help="Processes (2: archive stream beside the search stream).")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON on stdout.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(
    files: tuple[str, ...],
    environment: str,
    service: str | None,
    out_dir: str,
    opensearch: str | None,
    reset: bool,
    streams: tuple[StreamKind, ...],
    no_multiline: bool,
    merge_log: bool,
    buffer_mb: float,
    archive_buffer_mb: float,
    buffer_seconds: int,
    jobs: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Replay FILE... (log files of any format, Fluent Bit PutRecordBatch captures, Firehose events) through
    the local end-to-end pipeline and print what happened to every record."""
    for value, hint in ((buffer_mb, "--buffer-mb"), (archive_buffer_mb, "--archive-buffer-mb")):
        if not MIN_BUFFER_MB <= value <= MAX_BUFFER_MB:
            raise click.BadParameter("Firehose accepts a Lambda buffer size of 0.2 to 3 MB", param_hint=hint)
    if not 60 <= buffer_seconds <= 900:
        raise click.BadParameter("Firehose accepts 60 to 900 seconds", param_hint="--buffer-seconds")
    console = Console(stderr=True)
    sources = load_sources(files, service, multiline=not no_multiline, merge_log=merge_log)
    options = RunOptions(
        environment=environment,
        out_dir=Path(out_dir),
        opensearch=opensearch,
        reset=reset,
        search_buffer_bytes=buffer_bytes(buffer_mb),
        archive_buffer_bytes=buffer_bytes(archive_buffer_mb),
        buffer_ms=buffer_seconds * 1000,
        streams=streams or STREAMS,
        jobs=jobs,
    )
    with progress_bar(sources, options.streams, console, enabled=not quiet and not as_json) as advance:
        try:
            with cloud_errors(f"--opensearch {opensearch}: " if opensearch else ""):
                report = run_local(sources, options, FakeLambdaContext, progress=advance)
        except ConnectionError as exc:
            raise click.ClickException(f"cannot reach OpenSearch at {opensearch}: {exc}") from exc
    if as_json:
        import json

        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        render_summary(report, Console())
    if report.problems():
        raise SystemExit(1)
