"""Trace correlation: find trace, span and transaction ids wherever services put them.

Sources, in order of trust:
1. explicit fields (``trace_id``, ``traceId``, ``X-B3-TraceId``, OTel ``traceId``, MDC / context objects);
2. propagation headers found anywhere in the record or message: W3C ``traceparent``, B3 single ``b3``,
   AWS ``X-Amzn-Trace-Id``;
3. ``key=value`` pairs in the message (``trace_id=...``, ``txId: ...``).

Ids are normalised to one form so that one request's logs from every service share the same value:
trace ids as 32 lower-case hex characters (64-bit B3 ids left-padded with zeros, X-Ray roots with the
``1-`` and dashes removed, UUIDs without dashes), span ids as 16 lower-case hex characters. Values that
are not hex (free-form transaction ids, request ids) are kept as given, trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from logpipe.fieldpath import first_possible, first_present, lookup, pop_path
from logpipe.pipeline_config import PipelineConfig

_TRACEPARENT = re.compile(r"\b[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b")
# Necessary for a traceparent, and led by a literal (the regex engine skips to each "-" instead of trying
# the full pattern at every position): most texts are ruled out without _TRACEPARENT.
_TRACEPARENT_HINT = re.compile(r"-[0-9a-f]{32}-")
_XRAY = re.compile(r"Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})(?:;\s*Parent=([0-9a-fA-F]{16}))?")
_B3_SINGLE = re.compile(r"\bb3[\"']?\s*[:=]\s*[\"']?([0-9a-fA-F]{16,32})-([0-9a-fA-F]{16})(?:-[01d])?", re.IGNORECASE)
_KV_IDS = re.compile(
    r"\b(trace[_.-]?id|x-b3-traceid|span[_.-]?id|x-b3-spanid|transaction[_.-]?id|tx[_-]?id|txn[_-]?id)"
    r"[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9][A-Za-z0-9_.:-]{3,127})",
    re.IGNORECASE,
)
# Spring Sleuth / Micrometer console pattern: "[service,traceId,spanId]" or "[service,traceId,spanId,true]".
_SLEUTH = re.compile(r"\[([\w.-]*),([0-9a-f]{16,32}),([0-9a-f]{16})(?:,(?:true|false))?\]")


_HEX = "0123456789abcdef"
# A W3C traceparent is exactly 55 characters: no shorter text can hold one. The shortest text any of the
# three header patterns can match is a B3 single header with a 64-bit trace id: "b3=" + 16 + "-" + 16.
_TRACEPARENT_LEN = 55
_SHORTEST_HEADER = 36


def _is_hex(value: str) -> bool:
    # One C call instead of a regex: strip every lower-case hex digit, nothing may be left.
    return bool(value) and not value.strip(_HEX)


def normalise_trace_id(value: Any) -> str | None:
    """One canonical spelling of a trace id; ``None`` for empty or all-zero (invalid per W3C) ids."""
    if type(value) is str and len(value) == 32 and not value.strip(_HEX):  # already canonical (most ids)
        return value if value.strip("0") else None
    text = str(value).strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered.startswith("1-") and lowered.count("-") == 2:  # AWS X-Ray root "1-5759e988-bd86..."
        lowered = lowered[2:].replace("-", "")
    elif len(lowered) == 36 and lowered.count("-") == 4:  # UUID
        lowered = lowered.replace("-", "")
    elif lowered.startswith("00-") and lowered.count("-") == 3:  # a whole traceparent in a trace field
        lowered = lowered.split("-")[1]
    elif lowered.startswith("0x"):  # OpenTelemetry Python's LogRecord.to_json(): "0x" + 32 hex digits
        lowered = lowered[2:]
    if _is_hex(lowered) and len(lowered) in (16, 32):
        lowered = lowered.rjust(32, "0")
        return None if lowered.strip("0") == "" else lowered
    return text[:128]


def normalise_span_id(value: Any) -> str | None:
    """Span ids as 16 lower-case hex characters when they are hex; free-form ids kept, trimmed."""
    if type(value) is str and len(value) == 16 and not value.strip(_HEX):  # already canonical (most ids)
        return value if value.strip("0") else None
    text = str(value).strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered.startswith("0x"):  # OpenTelemetry Python's LogRecord.to_json(): "0x" + 16 hex digits
        lowered = lowered[2:]
    if _is_hex(lowered) and len(lowered) <= 16:
        lowered = lowered.rjust(16, "0")
        return None if lowered.strip("0") == "" else lowered
    return text[:128]


def normalise_transaction_id(value: Any) -> str | None:
    """Transaction ids are business identifiers: kept as given, trimmed and bounded."""
    text = str(value).strip()
    return text[:128] or None


def _from_headers(text: str) -> tuple[str | None, str | None]:
    """Trace and span id from a propagation header found in ``text`` (cheap substring guards first)."""
    if len(text) < _SHORTEST_HEADER or "-" not in text:
        return None, None
    if "Root=1-" in text:
        m = _XRAY.search(text)
        if m:
            return (m.group(1) + m.group(2)).lower(), (m.group(3) or "").lower() or None
    if "b3" in text or "B3" in text:
        m = _B3_SINGLE.search(text)
        if m:
            return normalise_trace_id(m.group(1)), normalise_span_id(m.group(2))
    if len(text) < _TRACEPARENT_LEN or _TRACEPARENT_HINT.search(text) is None:
        return None, None
    m = _TRACEPARENT.search(text)
    if m and m.group(1).strip("0"):
        return m.group(1), m.group(2)
    return None, None


def _has_kv_word(lowered: str) -> bool:
    # A word every key of _KV_IDS contains (faster than any case-insensitive regex, even a literal one).
    return "trace" in lowered or "span" in lowered or "tx" in lowered or "transaction" in lowered


def _from_message(message: str) -> dict[str, str]:
    """Ids written into the message text itself: ``trace_id=..`` pairs and Sleuth's ``[svc,trace,span]``."""
    found: dict[str, str] = {}
    if "[" in message and "," in message:
        m = _SLEUTH.search(message)
        if m:
            found["trace"] = m.group(2)
            found["span"] = m.group(3)
    # Every key _KV_IDS knows ends in "id" (any case) and holds "trace", "span", "transaction" or "tx": most
    # messages are ruled out without the regex. The word test is made on ASCII text only: with IGNORECASE
    # the regex also matches a few non-ASCII letters (the long s of "ſpan"), so other text goes to it.
    if (
        ("=" in message or ":" in message)
        and ("id" in message or "ID" in message or "Id" in message or "iD" in message)
        and (not message.isascii() or _has_kv_word(message.lower()))
    ):
        for key, value in _KV_IDS.findall(message):
            k = key.lower()
            kind = "trace" if "trace" in k else "span" if "span" in k else "transaction"
            found.setdefault(kind, value)
    return found


