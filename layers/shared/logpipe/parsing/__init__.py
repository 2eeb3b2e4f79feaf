"""Parsing: turn one raw Fluent Bit event into a flat ECS document plus the fields nobody consumed.

Contract (stable, used by logpipe.pipeline):

    parsers = load_parsers(directory=None)          # validated parsers.yaml, once per container
    doc, rest = parse_event(event, parsers)

``doc`` is flat with dotted ECS keys: always ``message`` (str) and ``logpipe.parse`` (parser name); when
found ``@timestamp`` (ISO-8601 UTC with milliseconds, ``Z``), ``log.level`` (one of levels.LEVEL_NAMES),
``log.logger``, ``process.thread.name``, ``process.pid``, ``host.name``, ``error.type`` /
``error.message`` / ``error.stack_trace``, ``http.*`` / ``url.*`` / ``source.ip`` /
``user_agent.original`` / ``event.duration`` for access logs, and ids the parser happened to see.
``rest`` holds every field of the event that was not consumed (``kubernetes``, app fields, MDC ...).

How an event is read:

1. ``{"log": "<text>", ...}`` (Fluent Bit tail/docker): the text is parsed; if it is a JSON document
   (the app logged JSON, Fluent Bit did not parse it) it is opened and read as JSON. The outer fields
   (``kubernetes`` ...) stay in ``rest``. The line's own time wins over Fluent Bit's ``time_key``.
2. Anything else is the application's JSON already parsed by Fluent Bit: fields are read through the
   aliases in ``parsers.yaml`` (logback/logstash-encoder, structlog, zap, bunyan/pino, ECS, OpenTelemetry,
   journald, log4j2, Serilog ...). A message that is itself a text log line is parsed as text.
3. Stack traces joined by Fluent Bit (after the message or in a ``stack_trace``-like field) become
   ``error.stack_trace`` with ``error.type`` / ``error.message``; the message keeps its first line.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from logpipe.configfile import ConfigError
from logpipe.jsonfast import loads
from logpipe.levels import normalise_level
from logpipe.parsing.config import CUSTOM_GROUPS, CustomParser, FieldAliases, ParserConfig, load_parser_config
from logpipe.parsing.stacktrace import extract_error, looks_like_trace, split_message
from logpipe.parsing.text import TEXT_PARSERS, Fields, TextParser, lazy_pattern
from logpipe.timestamps import TimeNormaliser

__all__ = ["KNOWN_PARSERS", "ConfigError", "ParserSet", "load_parsers", "parse_event", "parse_text"]

KNOWN_PARSERS: tuple[str, ...] = tuple(TEXT_PARSERS)
# Keys Fluent Bit itself adds (time_key, docker/cri parsers): a time fallback when the line has none.
_AGENT_TIME_KEYS = ("@timestamp", "time", "date", "timestamp")
# A time field that is not a time ("abc", "25.11.2025 7h") is kept here when the record gets no time of its own
# (labels: ECS's place for custom keyword fields); longer values are cut, they are not times anyway.
UNPARSED_TIME_KEY = "labels.time_unparsed"
_UNPARSED_TIME_MAX = 256
_ANSI = lazy_pattern(r"\x1b\[[0-9;?]*[A-Za-z]")
_INT_GROUPS = frozenset({"pid", "status", "bytes"})

ROLES = (
    "message",
    "level",
    "level_numbers",
    "timestamp",
    "logger",
    "thread",
    "pid",
    "host",
    "stack_trace",
    "error_type",
    "error_message",
)


# Roles read by ``_parse_json`` after message and level, with the document key each one fills.
_SIMPLE_ROLES = (
    ("log.logger", "logger"),
    ("process.thread.name", "thread"),
    ("host.name", "host"),
    ("error.type", "error_type"),
    ("error.message", "error_message"),
    ("process.pid", "pid"),
)
# A candidate: (path, head). ``head`` is None for a key of the object itself (``level``, or the literal
# dotted key ``"log.level"``), else the key of the nested object the path reaches into (``log``).
_Candidate = tuple[str, "str | None"]
_PLAN_CACHE_LIMIT = 1024
_CONTAINERS = (list, dict)  # values no text role takes
_OTEL_KEYS = frozenset(("resourceLogs", "severityText", "severityNumber", "timeUnixNano"))
_BUNYAN_KEYS = frozenset(("v", "hostname", "pid"))


class _JsonPlan:
    """How to read objects with one particular key sequence: each role's candidates, best alias first.

    Values are not looked at (whether a candidate is usable is decided per record), so a plan holds for
    every object with the same keys in the same order, and loggers write the same keys in the same order
    on every line: a batch needs a handful of plans. Built by :meth:`_JsonFields.plan`.
    """

    __slots__ = ("bunyan", "levels", "message", "otel", "roles", "simple", "stack_trace", "timestamp")

    def __init__(self, roles: dict[str, tuple[_Candidate, ...]], keys: frozenset[str], schemes: dict[str, str]) -> None:
        self.roles = roles
        self.otel = not _OTEL_KEYS.isdisjoint(keys)  # _flatten_otel first, then the plan of the result
        self.bunyan = keys >= _BUNYAN_KEYS  # the key part of the bunyan test
        self.message = roles.get("message", ())
        # Level names first, then numeric-only fields, each with the scheme its numbers follow.
        self.levels = tuple(
            (path, head, schemes.get(path, "auto"))
            for role in ("level", "level_numbers")
            for path, head in roles.get(role, ())
        )
        self.timestamp = roles.get("timestamp", ())
        # (document key, is the pid, candidates) for the simple roles this key sequence has, in order.
        self.simple = tuple((key, role == "pid", roles[role]) for key, role in _SIMPLE_ROLES if role in roles)
        self.stack_trace = roles.get("stack_trace", ())


class _JsonFields:
    """Alias lists inverted into lookups by key, so a record is read in one pass over *its* keys.

    ``plain[key]`` -> ((role, rank), ...) for aliases without dots; ``dotted[head]`` -> ((role, rank,
    path), ...) for aliases reaching into an object (``log.level`` in ECS, ``fields.message`` in tracing).
    ``rank`` is the alias's position in its list: the lowest present rank wins. The resulting per-role
    order depends only on the object's keys, so it is computed once per key sequence (:meth:`plan`).
    """

    __slots__ = ("_plans", "dotted", "plain", "schemes")

    def __init__(
        self,
        plain: dict[str, tuple[tuple[str, int], ...]],
        dotted: dict[str, tuple[tuple[str, int, str], ...]],
        schemes: dict[str, str] | None = None,
    ) -> None:
        self.plain = plain
        self.dotted = dotted
        self.schemes = schemes or {}
        self._plans: dict[tuple[str, ...], _JsonPlan] = {}

    @classmethod
    def build(cls, f: FieldAliases) -> _JsonFields:
        plain: dict[str, list[tuple[str, int]]] = {}
        dotted: dict[str, list[tuple[str, int, str]]] = {}
        for role in ROLES:
            for rank, path in enumerate(getattr(f, role)):
                plain.setdefault(path, []).append((role, rank))  # the literal dotted key ("log.level") too
                if "." in path:
                    dotted.setdefault(path.partition(".")[0], []).append((role, rank, path))
        return cls(
            plain={k: tuple(v) for k, v in plain.items()},
            dotted={k: tuple(v) for k, v in dotted.items()},
            schemes=dict(f.level_schemes),
        )

    def plan(self, obj: dict[str, Any]) -> _JsonPlan:
        """The (cached) candidate order for ``obj``'s key sequence."""
        keys = tuple(obj)
        found = self._plans.get(keys)
        if found is None:
            found = self._build_plan(keys)
            if len(self._plans) >= _PLAN_CACHE_LIMIT:
                self._plans.clear()
            self._plans[keys] = found
        return found

    def _build_plan(self, keys: tuple[str, ...]) -> _JsonPlan:
        ranked: dict[str, list[tuple[int, str, str | None]]] = {}
        plain, dotted = self.plain, self.dotted
        for key in keys:
            for role, rank in plain.get(key, ()):
                ranked.setdefault(role, []).append((rank, key, None))
            for role, rank, path in dotted.get(key, ()):
                ranked.setdefault(role, []).append((rank, path, key))
        roles: dict[str, tuple[_Candidate, ...]] = {}
        for role, items in ranked.items():
            items.sort(key=lambda item: item[0])  # stable: equal ranks keep the object's key order
            roles[role] = tuple((path, head) for _, path, head in items)
        return _JsonPlan(roles, frozenset(keys), self.schemes)


