"""Enrichment: who logged this (service, environment, version), where it ran, and what else it said.

- ``service.name`` comes from the record's own fields, then Kubernetes labels, the container name, the
  ECS task family or CloudWatch log group, and finally the delivery stream's default.
- Kubernetes metadata added by Fluent Bit's kubernetes filter is pruned to what operators search by
  (namespace, pod, container, node, a few labels); annotations, hashes and docker ids are dropped.
- Remaining application fields become ``labels.*`` (string values, bounded in number and size) so that a
  chatty service cannot explode the index mapping. Values of sensitive keys are erased here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logpipe.fieldpath import first_present, pop_path
from logpipe.pipeline_config import PipelineConfig

REDACTED = "<REDACTED>"
# Fluent Bit / FireLens / CloudWatch bookkeeping that is never worth a label.
_NOISE_KEYS = frozenset(
    {
        "stream",
        "_p",
        "time",
        "date",
        "@timestamp",
        "timestamp",
        "source",
        "partial_message",
        "partial_id",
        "partial_ordinal",
        "partial_last",
        "ecs_task_arn",
        "container_id",
        "aws_log_stream",
        "@version",
        "level_value",
        "log_processed",
    }
)


def _sanitize_label_key(key: str) -> str:
    # OpenSearch treats dots as object paths; labels are flat keywords (ECS).
    return key.replace(".", "_").replace("/", "_").replace(" ", "_")[:100]


def _prune_kubernetes(k8s: Mapping[str, Any], doc: dict[str, Any], keep_labels: tuple[str, ...]) -> None:
    mapping = (
        ("namespace_name", "kubernetes.namespace"),
        ("pod_name", "kubernetes.pod.name"),
        ("container_name", "kubernetes.container.name"),
        ("host", "kubernetes.node.name"),
        ("pod_id", "kubernetes.pod.uid"),
    )
    for src, dst in mapping:
        value = k8s.get(src)
        if value:
            doc[dst] = str(value)
    image = k8s.get("container_image")
    if image:
        doc["container.image.name"] = str(image)
    labels = k8s.get("labels")
    if isinstance(labels, Mapping):
        for name in keep_labels:
            value = labels.get(name)
            if value:
                doc[f"kubernetes.labels.{_sanitize_label_key(name)}"] = str(value)


def _service_from_kubernetes(k8s: Mapping[str, Any]) -> str | None:
    labels = k8s.get("labels")
    if isinstance(labels, Mapping):
        for name in ("app.kubernetes.io/name", "app", "k8s-app", "component"):
            if labels.get(name):
                return str(labels[name])
    if k8s.get("container_name"):
        return str(k8s["container_name"])
    return None


def _flatten_labels(
    rest: Mapping[str, Any], cfg: PipelineConfig, out: dict[str, str], prefix: str = "", depth: int = 0
) -> None:
    limits = cfg.limits
    for key, value in rest.items():
        if len(out) >= limits.max_labels:
            return
        name = f"{prefix}{key}"
        if not prefix and key in _NOISE_KEYS:
            continue
        if str(key).lower() in cfg.sensitive_keys:
            out[_sanitize_label_key(name)] = REDACTED
            continue
        if isinstance(value, Mapping):
            if depth < 2:
                _flatten_labels(value, cfg, out, f"{name}.", depth + 1)
            continue
        if value is None or isinstance(value, list):
            continue
        text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
        if not text:
            continue
        if len(text) > limits.max_label_bytes:
            text = text[: limits.max_label_bytes] + "…[truncated]"
        out[_sanitize_label_key(name)] = text


def enrich(
    doc: dict[str, Any], rest: dict[str, Any], cfg: PipelineConfig, *, environment: str, default_service: str
) -> None:
    """Fill service, environment, infrastructure fields and labels on ``doc``, consuming ``rest``."""
    k8s = rest.pop("kubernetes", None)
    k8s = k8s if isinstance(k8s, Mapping) else {}

    if not doc.get("service.name"):
        path, value = first_present(rest, cfg.service_name_fields)
        if path is not None:
            doc["service.name"] = str(value)
            pop_path(rest, path)
        else:
            from_k8s = _service_from_kubernetes(k8s)
            group = rest.get("aws_log_group")
            doc["service.name"] = from_k8s or (str(group).rsplit("/", 1)[-1] if group else default_service)
    path, value = first_present(rest, cfg.service_environment_fields)
    if path is not None:
        doc.setdefault("service.environment", str(value))
        pop_path(rest, path)
    doc.setdefault("service.environment", environment)
    path, value = first_present(rest, cfg.service_version_fields)
    if path is not None:
        doc.setdefault("service.version", str(value))
        pop_path(rest, path)

    if k8s:
        _prune_kubernetes(k8s, doc, cfg.keep_kubernetes_labels)
    for src, dst in (
        ("host", "host.name"),
        ("hostname", "host.name"),
        ("ecs_cluster", "cloud.ecs.cluster"),
        ("ecs_task_definition", "cloud.ecs.task_definition"),
        ("aws_log_group", "cloud.log_group"),
    ):
        value = rest.pop(src, None)
        if value and isinstance(value, str | int):
            doc.setdefault(dst, str(value))

    labels: dict[str, str] = {}
    _flatten_labels(rest, cfg, labels)
    for key, value in labels.items():
        doc[f"labels.{key}"] = value
