"""Throughput of the processor as Lambda bills it, and of a no-processing ceiling, measured in one run.

*Processor pass*: for every event, what one invocation costs: the runtime's ``json.loads`` of the raw
request bytes (the Python runtime decodes the event with the standard library), the handler, and the
runtime's ``json.dumps`` of the response.

*Ceiling pass*: the least any processor must do with the same events: decode the request, base64-decode
each record, gunzip it when gzipped, parse each line as JSON, then re-encode (JSON, base64) into a valid
Firehose response, with no processing in between. processor / ceiling is the figure of merit: it shows
how close to the speed limit of Python (with the same JSON codec) the pipeline runs.

The passes alternate (ceiling, processor, ceiling, ...) so that machine noise hits both alike, and the
median of each is reported. Everything runs in one thread: records/s here are per core.
"""

from __future__ import annotations

import base64
import json
import statistics
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from logpipe.benchmark.events import PackedEvent
from logpipe.jsonfast import HAVE_ORJSON, dumps, loads

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class BenchContext:
    """The attributes handlers (and Powertools, when used) read from Lambda's context object."""

    function_name: str = "logpipe-bench"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:logpipe-bench"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/logpipe-bench"
    log_stream_name: str = "bench"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's deadline; the benchmark never runs out of time."""
        return 300_000


def invoke_like_lambda(handler: Handler, body: bytes, context: Any) -> bytes:
    """One invocation as the Lambda Python runtime performs it: decode request, call, encode response."""
    event = json.loads(body)
    response = handler(event, context)
    return json.dumps(response).encode()


def ceiling_invocation(body: bytes) -> bytes:
    """Decode everything, process nothing, re-encode a valid response: the floor of any processor's cost."""
    event = json.loads(body)
    out = []
    for record in event["records"]:
        raw = base64.b64decode(record["data"])
        if raw[:2] == _GZIP_MAGIC:
            raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        docs = [loads(line) for line in raw.split(b"\n") if line]
        payload = b"".join([dumps(doc) + b"\n" for doc in docs]) if len(docs) > 1 else dumps(docs[0])
        out.append({"recordId": record["recordId"], "result": "Ok", "data": base64.b64encode(payload).decode()})
    return json.dumps({"records": out}).encode()


