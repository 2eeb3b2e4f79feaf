"""``logpipe mask``: try the masking rules on samples before deploying them.

Reads JSON lines ``{"text": "..."}`` on stdin and writes one JSON line per input:
``{"text": "<masked>", "entities": [{"type": "...", "start": N, "end": N}]}`` (offsets into the input).
A bad line gets a clear message on stderr (with its line number) and the command exits 1 at the end;
every good line is still written.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from logpipe.configfile import ConfigError
from logpipe.jsonfast import dumps_str, loads


def _parse(line: str) -> tuple[str | None, str | None]:
    """(text, None) for a good line, (None, reason) for a bad one."""
    try:
        obj: Any = loads(line)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return None, 'expected a JSON object like {"text": "..."}'
    text = obj.get("text")
    if not isinstance(text, str):
        return None, 'missing string field "text"'
    return text, None


@click.command()
@click.option("--config-dir", type=click.Path(file_okay=False), default=None, help="Folder with masking.yaml.")
def command(config_dir: str | None) -> None:
    """Mask personal data in JSON lines {"text": ...} read from stdin."""
    from logpipe.masking import load_masker

    try:
        masker = load_masker(config_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    bad = 0
    out = sys.stdout
    for number, raw in enumerate(sys.stdin, start=1):
        line = raw.strip()
        if not line:
            continue
        text, error = _parse(line)
        if text is None:
            bad += 1
            click.echo(f"logpipe mask: line {number}: {error}", err=True)
            continue
        masked, entities = masker.mask_text(text)
        out.write(dumps_str({"text": masked, "entities": [e.as_dict() for e in entities]}) + "\n")
    out.flush()
    if bad:
        click.echo(f"logpipe mask: {bad} bad input line(s)", err=True)
        sys.exit(1)
