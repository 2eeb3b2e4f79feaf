"""Drop rules: decide, from data, which log documents are noise (health checks, probes, debug chatter).

Rules are compiled once per container from ``pipeline.yaml``; evaluating them is a few dict lookups per
record. Sampling is deterministic (a CRC32 of the trace id, else of the message) so every log line of
one sampled request is kept or dropped together and a replay gives the same result.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
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


class CompiledRule:
    """A drop rule ready to evaluate against one flat document (immutable after compilation)."""

    __slots__ = ("environments", "keep_per_mille", "name", "tests", "threshold")

    def __init__(
        self,
        name: str,
        tests: tuple[tuple[str, Test], ...],
        threshold: dict[str, int],
        keep_per_mille: int | None,
        environments: frozenset[str],
    ) -> None:
        self.name = name
        self.tests = tests
        self.threshold = threshold
        self.keep_per_mille = keep_per_mille
        self.environments = environments

    def __repr__(self) -> str:
        return f"CompiledRule(name={self.name!r})"

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
        return self._sampled_out(doc)

    def _sampled_out(self, doc: dict[str, Any]) -> bool:
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


# (rule, its level limit in the environment or None) for the rules that can drop anything there: a rule
# limited to other environments, or whose level threshold is missing or the lowest level, never does.
_EnvRules = tuple[tuple[CompiledRule, int | None], ...]
_BY_ENVIRONMENT: dict[tuple[int, str], tuple[tuple[CompiledRule, ...], _EnvRules]] = {}
_LOWEST_RANK = min(LEVEL_RANK.values())


def _rules_for(rules: tuple[CompiledRule, ...], environment: str) -> _EnvRules:
    entry = _BY_ENVIRONMENT.get((id(rules), environment))
    if entry is not None and entry[0] is rules:
        return entry[1]
    selected: list[tuple[CompiledRule, int | None]] = []
    for rule in rules:
        if rule.environments and environment not in rule.environments:
            continue
        limit = rule.threshold.get(environment) if rule.threshold else None
        if rule.threshold and (limit is None or limit <= _LOWEST_RANK):
            continue
        selected.append((rule, limit))
    if len(_BY_ENVIRONMENT) > 32:  # rule sets are per container; tests build many
        _BY_ENVIRONMENT.clear()
    chosen = tuple(selected)
    _BY_ENVIRONMENT[(id(rules), environment)] = (rules, chosen)
    return chosen


def drop_reason(doc: dict[str, Any], rules: tuple[CompiledRule, ...], environment: str) -> str | None:
    """Name of the first rule that drops ``doc``, or ``None`` to keep it.

    Same decisions as :meth:`CompiledRule.matches` in order, over the rules that apply to the environment;
    an absent field fails every condition (each test is false for ``None``), so it is not tested.
    """
    for rule, limit in _rules_for(rules, environment):
        if limit is not None and level_rank(doc.get("log.level")) >= limit:
            continue
        for field, test in rule.tests:
            value = doc.get(field)
            if value is None or not test(value):
                break
        else:
            if rule._sampled_out(doc):
                return rule.name
    return None
