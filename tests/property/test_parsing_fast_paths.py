"""The parsing fast paths give exactly what the general paths give, on generated input.

Speed work added shortcuts in front of general code (issue 7). Each shortcut may decline (``None``: the
general path decides); whenever it answers, the answer must be the general path's, byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.levels import normalise_level
from logpipe.parsing import _JsonFields, _nested, load_parsers, parse_event, text
from logpipe.timestamps import TimeNormaliser

PARSERS = load_parsers()
ZONES = ("UTC", "Asia/Seoul", "America/New_York", "+05:30")

# Mostly digits, sometimes a character the shortcuts must refuse (Unicode digits, letters, signs ...).
odd = st.sampled_from("0123456789" * 12 + "٣²x :-+.,TZz/")


@st.composite
def iso_like(draw: st.DrawFn) -> str:
    """``YYYY-MM-DD?HH:MM:SS`` + fraction + zone, each piece usually well-formed, sometimes not."""
    year = (
        draw(st.sampled_from(["2024", "2025", "1999"]))
        if draw(st.booleans())
        else "".join(draw(st.lists(odd, min_size=4, max_size=4)))
    )
    month = draw(st.sampled_from(["01", "05", "12", "12", "13", "00", "1x"]))
    day = draw(st.sampled_from(["01", "15", "28", "31", "32", "00"]))
    hms = [
        draw(st.sampled_from(["00", "07", "23", "23", "24", "59", "59", "60", "61", "99", "5", "٣٣"])) for _ in range(3)
    ]
    sep = draw(st.sampled_from(["T", "T", " ", " ", "t", "_"]))
    fraction = draw(
        st.sampled_from(["", ".", ",", ".1", ".12", ",123", ".123", ".123456", ".123456789", ".12a", ".٣٣٣"])
    )
    zone = draw(st.sampled_from(["", "Z", "z", "+09:00", "-05:30", "+0900", "-0000", "+09", "+9:00", " UTC", "+25:00"]))
    tail = draw(st.sampled_from(["", "", "", "", "", " ", "x", "0", ":00"]))
    return f"{year}-{month}-{day}{sep}{hms[0]}:{hms[1]}:{hms[2]}{fraction}{zone}{tail}"


@st.composite
def apache_like(draw: st.DrawFn) -> str:
    day = draw(st.sampled_from(["01", "25", "31", "32", "00", "٣1", "1"]))
    month = draw(st.sampled_from(["Jan", "May", "Nov", "Dec", "Feb", "may", "Foo"]))
    year = draw(st.sampled_from(["2024", "1999", "2025", "20x4", "٣024"]))
    hms = [draw(st.sampled_from(["00", "07", "23", "24", "59", "60", "99", "5x"])) for _ in range(3)]
    zone = draw(st.sampled_from(["+0000", "+0000", "+0900", "-0700", "+09:0", "x0000", "+٣٣00"]))
    sep = draw(st.sampled_from([" ", " ", " ", "\t"]))
    return f"{day}/{month}/{year}:{hms[0]}:{hms[1]}:{hms[2]}{sep}{zone}"


def _same_minute(text: str, seconds: str, fraction: str) -> str:
    """``text`` with other seconds (and fraction digits): served from the minute cached for ``text``."""
    if len(text) >= 19 and text[4] == "-":
        rest = text[19:]
        if rest[:1] in (".", ",") and rest[1:4].isdigit():
            rest = rest[0] + fraction + rest[4:]
        return text[:17] + seconds + rest
    if len(text) >= 20 and text[2] == "/":
        return text[:18] + seconds + text[20:]
    return text


class _CountingNormaliser(TimeNormaliser):
    """Counts the records that took the general path (the rest were answered by the shortcut)."""

    general = 0

    def _read_text(self, text: str) -> str | None:
        self.general += 1
        return super()._read_text(text)


@settings(max_examples=600, deadline=None)
@given(st.one_of(iso_like(), apache_like()), st.sampled_from(ZONES), st.sampled_from(["00", "30", "59", "60", "7x"]),
       st.sampled_from(["000", "999", "٣٣٣", "12x"]))  # fmt: skip
def test_timestamp_shortcut_equals_general_path(text: str, zone: str, seconds: str, fraction: str) -> None:
    general = TimeNormaliser(zone, now=lambda: 1795000000.0)
    fast = TimeNormaliser(zone, now=lambda: 1795000000.0)
    expected = general._read_text(text)
    assert fast.from_text(text) == expected  # first sight: general path, fills the cache
    assert fast.from_text(text) == expected  # second sight: the shortcut when the shape allows
    sibling = _same_minute(text, seconds, fraction)
    assert fast.from_text(sibling) == general._read_text(sibling)


def test_timestamp_shortcut_serves_the_common_layouts_from_cache() -> None:
    """The shortcut really answers for the layouts the corpus uses (else it would only cost time)."""
    for first, second, expected in (
        ("2024-05-02T07:09:13.142+09:00", "2024-05-02T07:09:59.999+09:00", "2024-05-01T22:09:59.999Z"),
        ("2024-05-02 10:59:01.288+09:00", "2024-05-02 10:59:02.3+09:00", "2024-05-02T01:59:02.300Z"),
        ("2024-05-02 10:59:01.288-0130", "2024-05-02 10:59:02.3-0130", "2024-05-02T12:29:02.300Z"),
        ("2024-05-01 21:35:44,256", "2024-05-01 21:35:45,001", "2024-05-01T12:35:45.001Z"),
        ("2024-05-01T12:35:44.256Z", "2024-05-01T12:35:44.256789Z", "2024-05-01T12:35:44.256Z"),
        ("2024-05-01T12:35:44", "2024-05-01T12:35:45", "2024-05-01T03:35:45.000Z"),
        ("01/May/2024:11:54:00 +0000", "01/May/2024:11:54:07 +0000", "2024-05-01T11:54:07.000Z"),
    ):
        tn = _CountingNormaliser("Asia/Seoul")
        tn.from_text(first)  # the first of a minute: computed by the shortcut and cached
        assert tn.from_text(second) == expected  # the rest of the minute: read from the cache
        assert tn.general == 0, (first, second)
        assert TimeNormaliser("Asia/Seoul").from_text(second) == expected


# -- JSON: candidates per key sequence --------------------------------------------------------------------------
ALIASES = PARSERS.json_fields
alias_keys = st.sampled_from(sorted({*ALIASES.plain, *ALIASES.dotted, "other", "kubernetes"}))
inner_keys = st.sampled_from(["level", "name", "message", "logger", "type", "stack", "msg", "x"])
values = st.one_of(
    st.none(),
    st.sampled_from(["", "x", "INFO", "warn", "2024-05-01T00:00:00Z", "line\n\tat a.B(C.java:1)"]),
    st.integers(-1, 50000),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(
        inner_keys, st.one_of(st.none(), st.sampled_from(["", "v", "ERROR"]), st.integers(0, 9)), max_size=3
    ),
)
objects = st.dictionaries(alias_keys, values, max_size=8)


def _reference_candidates(obj: dict[str, Any]) -> dict[str, list[str]]:
    """Usable candidates per role, best first, read value by value (the pre-plan algorithm)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for key, value in obj.items():
        roles = ALIASES.plain.get(key)
        if roles is not None and value is not None and value != "" and not isinstance(value, list):
            for role, rank in roles:
                found.setdefault(role, []).append((rank, key))
        if type(value) is dict:
            for role, rank, path in ALIASES.dotted.get(key, ()):
                inner = _nested(obj, path)
                if inner is not None and inner != "" and not isinstance(inner, list):
                    found.setdefault(role, []).append((rank, path))
    return {role: [path for _, path in sorted(items, key=lambda item: item[0])] for role, items in found.items()}