def _nested_candidate(obj: dict[str, Any], path: str, head: str) -> Any:
    """A dotted alias's value; ``None`` (unusable) unless ``obj[head]`` is an object."""
    return _nested(obj, path) if type(obj[head]) is dict else None


class ParserSet(NamedTuple):
    """Everything compiled once per container: configuration, time normaliser, ordered text parsers."""

    config: ParserConfig
    times: TimeNormaliser
    # Fluent Bit formats its time keys with gmtime: offset-less agent times are UTC whatever the app zone.
    agent_times: TimeNormaliser
    text_parsers: tuple[tuple[str, TextParser], ...]
    json_fields: _JsonFields

    @property
    def default_timezone(self) -> str:
        """The zone offset-less timestamps are read in."""
        return self.config.default_timezone


def build_parsers(config: ParserConfig, times: TimeNormaliser | None = None) -> ParserSet:
    """Compile a validated configuration (``times`` is injectable for tests of year inference)."""
    chain: list[tuple[str, TextParser]] = [(c.name, _custom_parser(c)) for c in config.custom_parsers]
    chain.extend((name, TEXT_PARSERS[name]) for name in config.text_parsers)
    return ParserSet(
        config=config,
        times=times or TimeNormaliser(config.default_timezone),
        agent_times=TimeNormaliser("UTC"),
        text_parsers=tuple(chain),
        json_fields=_JsonFields.build(config.fields),
    )


