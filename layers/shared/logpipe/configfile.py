"""Load and validate the pipeline's configuration files (YAML or JSON) with errors a person can act on.

Configuration is data under version control, not code: parsers, drop rules, field names, masking rules
and alert rules all live in files. Each file is loaded once per Lambda container (``lru_cache`` in the
callers) and validated at load, so a typo fails the deployment's first invocation loudly and precisely
(``pipeline.yaml: drop_rules[2]: unknown key 'mesage'``) instead of silently doing nothing.

The validators are small hand-written functions rather than pydantic/jsonschema: those cost 100-300 ms
of import on a Lambda cold start, which the processor cannot afford.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent / "config"
CONFIG_DIR_ENV = "LOGPIPE_CONFIG_DIR"


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


def load_document(path: Path) -> Any:
    """Read a YAML (or JSON, which is YAML) file; raise :class:`ConfigError` naming the file on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    if path.suffix == ".json":
        from logpipe.jsonfast import loads

        try:
            return loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path}: invalid JSON: {exc}") from exc
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