def _plan_candidates(obj: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for role, candidates in ALIASES.plan(obj).roles.items():
        for path, head in candidates:
            value = obj[path] if head is None else (_nested(obj, path) if type(obj[head]) is dict else None)
            if value is not None and value != "" and not isinstance(value, list):
                out.setdefault(role, []).append(path)
    return out


@settings(max_examples=300, deadline=None)
@given(objects)
def test_json_plan_keeps_alias_order_and_usability(obj: dict[str, Any]) -> None:
    assert _plan_candidates(obj) == _reference_candidates(obj)


@settings(max_examples=300, deadline=None)
@given(objects)
def test_json_parse_is_the_same_with_a_cold_or_warm_plan_cache(obj: dict[str, Any]) -> None:
    cold = PARSERS._replace(json_fields=_JsonFields.build(PARSERS.config.fields))
    assert parse_event(obj, cold) == parse_event(obj, cold) == parse_event(obj, PARSERS)


# -- text parsers: the message is sliced off after the match instead of captured by (?P<msg>.*) ------------------
# The patterns as they were before that change: the reference the faster ones must agree with.
_LEVEL = r"(?P<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)"
REF_SPRING = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[.,]\d{1,9}(?:Z|[+-]\d\d:?\d\d)?)\s+" + _LEVEL
    + r"\s+(?:\[(?P<sleuth>[^\]]*)\]\s+)?(?P<pid>\d+)\s+---\s+(?:\[(?P<app>[^\]]*)\]\s+)?\[\s*(?P<thread>[^\]]*?)\]\s+"
    r"(?:\[(?P<corr>[^\]]*)\]\s+)?(?P<logger>\S+)\s*:\s?(?P<msg>.*)"
)  # fmt: skip
_PY_LEVEL = r"(?P<level>DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|NOTSET)"
_ASCTIME = r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?)"
REF_PY_ASCTIME = (
    re.compile(_ASCTIME + r" - (?P<logger>\S+) - " + _PY_LEVEL + r" - (?P<msg>.*)"),
    re.compile(_ASCTIME + r" - " + _PY_LEVEL + r" - (?P<msg>.*)"),
    re.compile(_ASCTIME + r"\s+" + _PY_LEVEL + r"\s+(?:\[(?P<logger>[^\]]+)\]\s?|(?P<logger2>[\w.]+): )?(?P<msg>.*)"),
    re.compile(_ASCTIME + r"(?::|\s\[)" + _PY_LEVEL + r"(?::|\]\s)(?:(?P<logger3>[\w.]+): )?(?P<msg>.*)"),
)
REF_PY_DEFAULT = re.compile(_PY_LEVEL + r":(?P<logger>[^:\s]*):(?P<msg>.*)")
REF_ACCESS = re.compile(
    r"(?P<ip>[\da-fA-F.:]+|[\w.-]+) (?P<ident>\S+) (?P<user>\S+|\"[^\"]*\") \[(?P<ts>[^\]]+)\] "
    r"\"(?P<method>[A-Z]+) (?P<target>\S+)(?: (?P<proto>HTTP/[\d.]+))?\" (?P<status>\d{3}) (?P<bytes>\d+|-)"
    r"(?: \"(?P<ref>[^\"]*)\" \"(?P<ua>[^\"]*)\")?(?P<tail>.*)"
)

