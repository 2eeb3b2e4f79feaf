"""The processor's own configuration (``pipeline.yaml``): service fields, correlation, limits, drop rules.

Parsers (``parsers.yaml``) and masking rules (``masking.yaml``) have their own files and loaders; this
module only covers what the enrich/correlate/filter/shape stages need.
"""

from __future__ import annotations

from typing import Any

from logpipe.configfile import ConfigError, Validator, config_path, load_document
from logpipe.frozen import Frozen
from logpipe.levels import LEVEL_NAMES

__all__ = ["ConfigError", "DropCondition", "DropRule", "Limits", "PipelineConfig", "load_pipeline_config"]

CONDITION_OPS = ("equals", "in", "regex", "prefix", "contains")


class DropCondition(Frozen):
    """One test on one document field; ``op`` is one of :data:`CONDITION_OPS`."""

    __slots__ = ("field", "op", "value")
    field: str
    op: str
    value: Any

    def __init__(self, field: str, op: str, value: Any) -> None:
        self._set(field=field, op=op, value=value)


class DropRule(Frozen):
    """A named rule: all ``match`` conditions hold (and the level is below the env threshold) -> drop."""

    __slots__ = ("environments", "level_below", "match", "name", "sample")
    name: str
    match: tuple[DropCondition, ...]
    level_below: dict[str, str]
    sample: float | None
    environments: tuple[str, ...]

    def __init__(
        self,
        name: str,
        match: tuple[DropCondition, ...] = (),
        level_below: dict[str, str] | None = None,
        sample: float | None = None,
        environments: tuple[str, ...] = (),
    ) -> None:
        self._set(
            name=name,
            match=match,
            level_below={} if level_below is None else level_below,
            sample=sample,
            environments=environments,
        )


class Limits(Frozen):
    """Size limits that keep one huge log line from bloating the index or the Firehose response."""

    __slots__ = ("max_label_bytes", "max_labels", "max_message_bytes", "max_stack_trace_bytes")
    max_message_bytes: int
    max_stack_trace_bytes: int
    max_label_bytes: int
    max_labels: int

    def __init__(
        self,
        max_message_bytes: int = 32768,
        max_stack_trace_bytes: int = 65536,
        max_label_bytes: int = 1024,
        max_labels: int = 64,
    ) -> None:
        self._set(
            max_message_bytes=max_message_bytes,
            max_stack_trace_bytes=max_stack_trace_bytes,
            max_label_bytes=max_label_bytes,
            max_labels=max_labels,
        )


class PipelineConfig(Frozen):
    """Validated contents of ``pipeline.yaml``."""

    __slots__ = (
        "context_fields",
        "drop_rules",
        "keep_kubernetes_labels",
        "limits",
        "sensitive_keys",
        "service_environment_fields",
        "service_name_fields",
        "service_version_fields",
        "source",
        "span_id_fields",
        "trace_id_fields",
        "transaction_id_fields",
    )
    service_name_fields: tuple[str, ...]
    service_environment_fields: tuple[str, ...]
    service_version_fields: tuple[str, ...]
    trace_id_fields: tuple[str, ...]
    span_id_fields: tuple[str, ...]
    transaction_id_fields: tuple[str, ...]
    context_fields: tuple[str, ...]
    keep_kubernetes_labels: tuple[str, ...]
    limits: Limits
    sensitive_keys: frozenset[str]
    drop_rules: tuple[DropRule, ...]
    source: str

    def __init__(
        self,
        service_name_fields: tuple[str, ...],
        service_environment_fields: tuple[str, ...],
        service_version_fields: tuple[str, ...],
        trace_id_fields: tuple[str, ...],
        span_id_fields: tuple[str, ...],
        transaction_id_fields: tuple[str, ...],
        context_fields: tuple[str, ...],
        keep_kubernetes_labels: tuple[str, ...],
        limits: Limits,
        sensitive_keys: frozenset[str],
        drop_rules: tuple[DropRule, ...],
        source: str = "pipeline.yaml",
    ) -> None:
        self._set(
            service_name_fields=service_name_fields,
            service_environment_fields=service_environment_fields,
            service_version_fields=service_version_fields,
            trace_id_fields=trace_id_fields,
            span_id_fields=span_id_fields,
            transaction_id_fields=transaction_id_fields,
            context_fields=context_fields,
            keep_kubernetes_labels=keep_kubernetes_labels,
            limits=limits,
            sensitive_keys=sensitive_keys,
            drop_rules=drop_rules,
            source=source,
        )


