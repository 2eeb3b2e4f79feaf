"""Normalise every common log timestamp to ISO-8601 UTC with exactly three millisecond digits and ``Z``.

Why one module: every parser meets the same dozen spellings (epoch s/ms/µs/ns, ISO with and without
offsets, Python's comma millis, syslog without a year, Apache's ``25/Nov/2025:07:00:00 +0000``, HDFS's
``081109 203615`` ...), and the processor meets them ~45k times a second. So:

- the hot ISO path is plain slicing, no regex and no ``strptime``;
- the expensive part (calendar + time-zone arithmetic) is cached per *second prefix*: a busy service logs
  many lines per second, and every one of them after the first costs two dict lookups;
- offset-less times are read in the configured default zone (``zoneinfo``): Korean services commonly
  log KST without an offset, so ``default_timezone: Asia/Seoul`` makes them correct;
- formats without a year (syslog RFC 3164, glog, logcat) get the most recent year that does not put the
  time more than a day into the future.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS: dict[str, int] = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
# Zone abbreviations that are unambiguous enough to trust (others are rejected, never guessed).
_ABBREVIATIONS: dict[str, int] = {"Z": 0, "z": 0, "UTC": 0, "GMT": 0, "UT": 0, "KST": 540, "JST": 540}
_CACHE_LIMIT = 8192
# Epoch magnitudes: below 1e11 is seconds (until year 5138), then ms, µs, ns.
_EPOCH_S_MAX, _EPOCH_MS_MAX, _EPOCH_US_MAX = 1e11, 1e14, 1e17
_INFINITY = float("inf")
# Plausible log times: 1973-03-03 .. 2286-11-20 in seconds. Rejects small counters mistaken for epochs.
_EPOCH_MIN_S, _EPOCH_MAX_S = 100_000_000, 9_999_999_999


def zone_for(name: str) -> tzinfo:
    """The ``tzinfo`` for a configured zone name (``UTC``, ``Asia/Seoul``, ``+09:00``); ValueError if unknown."""
    if name in ("UTC", "Z", "utc"):
        return UTC
    minutes = _offset_minutes(name)
    if minutes is not None:
        return timezone(timedelta(minutes=minutes))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _offset_minutes(text: str) -> int | None:
    """Minutes east of UTC for ``Z``, ``+09:00``, ``+0900``, ``+09``, ``UTC``, ``KST``; ``None`` if not an offset."""
    known = _ABBREVIATIONS.get(text)
    if known is not None:
        return known
    n = len(text)
    if n < 3 or text[0] not in "+-":
        if text.startswith(("UTC", "GMT")) and n > 3:
            return _offset_minutes(text[3:])
        return None
    sign = -1 if text[0] == "-" else 1
    body = text[1:].replace(":", "")
    if not (body.isascii() and body.isdigit()) or len(body) not in (2, 4):
        return None
    try:
        hours, minutes = int(body[:2]), int(body[2:] or 0)
    except ValueError:  # digits int() does not read ("+0²:00")
        return None
    if hours > 14 or minutes > 59:
        return None
    return sign * (hours * 60 + minutes)


@functools.lru_cache(maxsize=256)
def _offset_delta(zone: str) -> timedelta | None:
    """The UTC offset a zone text (``+09:00``, ``Z``, ``KST`` ...) names, as a timedelta; ``None`` if none."""
    minutes = _offset_minutes(zone)
    return None if minutes is None else timedelta(minutes=minutes)


def _millis(fraction: str) -> str:
    """Three millisecond digits from a fraction's digits (truncated, as loggers do)."""
    if not fraction:
        return "000"
    if not fraction.isascii():  # Unicode decimal digits a layout's \d matched ("١٢٣"): write them in ASCII
        try:
            fraction = "".join([str(int(c)) for c in fraction[:3]])
        except ValueError:
            return "000"
    return (fraction + "00")[:3]


