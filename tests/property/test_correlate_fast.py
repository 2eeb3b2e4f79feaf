"""The per-key-set plans of ``correlate`` find exactly what the general path (every configured path) finds."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.correlate import _compiled, _correlate_general, _from_message, correlate
from logpipe.pipeline_config import load_pipeline_config

CFG = load_pipeline_config()
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"

_KEYS = sorted(
    {p.partition(".")[0] for p in CFG.trace_id_fields + CFG.span_id_fields + CFG.transaction_id_fields}
    | set(CFG.trace_id_fields + CFG.span_id_fields + CFG.transaction_id_fields)
    | set(CFG.context_fields)
    | {"b3", "B3", "traceparent", "X-Amzn-Trace-Id", "kubernetes", "stream", "id", "trace", "span", "dd", "other"}
)
_VALUES = st.sampled_from(
    [
        TRACE,
        TRACE.upper(),
        SPAN,
        "",
        "0" * 32,
        "TX-1",
        f"00-{TRACE}-{SPAN}-01",
        f"{TRACE}-{SPAN}-1",
        f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={SPAN}",
        "ip-10-0-1-2.ap-northeast-2.compute.internal",
        "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/order-api:1.4.8",
    ]
)
_SCALARS = st.one_of(_VALUES, st.integers(0, 10**20), st.none(), st.booleans(), st.just([TRACE]))
_RECORDS = st.recursive(
    st.dictionaries(st.sampled_from(_KEYS), _SCALARS, max_size=6),
    lambda inner: st.dictionaries(st.sampled_from(_KEYS), st.one_of(_SCALARS, inner), max_size=6),
    max_leaves=12,
)
_MESSAGES = st.sampled_from(
    [
        "",
        "plain text",
        f"[order-api,{TRACE},{SPAN}] done",
        f"trace_id={TRACE} span_id={SPAN} txId=ORD-9",
        f"ſpan_id={SPAN} trace-id: {TRACE}",
        f"calling with traceparent 00-{TRACE}-{SPAN}-01 now",
        "User session refreshed userId=753306",
    ]
)


def _both(doc: dict[str, Any], rest: dict[str, Any]) -> tuple[Any, Any]:
    fast_doc, fast_rest = copy.deepcopy(doc), copy.deepcopy(rest)
    slow_doc, slow_rest = copy.deepcopy(doc), copy.deepcopy(rest)
    correlate(fast_doc, fast_rest, CFG)
    _correlate_general(slow_doc, slow_rest, CFG, _compiled(CFG).sets)
    return (list(fast_doc.items()), fast_rest), (list(slow_doc.items()), slow_rest)


@settings(max_examples=400, deadline=None)
@given(rest=_RECORDS, message=_MESSAGES, preset=st.sampled_from([{}, {"trace.id": TRACE.upper()}, {"span.id": SPAN}]))
def test_planned_correlate_equals_the_general_path(rest: dict[str, Any], message: str, preset: dict[str, Any]) -> None:
    fast, slow = _both({"message": message, **preset}, rest)
    assert fast == slow


def test_context_objects_and_nested_paths_still_found() -> None:
    rest = {"mdc": {"traceId": TRACE}, "http": {"headers": {"b3": f"{TRACE}-{SPAN}-1"}}, "dd": {"span_id": SPAN}}
    doc: dict[str, Any] = {"message": "x"}
    correlate(doc, rest, CFG)
    assert doc["trace.id"] == TRACE and doc["span.id"] == SPAN
    assert "dd" not in rest  # a consumed nested id is removed (and its emptied parent)


def test_message_key_words_are_guarded_without_losing_non_ascii_matches() -> None:
    # The regex is case-insensitive: a long s ("ſ") matches "s", so non-ASCII text skips the word guard.
    assert SPAN in _from_message(f"ſpan_id={SPAN}").values()  # still reaches the regex
    assert _from_message("User session refreshed userId=753306") == {}
    assert _from_message(f"TxnId: ORD-77 TRACE_ID={TRACE}") == {"transaction": "ORD-77", "trace": TRACE}