TEMPLATES = (
    "2024-05-01 18:50:54.856  ERROR 1 --- [nio-8080-exec-72] app.handlers.checkout                    : User 24814",
    "2024-01-01T10:00:00.123+09:00  INFO 7 --- [order-api] [           main] c.e.App : Started App",
    "2019-06-24 13:29:42.123  INFO [order-api,5d0a2f8a9c3e4b1f,6e1b3f9a0d4c5e2a,true] 12345 --- [main] c.e.X : created",
    "2024-01-01T10:00:00.123Z  WARN 1 --- [app] [exec-1] [4bf92f3577b34da6-00f067aa0ba902b7] c.e.OrderController : x",
    "2024-05-01 21:35:44,256 INFO [c.e.user.repository.UserRepository] [trace_id=d7e8 span_id=73c8] 주문 - lag=1679",
    "2025-11-25 16:00:01,123 - app.db - ERROR - connection lost",
    "2025-11-25 16:00:01,123 - WARNING - disk 91%",
    "2025-11-25 16:00:01 ERROR app.db: timeout",
    "2025-11-25 16:00:01,123:DEBUG:app.x: hello",
    "2025-11-25 16:00:01 [ERROR] app.x: hello",
    "WARNING:root:low disk",
    '29.147.121.78 - - [01/May/2024:11:54:00 +0000] "GET /api/v1/search?q=%EC%8B&page=2 HTTP/1.1" 204 27513 "-" '
    '"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)" 0.639 [shipping-svc-8080] e23f0749d0b7d52b',
    '::1 - frank "x y" [25/Nov/2025:07:00:00 +0900] "POST /login HTTP/2.0" 500 - "https://a/" "curl/8" 12.5',
    '10.0.0.1 - - [25/Nov/2025:07:00:00 +0000] "GET / HTTP/1.0" 404 12',
)
edits = st.lists(
    st.tuples(st.integers(0, 200), st.sampled_from(["\n", " ", "\t", "[", "]", ":", "-", "0", "a", '"', "", ",", "."])),
    max_size=3,
)


