"""``logpipe mask``: try the masking rules on samples before deploying them.

Reads JSON lines ``{"text": "..."}`` on stdin and writes exactly one JSON line per input line, so output
line N answers input line N (``paste``, ``diff`` and scripts can rely on it):
``{"text": "<masked>", "entities": [{"type": "...", "start": N, "end": N}]}`` (offsets into the input), or
``{"error": "<reason>", "line": N}`` for a bad line (also reported on stderr; the command exits 1 at the
end). Lone UTF-16 surrogates (``"\\ud800"``) are valid JSON escapes: such text is accepted and each lone
surrogate becomes U+FFFD, which keeps the offsets and stays visible in the output.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

from logpipe.configfile import ConfigError
from logpipe.jsonfast import dumps, loads

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # after decoding, paired surrogates are one code point
_UNDECODABLE_BYTE = re.compile("[\udc80-\udcff]")  # how surrogateescape decoding keeps a byte that is not UTF-8


def _parse(line: str) -> tuple[str | None, str | None]:
    """(text, None) for a good line, (None, reason) for a bad one."""
    try:
        obj: Any = loads(line)
    except ValueError as exc:
        # orjson rejects lone surrogate escapes ("\ud800"), which JSON allows: read those with the standard
        # library and make each lone surrogate U+FFFD (one code point for one: offsets are unchanged).
        try:
            obj = json.loads(line)
        except ValueError:
            if _UNDECODABLE_BYTE.search(line):
                return None, "not valid UTF-8"
            return None, f"not valid JSON ({exc})"
        text = obj.get("text") if isinstance(obj, dict) else None
        if isinstance(text, str):
            obj["text"] = _LONE_SURROGATE.sub("\ufffd", text)
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
    out = sys.stdout.buffer  # UTF-8 whatever the locale (an ASCII locale cannot print 한글)
    # Bytes, decoded per line: a line of invalid UTF-8 is one bad line (its bytes inside a JSON string
    # become U+FFFD), not a UnicodeDecodeError that ends the whole run.
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = raw.decode("utf-8", "surrogateescape").strip()
        text, error = _parse(line) if line else (None, "empty line")
        if text is None:
            bad += 1
            click.echo(f"logpipe mask: line {number}: {error}", err=True)
            out.write(dumps({"error": error, "line": number}) + b"\n")  # output stays line-for-line
            continue
        masked, entities = masker.mask_text(text)
        out.write(dumps({"text": masked, "entities": [e.as_dict() for e in entities]}) + b"\n")
    out.flush()
    if bad:
        click.echo(f"logpipe mask: {bad} bad input line(s)", err=True)
        sys.exit(1)
