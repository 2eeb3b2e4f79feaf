"""Timestamp normalisation: every common format to ISO-8601 UTC with exactly three millisecond digits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from logpipe.timestamps import TimeNormaliser, zone_for

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def utc() -> TimeNormaliser:
    return TimeNormaliser("UTC", now=lambda: NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1764054000, "2025-11-25T07:00:00.000Z"),  # epoch seconds
        (1764054000.5, "2025-11-25T07:00:00.500Z"),  # Fluent Bit's double
        (1714530896.123456, "2024-05-01T02:34:56.123Z"),
        (1764054000123, "2025-11-25T07:00:00.123Z"),  # ms (pino)
        (1764054000123456, "2025-11-25T07:00:00.123Z"),  # µs (journald)
        (1764054000123456789, "2025-11-25T07:00:00.123Z"),  # ns (OTel timeUnixNano)
        ("1700000000000000000", "2023-11-14T22:13:20.000Z"),
        ("1764054000", "2025-11-25T07:00:00.000Z"),
        ("1764054000.25", "2025-11-25T07:00:00.250Z"),
        ({"epochSecond": 1663977609, "nanoOfSecond": 484000000}, "2022-09-24T00:00:09.484Z"),
    ],
)
def test_epochs_by_magnitude(utc: TimeNormaliser, value: object, expected: str) -> None:
    assert utc.from_value(value) == expected


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 0, -5, 10**30, 1e300, True])
def test_impossible_epochs_are_no_time(utc: TimeNormaliser, value: object) -> None:
    """json.loads accepts Infinity/NaN: a record carrying one keeps its arrival time rather than crashing."""
    assert utc.from_value(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-25T07:00:00.012Z", "2025-11-25T07:00:00.012Z"),
        ("2025-11-25T07:00:00Z", "2025-11-25T07:00:00.000Z"),
        ("2025-11-25T16:00:00.123+09:00", "2025-11-25T07:00:00.123Z"),
        ("2025-11-25T16:00:00.123+0900", "2025-11-25T07:00:00.123Z"),
        ("2025-11-25T02:00:00-05:00", "2025-11-25T07:00:00.000Z"),
        ("2025-11-25T07:00:00.123456789Z", "2025-11-25T07:00:00.123Z"),
        ("2025-11-25T07:00:03.5Z", "2025-11-25T07:00:03.500Z"),
        ("2025-11-25 07:00:01,123", "2025-11-25T07:00:01.123Z"),  # Python asctime
        ("2025-11-25 07:00:01.123", "2025-11-25T07:00:01.123Z"),  # Spring
        ("2025-11-25T07:00", "2025-11-25T07:00:00.000Z"),
        ("2025-11-25 07:00:00 UTC", "2025-11-25T07:00:00.000Z"),
        ("25/Nov/2025:16:00:00 +0900", "2025-11-25T07:00:00.000Z"),  # Apache / nginx
        ("081109 203615", "2008-11-09T20:36:15.000Z"),  # HDFS
        ("17/06/09 20:10:40", "2017-06-09T20:10:40.000Z"),  # Spark
        ("2019/01/15 07:48:05", "2019-01-15T07:48:05.000Z"),  # Go log
        ("20171223-22:15:29:606", "2017-12-23T22:15:29.606Z"),
        ("2005-06-03-15.42.50.675872", "2005-06-03T15:42:50.675Z"),
        ("Sun Dec 04 04:47:44 2005", "2005-12-04T04:47:44.000Z"),
        ("Jul 09, 2015 3:23:29 PM", "2015-07-09T15:23:29.000Z"),
        ("2012-025T10:22:40,672", "2012-01-25T10:22:40.672Z"),
    ],
)
def test_text_formats(utc: TimeNormaliser, text: str, expected: str) -> None:
    assert utc.from_text(text) == expected


def test_offsetless_times_use_the_default_zone() -> None:
    seoul = TimeNormaliser("Asia/Seoul")
    assert seoul.from_text("2025-11-25 16:00:01.123") == "2025-11-25T07:00:01.123Z"
    assert seoul.from_text("2025-11-25 16:00:01,123") == "2025-11-25T07:00:01.123Z"
    # explicit offsets are never reinterpreted
    assert seoul.from_text("2025-11-25T16:00:01.123Z") == "2025-11-25T16:00:01.123Z"
    assert TimeNormaliser("+09:00").from_text("2025-11-25 16:00:00") == "2025-11-25T07:00:00.000Z"


def test_dst_zone_is_applied_per_date() -> None:
    ny = TimeNormaliser("America/New_York")
    assert ny.from_text("2025-07-01 12:00:00") == "2025-07-01T16:00:00.000Z"
    assert ny.from_text("2025-12-01 12:00:00") == "2025-12-01T17:00:00.000Z"


def test_syslog_year_is_inferred_never_in_the_future(utc: TimeNormaliser) -> None:
    # now = 2026-11-25T06:00Z
    assert utc.from_text("Nov 25 05:00:01") == "2026-11-25T05:00:01.000Z"
    assert utc.from_text("Nov 25 07:00:01") == "2026-11-25T07:00:01.000Z"  # within a day: clock skew
    assert utc.from_text("Dec 10 06:55:46") == "2025-12-10T06:55:46.000Z"
    assert utc.from_text("Jan  3 00:00:00") == "2026-01-03T00:00:00.000Z"
    assert utc.from_text("1224 23:59:59.500000") == "2025-12-24T23:59:59.500Z"  # glog
    assert utc.from_text("11-25 05:59:00.250") == "2026-11-25T05:59:00.250Z"  # logcat


def test_cache_does_not_mix_seconds_or_zones(utc: TimeNormaliser) -> None:
    assert utc.from_text("2025-11-25T07:00:01.001Z") == "2025-11-25T07:00:01.001Z"
    assert utc.from_text("2025-11-25T07:00:02.002Z") == "2025-11-25T07:00:02.002Z"
    assert utc.from_text("2025-11-25T07:00:02.002+01:00") == "2025-11-25T06:00:02.002Z"


@pytest.mark.parametrize(
    "value",
    ["", "xxx", "not a time", "2025-13-45T99:00:00Z", "12345", 0, -5, True, None, [1], "2025-11-25T07:00:00FOO", 1e30],
)
def test_rejects_non_times(utc: TimeNormaliser, value: object) -> None:
    assert utc.from_value(value) is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("UTC", "0001-01-01T00:00:00+09:00"),  # shifted before year 1
        ("UTC", "9999-12-31T23:59:00-05:00"),  # shifted past year 9999
        ("Asia/Seoul", "0001-01-01T00:00:00"),
        ("UTC", "2025-11-25T07:00:00+0²:00"),  # a digit int() cannot read
    ],
)
def test_times_that_cannot_be_expressed_in_utc_are_no_time(zone: str, text: str) -> None:
    """They raised OverflowError/ValueError, failing the whole record; now the record keeps its arrival time."""
    assert TimeNormaliser(zone).from_text(text) is None


def test_leading_returns_end_of_the_timestamp(utc: TimeNormaliser) -> None:
    line = "2025-11-25 07:00:01,123 INFO started"
    iso, end = utc.leading(line) or ("", 0)
    assert iso == "2025-11-25T07:00:01.123Z"
    assert line[end:] == " INFO started"
    iso, end = utc.leading("[25/Nov/2025:07:00:00 +0000] GET") or ("", 0)
    assert iso == "2025-11-25T07:00:00.000Z"


def test_unknown_zone_is_an_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        zone_for("Mars/Olympus")


@pytest.mark.parametrize(
    "text",
    ["²", "1764054000²", "1764054000.²", "2025-11-25T07:00:0²Z", "2025-11-25T07:00:00.²Z", "2025-11-25T07:00:00+0²",
     "2025-11-25T07:00:00.١٢٣Z"],
)  # fmt: skip
def test_digits_other_than_ascii_are_no_time(utc: TimeNormaliser, text: str) -> None:
    """``isdigit()`` accepts "²"; int() raised (the record failed) or "²" reached ``@timestamp`` unchanged."""
    assert utc.from_text(text) is None
    assert utc.from_text(text) is None  # second call: the per-minute caches and the shortcut


def test_unicode_decimal_fraction_of_a_layout_is_written_in_ascii(utc: TimeNormaliser) -> None:
    assert utc.from_text("25/Nov/2025:07:00:00.١٢٣ +0000") == "2025-11-25T07:00:00.123Z"