def _string_values(record: Mapping[str, Any], depth: int = 0) -> list[str]:
    """All string values of a record (bounded depth) for header scanning."""
    out: list[str] = []
    for value in record.values():
        if isinstance(value, str):
            out.append(value)
        elif depth < 3 and (isinstance(value, (dict, Mapping))):
            out.extend(_string_values(value, depth + 1))
    return out


def _scan_headers(record: Mapping[str, Any], depth: int = 0) -> tuple[str, str | None] | None:
    """The first (trace, span) a propagation header among ``record``'s string values gives, depth first.

    The same strings in the same order as :func:`_string_values`, without building the list, and the
    length / dash guards of :func:`_from_headers` tested before calling it (most values are short).
    """
    for value in record.values():
        if type(value) is str or isinstance(value, str):
            if len(value) >= _SHORTEST_HEADER and "-" in value:
                trace, span = _from_headers(value)
                if trace:
                    return trace, span
        elif depth < 3 and isinstance(value, (dict, Mapping)):
            found = _scan_headers(value, depth + 1)
            if found is not None:
                return found
    return None


_Normalise = Callable[[Any], str | None]


class _FieldSets:
    """First path segments of each configured field list: a record none of whose keys is among them (and
    that has no dotted keys) cannot hold any of the fields, so the per-path lookups can be skipped."""

    __slots__ = ("context", "span", "trace", "transaction")

    def __init__(self, cfg: PipelineConfig) -> None:
        def heads(paths: tuple[str, ...]) -> frozenset[str]:
            return frozenset(path.partition(".")[0] for path in paths)

        self.context = heads(cfg.context_fields)
        self.trace = heads(cfg.trace_id_fields)
        self.span = heads(cfg.span_id_fields)
        self.transaction = heads(cfg.transaction_id_fields)


