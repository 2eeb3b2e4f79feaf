"""Level normalisation: every spelling loggers use maps onto trace/debug/info/warn/error/fatal."""

from __future__ import annotations

import pytest

from logpipe.levels import LEVEL_NAMES, normalise_level


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WARN", "warn"), ("warning", "warn"), ("W", "warn"), ("Warning", "warn"),
        ("E", "error"), ("err", "error"), ("ERROR", "error"), ("SEVERE", "error"),
        ("CRITICAL", "fatal"), ("fatal", "fatal"), ("crit", "fatal"), ("emerg", "fatal"), ("dpanic", "fatal"),
        ("notice", "info"), ("Information", "info"), ("I", "info"), ("INFO2", "info"),
        ("DEBUG5", "debug"), ("fine", "debug"), ("D", "debug"),
        ("TRACE", "trace"), ("verbose", "trace"), ("finest", "trace"),
        ("[error]", "error"), (" info ", "info"),
        (30, "info"), (40, "warn"), (50, "error"), (60, "fatal"), (10, "trace"),  # pino / bunyan
        (40000, "error"), (20000, "info"), (5000, "trace"),  # logback level_value
        (3, "error"), (4, "warn"), (6, "info"), (7, "debug"), (0, "fatal"),  # syslog severity
        ("3", "error"), (400, "info"), (200, "error"),  # log4j2 intLevel
    ],
)  # fmt: skip
def test_spellings(raw: object, expected: str) -> None:
    assert normalise_level(raw) == expected


@pytest.mark.parametrize(
    ("raw", "scheme", "expected"),
    [
        (9, "otel", "info"), (13, "otel", "warn"), (17, "otel", "error"), (21, "otel", "fatal"), (1, "otel", "trace"),
        (5, "otel", "debug"), (30, "python", "warn"), (50, "python", "fatal"), ("3", "syslog", "error"),
        (40000, "logback", "error"), (300, "log4j", "warn"),
    ],
)  # fmt: skip
def test_schemes(raw: object, scheme: str, expected: str) -> None:
    assert normalise_level(raw, scheme) == expected


@pytest.mark.parametrize("raw", ["", "hello", "level", None, True, 99999999, -1, 25.5e9, {"a": 1}, "61"])
def test_not_levels(raw: object) -> None:
    assert normalise_level(raw) is None


def test_results_are_standard_names() -> None:
    for raw in ("warn", "e", 30, "CRITICAL", "notice", 7):
        assert normalise_level(raw) in LEVEL_NAMES


@pytest.mark.parametrize("raw", ["²", "1²", "٣", "३", "[²]", "²0000"])
def test_digits_other_than_ascii_are_not_levels(raw: str) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` raises: the record failed with internal-error:ValueError."""
    assert normalise_level(raw) is None
    assert normalise_level(raw, "syslog") is None
