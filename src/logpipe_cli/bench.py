"""``logpipe bench``: benchmarks. With no subcommand, the full processor benchmark (``bench processor``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

_DEFAULT_SHARED_CORPUS = "../shared/bench"


def _processor_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The processor benchmark's options, shared by the group (default run) and ``bench processor``."""
    options = [
        click.option(
            "--records",
            type=click.IntRange(min=1),
            default=50_000,
            show_default=True,
            help="Records to generate (seed 42, the reference mix).",
        ),
        click.option(
            "--passes",
            type=click.IntRange(min=1),
            default=5,
            show_default=True,
            help="Timed passes of each kind; medians are reported.",
        ),
        click.option(
            "--corpus",
            "corpus_dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            default=None,
            help="Use the events written by ../shared/bench/gen_corpus.py OUT_DIR instead.",
        ),
        click.option(
            "--coldstart-runs",
            type=click.IntRange(min=0),
            default=10,
            show_default=True,
            help="Fresh interpreters for the cold-start median (0 skips it).",
        ),
        click.option(
            "--memory/--no-memory",
            default=True,
            show_default=True,
            help="Measure peak memory of the largest (~6 MB) event in a subprocess.",
        ),
        click.option("--pure", is_flag=True, help="Also run with orjson/re2/hyperscan hidden (stdlib fallbacks)."),
        click.option(
            "--stages/--no-stages",
            default=True,
            show_default=True,
            help="Also time each pipeline stage (one extra instrumented pass).",
        ),
        click.option(
            "--json",
            "json_out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Write the full result document to this file.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def run_processor_benchmark(
    records: int,
    passes: int,
    corpus_dir: Path | None,
    coldstart_runs: int,
    memory: bool,
    pure: bool,
    json_out: Path | None,
    stages: bool = True,
) -> dict[str, Any]:
    """Run the benchmark, print the table, write JSON when asked; returns the result document."""
    from rich.console import Console

    from logpipe.benchmark.runner import BenchOptions, run_benchmark

    err = Console(stderr=True)
    options = BenchOptions(
        records=records,
        passes=passes,
        corpus_dir=corpus_dir,
        coldstart_runs=coldstart_runs,
        memory=memory,
        pure=pure,
        pure_passes=min(passes, 3),
        stages=stages,
    )
    try:
        result = run_benchmark(options, progress=lambda msg: err.print(f"[dim]bench: {msg}[/dim]"))
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    Console().print(render_table(result))
    if "stages" in result:
        Console().print(render_stages(result["stages"]))
    tp = result["throughput"]
    err.print(
        f"bench: processor {tp['processor']['records_per_s']:,} rec/s, "
        f"ceiling {tp['ceiling']['records_per_s']:,} rec/s, ratio {tp['ratio']:.3f} (informational, target >= 0.85)"
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        err.print(f"bench: wrote {json_out}")
    return result


def render_table(result: dict[str, Any]) -> Any:
    """The human summary of a result document (a rich Table)."""
    from rich.table import Table

    machine, corpus, tp = result["machine"], result["corpus"], result["throughput"]
    table = Table(
        title=(
            f"logpipe processor benchmark: {corpus['records']:,} records in {corpus['events']} events "
            f"({corpus['payload_bytes'] / 1e6:.1f} MB), median of {tp['passes']} passes, rates per CPU second"
        ),
        caption=f"{machine['cpu_model']}, {machine['nproc']} cores, Python {machine['python']}, "
        f"orjson {machine['orjson'] or 'absent'}, {machine['date_utc']}",
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    proc, ceil = tp["processor"], tp["ceiling"]
    table.add_row("processor (as Lambda bills it), records/s per core", f"{proc['records_per_s']:,}", "≈45,000")
    table.add_row("processor, MB/s per core", f"{proc['mb_per_s']:.2f}", "")
    table.add_row("ceiling (decode + re-encode), records/s", f"{ceil['records_per_s']:,}", "")
    table.add_row("ceiling, MB/s per core", f"{ceil['mb_per_s']:.2f}", "")
    table.add_row("ratio processor / ceiling (CPU; wall)", f"{tp['ratio']:.3f}; {tp['ratio_wall']:.3f}", "≥ 0.85")
    if "coldstart" in result:
        cs = result["coldstart"]
        table.add_row(
            f"cold start: import + config (median of {cs['runs']}), wall ms",
            f"{cs['total_ms']:.1f} ({cs['import_ms']:.0f} + {cs['config_compile_ms']:.0f})",
            "< 80",
        )
        table.add_row(
            "cold start, CPU ms / without .pyc, wall ms",
            f"{cs['cpu_total_ms']:.1f} / {cs['no_bytecode_ms']:.1f}",
            "",
        )
        if "runtime_preloaded_ms" in cs:
            table.add_row(
                "cold start after the Lambda runtime's own imports (json, logging), wall / CPU ms",
                f"{cs['runtime_preloaded_ms']:.1f} / {cs['runtime_preloaded_cpu_ms']:.1f}",
                "",
            )
    if "memory" in result:
        mem = result["memory"]
        table.add_row(
            f"peak memory, {mem['event_mb']:.1f} MB event: RSS growth / tracemalloc, MB",
            f"{mem['rss_growth_mb']:.1f} / {mem['tracemalloc_peak_mb']:.1f}",
            "< 64",
        )
    if "output" in result:
        out = result["output"]
        table.add_row(
            "output / input bytes (record payloads)",
            f"{out['payload_ratio']:.3f} ({out['records_larger_than_input']:,} records grew)",
            "≤ 1",
        )
        results = ", ".join(f"{k} {v:,}" for k, v in sorted(out["results"].items()))
        table.add_row("results", results, "")
    if "pure" in result:
        pure = result["pure"]
        table.add_row(
            "pure (no native deps): processor records/s", f"{pure['processor']['records_per_s']:,}", "≥ 25,000"
        )
        table.add_row("pure: ratio processor / ceiling", f"{pure['ratio']:.3f}", "")
        if "coldstart" in pure:
            table.add_row("pure: cold start, ms", f"{pure['coldstart']['total_ms']:.1f}", "")
    return table


def render_stages(stages: dict[str, Any]) -> Any:
    """Where the time goes: µs per record per pipeline stage (a rich Table)."""
    from rich.table import Table

    table = Table(title=f"where the time goes: {stages['us_per_record_total']} µs per record (instrumented pass)")
    table.add_column("stage")
    table.add_column("µs / record", justify="right")
    table.add_column("share", justify="right")
    for row in stages["stages"]:
        table.add_row(row["stage"], f"{row['us_per_record']:.1f}", f"{row['share'] * 100:.0f}%")
    return table


@click.group(name="bench", invoke_without_command=True)
@_processor_options
@click.pass_context
def command(
    ctx: click.Context,
    records: int,
    passes: int,
    corpus_dir: Path | None,
    coldstart_runs: int,
    memory: bool,
    pure: bool,
    stages: bool,
    json_out: Path | None,
) -> None:
    """Benchmarks. Without a subcommand: the full processor benchmark (same as `bench processor`)."""
    if ctx.invoked_subcommand is None:
        run_processor_benchmark(records, passes, corpus_dir, coldstart_runs, memory, pure, json_out, stages)


@command.command("processor")
@_processor_options
def processor(
    records: int,
    passes: int,
    corpus_dir: Path | None,
    coldstart_runs: int,
    memory: bool,
    pure: bool,
    stages: bool,
    json_out: Path | None,
) -> None:
    """Processor throughput vs a no-processing ceiling, cold start, peak memory, output size, pure mode."""
    run_processor_benchmark(records, passes, corpus_dir, coldstart_runs, memory, pure, json_out, stages)


# ``bench masking``: the PII engine alone (owned by the masking area; see bench_masking.py).
from logpipe_cli.bench_masking import masking_command  # noqa: E402

command.add_command(masking_command, "masking")
