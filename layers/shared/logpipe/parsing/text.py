"""Plain-text log line parsers, each a named pure function ``(line, ctx) -> fields | None``.

A parser receives the *first line* of a record (multi-line stack traces are handled by the caller) and
returns the flat ECS fields it recognised, or ``None`` when the line is not in its format. Every parser
starts with a cheap guard (first character, a literal substring) so that a line only pays for the regexes
of formats it could be in; patterns are compiled once, the rare formats' on first use.

``ctx`` is the :class:`~logpipe.timestamps.TimeNormaliser` (time zone and caches).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from logpipe.jsonfast import loads
from logpipe.levels import normalise_level
from logpipe.timestamps import TimeNormaliser

Fields = dict[str, Any]
TextParser = Callable[[str, TimeNormaliser], "Fields | None"]


def lazy_pattern(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A pattern compiled on first use: formats a deployment never sees cost it no cold start.

    The corpus formats' patterns (Spring Boot, Python logging, access logs) are compiled at import.
    """

    @functools.cache
    def compiled() -> re.Pattern[str]:
        return re.compile(source, flags)

    return compiled


_LEVEL_WORD = r"(?P<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)"


def _put_level(out: Fields, raw: str | None, scheme: str = "auto") -> None:
    if raw:
        level = normalise_level(raw, scheme)
        if level is not None:
            out["log.level"] = level


def _put_origin(out: Fields, source: str) -> None:
    """``file.go:128`` -> ``log.origin.file.name`` / ``log.origin.file.line`` (ECS)."""
    name, _, line = source.rpartition(":")
    if name and line.isascii() and line.isdigit():
        out["log.origin.file.name"] = name
        out["log.origin.file.line"] = int(line)


def _put_time(out: Fields, iso: str | None) -> None:
    if iso is not None:
        out["@timestamp"] = iso


# Patterns end where the message starts; the message is sliced off the line rather than captured by a
# trailing ``(?P<msg>.*)`` (the regex engine would walk the whole line again). ``.*`` stops at a newline,
# and so does this (parse_text passes single lines; the check keeps direct calls identical).
def _rest(line: str, end: int) -> str:
    rest = line[end:]
    return rest.partition("\n")[0] if "\n" in rest else rest


# -- Spring Boot console ---------------------------------------------------------------------------------
# 2025-11-25 16:00:01.123  INFO 1 --- [nio-8080-exec-1] c.e.order.web.OrderController    : message
# 2024-01-01T10:00:00.123+09:00  INFO 1 --- [order-api] [           main] c.e.Foo           : message (3.2+)
# 2019-06-24 13:29:42.123  INFO [order-api,5d0a2f8a9c3e4b1f,5d0a2f8a9c3e4b1f,true] 1 --- [main] c.e.X : msg (Sleuth)
# 2024-01-01T10:00:00.123Z  INFO 1 --- [app] [main] [4bf92f35...-00f067aa...] c.e.X : msg (Micrometer tracing)
_SPRING = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[.,]\d{1,9}(?:Z|[+-]\d\d:?\d\d)?)\s+" + _LEVEL_WORD
    + r"\s+(?:\[(?P<sleuth>[^\]]*)\]\s+)?(?P<pid>\d+)\s+---\s+(?:\[(?P<app>[^\]]*)\]\s+)?\[\s*(?P<thread>[^\]]*)\]\s+"
    r"(?:\[(?P<corr>[^\]]*)\]\s+)?(?P<logger>\S+)\s*:\s?"
)  # fmt: skip


def spring_boot(line: str, tn: TimeNormaliser) -> Fields | None:
    """Spring Boot's default console pattern (1.x-3.x)."""
    if " --- " not in line or not line[:1].isdigit():
        return None
    m = _SPRING.match(line)
    if m is None:
        return None
    ts, level, sleuth, pid, app, thread, corr, logger = m.groups()
    message = line[m.end() :]
    if "\n" in message:
        message = message.partition("\n")[0]
    out: Fields = {"message": message, "log.logger": logger, "process.pid": int(pid)}
    _put_time(out, tn.from_text(ts))
    _put_level(out, level)
    thread = thread.strip()
    if thread:
        out["process.thread.name"] = thread
    app = (app or "").strip()
    if sleuth:  # [service,traceId,spanId(,exportable)]
        parts = [p.strip() for p in sleuth.split(",")]
        app = app or parts[0]
        if len(parts) >= 3 and parts[1]:
            out["trace.id"], out["span.id"] = parts[1], parts[2]
    corr = (corr or "").strip()
    if corr and "-" in corr:  # [traceId-spanId]
        trace, _, span = corr.partition("-")
        out["trace.id"], out["span.id"] = trace, span
    if app:
        out["service.name"] = app
    return out


