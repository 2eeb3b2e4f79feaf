"""Per-stage A/B: the processor's own stages from another revision against the current ones, same inputs.

Why: on a shared machine whole-benchmark rates move by +-30% from run to run; timing two versions of one
stage in one process, interleaved, on the same records, with CPU time (minimum of several rounds) gives a
before/after that load cannot fake. Each pair's results are also checked to be identical.

    mkdir -p /tmp/old && for m in correlate enrich shape filtering decode; do
        git show cf0cf14:layers/shared/logpipe/$m.py > /tmp/old/$m.py; done
    .venv/bin/python benchmarks/stage_ab.py /tmp/old --records 10000 --rounds 7

The old modules are loaded under other names and import the rest of the current library (fieldpath,
pipeline_config, levels), so the comparison is of these five files only. Parsing and masking (other
stages) run once, untimed, to build realistic inputs.
"""

from __future__ import annotations

import argparse
import base64
import copy
import gc
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from logpipe import correlate, decode, enrich, filtering, shape
from logpipe.benchmark.corpus import generate
from logpipe.parsing import parse_event
from logpipe.pipeline import Processor


def _load(folder: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"ab_old_{name}", folder / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {folder / name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _decoder(module: ModuleType) -> Callable[[str], Any]:
    return getattr(module, "decode_events", None) or module.decode_record


def main(argv: list[str] | None = None) -> int:
    """Print old vs new CPU microseconds per event for decode, correlate, enrich, drop rules, limits, nest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="folder with the old correlate/enrich/shape/filtering/decode.py")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    old = {name: _load(args.old, name) for name in ("correlate", "enrich", "shape", "filtering", "decode")}

    corpus, _ = generate(args.records)
    processor = Processor.from_config()
    cfg, env, default_service = processor.config, processor.environment, processor.default_service
    datas = [base64.b64encode(raw).decode() for raw in corpus.records]
    events = [e for d in datas for e in decode.decode_record(d).events]
    parsed = [parse_event(copy.deepcopy(e), processor.parsers) for e in events]
    correlated = copy.deepcopy(parsed)
    for doc, rest in correlated:
        correlate.correlate(doc, rest, cfg)
    enriched = copy.deepcopy(correlated)
    for doc, rest in enriched:
        enrich.enrich(doc, rest, cfg, environment=env, default_service=default_service)
    docs = [doc for doc, _ in enriched]
    old_rules, new_rules = old["filtering"].compile_rules(cfg.drop_rules), filtering.compile_rules(cfg.drop_rules)
    kept = [doc for doc in docs if filtering.drop_reason(doc, new_rules, env) is None]
    for _ in range(32):  # a warm container: per-shape nest builders exist
        for doc in kept:
            shape.nest(doc)

    def pair(name: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[], Any]]:
        if name == "decode":
            od, nd = _decoder(old["decode"]), decode.decode_events
            return (lambda xs: [od(x) for x in xs]), (lambda xs: [nd(x) for x in xs]), lambda: datas
        if name == "correlate":
            o = old["correlate"]
            return (
                lambda xs: [o.correlate(d, r, cfg) for d, r in xs],
                lambda xs: [correlate.correlate(d, r, cfg) for d, r in xs],
                lambda: copy.deepcopy(parsed),
            )
        if name == "enrich":
            o = old["enrich"]
            return (
                lambda xs: [o.enrich(d, r, cfg, environment=env, default_service=default_service) for d, r in xs],
                lambda xs: [enrich.enrich(d, r, cfg, environment=env, default_service=default_service) for d, r in xs],
                lambda: copy.deepcopy(correlated),
            )
        if name == "drop rules":
            o = old["filtering"]
            return (
                lambda xs: [o.drop_reason(d, old_rules, env) for d in xs],
                lambda xs: [filtering.drop_reason(d, new_rules, env) for d in xs],
                lambda: docs,
            )
        o = old["shape"]
        if name == "size limits":
            return (
                lambda xs: [o.apply_limits(d, cfg.limits) for d in xs],
                lambda xs: [shape.apply_limits(d, cfg.limits) for d in xs],
                lambda: [dict(d) for d in kept],
            )
        return (
            (lambda xs: [o.nest(d) for d in xs]),
            (lambda xs: [shape.nest(d) for d in xs]),
            lambda: [dict(d) for d in kept],
        )

    print(f"{len(events):,} events ({args.records:,} records), CPU µs per event, minimum of {args.rounds} rounds")
    for name in ("decode", "correlate", "enrich", "drop rules", "size limits", "nest"):
        run_old, run_new, prepare = pair(name)
        a, b = prepare(), prepare()
        same = json.dumps(run_old(a), default=repr) == json.dumps(run_new(b), default=repr)
        if name in ("correlate", "enrich"):
            same = same and json.dumps(a, default=repr) == json.dumps(b, default=repr)
        best = {"old": float("inf"), "new": float("inf")}
        for _ in range(args.rounds):
            for label, run in (("old", run_old), ("new", run_new)):
                inputs = prepare()
                gc.collect()
                gc.disable()
                started = time.process_time()
                run(inputs)
                best[label] = min(best[label], time.process_time() - started)
                gc.enable()
        before, after = best["old"] / len(events) * 1e6, best["new"] / len(events) * 1e6
        note = "" if same or name == "decode" else "  RESULTS DIFFER"
        print(f"{name:12s} {before:7.2f} -> {after:6.2f}  ({(1 - after / before) * 100:3.0f}% less){note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
