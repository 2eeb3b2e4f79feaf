"""Firehose transformation Lambda: raw Fluent Bit records in, clean masked ECS documents out.

Thin by design: parse the event, call :mod:`logpipe.pipeline`, emit metrics, return the response.
Both delivery streams (``search`` -> OpenSearch, ``archive`` -> S3) invoke this function; the stream's
name tells which shape to produce.

Cold start is part of the budget (issue 7: import + configuration < 80 ms). Powertools Logger and Metrics
alone cost ~105 ms to import here (``logpipe bench`` measures it), so this handler writes the same JSON
log lines and CloudWatch EMF metrics with :mod:`logpipe.jsonlog` and :mod:`logpipe.emf` (stdlib +
orjson). No X-Ray Tracer either: ~400 ms.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from logpipe.emf import MetricSet, write
from logpipe.jsonlog import LambdaLogger
from logpipe.pipeline import StreamKind, default_processor, stream_kind_for
from logpipe.stats import BatchStats

NAMESPACE = "logpipe"
SERVICE = "processor"
# Dimensioned breakdowns: (dimension name, metric name, BatchStats counter attribute).
BREAKDOWNS = (
    ("Rule", "DroppedByRule", "dropped_by_rule"),
    ("Reason", "FailedByReason", "failed_by_reason"),
    ("EntityType", "MaskedByType", "masked_by_type"),
    ("Parser", "ParserUsed", "parser_used"),
)

log = LambdaLogger(service="logpipe-processor")


def metric_sets(stats: BatchStats, stream: StreamKind) -> list[MetricSet]:
    """The batch's counts as EMF metric sets (dimensions ``service``, ``Stream`` and, per breakdown, one more)."""
    totals = MetricSet(NAMESPACE)
    totals.add_dimension("service", SERVICE)
    totals.add_dimension("Stream", stream)
    for name, unit, value in (
        ("RecordsIn", "Count", stats.records_in),
        ("RecordsOk", "Count", stats.records_ok),
        ("RecordsDropped", "Count", stats.records_dropped),
        ("RecordsFailed", "Count", stats.records_failed),
        ("EventsIn", "Count", stats.events_in),
        ("EventsOk", "Count", stats.events_ok),
        ("EventsDropped", "Count", sum(stats.dropped_by_rule.values())),
        ("EventsMasked", "Count", sum(stats.masked_by_type.values())),
        ("BytesIn", "Bytes", stats.bytes_in),
        ("BytesOut", "Bytes", stats.bytes_out),
        ("TimestampsFromArrival", "Count", stats.timestamps_from_arrival),
        ("TimestampsUnparsed", "Count", stats.timestamps_unparsed),
    ):
        totals.add_metric(name, value, unit)
    sets = [totals]
    for dimension, metric, attribute in BREAKDOWNS:
        counter: Counter[str] = getattr(stats, attribute)
        for label, count in counter.items():
            single = MetricSet(NAMESPACE)
            single.add_dimension("service", SERVICE)
            single.add_dimension("Stream", stream)
            single.add_dimension(dimension, str(label)[:250])
            single.add_metric(metric, count, "Count")
            sets.append(single)
    return sets


def emit_metrics(stats: BatchStats, stream: StreamKind) -> None:
    """Publish the batch's counts as CloudWatch EMF lines on stdout (no API call)."""
    write(doc for metric_set in metric_sets(stats, stream) for doc in metric_set.documents())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point: Firehose invokes this synchronously with a batch of up to 6 MB."""
    log.bind_invocation(context)
    stream = stream_kind_for(event.get("deliveryStreamArn"))
    processor = default_processor()
    response, stats = processor.transform_batch(event, stream)
    emit_metrics(stats, stream)
    log.logger.info("batch processed", extra={"stream": stream, "stats": stats.as_dict()})
    return response