# -- Python logging ----------------------------------------------------------------------------------------
_PY_LEVEL = r"(?P<level>DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|NOTSET)"
# logging.basicConfig() default: LEVEL:logger:message
_PY_DEFAULT = lazy_pattern(_PY_LEVEL + r":(?P<logger>[^:\s]*):")
_ASCTIME = r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?)"
# Every pattern has the groups (ts, logger, level, logger1, logger2), empty where the format has no such
# part; the message is the rest of the line after the match.
_PY_ASCTIME = (
    # %(asctime)s - %(name)s - %(levelname)s - %(message)s   (the logging cookbook format)
    re.compile(_ASCTIME + r" - (?P<logger>\S+) - " + _PY_LEVEL + r" - (?P<logger1>)(?P<logger2>)"),
    # %(asctime)s - %(levelname)s - %(message)s
    re.compile(_ASCTIME + r" - (?P<logger>)" + _PY_LEVEL + r" - (?P<logger1>)(?P<logger2>)"),
    # %(asctime)s %(levelname)s [%(name)s] %(message)s    /  %(asctime)s %(levelname)s %(name)s: %(message)s
    re.compile(_ASCTIME + r"\s+(?P<logger>)" + _PY_LEVEL + r"\s+(?:\[(?P<logger1>[^\]]+)\]\s?|(?P<logger2>[\w.]+): )?"),
    # %(asctime)s:%(levelname)s:%(message)s   /  %(asctime)s [%(levelname)s] %(name)s: %(message)s
    re.compile(_ASCTIME + r"(?::|\s\[)(?P<logger>)" + _PY_LEVEL + r"(?::|\]\s)(?:(?P<logger1>[\w.]+): )?(?P<logger2>)"),
)
# Which of them can match, by what follows the asctime: " - " (the first two), whitespace (the third),
# ":" or whitespace + "[" (the fourth). Patterns that cannot match are not tried; the order is kept.
_PY_BY_SEPARATOR: dict[tuple[bool, bool], tuple[re.Pattern[str], ...]] = {
    (dash, bracket): tuple(p for i, p in enumerate(_PY_ASCTIME) if (i < 2 and dash) or i == 2 or (i == 3 and bracket))
    for dash in (False, True)
    for bracket in (False, True)
}


def python_logging(line: str, tn: TimeNormaliser) -> Fields | None:
    """Python ``logging``: the basicConfig default and the usual asctime formats (comma milliseconds)."""
    first = line[:1]
    if first.isdigit():
        if len(line) < 24 or line[19] not in ",: " or line[4] != "-":
            return None
        k = 23 if line[19] == "," else 19  # where the asctime ends, if it matches at all
        separator = line[k]
        if separator == ":":
            patterns: tuple[re.Pattern[str], ...] = (_PY_ASCTIME[3],)
        elif separator.isspace():
            patterns = _PY_BY_SEPARATOR[line[k : k + 3] == " - ", line[k + 1 : k + 2] == "["]
        else:
            return None
        for pattern in patterns:
            m = pattern.match(line)
            if m is not None:
                break
        else:
            return None
        ts, logger, level, logger1, logger2 = m.groups()
        out: Fields = {"message": _rest(line, m.end())}
        _put_time(out, tn.from_text(ts))
        logger = logger or logger1 or logger2
        if logger:
            out["log.logger"] = logger
        _put_level(out, level)
        return out
    if first.isupper() and ":" in line[:10]:
        m = _PY_DEFAULT().match(line)
        if m is None:
            return None
        out = {"message": _rest(line, m.end())}
        if m.group("logger"):
            out["log.logger"] = m.group("logger")
        _put_level(out, m.group("level"))
        return out
    return None


# -- Go: zap console encoder ----------------------------------------------------------------------------------
# 2025-04-24T22:09:20.854Z\terror\tinternal/queue_sender.go:128\tExporting failed.\t{"k": "v"}
_GO_CALLER = lazy_pattern(r"[\w./@-]+\.go:\d+")


