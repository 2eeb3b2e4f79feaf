"""Evaluate alert rules locally over stored documents: which rules would fire, when, for which group.

A pure function over an iterable of nested ECS documents, so ``logpipe alerts test`` can run the rules
against the local run's store (or any list of documents in a test) with the monitors' semantics:

* ``count`` rules are evaluated the way a bucket-level monitor runs: every ``schedule`` tick, over the
  preceding ``window``, one bucket per ``group_by`` value; a bucket fires at ``threshold`` matching
  documents (and, with ``ratio``, when they are at least that share of the bucket's documents).
* ``document`` rules fire on every matching document, grouped per service for the report.

``message_contains`` matches case-insensitively as a substring, close to OpenSearch's ``match_phrase`` on
the analysed ``message`` field (which matches whole words).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from logpipe.alerting.rules import AlertRule, Match


def _get(doc: Mapping[str, Any], path: str) -> Any:
    if path in doc:
        return doc[path]
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def matches(match: Match, doc: Mapping[str, Any]) -> bool:
    """True when ``doc`` meets every criterion of ``match``."""
    if match.services and _get(doc, "service.name") not in match.services:
        return False
    if match.levels and _get(doc, "log.level") not in match.levels:
        return False
    if match.error_types and _get(doc, "error.type") not in match.error_types:
        return False
    if match.message_contains:
        text = str(_get(doc, "message") or "").casefold()
        if not any(phrase.casefold() in text for phrase in match.message_contains):
            return False
    return True


@dataclass(slots=True)
class Firing:
    """One rule firing for one group: the first time it fired, the peak count, and sample documents."""

    rule: str
    severity: str
    group: dict[str, str]
    first_fired: datetime
    count: int
    total: int
    ticks: int = 1
    samples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view for ``--json``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "group": self.group,
            "first_fired": self.first_fired.isoformat().replace("+00:00", "Z"),
            "count": self.count,
            "total": self.total,
            "ticks": self.ticks,
            "sample_trace_ids": sample_trace_ids(self.samples),
            "sample_messages": [str(_get(d, "message") or "") for d in self.samples],
        }


def sample_trace_ids(docs: Iterable[Mapping[str, Any]], limit: int = 3) -> list[str]:
    """Distinct trace ids of ``docs``, in order, at most ``limit``."""
    ids: list[str] = []
    for doc in docs:
        tid = _get(doc, "trace.id")
        if isinstance(tid, str) and tid and tid not in ids:
            ids.append(tid)
        if len(ids) >= limit:
            break
    return ids


@dataclass(slots=True)
class RuleResult:
    """What one rule did over the documents."""

    rule: AlertRule
    firings: list[Firing]
    matched: int

    @property
    def fired(self) -> bool:
        """Whether the rule would have produced at least one alert."""
        return bool(self.firings)


def _group_key(rule: AlertRule, doc: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(_get(doc, f) if _get(doc, f) is not None else "(none)") for f in rule.group_by)


def _evaluate_document(rule: AlertRule, timed: list[tuple[datetime, Mapping[str, Any]]]) -> RuleResult:
    firings: dict[tuple[str, ...], Firing] = {}
    matched = 0
    for moment, doc in timed:
        if not matches(rule.match, doc):
            continue
        matched += 1
        key = (str(_get(doc, "service.name") or "(none)"),)
        firing = firings.get(key)
        if firing is None:
            firings[key] = Firing(rule.name, rule.severity, {"service.name": key[0]}, moment, 1, 1, 1, [dict(doc)])
        else:
            firing.count += 1
            firing.total += 1
            if len(firing.samples) < 3:
                firing.samples.append(dict(doc))
    return RuleResult(rule, list(firings.values()), matched)


def _evaluate_count(
    rule: AlertRule, timed: list[tuple[datetime, Mapping[str, Any]]], at: datetime | None
) -> RuleResult:
    groups: dict[tuple[str, ...], list[tuple[datetime, bool, Mapping[str, Any]]]] = defaultdict(list)
    matched = 0
    for moment, doc in timed:
        if rule.match.services and _get(doc, "service.name") not in rule.match.services:
            continue
        hit = matches(rule.match, doc)
        matched += hit
        if hit or rule.ratio is not None:
            groups[_group_key(rule, doc)].append((moment, hit, doc))
    if not groups:
        return RuleResult(rule, [], matched)
    window = timedelta(seconds=rule.window_s)
    step = timedelta(seconds=rule.schedule_s)
    if at is not None:
        ticks = [at]
    else:
        first = min(entries[0][0] for entries in groups.values())
        last = max(entries[-1][0] for entries in groups.values())
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        tick = epoch + ((first - epoch) // step) * step + step
        ticks = []
        while tick <= last + window:
            ticks.append(tick)
            tick += step
    firings: list[Firing] = []
    for key, entries in groups.items():
        times = [e[0] for e in entries]
        prefix = [0]
        for _, hit, _ in entries:
            prefix.append(prefix[-1] + hit)
        firing: Firing | None = None
        for tick in ticks:
            lo = bisect.bisect_left(times, tick - window)
            hi = bisect.bisect_right(times, tick)
            count, total = prefix[hi] - prefix[lo], hi - lo
            if count < rule.threshold or (rule.ratio is not None and (total == 0 or count / total < rule.ratio)):
                continue
            if firing is None:
                samples = [dict(d) for _, hit, d in reversed(entries[lo:hi]) if hit][:3]
                firing = Firing(
                    rule.name, rule.severity, dict(zip(rule.group_by, key, strict=True)), tick, count, total
                )
                firing.samples = samples
            else:
                firing.ticks += 1
                if count > firing.count:
                    firing.count, firing.total = count, total
        if firing is not None:
            firings.append(firing)
    firings.sort(key=lambda f: f.first_fired)
    return RuleResult(rule, firings, matched)


def evaluate_rules(
    rules: Iterable[AlertRule], documents: Iterable[Mapping[str, Any]], at: datetime | None = None
) -> list[RuleResult]:
    """Evaluate ``rules`` over ``documents``.

    With ``at`` (the monitor's ``period_end``), count rules are evaluated once over the window ending then;
    without it, at every schedule tick across the documents' time span (what the monitor would have done
    while these logs arrived). Documents without a parseable ``@timestamp`` are skipped.
    """
    timed = sorted(
        ((ts, doc) for doc in documents if (ts := _parse_ts(_get(doc, "@timestamp"))) is not None),
        key=lambda pair: pair[0],
    )
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    results = []
    for rule in rules:
        if not rule.enabled:
            continue
        if rule.kind == "document":
            window_docs = [(t, d) for t, d in timed if at is None or (at - timedelta(seconds=rule.window_s) <= t <= at)]
            results.append(_evaluate_document(rule, window_docs))
        else:
            results.append(_evaluate_count(rule, timed, at))
    return results
