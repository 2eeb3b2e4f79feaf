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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from logpipe.fieldpath import first_present, lookup, pop_path
from logpipe.pipeline_config import PipelineConfig

_TRACEPARENT = re.compile(r"\b[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b")
_XRAY = re.compile(r"Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})(?:;\s*Parent=([0-9a-fA-F]{16}))?")
_B3_SINGLE = re.compile(r"\bb3[\"']?\s*[:=]\s*[\"']?([0-9a-fA-F]{16,32})-([0-9a-fA-F]{16})(?:-[01d])?", re.IGNORECASE)
_KV_IDS = re.compile(
    r"\b(trace[_.-]?id|x-b3-traceid|span[_.-]?id|x-b3-spanid|transaction[_.-]?id|tx[_-]?id|txn[_-]?id)"
    r"[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9][A-Za-z0-9_.:-]{3,127})",
    re.IGNORECASE,
)
# Spring Sleuth / Micrometer console pattern: "[service,traceId,spanId]" or "[service,traceId,spanId,true]".
_SLEUTH = re.compile(r"\[([\w.-]*),([0-9a-f]{16,32}),([0-9a-f]{16})(?:,(?:true|false))?\]")


_HEX_RUN = re.compile(r"[0-9a-f]+")
# A W3C traceparent is exactly 55 characters: no shorter text can hold one. The shortest text any of the
# three header patterns can match is a B3 single header with a 64-bit trace id: "b3=" + 16 + "-" + 16.
_TRACEPARENT_LEN = 55
_SHORTEST_HEADER = 36


def _is_hex(value: str) -> bool:
    return _HEX_RUN.fullmatch(value) is not None


def normalise_trace_id(value: Any) -> str | None:
    """One canonical spelling of a trace id; ``None`` for empty or all-zero (invalid per W3C) ids."""
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
    if _is_hex(lowered) and len(lowered) in (16, 32):
        lowered = lowered.rjust(32, "0")
        return None if lowered.strip("0") == "" else lowered
    return text[:128]


def normalise_span_id(value: Any) -> str | None:
    """Span ids as 16 lower-case hex characters when they are hex; free-form ids kept, trimmed."""
    text = str(value).strip()
    if not text:
        return None
    lowered = text.lower()
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
    if len(text) < _TRACEPARENT_LEN:
        return None, None
    m = _TRACEPARENT.search(text)
    if m and m.group(1).strip("0"):
        return m.group(1), m.group(2)
    return None, None


def _from_message(message: str) -> dict[str, str]:
    """Ids written into the message text itself: ``trace_id=..`` pairs and Sleuth's ``[svc,trace,span]``."""
    found: dict[str, str] = {}
    if "[" in message and "," in message:
        m = _SLEUTH.search(message)
        if m:
            found["trace"] = m.group(2)
            found["span"] = m.group(3)
    # Every key _KV_IDS knows ends in "id" (any case): most messages are ruled out without the regex.
    if ("=" in message or ":" in message) and (
        "id" in message or "ID" in message or "Id" in message or "iD" in message
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


@dataclass(frozen=True, slots=True)
class _FieldSets:
    """First path segments of each configured field list: a record none of whose keys is among them (and
    that has no dotted keys) cannot hold any of the fields, so the per-path lookups can be skipped."""

    context: frozenset[str]
    trace: frozenset[str]
    span: frozenset[str]
    transaction: frozenset[str]


_FIELD_SETS: dict[int, tuple[PipelineConfig, _FieldSets]] = {}


def _field_sets(cfg: PipelineConfig) -> _FieldSets:
    entry = _FIELD_SETS.get(id(cfg))
    if entry is not None and entry[0] is cfg:
        return entry[1]

    def heads(paths: tuple[str, ...]) -> frozenset[str]:
        return frozenset(path.partition(".")[0] for path in paths)

    sets = _FieldSets(
        context=heads(cfg.context_fields),
        trace=heads(cfg.trace_id_fields),
        span=heads(cfg.span_id_fields),
        transaction=heads(cfg.transaction_id_fields),
    )
    if len(_FIELD_SETS) > 16:  # configurations are per container; tests build many
        _FIELD_SETS.clear()
    _FIELD_SETS[id(cfg)] = (cfg, sets)
    return sets


def _has_dotted_key(record: Mapping[str, Any]) -> bool:
    return any("." in key for key in record if isinstance(key, str))


def correlate(doc: dict[str, Any], rest: dict[str, Any], cfg: PipelineConfig) -> None:
    """Set ``trace.id`` / ``span.id`` / ``transaction.id`` on ``doc`` from ``rest`` and the message.

    Consumed id fields are removed from ``rest`` so they are not stored again under ``labels``.
    """
    sets = _field_sets(cfg)
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
            b3 = scope.get("b3") or scope.get("B3")
            if isinstance(b3, str) and "-" in b3:
                trace_part, _, span_part = b3.partition("-")
                trace, span = normalise_trace_id(trace_part), normalise_span_id(span_part.partition("-")[0])
                if trace and _is_hex(trace):
                    doc["trace.id"] = trace
                    if span and not doc.get("span.id"):
                        doc["span.id"] = span
                    break
    if not doc.get("trace.id"):
        for text in _string_values(rest):
            trace, span = _from_headers(text)
            if trace:
                doc["trace.id"] = trace
                if span and not doc.get("span.id"):
                    doc["span.id"] = span
                break

    message = doc.get("message")
    if isinstance(message, str) and not (doc.get("trace.id") and doc.get("transaction.id")):
        if not doc.get("trace.id"):
            trace, span = _from_headers(message)
            if trace:
                doc["trace.id"] = trace
                if span and not doc.get("span.id"):
                    doc["span.id"] = span
        found = _from_message(message)
        for kind, normalise in (
            ("trace", normalise_trace_id),
            ("span", normalise_span_id),
            ("transaction", normalise_transaction_id),
        ):
            if kind in found and not doc.get(f"{kind}.id"):
                doc[f"{kind}.id"] = normalise(found[kind])

    for key in ("trace.id", "span.id", "transaction.id"):
        if key in doc and not doc[key]:
            del doc[key]
    if "trace.id" in doc:
        _drop_consumed_headers(doc["trace.id"], rest)


# Top-level propagation-header fields: once the trace id they carry is in ``trace.id`` they say nothing more,
# and kept they would be stored again as ``labels.traceparent`` (a second copy of every trace id).
_HEADER_FIELDS = ("traceparent", "Traceparent", "b3", "B3", "X-Amzn-Trace-Id", "x-amzn-trace-id")


def _drop_consumed_headers(trace_id: str, rest: dict[str, Any]) -> None:
    """Remove header fields of ``rest`` whose trace id is ``trace_id``; a header naming another trace stays."""
    for name in _HEADER_FIELDS:
        value = rest.get(name)
        if not isinstance(value, str):
            continue
        found = normalise_trace_id(value.partition("-")[0]) if name in ("b3", "B3") else _from_headers(value)[0]
        if found == trace_id:
            del rest[name]
