"""Drop rules: decide, from data, which log documents are noise (health checks, probes, debug chatter).

Rules are compiled once per container from ``pipeline.yaml``; evaluating them is a few dict lookups per
record. Sampling is deterministic (a CRC32 of the trace id, else of the message) so every log line of
one sampled request is kept or dropped together and a replay gives the same result.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from logpipe.levels import LEVEL_RANK, level_rank
from logpipe.pipeline_config import DropCondition, DropRule

Test = Callable[[Any], bool]


def _compile_condition(cond: DropCondition) -> Test:
    value = cond.value
    if cond.op == "equals":
        return lambda v: v is not None and str(v) == value
    if cond.op == "in":
        return lambda v: v is not None and str(v) in value
    if cond.op == "prefix":
        return lambda v: isinstance(v, str) and v.startswith(value)
    if cond.op == "contains":
        return lambda v: isinstance(v, str) and value in v
    pattern = re.compile(value)
    return lambda v: isinstance(v, str) and pattern.search(v) is not None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A drop rule ready to evaluate against one flat document."""

    name: str
    tests: tuple[tuple[str, Test], ...]
    threshold: dict[str, int]
    keep_per_mille: int | None
    environments: frozenset[str]

    def matches(self, doc: dict[str, Any], environment: str) -> bool:
        """True when every condition holds, the level is below the env threshold and sampling drops it."""
        if self.environments and environment not in self.environments:
            return False
        if self.threshold:
            limit = self.threshold.get(environment)
            if limit is None or level_rank(doc.get("log.level")) >= limit:
                return False
        for field, test in self.tests:
            if not test(doc.get(field)):
                return False
        if self.keep_per_mille is not None:
            key = str(doc.get("trace.id") or doc.get("message") or "")
            return zlib.crc32(key.encode("utf-8", "replace")) % 1000 >= self.keep_per_mille
        return True


def compile_rules(rules: tuple[DropRule, ...]) -> tuple[CompiledRule, ...]:
    """Compile validated rules into fast predicates."""
    return tuple(
        CompiledRule(
            name=rule.name,
            tests=tuple((c.field, _compile_condition(c)) for c in rule.match),
            threshold={env: LEVEL_RANK[level] for env, level in rule.level_below.items()},
            keep_per_mille=None if rule.sample is None else round(rule.sample * 1000),
            environments=frozenset(rule.environments),
        )
        for rule in rules
    )


def drop_reason(doc: dict[str, Any], rules: tuple[CompiledRule, ...], environment: str) -> str | None:
    """Name of the first rule that drops ``doc``, or ``None`` to keep it."""
    for rule in rules:
        if rule.matches(doc, environment):
            return rule.name
    return None
