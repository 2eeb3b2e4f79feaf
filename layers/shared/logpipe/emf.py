"""CloudWatch Embedded Metric Format (EMF): metrics as one JSON log line, no API call, no SDK.

Why not Powertools ``Metrics``: importing any part of ``aws_lambda_powertools`` runs its package
``__init__``, which imports Logger (with jmespath and typing_extensions), Metrics and Tracer: ~105 ms
of cold start measured on the benchmark machine (``logpipe bench``), more than the processor's whole
budget (issue 7: import + rule compilation < 80 ms). This module writes the same documents Powertools
would (namespace, dimension sets, metric names and units), following the EMF specification:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

- the root holds ``_aws`` with ``Timestamp`` (epoch ms) and ``CloudWatchMetrics`` (metric directives);
- each directive has ``Namespace``, ``Dimensions`` (a list of dimension sets, each a list of at most 30
  keys of root members holding string values) and ``Metrics`` (at most 100 ``{Name, Unit}``);
- every metric named has a numeric root member; dimension values are non-empty strings of at most 1,024
  characters.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from logpipe.jsonfast import dumps_str

MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSIONS_PER_SET = 30
MAX_DIMENSION_VALUE_CHARS = 1024
# Units CloudWatch accepts (the EMF ``Unit`` member takes the same values as PutMetricData).
UNITS = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)  # fmt: skip


def dimension_value(value: object) -> str:
    """A value CloudWatch accepts as a dimension: a non-empty string of at most 1,024 characters."""
    text = str(value).strip() or "unknown"
    return text[:MAX_DIMENSION_VALUE_CHARS]


class MetricSet:
    """Metrics sharing one namespace and one set of dimensions, flushed as EMF lines."""

    __slots__ = ("dimensions", "metrics", "namespace")

    def __init__(
        self,
        namespace: str,
        dimensions: dict[str, str] | None = None,
        metrics: dict[str, tuple[str, float]] | None = None,
    ) -> None:
        self.namespace = namespace
        self.dimensions: dict[str, str] = {} if dimensions is None else dimensions
        self.metrics: dict[str, tuple[str, float]] = {} if metrics is None else metrics

    def add_dimension(self, name: str, value: object) -> None:
        """Add a dimension to every metric of the set (at most 30)."""
        if name not in self.dimensions and len(self.dimensions) >= MAX_DIMENSIONS_PER_SET:
            raise ValueError(f"EMF allows at most {MAX_DIMENSIONS_PER_SET} dimensions per set ({name!r})")
        self.dimensions[name] = dimension_value(value)

    def add_metric(self, name: str, value: float, unit: str = "Count") -> None:
        """Add ``value`` to metric ``name`` (values of the same name in one set are summed)."""
        if unit not in UNITS:
            raise ValueError(f"unknown CloudWatch unit {unit!r} for metric {name!r}")
        if name in self.dimensions:
            raise ValueError(f"metric {name!r} clashes with a dimension of the same name")
        previous = self.metrics.get(name)
        self.metrics[name] = (unit, value + (previous[1] if previous else 0))

    def documents(self, timestamp_ms: int | None = None) -> list[dict[str, Any]]:
        """The EMF documents of the set: one per 100 metrics (none when the set is empty)."""
        stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        items = list(self.metrics.items())
        docs = []
        for start in range(0, len(items), MAX_METRICS_PER_DIRECTIVE):
            chunk = items[start : start + MAX_METRICS_PER_DIRECTIVE]
            directive = {
                "Namespace": self.namespace,
                "Dimensions": [list(self.dimensions)],
                "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in chunk],
            }
            doc: dict[str, Any] = {"_aws": {"Timestamp": stamp, "CloudWatchMetrics": [directive]}}
            doc.update(self.dimensions)
            doc.update((name, value) for name, (_, value) in chunk)
            docs.append(doc)
        return docs


def write(documents: Iterable[Mapping[str, Any]], stream: TextIO | None = None) -> None:
    """Print each document as one compact JSON line (Lambda sends stdout to CloudWatch Logs)."""
    out = stream if stream is not None else sys.stdout
    for doc in documents:
        out.write(dumps_str(doc) + "\n")
    out.flush()
