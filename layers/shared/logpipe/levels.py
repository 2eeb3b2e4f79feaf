"""Log levels: the standard lower-case names and their order, shared by parsers, filters and alerts."""

from __future__ import annotations

# Most to least verbose. Every normalised ``log.level`` is one of these.
LEVEL_NAMES: tuple[str, ...] = ("trace", "debug", "info", "warn", "error", "fatal")
LEVEL_RANK: dict[str, int] = {name: i for i, name in enumerate(LEVEL_NAMES)}


def level_rank(level: str | None) -> int:
    """Severity rank of a normalised level; unknown or missing levels rank as ``info``."""
    if level is None:
        return LEVEL_RANK["info"]
    return LEVEL_RANK.get(level, LEVEL_RANK["info"])


# Spellings seen in the wild, lower-cased, mapped to the standard names. Single letters come from glog,
# logcat and zap's console encoder; "notice"/"crit"/"emerg" from syslog; "fine*"/"severe" from
# java.util.logging; "verbose"/"information" from .NET; "dpanic" from zap.
_LEVEL_WORDS: dict[str, str] = {
    "trace": "trace", "trc": "trace", "finest": "trace", "finer": "trace", "verbose": "trace", "vrb": "trace",
    "v": "trace", "t": "trace", "all": "trace",
    "debug": "debug", "dbg": "debug", "d": "debug", "fine": "debug", "config": "debug", "dbug": "debug",
    "info": "info", "inf": "info", "information": "info", "informational": "info", "i": "info", "notice": "info",
    "note": "info", "n": "info", "log": "info", "default": "info",
    "warn": "warn", "warning": "warn", "wrn": "warn", "w": "warn",
    "error": "error", "err": "error", "eror": "error", "e": "error", "severe": "error", "fail": "error",
    "failure": "error", "exception": "error",
    "fatal": "fatal", "ftl": "fatal", "f": "fatal", "critical": "fatal", "crit": "fatal", "crt": "fatal",
    "c": "fatal", "alert": "fatal", "emerg": "fatal", "emergency": "fatal", "panic": "fatal", "dpanic": "fatal",
    "a": "fatal", "off": "fatal",
}  # fmt: skip
# Syslog severities (RFC 5424 section 6.2.1): 0 emergency ... 7 debug.
_SYSLOG_SEVERITY = ("fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug")
# Python's logging module numbers (also structlog's ``level_number``).
_PYTHON_LEVELS = ((50, "fatal"), (40, "error"), (30, "warn"), (20, "info"), (10, "debug"), (0, "trace"))
# pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
_PINO_LEVELS = ((60, "fatal"), (50, "error"), (40, "warn"), (30, "info"), (20, "debug"), (0, "trace"))
# logback ``level_value`` (logstash-logback-encoder): 5000 trace ... 40000 error.
_LOGBACK_LEVELS = ((50000, "fatal"), (40000, "error"), (30000, "warn"), (20000, "info"), (10000, "debug"), (0, "trace"))
# log4j2 intLevel: 100 fatal, 200 error, 300 warn, 400 info, 500 debug, 600 trace.
_LOG4J_LEVELS = ((600, "trace"), (500, "debug"), (400, "info"), (300, "warn"), (200, "error"), (0, "fatal"))

LEVEL_SCHEMES = ("auto", "syslog", "otel", "python", "pino", "logback", "log4j")


def _by_floor(value: float, table: tuple[tuple[int, str], ...]) -> str:
    for floor, name in table:
        if value >= floor:
            return name
    return table[-1][1]


def level_from_number(value: float, scheme: str = "auto") -> str | None:
    """Map a numeric level to a standard name using ``scheme`` (``auto`` guesses by magnitude).

    ``auto``: 0-7 are syslog severities, 10-60 pino/bunyan, 100-600 log4j2, 5000+ logback ``level_value``.
    Python's 10-50 collide with pino's 10-60; a field known to hold Python numbers (``levelno``) passes
    ``scheme="python"``. OpenTelemetry severityNumber (1-24) is only used for ``scheme="otel"``.
    """
    if value != value or value < 0:  # NaN or negative
        return None
    if scheme == "otel":
        if value < 1 or value > 24:
            return None
        return LEVEL_NAMES[min(int((value - 1) // 4), 5)]
    if scheme == "syslog":
        return _SYSLOG_SEVERITY[int(value)] if value <= 7 else None
    if scheme == "python":
        return _by_floor(value, _PYTHON_LEVELS)
    if scheme == "pino":
        return _by_floor(value, _PINO_LEVELS)
    if scheme == "logback":
        return _by_floor(value, _LOGBACK_LEVELS)
    if scheme == "log4j":
        return _by_floor(value, _LOG4J_LEVELS)
    if value <= 7:
        return _SYSLOG_SEVERITY[int(value)]
    if 10 <= value <= 60:
        return _by_floor(value, _PINO_LEVELS)
    if 100 <= value <= 600:
        return _by_floor(value, _LOG4J_LEVELS)
    if 5000 <= value <= 50000:
        return _by_floor(value, _LOGBACK_LEVELS)
    return None


_WORD_CACHE: dict[str, str | None] = {}


def normalise_level(raw: object, scheme: str = "auto") -> str | None:
    """The standard lower-case level for whatever a logger wrote, or ``None`` when it is not a level.

    Accepts names in any case (``WARN``, ``warning``, ``W``, ``Information``, ``CRITICAL``, ``err``,
    ``notice``, ``DEBUG5``, ``INFO2``), numeric strings and numbers (see :func:`level_from_number`).
    Results for strings are cached: loggers use a handful of spellings.
    """
    if isinstance(raw, str):
        if scheme != "auto":
            return _level_from_text(raw, scheme)
        cached = _WORD_CACHE.get(raw)
        if cached is not None or raw in _WORD_CACHE:
            return cached
        result = _level_from_text(raw, scheme)
        if len(_WORD_CACHE) < 1024:
            _WORD_CACHE[raw] = result
        return result
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return level_from_number(raw, scheme)
    return None


def _level_from_text(raw: str, scheme: str) -> str | None:
    word = raw.strip().strip("[]<>").strip().lower()
    if not word:
        return None
    found = _LEVEL_WORDS.get(word)
    if found is not None:
        return found
    # ASCII digits only: str.isdigit() is also true for "²" or "٣", which int() rejects or reads as numbers
    # no logger writes as a level.
    if word.isascii() and word.isdigit():
        return level_from_number(int(word), scheme)
    # "debug5", "info2" (OTel severityText variants), "warn:" / "error," with trailing punctuation.
    stripped = word.rstrip("0123456789:,.;")
    if stripped != word:
        return _LEVEL_WORDS.get(stripped)
    return None