@dataclass(slots=True)
class Throughput:
    """Median timings of several passes over the same events."""

    records: int
    payload_bytes: int
    processor_seconds: list[float] = field(default_factory=list)
    ceiling_seconds: list[float] = field(default_factory=list)
    processor_wall_seconds: list[float] = field(default_factory=list)
    ceiling_wall_seconds: list[float] = field(default_factory=list)

    @property
    def processor_median(self) -> float:
        """Median CPU seconds of a processor pass."""
        return statistics.median(self.processor_seconds)

    @property
    def ceiling_median(self) -> float:
        """Median CPU seconds of a ceiling pass."""
        return statistics.median(self.ceiling_seconds)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able summary: records/s and MB/s (raw record payload, 10^6 bytes) per core, and the ratio.

        Rates use CPU seconds (one thread: CPU seconds are core-seconds, and other load on a shared machine
        inflates them far less than wall time); wall-clock medians are kept alongside.
        """
        mb = self.payload_bytes / 1e6
        p, c = self.processor_median, self.ceiling_median
        return {
            "records": self.records,
            "payload_mb": round(mb, 3),
            "orjson": HAVE_ORJSON,
            "passes": len(self.processor_seconds),
            "processor": {
                "seconds_median": round(p, 4),
                "seconds_all": [round(s, 4) for s in self.processor_seconds],
                "records_per_s": round(self.records / p),
                "mb_per_s": round(mb / p, 2),
                "wall_seconds_median": round(statistics.median(self.processor_wall_seconds), 4),
                "wall_records_per_s": round(self.records / statistics.median(self.processor_wall_seconds)),
            },
            "ceiling": {
                "seconds_median": round(c, 4),
                "seconds_all": [round(s, 4) for s in self.ceiling_seconds],
                "records_per_s": round(self.records / c),
                "mb_per_s": round(mb / c, 2),
                "wall_seconds_median": round(statistics.median(self.ceiling_wall_seconds), 4),
                "wall_records_per_s": round(self.records / statistics.median(self.ceiling_wall_seconds)),
            },
            "ratio": round(c / p, 3),
            "ratio_wall": round(
                statistics.median(self.ceiling_wall_seconds) / statistics.median(self.processor_wall_seconds), 3
            ),
        }


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``fn()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def reset_processor_state() -> None:
    """Make every timed pass start alike: as a container that has handled one small batch.

    Value caches (parsed-timestamp prefixes, the masker's cache of masked values) would otherwise carry
    over from the previous pass over the *same* records and inflate the later passes; only repetition
    within the corpus should help. So the container-wide processor is rebuilt (untimed), the masker's
    value cache is emptied, and a one-record warm-up compiles whatever is built lazily. Caches keyed by
    field names (which a warm container has filled after its first batch) stay.
    """
    from logpipe import pipeline

    pipeline.default_processor.cache_clear()
    processor = pipeline.default_processor()
    clear = getattr(processor.masker, "clear_value_cache", None)
    if callable(clear):
        clear()


def warm_up(handler: Handler, event: PackedEvent, context: Any) -> None:
    """Invoke ``handler`` on the first record of ``event`` only (fills lazily built state, untimed)."""
    first = json.loads(event.body)
    first["records"] = first["records"][:1]
    handler(first, context)


def measure_throughput(
    events: Sequence[PackedEvent], handler: Handler, *, passes: int = 5, context: Any = None
) -> Throughput:
    """Alternate ceiling and processor passes over ``events``; state is reset before each processor pass.

    One full untimed invocation first (imports and lazily compiled rules), then before every processor
    pass :func:`reset_processor_state` and a one-record warm-up (untimed).
    """
    context = context if context is not None else BenchContext()
    invoke_like_lambda(handler, events[0].body, context)
    result = Throughput(records=sum(e.records for e in events), payload_bytes=sum(e.payload_bytes for e in events))
    for _ in range(passes):
        cpu, wall = _timed(lambda: [ceiling_invocation(e.body) for e in events])
        result.ceiling_seconds.append(cpu)
        result.ceiling_wall_seconds.append(wall)
        reset_processor_state()
        warm_up(handler, events[0], context)
        cpu, wall = _timed(lambda: [invoke_like_lambda(handler, e.body, context) for e in events])
        result.processor_seconds.append(cpu)
        result.processor_wall_seconds.append(wall)
    return result


def account_output(events: Sequence[PackedEvent], handler: Handler, context: Any = None) -> dict[str, Any]:
    """Bytes out vs bytes in (decoded record payloads, and whole request/response JSON) and the outcomes."""
    context = context if context is not None else BenchContext()
    results: dict[str, int] = {}
    payload_in = payload_out = request_bytes = response_bytes = larger = 0
    for packed in events:
        event = json.loads(packed.body)
        data_in = {r["recordId"]: len(base64.b64decode(r["data"])) for r in event["records"]}
        body = invoke_like_lambda(handler, packed.body, context)
        request_bytes += len(packed.body)
        response_bytes += len(body)
        for record in json.loads(body)["records"]:
            results[record["result"]] = results.get(record["result"], 0) + 1
            size_in = data_in[record["recordId"]]
            payload_in += size_in
            if record["result"] == "Ok":
                size_out = len(base64.b64decode(record["data"]))
                payload_out += size_out
                larger += size_out > size_in
    return {
        "results": results,
        "payload_bytes_in": payload_in,
        "payload_bytes_out": payload_out,
        "payload_ratio": round(payload_out / payload_in, 3) if payload_in else None,
        "records_larger_than_input": larger,
        "request_bytes": request_bytes,
        "response_bytes": response_bytes,
        "response_ratio": round(response_bytes / request_bytes, 3) if request_bytes else None,
    }