def go_console(line: str, tn: TimeNormaliser) -> Fields | None:
    """zap's console encoder: tab-separated time, level, [logger], [caller], message, [JSON fields]."""
    if "\t" not in line or not line[:1].isdigit():
        return None
    parts = line.split("\t")
    if len(parts) < 3:
        return None
    iso = tn.from_text(parts[0])
    level = normalise_level(parts[1])
    if iso is None or level is None:
        return None
    out: Fields = {"@timestamp": iso, "log.level": level}
    body = parts[2:]
    if len(body) > 1 and body[-1].startswith("{"):
        try:
            extra = loads(body[-1])
        except ValueError:
            extra = None
        if isinstance(extra, dict):
            out["_fields"] = extra
            body = body[:-1]
    for i, part in enumerate(body):
        if _GO_CALLER().fullmatch(part):
            _put_origin(out, part)
            body = body[:i] + body[i + 1 :]
            break
    if len(body) >= 2:
        out["log.logger"] = body[0]
        out["message"] = "\t".join(body[1:])
    else:
        out["message"] = body[0] if body else ""
    return out


# -- glog / klog -------------------------------------------------------------------------------------------
# E0517 15:04:22.619632 1952452992 logging_unittest.cc:253] message
_GLOG = lazy_pattern(
    r"(?P<lv>[IWEF])(?P<mo>[01]\d)(?P<d>[0-3]\d) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)\.(?P<f>\d{6})\s+"
    r"(?P<tid>\d+) (?P<src>[^\]\s]+:\d+)\] ?(?P<msg>.*)"
)


def glog(line: str, tn: TimeNormaliser) -> Fields | None:
    """Google glog / Kubernetes klog lines (no year: inferred)."""
    if not line or line[0] not in "IWEF" or "] " not in line[:80]:
        return None
    m = _GLOG().match(line)
    if m is None:
        return None
    found = tn.leading(line[1 : m.end("f")])  # "MMDD hh:mm:ss.ffffff": the year-less layout, cached
    out: Fields = {"message": m.group("msg"), "process.thread.id": int(m.group("tid"))}
    _put_origin(out, m.group("src"))
    if found is not None:
        out["@timestamp"] = found[0]
    _put_level(out, m.group("lv"))
    return out


# -- nginx / Apache access logs ------------------------------------------------------------------------------
_ACCESS = re.compile(
    r"(?P<ip>[\da-fA-F.:]+|[\w.-]+) (?P<ident>\S+) (?P<user>\S+|\"[^\"]*\") \[(?P<ts>[^\]]+)\] "
    r"\"(?P<method>[A-Z]+) (?P<target>\S+)(?: (?P<proto>HTTP/[\d.]+))?\" (?P<status>\d{3}) (?P<bytes>\d+|-)"
    r"(?: \"(?P<ref>[^\"]*)\" \"(?P<ua>[^\"]*)\")?"
)
_REQUEST_TIME = re.compile(r"\s+(?P<rt>\d+\.\d{1,6})(?:\s|$)")


def access_log(line: str, tn: TimeNormaliser) -> Fields | None:
    """Combined / common log format (nginx, Apache, envoy in that mode); ``event.duration`` from a
    trailing ``$request_time`` (seconds with a decimal point, the first token after the user agent)."""
    if '] "' not in line or " [" not in line[:64]:
        return None
    m = _ACCESS.match(line)
    if m is None:
        return None
    ip, _, user, ts, method, target, proto, status_text, size, ref, ua = m.groups()
    path, _, query = target.partition("?")
    status = int(status_text)
    out: Fields = {
        "message": line,
        "http.request.method": method,
        "url.path": path,
        "http.response.status_code": status,
        "source.ip": ip,
    }
    iso = tn.from_text(ts)
    _put_time(out, iso)
    if query:
        out["url.query"] = query
    if proto:
        out["http.version"] = proto[5:]
    if size != "-":
        out["http.response.body.bytes"] = int(size)
    if user not in ("-", '"-"', '""'):
        out["user.name"] = user.strip('"')
    if ref and ref != "-":
        out["http.request.referrer"] = ref
    if ua and ua != "-":
        out["user_agent.original"] = ua
    if ua is not None:
        # The rest of the line (up to a newline) starts with $request_time when nginx logs it.
        end = m.end()
        line_end = line.find("\n", end)
        if line_end < 0:
            line_end = len(line)
        if end < line_end:
            rt = _REQUEST_TIME.match(line, end, line_end)
            if rt:
                out["event.duration"] = round(float(rt.group("rt")) * 1_000_000_000)
    out["log.level"] = "error" if status >= 500 else "warn" if status >= 400 else "info"
    return out