class TimeNormaliser:
    """Turns timestamp values into ``YYYY-MM-DDTHH:MM:SS.mmmZ``; one per parser set (it holds the caches).

    ``now`` is injectable for year inference in tests; by default the wall clock is read (cheaply, once
    per call that needs it).
    """

    __slots__ = ("_epoch_cache", "_now", "_prefix_cache", "default_zone")

    def __init__(self, default_timezone: str = "UTC", now: Callable[[], float] | None = None) -> None:
        self.default_zone = zone_for(default_timezone)
        self._now = now or time.time
        self._prefix_cache: dict[tuple[str, str], str | None] = {}
        self._epoch_cache: dict[int, str] = {}

    # -- values -----------------------------------------------------------------------------------------
    def from_value(self, value: Any) -> str | None:
        """Any JSON value a logger used as a time: number (epoch), string, or ``{epochSecond, nanoOfSecond}``."""
        if isinstance(value, str):
            return self.from_text(value)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return self.from_epoch(value)
        if isinstance(value, dict):  # log4j2 JsonLayout "instant"
            seconds = value.get("epochSecond")
            if isinstance(seconds, int) and not isinstance(seconds, bool):
                nanos = value.get("nanoOfSecond")
                millis = nanos // 1_000_000 if isinstance(nanos, int) else 0
                return self._from_seconds(seconds, millis)
            for key in ("$date", "date", "value"):  # Mongo-style {"$date": ...}
                if key in value:
                    return self.from_value(value[key])
        return None

    def from_epoch(self, value: float) -> str | None:
        """Epoch seconds, milliseconds, microseconds or nanoseconds (unit decided by magnitude)."""
        if value != value or value <= 0 or value == _INFINITY:  # NaN, zero, negative, inf (json's "Infinity")
            return None
        if isinstance(value, float):
            if value < _EPOCH_S_MAX:
                seconds = int(value)
                millis = round((value - seconds) * 1_000_000) // 1000  # µs-precise, then truncate
                return self._from_seconds(seconds, min(millis, 999))
            value = int(value)
        if value < _EPOCH_S_MAX:
            return self._from_seconds(value, 0)
        if value < _EPOCH_MS_MAX:
            seconds, millis = divmod(value, 1000)
        elif value < _EPOCH_US_MAX:
            seconds, millis = divmod(value // 1000, 1000)
        else:
            seconds, millis = divmod(value // 1_000_000, 1000)
        return self._from_seconds(seconds, millis)

    def _from_seconds(self, seconds: int, millis: int) -> str | None:
        if seconds < _EPOCH_MIN_S or seconds > _EPOCH_MAX_S:
            return None
        prefix = self._epoch_cache.get(seconds)
        if prefix is None:
            t = time.gmtime(seconds)
            prefix = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
            if len(self._epoch_cache) >= _CACHE_LIMIT:
                self._epoch_cache.clear()
            self._epoch_cache[seconds] = prefix
        return f"{prefix}.{millis:03d}Z"

    def from_text(self, text: str) -> str | None:
        """A string that is (only) a timestamp, in any supported format; ``None`` if it is not one.

        Shortcut first: the two layouts nearly every record uses, ISO-like
        ``YYYY-MM-DD[T ]HH:MM:SS[(.|,)digits][Z|±HH:MM|±HHMM]`` (ISO, Python, Spring) and Apache's
        ``25/Nov/2025:07:00:00 +0000``, are read by slicing once their minute is in the per-minute cache.
        Any other shape, anything unusual, and the first time of each minute go to :meth:`_read_text`,
        which fills the cache; the shortcut's answer is always the one :meth:`_read_text` gives
        (tests/property/test_parsing_fast_paths.py).
        """
        n = len(text)
        if n >= 19 and text.isascii():  # isascii() is O(1); non-ASCII "digits" are for the general path
            if text[4] == "-":
                if text[-1] == "Z":
                    zone, end = "Z", n - 1
                elif text[-6] in "+-" and text[-3] == ":" and text[-5:-3].isdigit() and text[-2:].isdigit():
                    zone, end = text[-6:], n - 6
                elif text[-5] in "+-" and text[-4:].isdigit():
                    zone, end = text[-5:], n - 5
                else:
                    zone, end = "", n
                seconds = text[17:19]
                if (
                    text[16] == ":"
                    and text[0].isdigit()
                    and (end == 19 or (end > 20 and text[19] in ".," and text[20:end].isdigit()))
                    and seconds.isdigit()
                    and seconds < "60"
                ):
                    key = (text[:16], zone)
                    minute = self._prefix_cache.get(key, "")
                    if minute == "" and text[7] == "-" and text[13] == ":" and text[10] in "T ":
                        # First of this minute: what iso_prefix computes and caches for it.
                        minute = self._compute_minute_prefix(text[:16], zone)
                        self._remember(key, minute)
                    if minute:
                        return f"{minute}:{seconds}.{(text[20:end] + '000')[:3]}Z"
            elif n == 26 and text[2] == "/":
                apache = _apache_key(text)
                if apache is not None:
                    minute = self._prefix_cache.get(apache, "")
                    if minute == "":  # first of this minute: what the Apache layout's converter computes
                        prefix = self.utc_prefix(
                            int(text[7:11]), MONTHS[text[3:6].lower()], int(text[:2]), int(text[12:14]),
                            int(text[15:17]), 0, text[21:],
                        )  # fmt: skip
                        minute = None if prefix is None else prefix[:16]
                        self._remember(apache, minute)
                    if minute is not None:
                        seconds = text[18:20]
                        return f"{minute}:{seconds if seconds < '60' else '59'}.000Z"
        return self._read_text(text)

    def _read_text(self, text: str) -> str | None:
        """:meth:`from_text` for every supported format (the general path behind the shortcut)."""
        text = text.strip()
        if not text:
            return None
        first = text[0]
        if first.isdigit():
            iso = self._iso(text, strict=True)
            if iso is not None:
                return iso
            if text.isascii() and (text.isdigit() or _is_decimal(text)):  # not "1764054000²": int() rejects it
                number = float(text) if "." in text else int(text)
                return self.from_epoch(number)
        found = self.leading(text)
        if found is not None and not text[found[1] :].strip(" ]"):
            return found[0]
        return None

    # -- ISO fast path ----------------------------------------------------------------------------------
    def _iso(self, text: str, strict: bool) -> str | None:
        """``YYYY-MM-DD[T ]HH:MM[:SS][.,]fraction[offset]`` by slicing; ``strict`` means nothing may follow."""
        result = self.iso_prefix(text)
        if result is None:
            return None
        iso, end = result
        if strict and end != len(text):
            return None
        return iso

    def iso_prefix(self, text: str) -> tuple[str, int] | None:
        """ISO-8601-like time at the start of ``text``: ``(iso, end index)`` or ``None``."""
        n = len(text)
        if n < 16 or text[4] != "-" or text[7] != "-" or text[13] != ":" or text[10] not in "T ":
            return None
        end = 19 if n >= 19 and text[16] == ":" else 16
        i = end
        fraction = ""
        if i < n and text[i] in ".,":
            j = i + 1
            while j < n and "0" <= text[j] <= "9":  # ASCII only: "²" is isdigit() but no fraction digit
                j += 1
            if j > i + 1:  # "04:30:30, Info" (Windows CBS): a separator without digits is not a fraction
                fraction = text[i + 1 : j]
                i = j
        zone = ""
        if i < n:
            c = text[i]
            if c in "Zz":
                zone, i = "Z", i + 1
            elif c in "+-":
                j = i + 1
                while j < n and (text[j].isdigit() or text[j] == ":") and j - i <= 6:
                    j += 1
                zone, i = text[i:j], j
            elif c == " " and text[i + 1 : i + 4] in ("UTC", "GMT", "KST", "JST") and text[i + 4 : i + 5] in ("", " "):
                zone, i = text[i + 1 : i + 4], i + 4
        # Cache per minute (offsets are whole minutes): the seconds are appended after the lookup.
        key = (text[:16], zone)
        minute = self._prefix_cache.get(key, "")
        if minute == "":
            minute = self._compute_minute_prefix(text[:16], zone)
            self._remember(key, minute)
        if minute is None:
            return None
        if end == 19:
            seconds = text[17:19]
            if not (seconds.isascii() and seconds.isdigit()) or seconds > "60":
                return None
            if seconds == "60":
                seconds = "59"
        else:
            seconds = "00"
        return f"{minute}:{seconds}.{_millis(fraction)}Z", i

    def _compute_minute_prefix(self, head: str, zone: str) -> str | None:
        """``YYYY-MM-DDTHH:MM`` in UTC for the local minute ``head`` in ``zone``."""
        try:
            year, month, day = int(head[0:4]), int(head[5:7]), int(head[8:10])
            hour, minute = int(head[11:13]), int(head[14:16])
        except ValueError:
            return None
        prefix = self.utc_prefix(year, month, day, hour, minute, 0, zone)
        return None if prefix is None else prefix[:16]

    def _remember(self, key: tuple[str, str], prefix: str | None) -> None:
        if len(self._prefix_cache) >= _CACHE_LIMIT:
            self._prefix_cache.clear()
        self._prefix_cache[key] = prefix

    def utc_prefix(
        self, year: int, month: int, day: int, hour: int, minute: int, second: int, zone: str = ""
    ) -> str | None:
        """``YYYY-MM-DDTHH:MM:SS`` in UTC for a wall-clock time in ``zone`` (empty: the default zone).

        Runs once per minute per zone (the callers cache its minute), which on a small batch is still
        about every other record: a fixed offset is plain subtraction (no tzinfo objects, no
        ``astimezone``), the same wall time a ``timezone(offset)`` conversion gives.
        """
        if second == 60:  # leap second: clamp rather than reject
            second = 59
        try:
            if zone:
                shift = _offset_delta(zone)
                if shift is None:
                    return None
                moment = datetime(year, month, day, hour, minute, second) - shift
            else:
                tz = self.default_zone
                moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
                if tz is not UTC:
                    moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):  # no such day; or year 1 / 9999 shifted out of range
            return None
        return moment.isoformat()[:19]  # YYYY-MM-DDTHH:MM:SS (second and microsecond are whole)

    def infer_year(self, month: int, day: int) -> int:
        """Year for a month/day logged without one: this year, or last year if that is over a day ahead."""
        now = self._now()
        current = time.gmtime(now)
        year = current.tm_year
        if (month, day) > (current.tm_mon, current.tm_mday) and not _within_a_day(year, month, day, now):
            year -= 1
        return year

    def cached(self, key: tuple[str, str], compute: Callable[[], str | None]) -> str | None:
        """Per-second-prefix cache shared by the layout converters (``None`` results are cached too)."""
        prefix = self._prefix_cache.get(key, "")
        if prefix == "":
            prefix = compute()
            self._remember(key, prefix)
        return prefix

    # -- timestamps at the start of a text line -----------------------------------------------------------
    def leading(self, line: str) -> tuple[str, int] | None:
        """The timestamp a plain-text log line starts with: ``(iso, end index)``, or ``None``.

        A leading ``[`` is skipped (``[25/Nov/2025:...]``, ``[Sun Dec 04 ...]``). Formats are tried by
        their first character, so a line costs one or two regex matches at most.
        """
        if not line:
            return None
        start = 1 if line[0] == "[" else 0
        if start >= len(line):
            return None
        first = line[start]
        if first.isdigit():
            found = self.iso_prefix(line[start:]) if start else self.iso_prefix(line)
            if found is not None:
                return found[0], found[1] + start
        for guard, pattern, convert in _layouts():
            if guard(first):
                m = pattern.match(line, start)
                if m is not None:
                    iso = convert(self, m)
                    if iso is not None:
                        return iso, m.end()
        return None


def _within_a_day(year: int, month: int, day: int, now: float) -> bool:
    try:
        then = datetime(year, month, day, tzinfo=UTC).timestamp()
    except ValueError:
        return False
    return then - now <= 86400


_APACHE_MONTHS = frozenset(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))


