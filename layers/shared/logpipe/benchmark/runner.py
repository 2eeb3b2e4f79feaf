"""One benchmark run: corpus -> events -> throughput, ceiling, output size, cold start, memory, pure mode.

The result is one plain dict (written by ``logpipe bench --json``); the CLI renders it as a table.
Subprocess probes use the same interpreter (``sys.executable``) and ``sys.path`` as this process.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from logpipe.benchmark.corpus import DEFAULT_RECORDS, SEED, generate
from logpipe.benchmark.events import PackedEvent, load_event_files, pack_events, write_events
from logpipe.benchmark.measure import account_output, measure_throughput
from logpipe.benchmark.probe import BLOCKER_SOURCE, COLDSTART_SOURCE, RUNTIME_PRELOADED_SOURCE, quiet_stdout
from logpipe.benchmark.stages import stage_breakdown

# Modules hidden in --pure mode: every native accelerator the processor may use.
NATIVE_MODULES = ("orjson", "re2", "hyperscan")
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What to run; defaults are the issue's reference run."""

    records: int = DEFAULT_RECORDS
    passes: int = 5
    corpus_dir: Path | None = None
    coldstart_runs: int = 10
    memory: bool = True
    pure: bool = False
    pure_passes: int = 3
    output_accounting: bool = True
    stages: bool = True