# -- syslog ---------------------------------------------------------------------------------------------------
_SYSLOG_5424 = lazy_pattern(
    r"(?:<(?P<pri>\d{1,3})>(?:1 )?)?(?P<ts>\d{4}-\d\d-\d\dT\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    r"(?P<msgid>\S+) (?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?P<msg>.*))?"
)
_SD_LEVEL = lazy_pattern(r"\b(?:level|severity|lvl)=\"(?P<level>[^\"]+)\"")
_SYSLOG_3164 = lazy_pattern(
    r"(?:<(?P<pri>\d{1,3})>)?(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) (?P<host>\S+) "
    r"(?P<tag>[^:\[\s]+(?:\([^)]*\))?)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)"
)


def _syslog_common(out: Fields, m: re.Match[str]) -> None:
    pri = m.group("pri")
    if pri is not None:
        value = int(pri)
        _put_level(out, str(value % 8), "syslog")
        out["log.syslog.facility.code"] = value // 8
    host = m.group("host")
    if host and host != "-":
        out["host.name"] = host


def syslog_rfc5424(line: str, tn: TimeNormaliser) -> Fields | None:
    """RFC 5424 (``<165>1 2025-11-25T07:00:00.000Z host app 1234 ID47 [sd] msg``); the PRI is optional."""
    first = line[:1]
    if not (first == "<" or first.isdigit()) or "T" not in line[:40]:
        return None
    m = _SYSLOG_5424().match(line)
    if m is None:
        return None
    iso = tn.from_text(m.group("ts"))
    if iso is None:
        return None
    out: Fields = {"message": m.group("msg") or "", "@timestamp": iso}
    _syslog_common(out, m)
    app, procid, msgid, sd = m.group("app"), m.group("procid"), m.group("msgid"), m.group("sd")
    if app != "-":
        out["process.name"] = app
    if procid.isascii() and procid.isdigit():
        out["process.pid"] = int(procid)
    if msgid != "-":
        out["event.code"] = msgid
    if sd != "-":
        out["log.syslog.structured_data"] = sd
        if "log.level" not in out:
            lm = _SD_LEVEL().search(sd)
            if lm:
                _put_level(out, lm.group("level"))
    return out


def syslog_rfc3164(line: str, tn: TimeNormaliser) -> Fields | None:
    """BSD syslog (``<34>Nov 25 07:00:01 host sshd[123]: msg``): year inferred, never in the future."""
    first = line[:1]
    if not (first == "<" or first.isupper()) or ":" not in line:
        return None
    m = _SYSLOG_3164().match(line)
    if m is None:
        return None
    found = tn.leading(m.group("ts"))
    iso = found[0] if found else None
    out: Fields = {"message": m.group("msg")}
    _put_time(out, iso)
    _syslog_common(out, m)
    out["process.name"] = m.group("tag")
    if m.group("pid"):
        out["process.pid"] = int(m.group("pid"))
    return out


# -- Android logcat (threadtime) --------------------------------------------------------------------------------
_LOGCAT = lazy_pattern(
    r"(?P<ts>\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\s+(?P<pid>\d+)\s+(?P<tid>\d+) (?P<lv>[VDIWEFA]) "
    r"(?P<tag>.*?)\s*: (?P<msg>.*)"
)


def logcat(line: str, tn: TimeNormaliser) -> Fields | None:
    """``adb logcat -v threadtime``: ``03-17 16:13:38.811  1702  2395 D Tag: message`` (year inferred)."""
    if len(line) < 20 or line[2] != "-" or line[5] != " ":
        return None
    m = _LOGCAT().match(line)
    if m is None:
        return None
    found = tn.leading(m.group("ts"))
    out: Fields = {"message": m.group("msg"), "log.logger": m.group("tag"), "process.pid": int(m.group("pid")),
                   "process.thread.id": int(m.group("tid"))}  # fmt: skip
    if found is not None:
        out["@timestamp"] = found[0]
    _put_level(out, m.group("lv"))
    return out


# -- logfmt -------------------------------------------------------------------------------------------------------
_LOGFMT_PAIR = lazy_pattern(r'([\w.\-/@]+)=("(?:[^"\\]|\\.)*"|\S*)')
_LOGFMT_TIME = ("time", "ts", "timestamp", "t", "date")
_LOGFMT_LEVEL = ("level", "lvl", "severity", "loglevel")
_LOGFMT_MESSAGE = ("msg", "message")
_LOGFMT_LOGGER = ("logger", "component", "module", "source", "caller")