def _apache_key(text: str) -> tuple[str, str] | None:
    """Cache key of the minute of ``dd/Mon/yyyy:HH:MM:SS ±zzzz`` (exactly that, ASCII digits), else ``None``.

    The second part starts with ``apache`` so it never meets the ISO keys ``(YYYY-MM-DDTHH:MM, zone)``.
    """
    if (
        text[6] != "/"
        or text[11] != ":"
        or text[14] != ":"
        or text[17] != ":"
        or text[20] != " "
        or text[21] not in "+-"
        or text[3:6] not in _APACHE_MONTHS
    ):
        return None
    digits = text[0:2] + text[7:11] + text[12:14] + text[15:17] + text[18:20] + text[22:26]
    if not (digits.isascii() and digits.isdigit()):
        return None
    return text[:17], "apache" + text[21:]


def _is_decimal(text: str) -> bool:
    head, dot, tail = text.partition(".")
    return bool(dot) and head.isdigit() and tail.isdigit()


# -- layouts other than ISO: (first-character guard, regex, converter) -------------------------------------
_Converter = Callable[[TimeNormaliser, "re.Match[str]"], "str | None"]


def _g(m: re.Match[str], name: str) -> str:
    """A group's text, empty when the layout has no such group or it did not take part."""
    return m.groupdict().get(name) or ""


