"""``logpipe ship``: send log files to the deployed Firehose streams with PutRecordBatch, for backfills and
smoke tests.

Records are shaped exactly as Fluent Bit would send them (:mod:`logpipe.localrun.agent`: one event per
record on the search stream, aggregated and gzipped on the archive stream), batched within the API limits
(500 records, 4 MiB per request, 1,000 KiB per record), and records Firehose refuses (``FailedPutCount``:
throttling, internal errors) are retried with exponential backoff and jitter. Anything still refused after
the last attempt is reported and the command exits non-zero: nothing is lost silently.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console

from logpipe.localrun.agent import AgentCounts, AgentRecord, archive_records, search_records
from logpipe.localrun.firehose import MAX_RECORD_BYTES, put_record_batches
from logpipe.localrun.inputs import LineSource, Source
from logpipe.localrun.runner import applies_to
from logpipe_cli.cloud_errors import cloud_errors
from logpipe_cli.run import load_sources, progress_bar

RETRYABLE_EXCEPTIONS = {
    "ServiceUnavailableException",
    "ThrottlingException",
    "InternalFailure",
    "LimitExceededException",
}


@dataclass(slots=True)
class ShipReport:
    """What one stream received."""

    stream: str
    records: int = 0
    requests: int = 0
    retried: int = 0
    failed: int = 0
    too_large: int = 0
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Shipper:
    """PutRecordBatch with retries of the records Firehose did not accept."""

    client: Any
    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + self.rng.random() / 2))

    def send(self, stream: str, records: Sequence[AgentRecord], report: ShipReport) -> None:
        """Send one batch (at most 500 records / 4 MiB); retry refused records until accepted or out of tries."""
        pending = [r.data for r in records if len(r.data) <= MAX_RECORD_BYTES]
        report.too_large += len(records) - len(pending)
        for attempt in range(self.max_attempts):
            if not pending:
                return
            report.requests += 1
            try:
                response = self.client.put_record_batch(
                    DeliveryStreamName=stream, Records=[{"Data": data} for data in pending]
                )
            except Exception as exc:  # botocore ClientError for the whole request
                code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
                if code not in RETRYABLE_EXCEPTIONS or attempt == self.max_attempts - 1:
                    report.failed += len(pending)
                    report.errors[code] = report.errors.get(code, 0) + len(pending)
                    if code not in RETRYABLE_EXCEPTIONS:
                        raise
                    return
                report.retried += len(pending)
                self.sleep(self._backoff(attempt))
                continue
            results = response.get("RequestResponses", [])
            refused = [
                (data, result.get("ErrorCode", "Unknown"))
                for data, result in zip(pending, results, strict=False)
                if result.get("ErrorCode")
            ]
            report.records += len(pending) - len(refused)
            if not refused:
                return
            if attempt == self.max_attempts - 1:
                report.failed += len(refused)
                for _, code in refused:
                    report.errors[code] = report.errors.get(code, 0) + 1
                return
            report.retried += len(refused)
            pending = [data for data, _ in refused]
            self.sleep(self._backoff(attempt))


def stream_records(kind: str, sources: Sequence[Source], counts: AgentCounts) -> list[AgentRecord]:
    """The records Fluent Bit would send to the ``kind`` stream for ``sources``."""
    now = int(time.time() * 1000)
    records: list[AgentRecord] = []
    for source in sources:
        if isinstance(source, LineSource):
            arrivals = [now] * len(source.events)
            make = search_records if kind == "search" else archive_records
            records.extend(make(source.events, arrivals, source.service, counts, source.merge_log))
        elif applies_to(kind, source.stream_hint):  # type: ignore[arg-type]
            records.extend(AgentRecord(d, now) for d in source.records)
    return records


@click.command(name="ship")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--env", "environment", required=True, help="Target environment: streams logpipe-ENV-search/-archive.")
@click.option("--stream", "streams", type=click.Choice(["search", "archive"]), multiple=True, help="Only these.")
@click.option("--service", default=None, help="Service name for plain log files (adds Kubernetes metadata).")
@click.option("--merge-log", is_flag=True, help="Send JSON lines as their fields (Fluent Bit Merge_Log On).")
@click.option("--no-multiline", is_flag=True, help="Do not join stack-trace lines.")
@click.option("--region", default=None, help="AWS region (default: from the AWS configuration).")
@click.option("--max-attempts", default=6, show_default=True, help="PutRecordBatch attempts per batch.")
def command(
    files: tuple[str, ...],
    environment: str,
    streams: tuple[str, ...],
    service: str | None,
    merge_log: bool,
    no_multiline: bool,
    region: str | None,
    max_attempts: int,
) -> None:
    """Send FILE... to the deployed Firehose streams with PutRecordBatch (batching limits, retries, progress)."""
    import boto3

    sources = load_sources(files, service, multiline=not no_multiline, merge_log=merge_log)
    kinds = streams or ("search", "archive")
    with cloud_errors():  # no region / profile: a clear error, not a traceback
        client = boto3.client("firehose", region_name=region)
    shipper = Shipper(client, max_attempts=max_attempts)
    console = Console(stderr=True)
    reports = []
    with progress_bar(sources, kinds, console, enabled=True) as advance:  # type: ignore[arg-type]
        for kind in kinds:
            name = f"logpipe-{environment}-{kind}"
            report = ShipReport(name)
            reports.append(report)
            counts = AgentCounts()
            for batch in put_record_batches(stream_records(kind, sources, counts)):
                with cloud_errors(f"{name}: "):
                    shipper.send(name, batch, report)
                if advance is not None:
                    advance(kind, sum(r.events for r in batch))
            report.too_large += counts.dropped_oversize
    out = Console()
    failed = False
    for report in reports:
        line = (
            f"{report.stream}: {report.records:,} records accepted in {report.requests:,} request(s), "
            f"{report.retried:,} retried"
        )
        if report.too_large:
            line += f", {report.too_large:,} too large (≥1,000 KiB) not sent"
        if report.failed:
            failed = True
            line += f", [red]{report.failed:,} refused after {max_attempts} attempts {report.errors}[/]"
        out.print(line)
    if failed:
        raise SystemExit(1)