def _logfmt_value(raw: str) -> str:
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        inner = raw[1:-1]
        if "\\" in inner:
            try:
                value = loads(raw)
            except ValueError:
                return inner
            return value if isinstance(value, str) else inner
        return inner
    return raw


def logfmt(line: str, tn: TimeNormaliser) -> Fields | None:
    """``key=value`` lines (Heroku/Go logfmt, logrus text): needs a level, msg or time key to claim a line."""
    if "=" not in line or not line[:1].isalpha():
        return None
    if "level=" not in line and "msg=" not in line and "lvl=" not in line and "time=" not in line and "ts=" not in line:
        return None
    pairs = _LOGFMT_PAIR().findall(line)
    if len(pairs) < 2:
        return None
    values = {key: _logfmt_value(raw) for key, raw in pairs}
    if not any(k in values for k in (*_LOGFMT_LEVEL, *_LOGFMT_MESSAGE)):
        return None
    out: Fields = {}
    for key in _LOGFMT_TIME:
        if key in values:
            iso = tn.from_text(values[key])
            if iso is not None:
                out["@timestamp"] = iso
                del values[key]
                break
    for key in _LOGFMT_LEVEL:
        if key in values:
            level = normalise_level(values[key])
            if level is not None:
                out["log.level"] = level
                del values[key]
                break
    out["message"] = line
    for key in _LOGFMT_MESSAGE:
        if key in values:
            out["message"] = values.pop(key)
            break
    for key in _LOGFMT_LOGGER:
        if key in values:
            out["log.logger"] = values.pop(key)
            break
    if values:
        out["_fields"] = values
    return out


# -- generic: any timestamp at the start, a level word soon after --------------------------------------------------
_LEVEL_STRICT = lazy_pattern(r"(?<![\w.\-/])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|"
                           r"ALERT|EMERG|PANIC|VERBOSE)(?![\w\-/])")  # fmt: skip
_LEVEL_LOOSE = lazy_pattern(r"(?<![\w.\-/])(trace|debug|info|notice|warn|warning|error|fatal|critical|severe|verbose|"
                          r"information)(?![\w\-/])", re.IGNORECASE)  # fmt: skip
_EMBEDDED_ISO = lazy_pattern(r"(?<![\d_])\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def generic(line: str, tn: TimeNormaliser) -> Fields | None:
    """Fallback: a timestamp in any known format at the start of the line (or an ISO time right after
    one leading token), then a level word within the next characters. Claims only lines with a time."""
    found = tn.leading(line)
    offset = 0
    if found is None:
        # BGL/Thunderbird-style: an alert tag ("-", "APPREAD", "KERNDTLB") then an epoch
        space = line.find(" ", 0, 16)
        if space > 0 and line[space + 1 : space + 2] == "1" and (line[:space] == "-" or line[:space].isupper()):
            found = tn.leading(line[space + 1 :])
            offset = space + 1
    if found is None:
        m = _EMBEDDED_ISO().search(line, 0, 80)
        # Only after one leading token ("nova-api.log.1 2017-05-16 ..."): a date inside a sentence
        # ("job scheduled for 2026-01-01 00:00") is content, not the time of the record.
        if m is None or " " in line[: m.start()].strip():
            return None
        found = tn.iso_prefix(line[m.start() :])
        offset = m.start()
        if found is None:
            return None
    iso, end = found
    end += offset
    out: Fields = {"@timestamp": iso}
    window = line[end : end + 100]
    lm = _LEVEL_STRICT().search(window)
    if lm is None:
        lm = _LEVEL_LOOSE().search(window, 0, 24)
    if lm is not None:
        _put_level(out, lm.group(1))
    if offset == 0:
        message = line[end:].lstrip(" ]:,|-\t")
        # The level right after the time, or after a pid/thread number ("081109 203615 148 INFO ..."):
        # the message starts after it.
        if lm is not None and (lm.start() <= 3 or window[: lm.start()].strip(" []:,|-\t").isdigit()):
            message = window[lm.end() :].lstrip(" ]:,|-\t") + line[end + 100 :]
        out["message"] = message or line
    else:
        out["message"] = line
    return out


TEXT_PARSERS: dict[str, TextParser] = {
    "spring_boot": spring_boot,
    "python_logging": python_logging,
    "go_console": go_console,
    "glog": glog,
    "access_log": access_log,
    "syslog_rfc5424": syslog_rfc5424,
    "syslog_rfc3164": syslog_rfc3164,
    "logcat": logcat,
    "logfmt": logfmt,
    "generic": generic,
}
