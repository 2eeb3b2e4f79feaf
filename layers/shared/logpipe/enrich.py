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

from logpipe.fieldpath import first_possible, first_present, pop_path
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


_K8S_FIELDS = (
    ("namespace_name", "kubernetes.namespace"),
    ("pod_name", "kubernetes.pod.name"),
    ("container_name", "kubernetes.container.name"),
    ("host", "kubernetes.node.name"),
    ("pod_id", "kubernetes.pod.uid"),
)
# Top-level fields copied to infrastructure fields (and removed from the labels).
_INFRA_FIELDS = (
    ("host", "host.name"),
    ("hostname", "host.name"),
    ("ecs_cluster", "cloud.ecs.cluster"),
    ("ecs_task_definition", "cloud.ecs.task_definition"),
    ("aws_log_group", "cloud.log_group"),
)


def _prune_kubernetes(k8s: Mapping[str, Any], doc: dict[str, Any], keep_labels: tuple[tuple[str, str], ...]) -> None:
    for src, dst in _K8S_FIELDS:
        value = k8s.get(src)
        if value:
            doc[dst] = value if isinstance(value, str) else str(value)
    image = k8s.get("container_image")
    if image:
        doc["container.image.name"] = str(image)
    labels = k8s.get("labels")
    if labels and (type(labels) is dict or isinstance(labels, Mapping)):
        for name, key in keep_labels:
            value = labels.get(name)
            if value:
                doc[key] = value if isinstance(value, str) else str(value)


def _service_from_kubernetes(k8s: Mapping[str, Any]) -> str | None:
    labels = k8s.get("labels")
    if type(labels) is dict or isinstance(labels, Mapping):
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


