"""Enrichment (service, environment, Kubernetes pruning, labels) and shaping (limits, nesting, partitions)."""

from __future__ import annotations

from typing import Any

from logpipe.enrich import REDACTED, enrich
from logpipe.pipeline_config import Limits, load_pipeline_config
from logpipe.shape import apply_limits, nest, partition_keys, truncate_utf8

CFG = load_pipeline_config()
K8S = {
    "namespace_name": "prod-commerce",
    "pod_name": "order-api-1",
    "container_name": "order",
    "host": "node-1",
    "labels": {"app.kubernetes.io/name": "order-api", "pod-template-hash": "abc"},
    "annotations": {"a": "b"},
    "docker_id": "x",
}


def enriched(rest: dict[str, Any], **kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"message": "m"}
    enrich(doc, rest, CFG, environment=kw.get("environment", "prod"), default_service="fallback")
    return doc


def test_service_from_record_beats_kubernetes() -> None:
    doc = enriched({"service_name": "payment-svc", "kubernetes": K8S})
    assert doc["service.name"] == "payment-svc"


def test_service_from_kubernetes_label_then_container() -> None:
    assert enriched({"kubernetes": K8S})["service.name"] == "order-api"
    assert enriched({"kubernetes": {"container_name": "cart"}})["service.name"] == "cart"
    assert enriched({})["service.name"] == "fallback"
    assert enriched({"aws_log_group": "/ecs/shipping-svc"})["service.name"] == "shipping-svc"


def test_environment_from_record_or_stack() -> None:
    assert enriched({"env": "stage"})["service.environment"] == "stage"
    assert enriched({})["service.environment"] == "prod"


def test_kubernetes_pruned() -> None:
    doc = enriched({"kubernetes": K8S})
    assert doc["kubernetes.namespace"] == "prod-commerce"
    assert doc["kubernetes.pod.name"] == "order-api-1"
    assert doc["kubernetes.node.name"] == "node-1"
    assert doc["kubernetes.labels.app_kubernetes_io_name"] == "order-api"
    assert not any("annotations" in k or "docker" in k or "pod-template-hash" in k for k in doc)


def test_labels_flattened_bounded_and_sensitive_erased() -> None:
    doc = enriched(
        {
            "orderId": 42,
            "ok": True,
            "ctx": {"region": "kr", "password": "hunter2"},
            "huge": "x" * 5000,
            "stream": "stdout",
            "list": [1, 2],
        }
    )
    assert doc["labels.orderId"] == "42" and doc["labels.ok"] == "true"
    assert doc["labels.ctx_region"] == "kr"
    assert doc["labels.ctx_password"] == REDACTED
    assert "hunter2" not in str(doc)
    assert len(doc["labels.huge"]) < 1100
    assert "labels.stream" not in doc and "labels.list" not in doc


def test_truncate_utf8_never_splits_a_character() -> None:
    text = "가" * 100  # 3 bytes each
    cut, was_cut = truncate_utf8(text, 64)
    assert was_cut and cut.startswith("가" * 21) and "truncated" in cut
    assert truncate_utf8("short", 64) == ("short", False)


def test_apply_limits_flags_document() -> None:
    doc: dict[str, Any] = {"message": "x" * 100, "error.stack_trace": "y" * 10}
    apply_limits(doc, Limits(max_message_bytes=32, max_stack_trace_bytes=64))
    assert doc["logpipe.truncated"] is True and len(doc["message"]) < 60


def test_nest_builds_ecs_objects_and_keeps_conflicts() -> None:
    assert nest({"@timestamp": "t", "log.level": "info", "service.name": "a", "service": "b"}) == {
        "@timestamp": "t",
        "log": {"level": "info"},
        "service": {"name": "a", "value": "b"},
    }


def test_partition_keys_are_s3_safe() -> None:
    keys = partition_keys("order api/../x", "2025-11-25T07:08:09.000Z")
    assert keys == {"service": "order_api_.._x", "year": "2025", "month": "11", "day": "25", "hour": "07"}


def test_service_and_environment_from_the_compact_host_object() -> None:
    """EC2/ECS agents add {"host": {"name", "service", "env"}}: without it the record would be 'fallback'/'prod'."""
    doc = enriched({"host": {"name": "ip-10-0-1-2", "service": "auth-gateway", "env": "stage"}}, environment="prod")
    assert doc["service.name"] == "auth-gateway"
    assert doc["service.environment"] == "stage"


def test_compact_host_object_keeps_its_name() -> None:
    """EC2/ECS agents add {"name", "service", "env"}: the name was dropped with the object (found in phase 2)."""
    doc = enriched({"host": {"name": "ip-10-0-155-252", "service": "order-api", "env": "stage", "ip": "10.0.0.9"}})
    assert doc["host.name"] == "ip-10-0-155-252"
    assert doc["service.name"] == "order-api" and doc["service.environment"] == "stage"
    assert doc["labels.host_ip"] == "10.0.0.9"  # anything else it holds stays, as a label
    assert enriched({"host": "node-7"})["host.name"] == "node-7"
    assert "host.name" not in enriched({"host": {"service": "x"}})
