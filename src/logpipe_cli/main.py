"""Entry point of the ``logpipe`` command. Subcommands live in their own modules and load lazily, so
``logpipe mask`` does not pay for importing boto3 or opensearch-py."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

# name -> "module:attribute" of a click command or group; each module owns one area of the product.
COMMANDS: dict[str, tuple[str, str]] = {
    "invoke": ("logpipe_cli.invoke", "Run a Lambda handler in-process on an event file (no Docker)."),
    "mask": ("logpipe_cli.mask", "Mask personal data in JSON lines read from stdin."),
    "run": ("logpipe_cli.run", "Replay log files through the local end-to-end pipeline."),
    "demo": ("logpipe_cli.demo", "Generate a multi-service scenario and run it end to end."),
    "trace": ("logpipe_cli.trace", "Show every log of one trace across services as a timeline."),
    "search": ("logpipe_cli.search", "Full-text and field search over stored logs."),
    "ship": ("logpipe_cli.ship", "Send log files to the deployed Firehose streams."),
    "alerts": ("logpipe_cli.alerts", "Render alert rules as OpenSearch monitors, or test them locally."),
    "bootstrap": ("logpipe_cli.bootstrap", "Configure an OpenSearch endpoint (templates, ISM, monitors)."),
    "bench": ("logpipe_cli.bench", "Benchmark the processor against a no-processing ceiling."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (module, _) in COMMANDS.items() if importlib.util.find_spec(module))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: Any = module.command
        return command  # type: ignore[no-any-return]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logpipe")
def cli() -> None:
    """logpipe: collect, clean, mask, search and correlate microservice logs on AWS."""