def _mutate(line: str, changes: list[tuple[int, str]]) -> str:
    for position, char in changes:
        i = position % (len(line) + 1)
        line = line[:i] + char + line[i + (1 if char == "" or position % 2 else 0) :]
    return line


def _reference_python_logging(line: str, tn: TimeNormaliser) -> dict[str, Any] | None:
    """python_logging as it was: first matching pattern, groupdict, message from the msg group."""
    if line[:1].isdigit():
        if len(line) < 24 or line[19] not in ",: " or line[4] != "-":
            return None
        m = next((m for m in (p.match(line) for p in REF_PY_ASCTIME) if m is not None), None)
        if m is None:
            return None
        out: dict[str, Any] = {"message": m.group("msg")}
        iso = tn.from_text(m.group("ts"))
        if iso is not None:
            out["@timestamp"] = iso
        groups = m.groupdict()
        logger = groups.get("logger") or groups.get("logger2") or groups.get("logger3")
        if logger:
            out["log.logger"] = logger
    elif line[:1].isupper() and ":" in line[:10]:
        m = REF_PY_DEFAULT.match(line)
        if m is None:
            return None
        out = {"message": m.group("msg")}
        if m.group("logger"):
            out["log.logger"] = m.group("logger")
    else:
        return None
    level = normalise_level(m.group("level"))
    if level is not None:
        out["log.level"] = level
    return out


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(TEMPLATES), edits)
def test_text_parsers_agree_with_the_message_capturing_patterns(template: str, changes: list[tuple[int, str]]) -> None:
    line = _mutate(template, changes)
    tn = PARSERS.times
    # Spring Boot: same match, same groups, message = what (?P<msg>.*) captured
    new, ref = text._SPRING.match(line), REF_SPRING.match(line)
    assert (new is None) == (ref is None)
    if new is not None and ref is not None:
        assert new.groups() == ref.groups()[:-1]
        assert text._rest(line, new.end()) == ref.group("msg")
    # Python logging: the whole parser against the previous one
    assert text.python_logging(line, tn) == _reference_python_logging(line, tn)
    # Access log: same groups; $request_time read from what (?P<tail>.*) captured
    new, ref = text._ACCESS.match(line), REF_ACCESS.match(line)
    assert (new is None) == (ref is None)
    out = text.access_log(line, tn)
    if new is not None and ref is not None:
        assert new.groups() == ref.groups()[:-1]
        rt = text._REQUEST_TIME.match(ref.group("tail")) if ref.group("tail") and ref.group("ua") is not None else None
        expected = round(float(rt.group("rt")) * 1_000_000_000) if rt else None
        assert out is None or out.get("event.duration") == expected