def _drop_rule(v: Validator, raw: Any, where: str) -> DropRule:
    rule = v.mapping(raw, where, required=("name",), optional=("match", "level_below", "sample", "environments"))
    name = v.string(rule["name"], f"{where}.name")
    conditions: list[DropCondition] = []
    for i, cond in enumerate(v.sequence(rule.get("match", []), f"{where}.match")):
        cwhere = f"{where}.match[{i}]"
        c = v.mapping(cond, cwhere, required=("field",), optional=CONDITION_OPS)
        ops = [op for op in CONDITION_OPS if op in c]
        if len(ops) != 1:
            raise v.fail(cwhere, f"needs exactly one of: {', '.join(CONDITION_OPS)}")
        op = ops[0]
        value: Any = c[op]
        if op == "regex":
            value = v.regex(value, f"{cwhere}.regex")
        elif op == "in":
            value = frozenset(str(x) for x in v.sequence(value, f"{cwhere}.in"))
        else:
            value = str(value)
        conditions.append(DropCondition(field=v.string(c["field"], f"{cwhere}.field"), op=op, value=value))
    level_below: dict[str, str] = {}
    if "level_below" in rule:
        raw_levels = v.mapping(rule["level_below"], f"{where}.level_below")
        for env, level in raw_levels.items():
            level_below[str(env)] = v.string(level, f"{where}.level_below.{env}", choices=LEVEL_NAMES)
    sample = None
    if "sample" in rule:
        sample = v.number(rule["sample"], f"{where}.sample", minimum=0.0, maximum=1.0)
    if not conditions and not level_below:
        raise v.fail(where, "a rule needs 'match' conditions or 'level_below' (otherwise it drops everything)")
    envs = tuple(v.strings(rule["environments"], f"{where}.environments")) if "environments" in rule else ()
    return DropRule(name=name, match=tuple(conditions), level_below=level_below, sample=sample, environments=envs)


def parse_pipeline_config(doc: Any, source: str = "pipeline.yaml") -> PipelineConfig:
    """Validate a loaded ``pipeline.yaml`` document; raise :class:`ConfigError` with the exact location."""
    v = Validator(source)
    top = v.mapping(
        doc,
        "",
        required=("version",),
        optional=("service", "correlation", "kubernetes", "limits", "sensitive_keys", "drop_rules"),
    )
    if top["version"] != 1:
        raise v.fail("version", f"unsupported version {top['version']!r} (this logpipe reads version 1)")
    svc = v.mapping(top.get("service", {}), "service", optional=("name_fields", "environment_fields", "version_fields"))
    cor = v.mapping(
        top.get("correlation", {}),
        "correlation",
        optional=("trace_id_fields", "span_id_fields", "transaction_id_fields", "context_fields"),
    )
    k8s = v.mapping(top.get("kubernetes", {}), "kubernetes", optional=("keep_labels",))
    lim = v.mapping(
        top.get("limits", {}),
        "limits",
        optional=("max_message_bytes", "max_stack_trace_bytes", "max_label_bytes", "max_labels"),
    )
    limits = Limits(**{key: v.integer(val, f"limits.{key}", minimum=16) for key, val in lim.items()})
    rules = tuple(
        _drop_rule(v, raw, f"drop_rules[{i}]")
        for i, raw in enumerate(v.sequence(top.get("drop_rules", []), "drop_rules"))
    )
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise v.fail("drop_rules", f"duplicate rule name '{dupes[0]}'")

    def strs(section: Any, key: str, where: str) -> tuple[str, ...]:
        return tuple(v.strings(section.get(key, []), f"{where}.{key}"))

    return PipelineConfig(
        service_name_fields=strs(svc, "name_fields", "service"),
        service_environment_fields=strs(svc, "environment_fields", "service"),
        service_version_fields=strs(svc, "version_fields", "service"),
        trace_id_fields=strs(cor, "trace_id_fields", "correlation"),
        span_id_fields=strs(cor, "span_id_fields", "correlation"),
        transaction_id_fields=strs(cor, "transaction_id_fields", "correlation"),
        context_fields=strs(cor, "context_fields", "correlation"),
        keep_kubernetes_labels=strs(k8s, "keep_labels", "kubernetes"),
        limits=limits,
        sensitive_keys=frozenset(k.lower() for k in v.strings(top.get("sensitive_keys", []), "sensitive_keys")),
        drop_rules=rules,
        source=source,
    )


def load_pipeline_config(directory: str | None = None) -> PipelineConfig:
    """Load and validate ``pipeline.yaml`` from ``directory``, $LOGPIPE_CONFIG_DIR or the built-in copy."""
    path = config_path("pipeline.yaml", directory)
    return parse_pipeline_config(load_document(path), source=str(path))
