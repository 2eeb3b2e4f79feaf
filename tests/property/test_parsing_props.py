"""Invariants of parsing and normalisation for arbitrary input: never raise, always a well-formed document."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from logpipe.levels import LEVEL_NAMES, normalise_level
from logpipe.parsing import load_parsers, parse_event
from logpipe.timestamps import TimeNormaliser

PARSERS = load_parsers()
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UTC_TIMES = TimeNormaliser("UTC")
SEOUL_TIMES = TimeNormaliser("Asia/Seoul")

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=15,
)
field_names = st.sampled_from(
    ["log", "message", "msg", "level", "lvl", "time", "ts", "@timestamp", "timestamp", "stack_trace", "exception",
     "severityNumber", "severityText", "body", "resourceLogs", "logger", "pid", "error", "err", "instant", "date"]
) | st.text(max_size=10)  # fmt: skip
events = st.dictionaries(field_names, json_values, max_size=8)
line_starts = st.sampled_from(
    ["2025-11-25 07:00:01,123 ", "2025-11-25T07:00:00Z\t", "Nov 25 07:00:01 ", "<34>", "081109 203615 ", "{", "E1125 ",
     '1.2.3.4 - - [25/Nov/2025:07:00:00 +0000] "GET ', "level=", "\tat ", "Traceback (most recent call last):\n", ""]
)  # fmt: skip


def _check(doc: dict[str, Any]) -> None:
    assert isinstance(doc["message"], str)
    assert isinstance(doc["logpipe.parse"], str) and doc["logpipe.parse"]
    if "@timestamp" in doc:
        assert ISO_MS.match(doc["@timestamp"]), doc["@timestamp"]
    if "log.level" in doc:
        assert doc["log.level"] in LEVEL_NAMES


@settings(max_examples=300, deadline=None)
@given(events)
def test_any_event_parses(event: dict[str, Any]) -> None:
    before = copy.deepcopy(event)
    doc, rest = parse_event(event, PARSERS)
    assert event == before  # never modified
    _check(doc)
    assert isinstance(rest, dict)


@settings(max_examples=300, deadline=None)
@given(line_starts, st.text(max_size=120))
def test_any_line_parses(start: str, tail: str) -> None:
    doc, _ = parse_event({"log": start + tail}, PARSERS)
    _check(doc)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1)))
def test_iso_round_trip(moment: datetime) -> None:
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert UTC_TIMES.from_text(moment.isoformat(sep=" ")) == expected
    assert UTC_TIMES.from_text(moment.isoformat() + "Z") == expected
    epoch_ms = (moment.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert UTC_TIMES.from_value(epoch_ms) == expected
    assert UTC_TIMES.from_value(str(epoch_ms * 1_000_000)) == expected  # ns as a string (OTel)
    # offset-less KST equals the UTC time nine hours earlier
    kst = (moment - timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert SEOUL_TIMES.from_text(moment.isoformat(sep=" ", timespec="milliseconds")) == kst


@given(json_values)
@example("²")  # str.isdigit() is true, int() raises: failed the whole record (internal-error:ValueError)
@example("٣")  # an Arabic-Indic 3 is not the syslog severity 3
def test_level_is_standard_or_none(value: Any) -> None:
    assert normalise_level(value) in (*LEVEL_NAMES, None)


# -- digits other than ASCII 0-9 ("²", "٣", "१"): isdigit() is true for them, int() rejects or reads them ------------
ISO_ASCII = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")
unicode_digits = st.characters(categories=["Nd", "No"])
digit_texts = st.text(unicode_digits | st.sampled_from("0123456789-:.,+TZ /"), max_size=32)
TIME_TEMPLATES = ("2025-11-25T07:00:00.123+09:00", "2025-11-25 07:00:01,123", "1764054000", "1764054000.123",
                  "1764054000123456789", "25/Nov/2025:07:00:00 +0000", "081109 203615", "Nov 25 07:00:01")  # fmt: skip


def _assert_no_crash(text: str) -> None:
    assert normalise_level(text) in (*LEVEL_NAMES, None)
    for times in (UTC_TIMES, SEOUL_TIMES, UTC_TIMES):  # UTC twice: the second call reads the caches
        iso = times.from_value(text)
        assert iso is None or ISO_ASCII.match(iso), iso
    doc, _ = parse_event({"level": text, "time": text, "pid": text, "message": "m"}, PARSERS)
    _check(doc)
    assert "@timestamp" not in doc or ISO_ASCII.match(doc["@timestamp"])
    for line in (f"{text} INFO started", f"<34>1 {text} host app {text} - - m", f"{text}\terror\tf.go:{text}\tm"):
        doc, _ = parse_event({"log": line}, PARSERS)
        _check(doc)
        assert "@timestamp" not in doc or ISO_ASCII.match(doc["@timestamp"])


@settings(max_examples=300, deadline=None)
@given(digit_texts)
@example("²")
@example("1764054000²")
@example("2025-11-25T07:00:00+0²:00")
@example("2025-11-25T07:00:0²Z")
@example("2025-11-25T07:00:00.١٢٣Z")
def test_unicode_digits_never_raise_nor_leak_into_timestamps(text: str) -> None:
    _assert_no_crash(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TIME_TEMPLATES), st.data())
def test_one_unicode_digit_in_a_real_timestamp(template: str, data: st.DataObject) -> None:
    """A valid time with one of its ASCII digits swapped for any Unicode digit: never an exception."""
    positions = [i for i, c in enumerate(template) if c.isdigit()]
    i = data.draw(st.sampled_from(positions))
    _assert_no_crash(template[:i] + data.draw(unicode_digits) + template[i + 1 :])