def machine_info() -> dict[str, Any]:
    """Where the numbers came from: CPU, core count, Python, accelerators, date."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import orjson

        orjson_version: str | None = orjson.__version__
    except ImportError:
        orjson_version = None
    return {
        "cpu_model": model,
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "orjson": orjson_version,
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def build_events(options: BenchOptions) -> tuple[list[PackedEvent], dict[str, Any]]:
    """The events to replay: generated (seed 42) or read from a ``gen_corpus.py`` output folder."""
    if options.corpus_dir is not None:
        events = load_event_files(options.corpus_dir)
        info: dict[str, Any] = {"source": str(options.corpus_dir)}
    else:
        corpus, builder = generate(options.records, SEED)
        events = pack_events(corpus.records, builder.invocation_id)
        info = {"source": f"generated (seed {SEED})", "mix": dict(sorted(corpus.counts.items()))}
    info.update(
        records=sum(e.records for e in events),
        events=len(events),
        payload_bytes=sum(e.payload_bytes for e in events),
        request_bytes=sum(len(e.body) for e in events),
        largest_event_bytes=max(len(e.body) for e in events),
    )
    return events, info


def _probe_env(*, bytecode: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "logpipe")
    if bytecode:  # a deployment package ships compiled bytecode (or the container has written it)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:  # every module compiled from source, as from a package built without .pyc files
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="logpipe-nopyc-")
    return env


def _python(source: str, *args: str, blocked: tuple[str, ...] = (), bytecode: bool = True) -> str:
    """Run ``source`` in a fresh interpreter (accelerators in ``blocked`` hidden); its stdout."""
    prefix = BLOCKER_SOURCE.format(names=blocked) if blocked else ""
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", prefix + source, *args],
        capture_output=True,
        text=True,
        env=_probe_env(bytecode=bytecode),
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark probe failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def _run_probe(*args: str, blocked: tuple[str, ...] = ()) -> dict[str, Any]:
    source = "import runpy; runpy.run_module('logpipe.benchmark.probe', run_name='__main__', alter_sys=True)"
    out = _python(source, *args, blocked=blocked)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _coldstart_once(
    blocked: tuple[str, ...], bytecode: bool = True, preloaded: bool = False
) -> tuple[float, float, float, float]:
    source = (RUNTIME_PRELOADED_SOURCE if preloaded else "") + COLDSTART_SOURCE
    out = _python(source, blocked=blocked, bytecode=bytecode).strip().splitlines()[-1]
    wall_import, wall_config, cpu_import, cpu_config = ast.literal_eval(out)
    return float(wall_import), float(wall_config), float(cpu_import), float(cpu_config)


def measure_coldstart(runs: int, blocked: tuple[str, ...] = ()) -> dict[str, Any]:
    """Median over ``runs`` fresh interpreters of importing the handler and compiling the configuration.

    Wall time is what Lambda bills; CPU time is reported too because on a shared machine it is the more
    stable estimate of the wall time an idle core would take. One untimed run first writes the bytecode
    caches (as a deployed package has them); ``no_bytecode_ms`` is the cost when they are missing.
    ``runtime_preloaded_ms``: the same with the modules the Lambda runtime's bootstrap imports before the
    handler (json, logging, traceback, ...) loaded first, untimed: what the function itself adds.
    """
    _coldstart_once(blocked)
    samples = [_coldstart_once(blocked) for _ in range(runs)]
    wall = [s[0] + s[1] for s in samples]
    cpu = [s[2] + s[3] for s in samples]
    cold = [_coldstart_once(blocked, bytecode=False) for _ in range(3)]
    preloaded = [_coldstart_once(blocked, preloaded=True) for _ in range(runs)]
    return {
        "runs": runs,
        "import_ms": round(statistics.median(s[0] for s in samples), 1),
        "config_compile_ms": round(statistics.median(s[1] for s in samples), 1),
        "total_ms": round(statistics.median(wall), 1),
        "total_ms_min": round(min(wall), 1),
        "total_ms_max": round(max(wall), 1),
        "cpu_import_ms": round(statistics.median(s[2] for s in samples), 1),
        "cpu_config_compile_ms": round(statistics.median(s[3] for s in samples), 1),
        "cpu_total_ms": round(statistics.median(cpu), 1),
        "no_bytecode_ms": round(statistics.median(c[0] + c[1] for c in cold), 1),
        # As in Lambda: the runtime's bootstrap has already imported json, logging, traceback, ...
        "runtime_preloaded_ms": round(statistics.median(p[0] + p[1] for p in preloaded), 1),
        "runtime_preloaded_cpu_ms": round(statistics.median(p[2] + p[3] for p in preloaded), 1),
        "top_imports": import_breakdown(blocked),
    }


def import_breakdown(blocked: tuple[str, ...] = (), top: int = 8) -> dict[str, list[dict[str, Any]]]:
    """Where import time goes (one ``python -X importtime`` run of the handler and configuration).

    ``direct``: the handler's own imports, cumulative ms. ``self_by_package``: self time summed per
    top-level package (``logpipe`` split per module), so shared costs such as ``typing`` show once.
    """
    prefix = BLOCKER_SOURCE.format(names=blocked) if blocked else ""
    source = prefix + "import firehose_processor\nfrom logpipe.pipeline import default_processor\ndefault_processor()"
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-X", "importtime", "-c", source],
        capture_output=True,
        text=True,
        env=_probe_env(),
        check=False,
        timeout=120,
    )
    direct: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        self_us, cumulative, raw_name = int(fields[0]), int(fields[1]), fields[2]
        name = raw_name.strip()
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        package = ".".join(name.split(".")[:2]) if name.startswith("logpipe.") else name.split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
        if depth == 1:
            pending.append((cumulative, name))
        elif depth == 0:  # a top-level import: the depth-1 lines before it were its children
            if name == "firehose_processor":
                direct = pending
            pending = []
    direct.sort(reverse=True)
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])
    return {
        "direct": [{"module": n, "ms": round(us / 1000, 1)} for us, n in direct[:top]],
        "self_by_package": [{"package": n, "ms": round(us / 1000, 1)} for n, us in ranked[: top * 2]],
    }


def run_benchmark(options: BenchOptions, progress: Progress | None = None) -> dict[str, Any]:
    """Run every measurement; return the result document (see ``docs/benchmark.md``)."""
    say = progress or (lambda _msg: None)
    say("building the corpus and packing Firehose events")
    events, corpus_info = build_events(options)
    result: dict[str, Any] = {"machine": machine_info(), "corpus": corpus_info}

    import firehose_processor

    say(f"throughput: {options.passes} alternating ceiling/processor passes")
    with quiet_stdout():
        throughput = measure_throughput(events, firehose_processor.handler, passes=options.passes)
        result["throughput"] = throughput.as_dict()
        if options.output_accounting:
            say("output vs input bytes")
            result["output"] = account_output(events, firehose_processor.handler)
        if options.stages:
            say("per-stage breakdown (one instrumented pass)")
            result["stages"] = stage_breakdown(events, firehose_processor.handler)

    if options.coldstart_runs > 0:
        say(f"cold start: {options.coldstart_runs} fresh interpreters")
        result["coldstart"] = measure_coldstart(options.coldstart_runs)

    if options.memory or options.pure:
        with tempfile.TemporaryDirectory(prefix="logpipe-bench-") as tmp:
            folder = Path(tmp)
            if options.memory:
                say("peak memory of the largest (~6 MB) event")
                largest = max(events, key=lambda e: len(e.body))
                (path,) = write_events([largest], folder / "largest")
                result["memory"] = _run_probe("memory", str(path))
            if options.pure:
                say(f"pure mode ({', '.join(NATIVE_MODULES)} hidden): throughput and cold start")
                write_events(events, folder / "all")
                pure = _run_probe("throughput", str(folder / "all"), str(options.pure_passes), blocked=NATIVE_MODULES)
                if options.coldstart_runs > 0:
                    pure["coldstart"] = measure_coldstart(max(3, options.coldstart_runs // 2), NATIVE_MODULES)
                result["pure"] = pure
    return result