class _Plan:
    """The configured service fields a record with a given set of top-level keys (none dotted) can hold.

    A path can only be present when the path itself or its first segment is a key, so each list shrinks
    to those paths (order kept); pops during enrichment only remove keys, so the lists stay complete.
    """

    __slots__ = ("environment", "infra", "name", "version")

    def __init__(self, cfg: PipelineConfig, keys: tuple[str, ...]) -> None:
        present = frozenset(keys)

        def possible(paths: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(p for p in paths if p in present or ("." in p and p.partition(".")[0] in present))

        self.name = possible(cfg.service_name_fields)
        self.environment = possible(cfg.service_environment_fields)
        self.version = possible(cfg.service_version_fields)
        self.infra = tuple((src, dst) for src, dst in _INFRA_FIELDS if src in present)


class _Compiled:
    """Per configuration: plans by key tuple, label keys by field name (both bounded: keys come from data)."""

    __slots__ = ("config", "keep_labels", "label_keys", "plans", "top_keys")

    def __init__(self, cfg: PipelineConfig) -> None:
        self.config = cfg
        self.plans: dict[tuple[str, ...], _Plan | None] = {}
        self.keep_labels = tuple(
            (name, "kubernetes.labels." + _sanitize_label_key(name)) for name in cfg.keep_kubernetes_labels
        )
        # Top-level key -> (skip: Fluent Bit noise, sensitive, "labels.<sanitised key>").
        self.top_keys: dict[str, tuple[bool, bool, str]] = {}
        # Nested field name ("ctx.region") -> "labels.<sanitised name>".
        self.label_keys: dict[str, str] = {}

    def plan(self, rest: dict[str, Any]) -> _Plan | None:
        """The plan for ``rest``'s keys; ``None`` when a key holds a dot (or is not a string): general path."""
        keys = tuple(rest)
        try:
            return self.plans[keys]
        except KeyError:
            pass
        simple = all(type(key) is str and "." not in key for key in keys)
        plan = _Plan(self.config, keys) if simple else None
        if len(self.plans) < _SANITIZED_MAX:
            self.plans[keys] = plan
        return plan

    def top_key(self, key: str) -> tuple[bool, bool, str]:
        """(noise, sensitive, label key) of a top-level field."""
        info = self.top_keys.get(key)
        if info is None:
            info = (
                key in _NOISE_KEYS,
                _lowered(key) in self.config.sensitive_keys,
                "labels." + _sanitize_label_key(key),
            )
            if len(self.top_keys) < _SANITIZED_MAX:
                self.top_keys[key] = info
        return info

    def label_key(self, name: str) -> str:
        """``labels.<sanitised name>`` of a nested field's dotted name."""
        label = self.label_keys.get(name)
        if label is None:
            label = "labels." + _sanitize_label_key(name)
            if len(self.label_keys) < _SANITIZED_MAX:
                self.label_keys[name] = label
        return label


_COMPILED: dict[int, _Compiled] = {}


def _compiled(cfg: PipelineConfig) -> _Compiled:
    entry = _COMPILED.get(id(cfg))
    if entry is not None and entry.config is cfg:
        return entry
    if len(_COMPILED) > 16:  # configurations are per container; tests build many
        _COMPILED.clear()
    entry = _COMPILED[id(cfg)] = _Compiled(cfg)
    return entry


def _flatten_labels(
    rest: Mapping[str, Any],
    compiled: _Compiled,
    out: dict[str, str],
    prefix: str = "",
    depth: int = 0,
) -> None:
    """Fill ``out`` with ``labels.<key>`` -> string value (bounded in number and size, sensitive erased)."""
    limits = compiled.config.limits
    max_labels = limits.max_labels
    max_bytes = limits.max_label_bytes
    sensitive = compiled.config.sensitive_keys
    top_keys = compiled.top_keys
    for key, value in rest.items():
        if len(out) >= max_labels:
            return
        if not prefix and type(key) is str:
            info = top_keys.get(key)
            noise, secret, label = info if info is not None else compiled.top_key(key)
            if noise:
                continue
            name = key
        else:
            if not prefix and key in _NOISE_KEYS:
                continue
            name = f"{prefix}{key}"
            secret = _lowered(key) in sensitive
            label = compiled.label_key(name)
        if secret:
            out[label] = REDACTED
            continue
        if type(value) is str or isinstance(value, str):  # the common case first: no Mapping ABC check
            text = value
        elif type(value) is dict or isinstance(value, Mapping):
            if depth < 2:
                _flatten_labels(value, compiled, out, f"{name}.", depth + 1)
            continue
        elif value is None or isinstance(value, list):
            continue
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
        if not text:
            continue
        if len(text) > max_bytes:
            text = text[:max_bytes] + "…[truncated]"
        out[label] = text


def _host_object(host: Mapping[str, Any], doc: dict[str, Any], rest: dict[str, Any]) -> None:
    """The compact host object EC2 / ECS agents add (``{"name", "service", "env"}``): its name is the host's.

    ``service`` / ``env`` were consumed by the service fields; whatever else it holds stays for the labels
    (``labels.host.*``) instead of being dropped with the object.
    """
    name = host.get("name")
    if name and isinstance(name, (str, int)):
        doc.setdefault("host.name", str(name))
        host = {key: value for key, value in host.items() if key != "name"}
    if host:
        rest["host"] = host


_NOTHING: tuple[None, None] = (None, None)


def _take(rest: dict[str, Any], paths: tuple[str, ...], planned: bool) -> tuple[str, Any] | tuple[None, None]:
    """The first present service field and its value, removed from ``rest``."""
    found = first_possible(rest, paths) if planned else first_present(rest, paths)
    if found[0] is not None:
        pop_path(rest, found[0])
    return found


def enrich(
    doc: dict[str, Any], rest: dict[str, Any], cfg: PipelineConfig, *, environment: str, default_service: str
) -> None:
    """Fill service, environment, infrastructure fields and labels on ``doc``, consuming ``rest``."""
    k8s = rest.pop("kubernetes", None)
    if k8s is not None and type(k8s) is not dict and not isinstance(k8s, Mapping):
        k8s = None
    compiled = _compiled(cfg)
    plan = compiled.plan(rest)
    planned = plan is not None
    names = plan.name if plan is not None else cfg.service_name_fields
    environments = plan.environment if plan is not None else cfg.service_environment_fields
    versions = plan.version if plan is not None else cfg.service_version_fields

    if not doc.get("service.name"):
        path, value = _take(rest, names, planned) if names else _NOTHING
        if path is not None:
            doc["service.name"] = str(value)
        else:
            from_k8s = _service_from_kubernetes(k8s) if k8s else None
            group = rest.get("aws_log_group")
            doc["service.name"] = from_k8s or (str(group).rsplit("/", 1)[-1] if group else default_service)
    path, value = _take(rest, environments, planned) if environments else _NOTHING
    if path is not None:
        doc.setdefault("service.environment", str(value))
    doc.setdefault("service.environment", environment)
    path, value = _take(rest, versions, planned) if versions else _NOTHING
    if path is not None:
        doc.setdefault("service.version", str(value))

    if k8s:
        _prune_kubernetes(k8s, doc, compiled.keep_labels)
    for src, dst in plan.infra if plan is not None else _INFRA_FIELDS:
        value = rest.pop(src, None)
        if value and isinstance(value, (str, int)):
            doc.setdefault(dst, str(value))
        elif src == "host" and value and (type(value) is dict or isinstance(value, Mapping)):
            _host_object(value, doc, rest)

    if rest:
        labels: dict[str, str] = {}
        _flatten_labels(rest, compiled, labels)
        doc.update(labels)
