"""Load and validate the pipeline's configuration files (YAML or JSON) with errors a person can act on.

Configuration is data under version control, not code: parsers, drop rules, field names, masking rules
and alert rules all live in files. Each file is loaded once per Lambda container (``lru_cache`` in the
callers) and validated at load, so a typo fails the deployment's first invocation loudly and precisely
(``pipeline.yaml: drop_rules[2]: unknown key 'mesage'``) instead of silently doing nothing.

The validators are small hand-written functions rather than pydantic/jsonschema: those cost 100-300 ms
of import on a Lambda cold start, which the processor cannot afford.

JSON snapshots. Importing PyYAML costs 10-27 ms of cold start (issue 7: < 80 ms in all), so every YAML file
the processor reads at cold start (:data:`SNAPSHOT_FILES`) has a JSON twin, ``snapshot/<name>.json`` next to
it, written by ``python -m logpipe.configfile write`` (``make config-snapshot``). A snapshot records the
length and CRC-32 of the YAML bytes it was made from; :func:`load_document` uses it only when both match
the YAML file as it is now, so an edited YAML without a fresh snapshot is still read (from the YAML, at
the old speed), never an outdated copy. The YAML stays the source of truth and validation (with its error
messages naming the YAML file) runs on either alike. ``tests/unit/test_config_snapshot.py`` fails when a
snapshot is missing or stale. The same works in a ``$LOGPIPE_CONFIG_DIR`` folder; without a snapshot
there, its YAML files are parsed as before.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent / "config"
CONFIG_DIR_ENV = "LOGPIPE_CONFIG_DIR"
# The YAML files the processor loads at cold start: each has a JSON snapshot (see the module docstring).
SNAPSHOT_FILES = ("pipeline.yaml", "parsers.yaml", "masking.yaml")
SNAPSHOT_DIR = "snapshot"
SNAPSHOT_FORMAT = 1


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid; the message names file and location."""


def config_path(name: str, directory: str | os.PathLike[str] | None = None) -> Path:
    """Where configuration file ``name`` is read from: an explicit folder, $LOGPIPE_CONFIG_DIR, or built-in."""
    if directory is not None:
        return Path(directory) / name
    override = os.environ.get(CONFIG_DIR_ENV)
    if override and (Path(override) / name).exists():
        return Path(override) / name
    return BUILTIN_DIR / name


def snapshot_path(path: Path) -> Path:
    """Where the JSON snapshot of YAML file ``path`` lives: ``<folder>/snapshot/<name>.json``."""
    return path.parent / SNAPSHOT_DIR / (path.name + ".json")


def _fingerprint(raw: bytes) -> dict[str, int]:
    # Length and CRC-32 (zlib is loaded anyway): detects any edit of the YAML; not a security check (the
    # snapshot ships beside the YAML, from the same repository).
    return {"source_bytes": len(raw), "source_crc32": zlib.crc32(raw)}


def _from_snapshot(path: Path, raw: bytes) -> tuple[bool, Any]:
    """``(True, document)`` from a snapshot made from exactly these YAML bytes, else ``(False, None)``."""
    try:
        snapshot_raw = snapshot_path(path).read_bytes()
    except OSError:
        return False, None
    from logpipe.jsonfast import loads

    try:
        snapshot = loads(snapshot_raw)
    except ValueError:
        return False, None
    if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT or "document" not in snapshot:
        return False, None
    fingerprint = _fingerprint(raw)
    if any(snapshot.get(key) != value for key, value in fingerprint.items()):
        return False, None
    return True, snapshot["document"]