def _month(name: str) -> int:
    return MONTHS.get(name[:3].lower(), 0)


def _convert(
    tn: TimeNormaliser, m: re.Match[str], year: int, month: int, day: int, zone: str = "", fraction: str = ""
) -> str | None:
    hour, minute = int(m.group("h")), int(m.group("mi"))
    second = min(int(_g(m, "s") or 0), 59)
    if month < 1 or month > 12:
        return None
    # Cached per minute (zone offsets are whole minutes); the seconds are appended after the lookup.
    key = (m.group(0)[: m.end("mi") - m.start(0)], f"{zone}|{year}|{month}|{day}")
    prefix = tn.cached(key, lambda: _minute(tn.utc_prefix(year, month, day, hour, minute, 0, zone)))
    return None if prefix is None else f"{prefix}:{second:02d}.{_millis(fraction)}Z"


def _minute(prefix: str | None) -> str | None:
    return None if prefix is None else prefix[:16]


def _apache(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # 25/Nov/2025:07:00:00 +0000
    return _convert(tn, m, int(m.group("y")), _month(m.group("b")), int(m.group("d")), _g(m, "z"), _g(m, "f"))


def _ctime(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # Sun Dec 04 04:47:44 2005 (Apache error log, C asctime)
    return _convert(tn, m, int(m.group("y")), _month(m.group("b")), int(m.group("d")), "", _g(m, "f"))


def _syslog(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # Nov 25 07:00:01 (RFC 3164: no year, no zone)
    month, day = _month(m.group("b")), int(m.group("d"))
    return _convert(tn, m, tn.infer_year(month, day), month, day, "", _g(m, "f"))


def _jul(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # Jul 09, 2015 3:23:29 PM (java.util.logging SimpleFormatter)
    hour = int(m.group("h")) % 12 + (12 if m.group("ampm").upper() == "PM" else 0)
    month, day, year = _month(m.group("b")), int(m.group("d")), int(m.group("y"))
    key = (m.group(0), "jul")
    minute, second = int(m.group("mi")), int(m.group("s"))
    prefix = tn.cached(key, lambda: tn.utc_prefix(year, month, day, hour, minute, second))
    return None if prefix is None else f"{prefix}.000Z"


def _numeric_date(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # 2019/01/15 07:48:05, 20171223-22:15:29:606, 2005-06-03-15.42.50.675872, 081109 203615, 17/06/09 20:10:40,
    # 25.11.2025 07:00
    year = int(m.group("y"))
    if year < 100:
        year += 2000 if year < 70 else 1900
    return _convert(tn, m, year, int(m.group("mo")), int(m.group("d")), _g(m, "z"), _g(m, "f"))


def _no_year(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # 03-17 16:13:38.811 (logcat), 10.30 16:49:06 (Proxifier), 0517 15:04:22.619632 (glog)
    month, day = int(m.group("mo")), int(m.group("d"))
    return _convert(tn, m, tn.infer_year(month, day), month, day, "", _g(m, "f"))


def _ordinal(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # 2012-025T10:22:40,672 (ISO ordinal date)
    year, yday = int(m.group("y")), int(m.group("j"))
    try:
        date = datetime(year, 1, 1) + timedelta(days=yday - 1)
    except (ValueError, OverflowError):
        return None
    if date.year != year:
        return None
    return _convert(tn, m, year, date.month, date.day, _g(m, "z"), _g(m, "f"))


def _epoch_prefix(tn: TimeNormaliser, m: re.Match[str]) -> str | None:
    # 1428634687123 Hello (epoch s/ms at the start of a line, alone as a token)
    digits = m.group("e")
    fraction = m.group("f")
    if fraction:
        return tn.from_epoch(float(f"{digits}.{fraction}"))
    return tn.from_epoch(int(digits))


_TIME = r"(?P<h>\d\d):(?P<mi>\d\d)(?::(?P<s>\d\d))?"
_FRACTION = r"(?:[.,:](?P<f>\d{1,9}))?"
_ZONE = r"(?:\s?(?P<z>Z|[+-]\d\d:?\d\d|UTC|GMT|KST)(?![\w:]))?"
_MON = r"(?P<b>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"


@functools.cache
def _layouts() -> tuple[tuple[Callable[[str], bool], re.Pattern[str], _Converter], ...]:
    """The layouts :meth:`TimeNormaliser.leading` tries, compiled on first use (~3 ms): ISO and Apache
    times, nearly every record's, are read without them."""
    digit: Callable[[str], bool] = str.isdigit
    upper: Callable[[str], bool] = str.isupper
    return (
        (digit, re.compile(rf"(?P<d>\d\d)/{_MON}/(?P<y>\d{{4}}):{_TIME}{_FRACTION}(?:\s(?P<z>[+-]\d{{4}}))?"), _apache),
        (digit, re.compile(rf"(?P<y>\d{{4}})/(?P<mo>\d\d?)/(?P<d>\d\d?)[ T]{_TIME}{_FRACTION}{_ZONE}"), _numeric_date),
        (digit, re.compile(rf"(?P<y>\d{{4}})-(?P<j>\d{{3}})T{_TIME}{_FRACTION}{_ZONE}"), _ordinal),
        (
            digit,
            re.compile(
                r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)-(?P<h>\d\d)\.(?P<mi>\d\d)\.(?P<s>\d\d)(?:\.(?P<f>\d+))?"
            ),
            _numeric_date,
        ),
        (
            digit,  # 20171223-22:15:29:606, also unpadded 20171223-23:1:5:778 (HealthApp)
            re.compile(
                r"(?P<y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)-(?P<h>\d\d?):(?P<mi>\d\d?):(?P<s>\d\d?)(?::(?P<f>\d{1,3}))?"
            ),
            _numeric_date,
        ),
        (digit, re.compile(rf"(?P<y>\d\d)/(?P<mo>\d\d)/(?P<d>\d\d) {_TIME}{_FRACTION}(?!\d)"), _numeric_date),
        # 25.11.2025 07:00[:00] (day first: German, Russian, ... locales; no one writes month.day.year)
        (digit, re.compile(rf"(?P<d>\d\d)\.(?P<mo>\d\d)\.(?P<y>\d{{4}})[ T]{_TIME}{_FRACTION}{_ZONE}"), _numeric_date),
        (
            digit,
            re.compile(
                r"(?P<y>\d\d)(?P<mo>[01]\d)(?P<d>[0-3]\d) (?P<h>[0-2]\d)(?P<mi>[0-5]\d)(?P<s>[0-6]\d)(?P<f>)(?P<z>)\b"
            ),
            _numeric_date,
        ),
        (digit, re.compile(rf"(?P<mo>[01]\d)-(?P<d>[0-3]\d) {_TIME}{_FRACTION}(?!\d)"), _no_year),
        (digit, re.compile(rf"(?P<mo>[01]\d)\.(?P<d>[0-3]\d) {_TIME}{_FRACTION}(?!\d)"), _no_year),
        (digit, re.compile(rf"(?P<mo>[01]\d)(?P<d>[0-3]\d) {_TIME}\.(?P<f>\d{{6}})(?!\d)"), _no_year),  # glog
        (digit, re.compile(r"(?P<e>1\d{9}|1\d{12})(?:\.(?P<f>\d{1,9}))?(?![\w.:/-])"), _epoch_prefix),
        (
            upper,
            re.compile(rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? {_MON} +(?P<d>\d\d?) {_TIME}{_FRACTION} (?P<y>\d{{4}})"),
            _ctime,
        ),
        (
            upper,
            re.compile(rf"{_MON} (?P<d>\d\d), (?P<y>\d{{4}}) (?P<h>\d\d?):(?P<mi>\d\d):(?P<s>\d\d) (?P<ampm>[AP]M)"),
            _jul,
        ),
        (upper, re.compile(rf"{_MON} +(?P<d>\d\d?) {_TIME}{_FRACTION}(?!\d)"), _syslog),
    )
