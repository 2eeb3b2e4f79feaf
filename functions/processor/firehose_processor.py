"""Firehose transformation Lambda: raw Fluent Bit records in, clean masked ECS documents out.

Thin by design: parse the event, call :mod:`logpipe.pipeline`, emit metrics, return the response.
Both delivery streams (``search`` -> OpenSearch, ``archive`` -> S3) invoke this function; the stream's
name tells which shape to produce. No X-Ray Tracer here: it costs ~400 ms of cold start.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from logpipe.pipeline import StreamKind, default_processor, stream_kind_for
from logpipe.stats import BatchStats

logger = Logger(service="logpipe-processor")
metrics = Metrics(namespace="logpipe", service="processor")


def emit_metrics(stats: BatchStats, stream: StreamKind) -> None:
    """Publish the batch's counts as CloudWatch EMF metrics (one log line, no API call)."""
    metrics.add_dimension(name="Stream", value=stream)
    metrics.add_metric(name="RecordsIn", unit=MetricUnit.Count, value=stats.records_in)
    metrics.add_metric(name="RecordsOk", unit=MetricUnit.Count, value=stats.records_ok)
    metrics.add_metric(name="RecordsDropped", unit=MetricUnit.Count, value=stats.records_dropped)
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=stats.records_failed)
    metrics.add_metric(name="EventsIn", unit=MetricUnit.Count, value=stats.events_in)
    metrics.add_metric(name="EventsOk", unit=MetricUnit.Count, value=stats.events_ok)
    metrics.add_metric(name="EventsDropped", unit=MetricUnit.Count, value=sum(stats.dropped_by_rule.values()))
    metrics.add_metric(name="EventsMasked", unit=MetricUnit.Count, value=sum(stats.masked_by_type.values()))
    metrics.add_metric(name="BytesIn", unit=MetricUnit.Bytes, value=stats.bytes_in)
    metrics.add_metric(name="BytesOut", unit=MetricUnit.Bytes, value=stats.bytes_out)
    # Breakdowns go in the metadata of the same EMF line (searchable in Logs Insights) and, for the ones
    # alarms and the dashboard use, as their own dimensioned metrics.
    for dimension, counter, metric in (
        ("Rule", stats.dropped_by_rule, "DroppedByRule"),
        ("Reason", stats.failed_by_reason, "FailedByReason"),
        ("EntityType", stats.masked_by_type, "MaskedByType"),
        ("Parser", stats.parser_used, "ParserUsed"),
    ):
        for name, count in counter.items():
            with single_metric(
                name=metric,
                unit=MetricUnit.Count,
                value=count,
                namespace="logpipe",
                default_dimensions=metrics.default_dimensions,
            ) as single:
                single.add_dimension(name="Stream", value=stream)
                single.add_dimension(name=dimension, value=name[:250])


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point: Firehose invokes this synchronously with a batch of up to 6 MB."""
    stream = stream_kind_for(event.get("deliveryStreamArn"))
    processor = default_processor()
    response, stats = processor.transform_batch(event, stream)
    emit_metrics(stats, stream)
    logger.info("batch processed", extra={"stream": stream, "stats": stats.as_dict()})
    return response
