"""Alert rules: one YAML file under version control (``config/alert_rules.yaml``), validated at load.

A rule says which logs count (services, levels, message phrases, exception types), over which window, how
many of them (or which share of a service's logs) make an alert, how results are grouped (per service by
default), how severe it is and how long to stay quiet after notifying. Two kinds:

* ``count``: a bucket-level monitor, one bucket per group (service); fires when a bucket reaches
  ``threshold`` matching documents in ``window`` (and, with ``ratio``, when they are at least that share
  of the group's logs in the window).
* ``document``: a document-level monitor; every newly indexed matching document fires (for rare, always
  interesting events: fatal logs, ``java.lang.OutOfMemoryError``).

Errors name the file and the rule: ``alert_rules.yaml: rules[2].match.levels[0]: 'eror' is not one of ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from logpipe.alerting.durations import parse_duration
from logpipe.configfile import ConfigError, Validator, config_path, load_document
from logpipe.levels import LEVEL_NAMES

RULES_FILE = "alert_rules.yaml"
SEVERITIES: dict[str, str] = {"critical": "1", "high": "2", "medium": "3", "low": "4", "info": "5"}
"""Rule severity name -> OpenSearch Alerting trigger severity (1 is the highest)."""
KINDS = ("count", "document")
GROUP_FIELDS = ("service.name", "service.environment", "error.type", "host.name", "log.level")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Match:
    """Which documents a rule counts; every given criterion must hold, a list holds when any item does."""

    services: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    message_contains: tuple[str, ...] = ()
    error_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One validated rule (durations in seconds)."""

    name: str
    severity: str
    kind: str
    match: Match
    window_s: int
    threshold: int
    description: str = ""
    ratio: float | None = None
    group_by: tuple[str, ...] = ("service.name",)
    throttle_s: int = 600
    schedule_s: int = 60
    enabled: bool = True
    runbook: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def opensearch_severity(self) -> str:
        """``"1"`` .. ``"5"``."""
        return SEVERITIES[self.severity]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """All rules of the file, in file order."""

    rules: tuple[AlertRule, ...]
    source: str
    services: tuple[str, ...] = ()
    """Known services (``services:``): each gets a Dashboards saved search even before it has logged."""

    def enabled(self) -> tuple[AlertRule, ...]:
        """Rules that become monitors."""
        return tuple(r for r in self.rules if r.enabled)

    def by_name(self, name: str) -> AlertRule:
        """The rule called ``name`` (KeyError listing the known names otherwise)."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(f"no alert rule named '{name}' (known: {', '.join(r.name for r in self.rules)})")


_RULE_KEYS = (
    "description",
    "severity",
    "kind",
    "match",
    "window",
    "threshold",
    "ratio",
    "group_by",
    "throttle",
    "schedule",
    "enabled",
    "runbook",
)
_DEFAULT_KEYS = ("window", "throttle", "schedule", "group_by", "severity")


def _duration(v: Validator, value: Any, where: str) -> int:
    text = v.string(value, where)
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise v.fail(where, str(exc)) from exc


TEXT_MAX = 1000
"""Longest description / runbook: they are copied into every alert message, which must stay far below SNS's
256 KB (see logpipe.alerting.monitors.MESSAGE_MAX_BYTES)."""


def _text(v: Validator, value: Any, where: str) -> str:
    text = str(value)
    if len(text) > TEXT_MAX:
        raise v.fail(where, f"{len(text)} characters: at most {TEXT_MAX} (it is part of every alert message)")
    return text


def _match(v: Validator, value: Any, where: str) -> Match:
    m = v.mapping(value, where, optional=("services", "levels", "message_contains", "error_types"))
    if not m:
        raise v.fail(where, "give at least one of services, levels, message_contains, error_types")
    levels = tuple(
        v.string(item, f"{where}.levels[{i}]", choices=LEVEL_NAMES)
        for i, item in enumerate(v.sequence(m.get("levels", []), f"{where}.levels"))
    )
    return Match(
        services=tuple(v.strings(m.get("services", []), f"{where}.services")),
        levels=levels,
        message_contains=tuple(v.strings(m.get("message_contains", []), f"{where}.message_contains")),
        error_types=tuple(v.strings(m.get("error_types", []), f"{where}.error_types")),
    )


def parse_rules(document: Any, source: str) -> RuleSet:
    """Validate a loaded rules document; raise :class:`ConfigError` naming file and location."""
    v = Validator(source)
    top = v.mapping(document, "", required=("rules",), optional=("version", "defaults", "services"))
    services = tuple(v.strings(top.get("services", []), "services"))
    defaults = v.mapping(top.get("defaults", {}), "defaults", optional=_DEFAULT_KEYS)
    rules_raw = v.sequence(top["rules"], "rules")
    if not rules_raw:
        raise v.fail("rules", "the list is empty: define at least one rule")
    rules: list[AlertRule] = []
    seen: set[str] = set()
    for i, raw in enumerate(rules_raw):
        where = f"rules[{i}]"
        r = v.mapping(raw, where, required=("name", "match"), optional=_RULE_KEYS)
        name = v.string(r["name"], f"{where}.name")
        if not _NAME.match(name):
            raise v.fail(f"{where}.name", f"'{name}' must be lower-case letters, digits and '-' (at most 63)")
        if name in seen:
            raise v.fail(f"{where}.name", f"duplicate rule name '{name}'")
        seen.add(name)
        where = f"rules[{i}] ({name})"

        def pick(key: str, fallback: Any, r: Mapping[str, Any] = r) -> Any:
            return r.get(key, defaults.get(key, fallback))

        kind = v.string(r.get("kind", "count"), f"{where}.kind", choices=KINDS)
        severity = v.string(pick("severity", "medium"), f"{where}.severity", choices=tuple(SEVERITIES))
        window = _duration(v, pick("window", "5m"), f"{where}.window")
        schedule = _duration(v, pick("schedule", "1m"), f"{where}.schedule")
        if schedule % 60:
            raise v.fail(f"{where}.schedule", "OpenSearch monitors run in whole minutes (1m, 5m, 1h)")
        throttle = _duration(v, pick("throttle", "10m"), f"{where}.throttle")
        if throttle % 60:
            raise v.fail(f"{where}.throttle", "Alerting throttles in whole minutes (1m, 15m, 1h)")
        threshold = v.integer(r.get("threshold", 1), f"{where}.threshold", minimum=1)
        ratio = None
        if "ratio" in r:
            ratio = v.number(r["ratio"], f"{where}.ratio", minimum=0.0, maximum=1.0)
            if kind != "count":
                raise v.fail(f"{where}.ratio", "a ratio needs kind: count (a document rule fires per document)")
        group_by = tuple(
            v.string(item, f"{where}.group_by[{j}]", choices=GROUP_FIELDS)
            for j, item in enumerate(v.sequence(pick("group_by", ["service.name"]), f"{where}.group_by"))
        )
        if kind == "count" and not group_by:
            raise v.fail(f"{where}.group_by", "a count rule needs at least one field to group by")
        enabled = r.get("enabled", True)
        if not isinstance(enabled, bool):
            raise v.fail(f"{where}.enabled", f"expected true or false, got {enabled!r}")
        if kind == "document" and "threshold" in r:
            raise v.fail(f"{where}.threshold", "a document rule fires on every matching document: drop threshold")
        rules.append(
            AlertRule(
                name=name,
                severity=severity,
                kind=kind,
                match=_match(v, r["match"], f"{where}.match"),
                window_s=window,
                threshold=threshold,
                description=_text(v, r.get("description", ""), f"{where}.description"),
                ratio=ratio,
                group_by=group_by,
                throttle_s=throttle,
                schedule_s=schedule,
                enabled=enabled,
                runbook=_text(v, r.get("runbook", ""), f"{where}.runbook"),
            )
        )
    return RuleSet(rules=tuple(rules), source=source, services=services)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate the rules file (``path``, $LOGPIPE_CONFIG_DIR/alert_rules.yaml, or the built-in)."""
    file = Path(path) if path is not None else config_path(RULES_FILE)
    return _load_cached(str(file))


@lru_cache(maxsize=8)
def _load_cached(file: str) -> RuleSet:
    document = load_document(Path(file))
    if document is None:
        raise ConfigError(f"{file}: the file is empty")
    return parse_rules(document, Path(file).name)