def load_parsers(directory: str | None = None) -> ParserSet:
    """Load and validate ``parsers.yaml`` (raises :class:`ConfigError` naming file and key)."""
    return build_parsers(load_parser_config(directory, known_parsers=KNOWN_PARSERS))


def _custom_parser(spec: CustomParser) -> TextParser:
    pattern, contains = spec.pattern, spec.contains

    def parse(line: str, tn: TimeNormaliser) -> Fields | None:
        if contains is not None and contains not in line:
            return None
        m = pattern.match(line)
        if m is None:
            return None
        out: Fields = {}
        for group, value in m.groupdict().items():
            if value is None or (value == "" and group != "message"):
                continue
            if group == "timestamp":
                iso = tn.from_text(value)
                if iso is not None:
                    out["@timestamp"] = iso
            elif group == "level":
                level = normalise_level(value)
                if level is not None:
                    out["log.level"] = level
            elif group in _INT_GROUPS and value.isascii() and value.isdigit():
                out[CUSTOM_GROUPS[group]] = int(value)
            else:
                out[CUSTOM_GROUPS[group]] = value
        return out

    return parse


# -- public entry points ----------------------------------------------------------------------------------------
def parse_event(event: dict[str, Any], parsers: ParserSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``event`` into a flat ECS document and the unconsumed rest (never raises for odd input)."""
    rest = dict(event)
    log = rest.get("log")
    if isinstance(log, str):
        del rest["log"]
        doc = _parse_log_text(log, rest, parsers)
        if "@timestamp" not in doc:
            _agent_time(doc, rest, parsers.agent_times)
        return doc, rest
    if not parsers.config.json_enabled:
        return _raw_fallback(rest), rest
    return _parse_json(rest, parsers), rest


def parse_text(text: str, parsers: ParserSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse one plain-text record (possibly multi-line); returns ``(doc, extra fields)``."""
    if "\x1b[" in text:
        text = _ANSI().sub("", text)
    first, _, tail = text.partition("\n")
    if first.endswith("\r"):
        first = first[:-1]
    tn = parsers.times
    fields: Fields | None = None
    name = "raw"
    for parser_name, parser in parsers.text_parsers:
        fields = parser(first, tn)
        if fields is not None:
            name = parser_name
            break
    if fields is None:
        fields = {"message": first}
    extra = fields.pop("_fields", None)
    doc: dict[str, Any] = fields
    doc["logpipe.parse"] = name
    if tail:
        message = str(doc.get("message", ""))
        full = f"{message}\n{tail}" if name != "raw" or message else tail
        if name == "access_log":
            full = text
        head, trace = split_message(full)
        if trace is not None:
            doc["message"] = head
            _set_trace(doc, trace, head)
        else:
            doc["message"] = full
    return doc, extra if isinstance(extra, dict) else {}


# -- text inside "log" ---------------------------------------------------------------------------------------------
def _parse_log_text(log: str, rest: dict[str, Any], parsers: ParserSet) -> dict[str, Any]:
    stripped = log.lstrip() if log[:1].isspace() else log
    if stripped[:1] == "{" and parsers.config.json_enabled and "log" in parsers.config.embedded_json_fields:
        inner = _try_json(stripped)
        if inner is not None:
            outer_k8s = rest.get("kubernetes")
            doc = _parse_json(inner, parsers)
            # Fluent Bit's own time keys must not shadow the app's: the app's were consumed above.
            rest.update(inner)
            if outer_k8s is not None:
                rest["kubernetes"] = outer_k8s
            return doc
    doc, extra = parse_text(log, parsers)
    for key, value in extra.items():
        rest.setdefault(key, value)
    return doc


def _try_json(text: str) -> dict[str, Any] | None:
    if not text.rstrip().endswith("}"):
        return None
    try:
        value = loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _agent_time(doc: dict[str, Any], rest: dict[str, Any], tn: TimeNormaliser) -> None:
    unreadable: Any = None
    for key in _AGENT_TIME_KEYS:
        value = rest.get(key)
        if value is not None:
            iso = tn.from_value(value)
            if iso is not None:
                doc["@timestamp"] = iso
                return
            if unreadable is None:
                unreadable = _time_text(value)
    if unreadable is not None:
        doc.setdefault(UNPARSED_TIME_KEY, unreadable)


def _time_text(value: Any) -> str | None:
    """An unreadable time value as the text kept in ``labels.time_unparsed`` (``None``: nothing worth keeping)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _UNPARSED_TIME_MAX else text[:_UNPARSED_TIME_MAX] + "…[truncated]"


def _raw_fallback(rest: dict[str, Any]) -> dict[str, Any]:
    message = rest.pop("message", None)
    return {"message": message if isinstance(message, str) else "", "logpipe.parse": "raw"}


# -- JSON documents ------------------------------------------------------------------------------------------------
def _nested(obj: dict[str, Any], path: str) -> Any:
    head, _, tail = path.partition(".")
    inner = obj.get(head)
    if not isinstance(inner, dict):
        return None
    if tail in inner:
        return inner[tail]
    if "." in tail:
        return _nested(inner, tail)
    return None


def _pop(obj: dict[str, Any], path: str) -> None:
    if path in obj:
        del obj[path]
        return
    head, _, tail = path.partition(".")
    inner = obj.get(head)
    if isinstance(inner, dict):
        inner = dict(inner)  # copy on write: the caller's event is never modified
        obj[head] = inner
        _pop(inner, tail)
        if not inner:
            del obj[head]


def _parse_json(obj: dict[str, Any], parsers: ParserSet) -> dict[str, Any]:
    """Read a JSON log object through the configured aliases, consuming what it reads from ``obj``.

    Each role takes the first *usable* candidate in alias order (:class:`_JsonPlan`); values are read
    before anything is consumed, and consumed fields are removed at the end.
    """
    plan = parsers.json_fields.plan(obj)
    if plan.otel:
        _flatten_otel(obj)
        plan = parsers.json_fields.plan(obj)
        name = "otel_json"
    else:
        name = "json"
    doc: dict[str, Any] = {}
    consumed: list[str] = []
    # A bunyan record (v, hostname, pid, numeric level; pino's have the same core fields) names its service in
    # "name"; checked before hostname and pid are consumed below. "v" rules out nearly every other record.
    bunyan = plan.bunyan and type(obj.get("level")) is int and type(obj.get("name")) is str and obj["name"] != ""

    # Message (possibly a JSON string or a text log line itself).
    message = ""
    embedded_text = False
    for path, head in plan.message:
        value = obj[path] if head is None else _nested_candidate(obj, path, head)
        if value is None or value == "" or isinstance(value, _CONTAINERS):
            continue
        consumed.append(path)
        message = value if isinstance(value, str) else str(value)
        if message[:1] == "{" and path in parsers.config.embedded_json_fields:
            inner = _try_json(message)
            if inner is not None:
                inner_doc = _parse_json(inner, parsers)
                for key, val in inner.items():
                    obj.setdefault(key, val)
                message = str(inner_doc.pop("message", ""))
                inner_doc.pop("logpipe.parse", None)
                for key, val in inner_doc.items():
                    doc.setdefault(key, val)
                break
        embedded_text = True
        break

    # Level: names first, then numeric-only fields (logback level_value, OTel severityNumber ...).
    if "log.level" not in doc:
        for path, head, scheme in plan.levels:
            value = obj[path] if head is None else _nested_candidate(obj, path, head)
            if value is None or value == "" or isinstance(value, _CONTAINERS):
                continue
            level = normalise_level(value, scheme)
            if level is not None:
                doc["log.level"] = level
                consumed.append(path)
                break

    # Timestamp: the first alias that really is a time (the first one that is not is remembered).
    unreadable_time: Any = None
    if "@timestamp" not in doc:
        tn = parsers.times
        for path, head in plan.timestamp:
            value = obj[path] if head is None else _nested_candidate(obj, path, head)
            if value is None or value == "" or isinstance(value, list):
                continue
            iso = tn.from_text(value) if type(value) is str else tn.from_value(value)
            if iso is not None:
                doc["@timestamp"] = iso
                consumed.append(path)
                break
            if unreadable_time is None:
                unreadable_time = value

    for key, is_pid, candidates in plan.simple:
        if key in doc:
            continue
        for path, head in candidates:
            value = obj[path] if head is None else _nested_candidate(obj, path, head)
            if value is None or value == "" or value is True or value is False or isinstance(value, _CONTAINERS):
                continue  # {"error": false} is no error message (nor a logger, thread, host or pid)
            consumed.append(path)
            if is_pid:
                doc[key] = value if isinstance(value, int) else _int_or_str(value)
            else:
                doc[key] = value if isinstance(value, str) else str(value)
            break

    trace: str | None = None
    for path, head in plan.stack_trace:
        value = obj[path] if head is None else _nested_candidate(obj, path, head)
        if value is None or value == "" or isinstance(value, list):
            continue
        trace = value if isinstance(value, str) else _trace_text(value)
        if trace:
            consumed.append(path)
            break
    for path in consumed:
        if path in obj:
            del obj[path]
        else:
            _pop(obj, path)  # a dotted alias inside an object (copied on write)
    if bunyan and "service" not in obj:
        # bunyan.createLogger({name: "orders"}): the logger's name is the service's; a service field the
        # record carries itself still wins (enrichment reads "service" after service.name & co).
        obj["service"] = obj.pop("name")

    # A text log line inside the message (CRI "message", journald MESSAGE ...): parse it when the JSON
    # itself had no level or time.
    if embedded_text and message and ("log.level" not in doc or "@timestamp" not in doc):
        text_doc, extra = parse_text(message, parsers)
        if text_doc["logpipe.parse"] != "raw":
            name = f"{name}+{text_doc['logpipe.parse']}"
            message = str(text_doc.pop("message", message))
            text_doc.pop("logpipe.parse")
            for key, val in text_doc.items():
                doc.setdefault(key, val)
            for key, val in extra.items():
                obj.setdefault(key, val)

    # Stack traces: a dedicated field, or joined into the message.
    if trace:
        _set_trace(doc, trace)
    if "\n" in message and "error.stack_trace" not in doc and looks_like_trace(message):
        head, trace_text = split_message(message)
        if trace_text is not None:
            message = head
            _set_trace(doc, trace_text, head)
    if unreadable_time is not None and "@timestamp" not in doc:
        # The record's time field is not a time: keep it (the field itself stays in ``rest`` too).
        kept = _time_text(unreadable_time)
        if kept is not None:
            doc[UNPARSED_TIME_KEY] = kept
    doc["message"] = message
    doc["logpipe.parse"] = name
    return doc


def _trace_text(value: Any) -> str | None:
    """Traces logged as objects (log4j2 ``thrown``) or lists of lines."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(v if v.endswith("\n") else v + "\n" for v in value).rstrip("\n")
    if isinstance(value, dict):
        for key in ("stack_trace", "stacktrace", "stack", "extendedStackTrace"):
            inner = value.get(key)
            if isinstance(inner, str):
                return inner
    return None


def _int_or_str(value: Any) -> int | str:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() else text  # "²" is isdigit(), not int()


def _set_trace(doc: dict[str, Any], trace: str, head: str = "") -> None:
    """Record a stack trace; a record carrying one and no level of its own is an error.

    ``head`` is the message line before the trace: Go's ``http: panic serving ...: msg`` puts the panic
    there, before the goroutine dump.
    """
    doc["error.stack_trace"] = trace
    doc.setdefault("log.level", "error")
    if "error.type" not in doc:
        found = extract_error(trace)
        if found is None and head:
            found = extract_error(f"{head}\n{trace}")
        if found is not None:
            doc["error.type"], error_message = found
            if error_message and "error.message" not in doc:
                doc["error.message"] = error_message


# -- OpenTelemetry ---------------------------------------------------------------------------------------------------
def _otel_value(value: Any) -> Any:
    """OTLP AnyValue ({"stringValue": "x"} ...) to a plain value."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("stringValue", "boolValue", "doubleValue"):
            return inner
        if kind == "intValue":
            return _int_or_str(inner)
        if kind == "arrayValue" and isinstance(inner, dict):
            return [_otel_value(v) for v in inner.get("values", [])]
        if kind == "kvlistValue" and isinstance(inner, dict):
            return _otel_attributes(inner.get("values", []))
    return value


def _otel_attributes(attributes: Any) -> Any:
    if isinstance(attributes, list):
        out: dict[str, Any] = {}
        for item in attributes:
            if isinstance(item, dict) and "key" in item:
                out[str(item["key"])] = _otel_value(item.get("value"))
        return out
    return attributes


def _flatten_otel(obj: dict[str, Any]) -> None:
    """Bring an OTLP/JSON log record (or the first record of a ``resourceLogs`` export) to plain fields.

    ``body`` becomes the message, ``resource.attributes`` / ``attributes`` plain objects (service.name is
    then found by enrichment), ``scope.name`` the logger. An export line holding several records keeps
    the first as the document and counts the others in ``otel.additional_records`` (the processor emits
    one document per Fluent Bit event).
    """
    if "resourceLogs" in obj:
        resource_logs = obj.pop("resourceLogs")
        records: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
        for rl in resource_logs if isinstance(resource_logs, list) else []:
            if not isinstance(rl, dict):
                continue
            resource = rl.get("resource") if isinstance(rl.get("resource"), dict) else {}
            for sl in rl.get("scopeLogs") or []:
                if not isinstance(sl, dict):
                    continue
                scope = sl.get("scope") if isinstance(sl.get("scope"), dict) else {}
                records.extend(
                    (resource or {}, scope or {}, rec) for rec in sl.get("logRecords") or [] if isinstance(rec, dict)
                )
        if not records:
            return
        resource, scope, record = records[0]
        if len(records) > 1:
            obj["otel.additional_records"] = len(records) - 1
        obj.update(record)
        if resource:
            obj["resource"] = resource
        if scope.get("name"):
            obj["scope"] = {"name": scope["name"]}
    if "body" in obj:
        obj["body"] = _otel_value(obj["body"])
    if "attributes" in obj:
        obj["attributes"] = _otel_attributes(obj["attributes"])
    resource = obj.get("resource")
    if isinstance(resource, dict) and "attributes" in resource:
        resource = obj["resource"] = dict(resource)
        attributes = _otel_attributes(resource.pop("attributes"))
        if isinstance(attributes, dict):
            for key, value in attributes.items():
                resource.setdefault(key, value)
        if isinstance(resource.get("service.name"), str):
            obj.setdefault("service.name", resource.pop("service.name"))
        if isinstance(resource.get("host.name"), str):
            obj.setdefault("host.name", resource.pop("host.name"))
    if obj.get("severityText") and "severityNumber" in obj:
        obj.pop("severityNumber")  # the text wins; keep one level field
