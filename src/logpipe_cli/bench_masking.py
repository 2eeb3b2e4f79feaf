"""``logpipe bench masking``: throughput of the PII engine's ``mask_document`` on the reference corpus.

The corpus is ``../shared/bench/gen_corpus.py``'s ``records.ndjson`` (generated into a temporary folder
when ``--corpus`` is not given). Each record goes through the stages that run before masking in the
processor (parse, correlate, enrich, drop rules), so the engine sees exactly the flat documents it sees in
the Lambda; only ``mask_document`` is timed, over fresh copies, median of several passes.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

_REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_GENERATOR = _REPO_ROOT.parent / "shared" / "bench" / "gen_corpus.py"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "cpu model", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _records_file(corpus_dir: Path | None, generator: Path, records: int, tmp: Path) -> Path:
    if corpus_dir is not None:
        path = corpus_dir / "records.ndjson"
        if not path.exists():
            raise click.ClickException(f"{path} not found (write it with: python3 {generator} {corpus_dir})")
        return path
    if not generator.exists():
        raise click.ClickException(f"corpus generator {generator} not found; pass --corpus or --generator")
    env = dict(os.environ, N=str(records))
    subprocess.run([sys.executable, str(generator), str(tmp)], check=True, env=env, capture_output=True)  # noqa: S603
    return tmp / "records.ndjson"


def decoded_documents(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The flat documents the masker receives in the processor, for every record of ``records.ndjson``."""
    from logpipe.correlate import correlate
    from logpipe.enrich import enrich
    from logpipe.filtering import drop_reason
    from logpipe.jsonfast import loads
    from logpipe.parsing import parse_event
    from logpipe.pipeline import Processor

    processor = Processor.from_config()
    docs: list[dict[str, Any]] = []
    with path.open("rb") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            event = loads(line)
            doc, rest = parse_event(event, processor.parsers)
            correlate(doc, rest, processor.config)
            enrich(doc, rest, processor.config, environment="prod", default_service="unknown")
            if drop_reason(doc, processor.rules, "prod") is None:
                docs.append(doc)
    return docs


def run_masking_benchmark(docs: list[dict[str, Any]], passes: int) -> dict[str, Any]:
    """Median wall and CPU time of ``mask_document`` over fresh copies of ``docs``."""
    from logpipe.jsonfast import dumps
    from logpipe.masking import load_masker

    masker = load_masker()
    doc_bytes = sum(len(dumps(d)) for d in docs)
    string_bytes = sum(len(v.encode("utf-8")) for d in docs for v in d.values() if isinstance(v, str))
    walls: list[float] = []
    cpus: list[float] = []
    fired: Counter[str] = Counter()
    masked_docs = 0
    for n in range(passes + 1):  # pass 0 warms caches (field kinds, regex compilation) and is not counted
        copies = [dict(d) for d in docs]
        masker.clear_value_cache()  # each pass starts cold: only repetition *within* the corpus helps
        wall0, cpu0 = time.perf_counter(), time.process_time()
        results = [masker.mask_document(c) for c in copies]
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        if n == 0:
            for r in results:
                fired.update(r)
                masked_docs += bool(r)
            continue
        walls.append(wall)
        cpus.append(cpu)
    wall_med, cpu_med = statistics.median(walls), statistics.median(cpus)
    return {
        "documents": len(docs),
        "document_mb": round(doc_bytes / 1e6, 2),
        "string_mb": round(string_bytes / 1e6, 2),
        "passes": passes,
        "wall_s": round(wall_med, 4),
        "cpu_s": round(cpu_med, 4),
        "records_per_s": round(len(docs) / wall_med),
        "records_per_cpu_s": round(len(docs) / cpu_med),
        "mb_per_s": round(doc_bytes / 1e6 / wall_med, 2),
        "us_per_record": round(wall_med / len(docs) * 1e6, 2),
        "documents_masked": masked_docs,
        "fired": dict(fired.most_common()),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }


def render(result: dict[str, Any]) -> Any:
    """A rich table of the result."""
    from rich.table import Table

    m = result["machine"]
    table = Table(
        title=f"logpipe masking benchmark: mask_document over {result['documents']:,} decoded documents "
        f"({result['document_mb']} MB), median of {result['passes']} passes",
        caption=f"{m['cpu_model']}, {m['nproc']} cores, Python {m['python']} ({m['machine']})",
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("records/s (wall)", f"{result['records_per_s']:,}")
    table.add_row("records/s per CPU second", f"{result['records_per_cpu_s']:,}")
    table.add_row("MB/s of documents (wall)", f"{result['mb_per_s']:.2f}")
    table.add_row("µs per record", f"{result['us_per_record']:.2f}")
    table.add_row("documents with something masked", f"{result['documents_masked']:,}")
    table.add_row("types fired", ", ".join(f"{k} {v:,}" for k, v in result["fired"].items()))
    return table


@click.command("masking")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A folder written by ../shared/bench/gen_corpus.py (records.ndjson); generated when absent.",
)
@click.option(
    "--generator",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_GENERATOR,
    show_default=True,
    help="The corpus generator script.",
)
@click.option("--records", type=click.IntRange(min=1), default=50_000, show_default=True, help="Records to use.")
@click.option("--passes", type=click.IntRange(min=1), default=5, show_default=True, help="Timed passes (median).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write JSON.")
def masking_command(corpus_dir: Path | None, generator: Path, records: int, passes: int, json_out: Path | None) -> None:
    """Throughput of the PII masking engine (mask_document) on the reference corpus."""
    from rich.console import Console

    err = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="logpipe-bench-") as tmp:
        path = _records_file(corpus_dir, generator, records, Path(tmp))
        err.print(f"[dim]bench masking: decoding {path}[/dim]")
        docs = decoded_documents(path, records)
    err.print(f"[dim]bench masking: timing mask_document on {len(docs):,} documents[/dim]")
    result = run_masking_benchmark(docs, passes)
    Console().print(render(result))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        err.print(f"bench masking: wrote {json_out}")
