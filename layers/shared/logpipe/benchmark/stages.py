"""Where the processor's time goes: per-stage microseconds per record, from one instrumented pass.

Each stage function the pipeline calls (decode, parse, correlate, enrich, filter, mask, limits, nest,
JSON encode) is wrapped with a timer for one pass, then restored. The wrappers add ~0.3 µs per call,
so the figures are for comparing stages, not for the headline throughput (measured without them).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from logpipe.benchmark.events import PackedEvent
from logpipe.benchmark.measure import BenchContext, Handler, reset_processor_state, warm_up

# Names looked up in logpipe.pipeline's namespace at call time (so wrapping them there instruments them).
PIPELINE_STAGES = (
    ("decode_events", "decode (base64, gzip, JSON lines)"),
    ("parse_event", "parse (parsers, timestamps, levels)"),
    ("correlate", "correlate (trace/span/transaction ids)"),
    ("enrich", "enrich (service, kubernetes, labels)"),
    ("drop_reason", "drop rules"),
    ("apply_limits", "size limits"),
    ("nest", "nest dotted keys"),
    ("dumps", "JSON encode documents"),
)


class _TimedMasker:
    """Stands in for the processor's masker, timing ``mask_document``."""

    def __init__(self, masker: Any, totals: dict[str, float]) -> None:
        self._masker = masker
        self._totals = totals

    def mask_document(self, doc: dict[str, Any]) -> Any:
        start = time.perf_counter()
        try:
            return self._masker.mask_document(doc)
        finally:
            self._totals["mask (PII engine)"] += time.perf_counter() - start

    def __getattr__(self, name: str) -> Any:
        return getattr(self._masker, name)


def _timer(fn: Callable[..., Any], label: str, totals: dict[str, float]) -> Callable[..., Any]:
    clock = time.perf_counter

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[label] += clock() - start

    return timed


@contextmanager
def instrumented(totals: dict[str, float]) -> Iterator[None]:
    """Wrap the pipeline's stage functions and the default processor's masker while the block runs."""
    from logpipe import pipeline

    processor = pipeline.default_processor()
    saved = {name: getattr(pipeline, name) for name, _ in PIPELINE_STAGES}
    saved_masker = processor.masker
    try:
        for name, label in PIPELINE_STAGES:
            setattr(pipeline, name, _timer(saved[name], label, totals))
        processor.masker = _TimedMasker(saved_masker, totals)  # type: ignore[assignment]
        yield
    finally:
        for name, fn in saved.items():
            setattr(pipeline, name, fn)
        processor.masker = saved_masker


def stage_breakdown(events: Sequence[PackedEvent], handler: Handler) -> dict[str, Any]:
    """Microseconds per record for each stage, the Lambda runtime's JSON work, and the handler's rest."""
    totals: dict[str, float] = defaultdict(float)
    context = BenchContext()
    records = sum(e.records for e in events)
    reset_processor_state()  # before wrapping: the wrappers hold on to the processor's masker
    with instrumented(totals):
        warm_up(handler, events[0], context)
        totals.clear()
        started = time.perf_counter()
        for packed in events:
            start = time.perf_counter()
            event = json.loads(packed.body)
            middle = time.perf_counter()
            response = handler(event, context)
            end = time.perf_counter()
            json.dumps(response)
            totals["Lambda runtime JSON (request + response)"] += (middle - start) + (time.perf_counter() - end)
            totals["handler total"] += end - middle
        elapsed = time.perf_counter() - started
    staged = sum(v for k, v in totals.items() if k not in ("handler total", "Lambda runtime JSON (request + response)"))
    totals["other (pipeline glue, base64, response, metrics)"] = totals.pop("handler total") - staged
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    return {
        "records": records,
        "us_per_record_total": round(elapsed / records * 1e6, 1),
        "stages": [
            {"stage": label, "us_per_record": round(seconds / records * 1e6, 1), "share": round(seconds / elapsed, 3)}
            for label, seconds in rows
        ],
    }