class _Plan:
    """What can be found in a record with a given set of top-level keys (none containing a dot).

    A configured path can only be present in such a record when the path itself or its first segment is
    one of the keys, so each field list shrinks to those paths (usually none or one; order kept). Records
    repeat a few dozen key sets, so plans are cached per key tuple.
    """

    __slots__ = ("b3", "context", "headers", "targets")

    def __init__(self, cfg: PipelineConfig, sets: _FieldSets, keys: tuple[str, ...]) -> None:
        present = frozenset(keys)

        def possible(paths: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(p for p in paths if p in present or ("." in p and p.partition(".")[0] in present))

        self.context = possible(cfg.context_fields)
        # (doc key, configured paths, paths possible here, their first segments, normaliser) per id kind.
        self.targets: tuple[tuple[str, tuple[str, ...], tuple[str, ...], frozenset[str], _Normalise], ...] = (
            ("trace.id", cfg.trace_id_fields, possible(cfg.trace_id_fields), sets.trace, normalise_trace_id),
            ("span.id", cfg.span_id_fields, possible(cfg.span_id_fields), sets.span, normalise_span_id),
            (
                "transaction.id",
                cfg.transaction_id_fields,
                possible(cfg.transaction_id_fields),
                sets.transaction,
                normalise_transaction_id,
            ),
        )
        self.b3 = "b3" in present or "B3" in present
        self.headers = tuple(name for name in _HEADER_FIELDS if name in present)


class _Compiled:
    """Per configuration: the field sets and the plans by key tuple (bounded: keys come from data)."""

    __slots__ = ("config", "plans", "sets")

    def __init__(self, cfg: PipelineConfig) -> None:
        self.config = cfg
        self.sets = _FieldSets(cfg)
        self.plans: dict[tuple[str, ...], _Plan | None] = {}

    def plan(self, rest: dict[str, Any]) -> _Plan | None:
        """The plan for ``rest``'s keys; ``None`` when a key holds a dot (or is not a string): general path."""
        keys = tuple(rest)
        try:
            return self.plans[keys]
        except KeyError:
            pass
        simple = all(type(key) is str and "." not in key for key in keys)
        plan = _Plan(self.config, self.sets, keys) if simple else None
        if len(self.plans) < _MAX_PLANS:
            self.plans[keys] = plan
        return plan


_MAX_PLANS = 2048
_COMPILED: dict[int, _Compiled] = {}


def _compiled(cfg: PipelineConfig) -> _Compiled:
    entry = _COMPILED.get(id(cfg))
    if entry is not None and entry.config is cfg:
        return entry
    if len(_COMPILED) > 16:  # configurations are per container; tests build many
        _COMPILED.clear()
    entry = _COMPILED[id(cfg)] = _Compiled(cfg)
    return entry


def _field_sets(cfg: PipelineConfig) -> _FieldSets:
    return _compiled(cfg).sets


def _has_dotted_key(record: Mapping[str, Any]) -> bool:
    return any("." in key for key in record if isinstance(key, str))


def _set_from_header(doc: dict[str, Any], trace: str, span: str | None) -> None:
    doc["trace.id"] = trace
    if span and not doc.get("span.id"):
        doc["span.id"] = span


def correlate(doc: dict[str, Any], rest: dict[str, Any], cfg: PipelineConfig) -> None:
    """Set ``trace.id`` / ``span.id`` / ``transaction.id`` on ``doc`` from ``rest`` and the message.

    Consumed id fields are removed from ``rest`` so they are not stored again under ``labels``.
    """
    compiled = _compiled(cfg)
    plan = compiled.plan(rest)
    if plan is None:
        _correlate_general(doc, rest, cfg, compiled.sets)
        return

    scopes: list[Mapping[str, Any]] | None = None  # context objects, when the record has any
    for name in plan.context:
        inner = rest.get(name) if name in rest or "." not in name else lookup(rest, name)
        if inner is not None and isinstance(inner, (dict, Mapping)):
            if scopes is None:
                scopes = []
            scopes.append(inner)

    for key, fields, paths, heads, normalise in plan.targets:
        value = doc.get(key)
        if value:
            doc[key] = normalise(value)
            continue
        if paths:
            path, value = first_possible(rest, paths)
            if path is not None:
                doc[key] = normalise(value)
                pop_path(rest, path)
                continue
        if scopes is not None:
            for scope in scopes:
                if heads.isdisjoint(scope) and not _has_dotted_key(scope):
                    continue
                path, value = first_present(scope, fields)
                if path is not None:
                    doc[key] = normalise(value)
                    break

    if not doc.get("trace.id") and (plan.b3 or scopes is not None):
        for scope in [rest, *(scopes or ())]:
            if _b3_field(doc, scope):
                break
    if not doc.get("trace.id"):
        found = _scan_headers(rest)
        if found is not None:
            _set_from_header(doc, *found)

    _from_message_fields(doc)
    for key in ("trace.id", "span.id", "transaction.id"):
        if key in doc and not doc[key]:
            del doc[key]
    if plan.headers and "trace.id" in doc:
        _drop_consumed_headers(doc["trace.id"], rest, plan.headers)


def _b3_field(doc: dict[str, Any], scope: Mapping[str, Any]) -> bool:
    """A B3 single header in a ``b3`` / ``B3`` field of ``scope``; True when it gave the trace id."""
    b3 = scope.get("b3") or scope.get("B3")
    if isinstance(b3, str) and "-" in b3:
        trace_part, _, span_part = b3.partition("-")
        trace, span = normalise_trace_id(trace_part), normalise_span_id(span_part.partition("-")[0])
        if trace and _is_hex(trace):
            doc["trace.id"] = trace
            if span and not doc.get("span.id"):
                doc["span.id"] = span
            return True
    return False


def _from_message_fields(doc: dict[str, Any]) -> None:
    """Ids from the message text, for what the fields did not give."""
    message = doc.get("message")
    if isinstance(message, str) and not (doc.get("trace.id") and doc.get("transaction.id")):
        if not doc.get("trace.id"):
            trace, span = _from_headers(message)
            if trace:
                _set_from_header(doc, trace, span)
        found = _from_message(message)
        if found:
            for kind, normalise in (
                ("trace", normalise_trace_id),
                ("span", normalise_span_id),
                ("transaction", normalise_transaction_id),
            ):
                if kind in found and not doc.get(f"{kind}.id"):
                    doc[f"{kind}.id"] = normalise(found[kind])


def _correlate_general(doc: dict[str, Any], rest: dict[str, Any], cfg: PipelineConfig, sets: _FieldSets) -> None:
    """:func:`correlate` for records with dotted keys: every configured path is looked up."""
    rest_dotted = _has_dotted_key(rest)
    scopes: list[Mapping[str, Any]] = [rest]
    if rest_dotted or not sets.context.isdisjoint(rest):
        for name in cfg.context_fields:
            inner = rest.get(name) if name in rest or "." not in name else lookup(rest, name)
            if inner is not None and isinstance(inner, (dict, Mapping)):
                scopes.append(inner)

    targets = (
        ("trace.id", cfg.trace_id_fields, sets.trace, normalise_trace_id),
        ("span.id", cfg.span_id_fields, sets.span, normalise_span_id),
        ("transaction.id", cfg.transaction_id_fields, sets.transaction, normalise_transaction_id),
    )
    for key, fields, heads, normalise in targets:
        if doc.get(key):
            doc[key] = normalise(doc[key])
            continue
        for scope in scopes:
            if heads.isdisjoint(scope) and not (rest_dotted if scope is rest else _has_dotted_key(scope)):
                continue
            path, value = first_present(scope, fields)
            if path is not None:
                doc[key] = normalise(value)
                if scope is rest:
                    pop_path(rest, path)
                break

    if not doc.get("trace.id"):
        for scope in scopes:
            if _b3_field(doc, scope):
                break
    if not doc.get("trace.id"):
        found = _scan_headers(rest)
        if found is not None:
            _set_from_header(doc, *found)

    _from_message_fields(doc)
    for key in ("trace.id", "span.id", "transaction.id"):
        if key in doc and not doc[key]:
            del doc[key]
    if "trace.id" in doc:
        _drop_consumed_headers(doc["trace.id"], rest, _HEADER_FIELDS)


# Top-level propagation-header fields: once the trace id they carry is in ``trace.id`` they say nothing more,
# and kept they would be stored again as ``labels.traceparent`` (a second copy of every trace id).
_HEADER_FIELDS = ("traceparent", "Traceparent", "b3", "B3", "X-Amzn-Trace-Id", "x-amzn-trace-id")


def _drop_consumed_headers(trace_id: str, rest: dict[str, Any], names: tuple[str, ...]) -> None:
    """Remove header fields of ``rest`` whose trace id is ``trace_id``; a header naming another trace stays."""
    for name in names:
        value = rest.get(name)
        if not isinstance(value, str):
            continue
        found = normalise_trace_id(value.partition("-")[0]) if name in ("b3", "B3") else _from_headers(value)[0]
        if found == trace_id:
            del rest[name]
