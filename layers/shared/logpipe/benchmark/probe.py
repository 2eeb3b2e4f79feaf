"""Measurements that need a fresh interpreter, run by :mod:`logpipe.benchmark.runner` as subprocesses.

    python -m logpipe.benchmark.probe memory EVENT.json
    python -m logpipe.benchmark.probe throughput EVENTS_DIR PASSES

Each prints one JSON object on stdout (the handler's own log and metric lines are discarded). ``--pure``
runs hide the native accelerators with :data:`BLOCKER_SOURCE` before anything is imported.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Prepended (as ``python -c``) to a probe to make ``import orjson`` & co fail as if not installed.
BLOCKER_SOURCE = """
import sys
class _HideNative:
    names = frozenset({names!r})
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {{name!r}} (hidden by logpipe bench --pure)", name=name)
        return None
sys.meta_path.insert(0, _HideNative())
"""
# What the Lambda Python runtime's bootstrap (awslambdaric/bootstrap.py) has imported before it imports the
# handler: these cost the function nothing. Prepended (untimed) for the ``runtime_preloaded`` figure.
RUNTIME_PRELOADED_SOURCE = """
import importlib, json, logging, os, sys, time, traceback
"""
# Timed in a fresh interpreter: what a cold Lambda container pays before the first record.
COLDSTART_SOURCE = """
import time
_w0, _c0 = time.perf_counter(), time.process_time()
import firehose_processor
_w1, _c1 = time.perf_counter(), time.process_time()
from logpipe.pipeline import default_processor
default_processor()
_w2, _c2 = time.perf_counter(), time.process_time()
print(repr(((_w1 - _w0) * 1000, (_w2 - _w1) * 1000, (_c1 - _c0) * 1000, (_c2 - _c1) * 1000)))
"""


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Discard what the handler writes to stdout (log and EMF lines) while it runs."""
    sink = io.StringIO()
    moved: list[logging.StreamHandler[Any]] = []
    for lg in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(lg, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                handler.setStream(sink)
                moved.append(handler)
    try:
        with contextlib.redirect_stdout(sink):
            yield
    finally:
        for handler in moved:
            handler.setStream(sys.stdout)


def _status_mb(field: str) -> float | None:
    """A ``VmRSS`` / ``VmHWM`` value from /proc/self/status in MiB (None where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; False where Linux does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def probe_memory(event_path: Path) -> dict[str, Any]:
    """Peak memory of one invocation on ``event_path``, measured two ways.

    Baseline: the process after importing the handler, compiling the configuration and reading the
    request bytes (a fresh container about to take its first request). ``rss_growth_mb``: the peak RSS (VmHWM, reset to
    the baseline before the call) minus the baseline RSS: what Lambda's "Max Memory Used" adds on top of
    an idle container for this request. ``tracemalloc_peak_mb``: peak of Python allocations during a
    second invocation (no allocator or page noise; excludes the interpreter's own baseline).
    """
    import firehose_processor
    from logpipe.benchmark.measure import BenchContext, invoke_like_lambda
    from logpipe.pipeline import default_processor

    default_processor()
    body = event_path.read_bytes()
    context = BenchContext()
    gc.collect()
    reset = _reset_peak_rss()
    baseline = _status_mb("VmRSS")
    with quiet_stdout():
        invoke_like_lambda(firehose_processor.handler, body, context)
    peak = _status_mb("VmHWM") if reset else None
    gc.collect()
    tracemalloc.start()
    with quiet_stdout():
        invoke_like_lambda(firehose_processor.handler, body, context)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "event_mb": round(len(body) / 1e6, 3),
        "baseline_rss_mb": None if baseline is None else round(baseline, 1),
        "peak_rss_mb": None if peak is None else round(peak, 1),
        "rss_growth_mb": None if peak is None or baseline is None else round(peak - baseline, 1),
        "tracemalloc_peak_mb": round(traced_peak / (1024 * 1024), 1),
    }


def probe_throughput(events_dir: Path, passes: int) -> dict[str, Any]:
    """The throughput measurement of :mod:`.measure`, in this (possibly accelerator-free) interpreter."""
    import firehose_processor
    from logpipe.benchmark.events import load_event_files
    from logpipe.benchmark.measure import measure_throughput

    events = load_event_files(events_dir)
    with quiet_stdout():
        result = measure_throughput(events, firehose_processor.handler, passes=passes)
    out = result.as_dict()
    out["native_modules_loaded"] = sorted(m for m in ("orjson", "re2", "hyperscan") if m in sys.modules)
    return out


def main(argv: list[str]) -> int:
    """Dispatch ``memory`` / ``throughput``; print the JSON result."""
    started = time.perf_counter()
    if len(argv) >= 2 and argv[0] == "memory":
        result = probe_memory(Path(argv[1]))
    elif len(argv) >= 3 and argv[0] == "throughput":
        result = probe_throughput(Path(argv[1]), int(argv[2]))
    else:
        print("usage: probe memory EVENT.json | probe throughput EVENTS_DIR PASSES", file=sys.stderr)
        return 2
    result["probe_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
