"""Enrichment with per-key-set plans gives exactly what looking up every configured path gives."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe import enrich as enrich_module
from logpipe.enrich import enrich
from logpipe.pipeline_config import load_pipeline_config

CFG = load_pipeline_config()
_KEYS = sorted(
    {p.partition(".")[0] for p in CFG.service_name_fields + CFG.service_environment_fields + CFG.service_version_fields}
    | set(CFG.service_name_fields + CFG.service_environment_fields + CFG.service_version_fields)
    | {"host", "hostname", "ecs_cluster", "aws_log_group", "time", "stream", "password", "user", "id", "name", "env"}
)
_SCALARS = st.one_of(
    st.sampled_from(["order-api", "", "prod", "v1.2", "/ecs/cart-svc", "x" * 1100]),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.just(["a"]),
)
_RECORDS = st.recursive(
    st.dictionaries(st.sampled_from(_KEYS), _SCALARS, max_size=8),
    lambda inner: st.dictionaries(st.sampled_from(_KEYS), st.one_of(_SCALARS, inner), max_size=6),
    max_leaves=14,
)
_K8S = st.one_of(
    st.none(),
    st.just({"pod_name": "p-1", "container_name": "cart", "labels": {"app": "cart", "version": "v2", "team": 3}}),
    st.just({"namespace_name": "ns", "host": "node-1", "labels": {"app.kubernetes.io/name": "order"}}),
)


def _run(rest: dict[str, Any], doc: dict[str, Any]) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    doc, rest = copy.deepcopy(doc), copy.deepcopy(rest)
    enrich(doc, rest, CFG, environment="stage", default_service="fallback")
    return list(doc.items()), rest


@settings(max_examples=300, deadline=None)
@given(rest=_RECORDS, k8s=_K8S, preset=st.sampled_from([{}, {"service.name": "given"}]))
def test_planned_enrich_equals_the_general_path(
    rest: dict[str, Any], k8s: dict[str, Any] | None, preset: dict[str, Any]
) -> None:
    if k8s is not None:
        rest = {**rest, "kubernetes": k8s}
    doc = {"message": "m", **preset}
    fast = _run(rest, doc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enrich_module._Compiled, "plan", lambda self, rest: None)
        slow = _run(rest, doc)
    assert fast == slow