def load_document(path: Path, *, use_snapshot: bool = True) -> Any:
    """Read a YAML (or JSON, which is YAML) file; raise :class:`ConfigError` naming the file on failure.

    A YAML file with an up-to-date JSON snapshot is read from the snapshot (no PyYAML import); the document
    is the same, so is the validation that follows. ``use_snapshot=False`` always parses the YAML.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read configuration: not UTF-8 text ({exc.reason})") from exc
    if path.suffix == ".json":
        from logpipe.jsonfast import loads

        try:
            return loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path}: invalid JSON: {exc}") from exc
    if use_snapshot:
        found, document = _from_snapshot(path, raw)
        if found:
            return document
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader (C or Python)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc


class Validator:
    """Walks a loaded document, checking shapes; every error message carries ``file: dotted.path``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ConfigError:
        """Build the error for ``where`` (a dotted path such as ``drop_rules[2].match``)."""
        location = f"{self.source}: {where}" if where else self.source
        return ConfigError(f"{location}: {message}")

    def mapping(
        self,
        value: Any,
        where: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> Mapping[str, Any]:
        """Check ``value`` is a mapping with the required keys and no unknown ones."""
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in value:
                raise self.fail(where, f"missing required key '{key}'")
        if allowed:
            unknown = sorted(str(k) for k in value if k not in allowed)
            if unknown:
                raise self.fail(where, f"unknown key '{unknown[0]}' (expected one of: {', '.join(sorted(allowed))})")
        return value

    def sequence(self, value: Any, where: str) -> list[Any]:
        """Check ``value`` is a list."""
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        return value

    def string(self, value: Any, where: str, *, choices: Iterable[str] | None = None) -> str:
        """Check ``value`` is a non-empty string, optionally one of ``choices``."""
        if not isinstance(value, str) or not value:
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        if choices is not None:
            options = tuple(choices)
            if value not in options:
                raise self.fail(where, f"'{value}' is not one of: {', '.join(options)}")
        return value

    def strings(self, value: Any, where: str) -> list[str]:
        """Check ``value`` is a list of non-empty strings."""
        return [self.string(item, f"{where}[{i}]") for i, item in enumerate(self.sequence(value, where))]

    def number(self, value: Any, where: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
        """Check ``value`` is a number within bounds."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(where, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.fail(where, f"must be <= {maximum}, got {value}")
        return float(value)

    def integer(self, value: Any, where: str, *, minimum: int | None = None) -> int:
        """Check ``value`` is an integer (not a bool) within bounds."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(where, f"must be >= {minimum}, got {value}")
        return value

    def regex(self, value: Any, where: str) -> str:
        """Check ``value`` is a string that compiles as a Python regular expression."""
        import re

        pattern = self.string(value, where)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.fail(where, f"invalid regular expression: {exc}") from exc
        return pattern


def _same_json(a: Any, b: Any) -> bool:
    """Strict equality (``1 != 1.0 != True``, key order included): what a JSON round trip must preserve."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def snapshot_text(path: Path) -> str:
    """The snapshot of YAML file ``path`` as it should be on disk (raises ConfigError if JSON cannot hold it).

    YAML can express what JSON cannot (dates, non-string keys, sets): such a document gets no snapshot
    rather than a lossy one.
    """
    import json

    document = load_document(path, use_snapshot=False)
    try:
        text = json.dumps(document, ensure_ascii=False, indent=1)
        exact = _same_json(json.loads(text), document)
    except (TypeError, ValueError):
        exact = False
    if not exact:
        raise ConfigError(f"{path}: holds values JSON cannot represent exactly (dates, non-string keys?)")
    header = {"format": SNAPSHOT_FORMAT, "source": path.name, **_fingerprint(path.read_bytes())}
    head = json.dumps(header, ensure_ascii=False)[:-1]
    return f'{head}, "document": {text}}}\n'


def stale_snapshots(directory: Path = BUILTIN_DIR, names: Iterable[str] = SNAPSHOT_FILES) -> list[str]:
    """Names of YAML files in ``directory`` whose snapshot is missing or differs from what it should be."""
    stale = []
    for name in names:
        path = directory / name
        try:
            current = snapshot_path(path).read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != snapshot_text(path):
            stale.append(name)
    return stale


def write_snapshots(directory: Path = BUILTIN_DIR, names: Iterable[str] = SNAPSHOT_FILES) -> list[Path]:
    """(Re)write the snapshot of each YAML file ``names`` in ``directory``; returns the files written."""
    written = []
    for name in names:
        path = directory / name
        target = snapshot_path(path)
        text = snapshot_text(path)
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m logpipe.configfile write|check [DIR]``: refresh or verify the JSON snapshots."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("write", "check") or len(args) > 2:
        print("usage: python -m logpipe.configfile write|check [CONFIG_DIR]", file=sys.stderr)
        return 2
    directory = Path(args[1]) if len(args) == 2 else BUILTIN_DIR
    names = [n for n in SNAPSHOT_FILES if (directory / n).exists()] if len(args) == 2 else list(SNAPSHOT_FILES)
    try:
        if args[0] == "write":
            for target in write_snapshots(directory, names):
                print(f"wrote {target}")
            return 0
        stale = stale_snapshots(directory, names)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name in stale:
        print(f"{directory / name}: snapshot missing or stale: run python -m logpipe.configfile write", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
