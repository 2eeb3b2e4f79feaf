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


# Label key -> sanitised key. Keys repeat from record to record: sanitise each once (bounded, since
# keys come from data).
_SANITIZED: dict[str, str] = {}
_SANITIZED_MAX = 4096


def _sanitize_label_key(key: str) -> str:
    # OpenSearch treats dots as object paths; labels are flat keywords (ECS).
    clean = _SANITIZED.get(key)
    if clean is None:
        clean = key.replace(".", "_").replace("/", "_").replace(" ", "_")[:100]
        if len(_SANITIZED) < _SANITIZED_MAX:
            _SANITIZED[key] = clean
    return clean


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
            doc[dst] = value if isinstance(value, str) else str(value)
    image = k8s.get("container_image")
    if image:
        doc["container.image.name"] = str(image)
    labels = k8s.get("labels")
    if isinstance(labels, Mapping):
        for name in keep_labels:
            value = labels.get(name)
            if value:
                doc["kubernetes.labels." + _sanitize_label_key(name)] = value if isinstance(value, str) else str(value)


def _service_from_kubernetes(k8s: Mapping[str, Any]) -> str | None:
    labels = k8s.get("labels")
    if isinstance(labels, Mapping):
        for name in ("app.kubernetes.io/name", "app", "k8s-app", "component"):
            if labels.get(name):
                return str(labels[name])
    if k8s.get("container_name"):
        return str(k8s["container_name"])
    return None


# Key -> lower-cased key, for the sensitive-key test (bounded: keys come from data).
_LOWERED: dict[str, str] = {}


def _lowered(key: Any) -> str:
    text = key if isinstance(key, str) else str(key)
    low = _LOWERED.get(text)
    if low is None:
        low = text.lower()
        if len(_LOWERED) < _SANITIZED_MAX:
            _LOWERED[text] = low
    return low


def _flatten_labels(
    rest: Mapping[str, Any], cfg: PipelineConfig, out: dict[str, str], prefix: str = "", depth: int = 0
) -> None:
    limits = cfg.limits
    sensitive = cfg.sensitive_keys
    for key, value in rest.items():
        if len(out) >= limits.max_labels:
            return
        if not prefix and key in _NOISE_KEYS:
            continue
        name = f"{prefix}{key}"
        if _lowered(key) in sensitive:
            out[_sanitize_label_key(name)] = REDACTED
            continue
        if isinstance(value, str):  # the common case first: no Mapping ABC check
            text = value
        elif isinstance(value, (dict, Mapping)):
            if depth < 2:
                _flatten_labels(value, cfg, out, f"{name}.", depth + 1)
            continue
        elif value is None or isinstance(value, list):
            continue
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
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
