"""Read what arrives on the alert SNS topic into one shape, whatever sent it.

Four kinds of message share the topic, tried in this order:

1. logpipe's monitor messages: the JSON body rendered by the templates in :mod:`logpipe.alerting.monitors`
   (``"logpipe_alert": 1``), with bucket keys, counts and sample documents;
2. CloudWatch alarm notifications (JSON with ``AlarmName`` / ``NewStateValue``) for pipeline health;
3. OpenSearch Alerting's default text template (``Monitor X just entered alert status ...``), for monitors
   someone created by hand in Dashboards;
4. anything else: kept as raw text so a minimal alert is still posted (the renderer masks and truncates it).

Parsing never raises: a broken message is still an alert someone must see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from logpipe.alerting.monitors import MESSAGE_CONTRACT

SEVERITY_BY_NUMBER = {"1": "critical", "2": "high", "3": "medium", "4": "low", "5": "info"}
SEVERITY_NAMES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample log line of an alert."""

    message: str
    service: str | None = None
    trace_id: str | None = None
    timestamp: str | None = None
    level: str | None = None
    error_type: str | None = None


@dataclass(slots=True)
class AlertGroup:
    """One alerting bucket (usually one service) with its count and samples."""

    keys: dict[str, str]
    state: str = "new"
    count: int | None = None
    total: int | None = None
    samples: list[Sample] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``checkout`` or ``checkout, prod`` for several group fields."""
        return ", ".join(v for v in self.keys.values() if v) or "(all)"

    @property
    def service(self) -> str | None:
        """The service of the group when grouped by service (or the samples agree on one)."""
        if "service.name" in self.keys:
            return self.keys["service.name"]
        services = {s.service for s in self.samples if s.service}
        return services.pop() if len(services) == 1 else None


@dataclass(slots=True)
class AlertMessage:
    """An alert, normalised for rendering."""

    source: str  # logpipe | cloudwatch | opensearch-text | unparsed
    title: str
    severity: str = "medium"
    rule: str | None = None
    monitor: str | None = None
    trigger: str | None = None
    environment: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    window: str | None = None
    threshold: int | None = None
    ratio: float | None = None
    description: str = ""
    runbook: str = ""
    resolved: bool = False
    groups: list[AlertGroup] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    error: str = ""
    doc_ids: list[str] = field(default_factory=list)

    def trace_ids(self, limit: int = 3) -> list[str]:
        """Distinct sample trace ids across groups, at most ``limit``."""
        ids: list[str] = []
        for group in self.groups:
            for sample in group.samples:
                if sample.trace_id and sample.trace_id not in ids:
                    ids.append(sample.trace_id)
                    if len(ids) >= limit:
                        return ids
        return ids


_EMPTY_VALUE = re.compile(r'(":)\s*(?=[,}\]])')


def lenient_json(text: str) -> Any:
    """``json.loads`` that also accepts the one defect a mustache template can produce: an empty value.

    ``{{#toJson}}`` renders nothing when its path is missing (a failed query), leaving ``"buckets":,``.
    Raw control characters inside strings are accepted too (``strict=False``), in case a cluster renders
    ``{{var}}`` with HTML rather than JSON escaping and a message carries a line break.
    """
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(_EMPTY_VALUE.sub(r"\1null", text), strict=False)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _get(doc: Any, path: str) -> Any:
    if not isinstance(doc, Mapping):
        return None
    if path in doc:
        return doc[path]
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _sample_from_source(source: Mapping[str, Any]) -> Sample:
    return Sample(
        message=str(_get(source, "message") or ""),
        service=_str(_get(source, "service.name")),
        trace_id=_str(_get(source, "trace.id")) or _str(_get(source, "transaction.id")),
        timestamp=_str(_get(source, "@timestamp")),
        level=_str(_get(source, "log.level")),
        error_type=_str(_get(source, "error.type")),
    )


def _hit_sample(hit: Any) -> Sample | None:
    """A ``top_hits`` hit: the bounded ``sample`` script field (flat dotted keys), or ``_source`` (older monitors)."""
    if not isinstance(hit, Mapping):
        return None
    fields = hit.get("fields")
    values = _list(fields.get("sample")) if isinstance(fields, Mapping) else []
    if values and isinstance(values[0], Mapping):
        return _sample_from_source(values[0])
    source = hit.get("_source")
    return _sample_from_source(source) if isinstance(source, Mapping) else None


def _bucket_samples(bucket: Mapping[str, Any]) -> tuple[int | None, list[Sample]]:
    """(matching count, samples) of a composite bucket, with or without the ``matched`` sub-aggregation."""
    holder: Any = bucket.get("matched") if isinstance(bucket.get("matched"), Mapping) else bucket
    count = holder.get("doc_count") if isinstance(holder, Mapping) else None
    samples = [s for s in map(_hit_sample, _list(_get(holder, "samples.hits.hits"))) if s is not None]
    return (count if isinstance(count, int) else None), samples


def _severity(number: Any, name: Any) -> str:
    if isinstance(name, str) and name in SEVERITY_NAMES:
        return name
    return SEVERITY_BY_NUMBER.get(str(number).strip(), "medium")


def _from_logpipe(body: Mapping[str, Any]) -> AlertMessage:
    group_fields = [str(f) for f in _list(body.get("group_by"))] or ["service.name"]
    alerts = [a for a in _list(body.get("alerts")) if isinstance(a, Mapping)]
    message = AlertMessage(
        source="logpipe",
        title=str(body.get("rule") or body.get("monitor") or "alert"),
        severity=_severity(body.get("severity"), body.get("severity_name")),
        rule=_str(body.get("rule")),
        monitor=_str(body.get("monitor")),
        trigger=_str(body.get("trigger")),
        environment=_str(body.get("environment")),
        period_start=_str(body.get("period_start")),
        period_end=_str(body.get("period_end")),
        window=_str(body.get("window")),
        threshold=body.get("threshold") if isinstance(body.get("threshold"), int) else None,
        ratio=body.get("ratio") if isinstance(body.get("ratio"), int | float) else None,
        description=str(body.get("description") or ""),
        runbook=str(body.get("runbook") or ""),
        error=str(body.get("error") or ""),
    )
    if body.get("kind") == "document":
        by_service: dict[str, AlertGroup] = {}
        for doc in _list(body.get("documents")):
            if not isinstance(doc, Mapping):
                continue
            sample = Sample(
                message=str(doc.get("message") or ""),
                service=_str(doc.get("service")),
                trace_id=_str(doc.get("trace_id")) or _str(doc.get("transaction_id")),
                timestamp=_str(doc.get("@timestamp")),
                level=_str(doc.get("level")),
                error_type=_str(doc.get("error_type")),
            )
            key = sample.service or "(unknown)"
            group = by_service.setdefault(key, AlertGroup(keys={"service.name": key}, count=0))
            group.count = (group.count or 0) + 1
            group.samples.append(sample)
        message.groups = list(by_service.values())
        for alert in alerts:
            message.doc_ids += [i for i in str(alert.get("related_doc_ids") or "").split(",") if i.strip()]
        if not message.groups and alerts:
            message.groups = [AlertGroup(keys={}, count=len(alerts))]
        return message
    state_by_keys = {str(a.get("bucket_keys") or ""): str(a.get("state") or "new") for a in alerts}
    for bucket in _list(body.get("buckets")):
        if not isinstance(bucket, Mapping):
            continue
        raw_key = bucket.get("key")
        values = [str(v) for v in raw_key.values()] if isinstance(raw_key, Mapping) else [str(raw_key)]
        joined = ",".join(values)
        if state_by_keys and joined not in state_by_keys:
            continue  # a bucket that did not cross the threshold
        count, samples = _bucket_samples(bucket)
        total = bucket.get("doc_count") if isinstance(bucket.get("doc_count"), int) else None
        message.groups.append(
            AlertGroup(
                keys=dict(zip(group_fields, values, strict=False)),
                state=state_by_keys.get(joined, "new"),
                count=count if count is not None else total,
                total=total,
                samples=samples,
            )
        )
    known = {",".join(g.keys.values()) for g in message.groups}
    for keys, state in state_by_keys.items():
        if keys and keys not in known:  # alert without its bucket on the first page of results
            message.groups.append(AlertGroup(keys=dict(zip(group_fields, keys.split(","), strict=False)), state=state))
    message.resolved = bool(alerts) and all(a.get("state") == "completed" for a in alerts)
    return message


def _from_cloudwatch(body: Mapping[str, Any]) -> AlertMessage:
    state = str(body.get("NewStateValue") or "")
    description = str(body.get("AlarmDescription") or "")
    hinted = re.search(r"\bseverity\s*[:=]\s*(critical|high|medium|low|info)\b", description, re.IGNORECASE)
    if state == "OK":
        severity = "info"
    elif hinted:
        severity = hinted.group(1).lower()
    else:
        severity = "high" if state == "ALARM" else "low"
    raw_trigger = body.get("Trigger")
    trigger: Mapping[str, Any] = raw_trigger if isinstance(raw_trigger, Mapping) else {}
    details = [("State", f"{body.get('OldStateValue', '?')} → {state or '?'}")]
    metric = ".".join(str(p) for p in (trigger.get("Namespace"), trigger.get("MetricName")) if p)
    if metric:
        details.append(("Metric", metric))
    dims = _list(trigger.get("Dimensions"))
    if isinstance(dims, list) and dims:
        details.append(
            ("Dimensions", ", ".join(f"{d.get('name')}={d.get('value')}" for d in dims if isinstance(d, Mapping)))
        )
    if body.get("Region"):
        details.append(("Region", str(body["Region"])))
    return AlertMessage(
        source="cloudwatch",
        title=str(body.get("AlarmName") or "CloudWatch alarm"),
        severity=severity,
        description=description,
        resolved=state == "OK",
        period_end=_str(body.get("StateChangeTime")),
        details=details,
        text=str(body.get("NewStateReason") or ""),
    )


_DEFAULT_TEXT = re.compile(r"Monitor (?P<monitor>.+?) just entered alert status")
_LINE = re.compile(r"^\s*-\s*(?P<key>Trigger|Severity|Period start|Period end):\s*(?P<value>.*?)\s*$", re.MULTILINE)
_SECTION = re.compile(r"^\s*-\s*(?P<name>Deduped|New|Completed) Alerts:\s*$", re.MULTILINE)
_ITEM = re.compile(r"^\s*\*\s*(?P<id>[^:\s]+)\s*:\s*(?P<keys>.*?)\s*$")


def _from_default_text(text: str, match: re.Match[str]) -> AlertMessage:
    fields = {m.group("key"): m.group("value") for m in _LINE.finditer(text)}
    message = AlertMessage(
        source="opensearch-text",
        title=match.group("monitor"),
        monitor=match.group("monitor"),
        trigger=fields.get("Trigger") or None,
        severity=_severity(fields.get("Severity"), None),
        period_start=fields.get("Period start") or None,
        period_end=fields.get("Period end") or None,
    )
    state = None
    for line in text.splitlines():
        section = _SECTION.match(line)
        if section:
            state = {"Deduped": "ongoing", "New": "new", "Completed": "completed"}[section.group("name")]
            continue
        item = _ITEM.match(line)
        if item and state:
            keys = item.group("keys").strip("[] ")
            message.groups.append(AlertGroup(keys={"bucket": keys}, state=state))
    return message


def add_documents(alert: AlertMessage, documents: list[dict[str, Any]]) -> None:
    """Fill a document-level alert's groups from its fetched documents (clusters without sample_documents)."""
    by_service: dict[str, AlertGroup] = {}
    for doc in documents:
        sample = _sample_from_source(doc)
        key = sample.service or "(unknown)"
        group = by_service.setdefault(key, AlertGroup(keys={"service.name": key}, count=0))
        group.count = (group.count or 0) + 1
        group.samples.append(sample)
    if by_service:
        alert.groups = list(by_service.values())


def parse_alert(message: str | None, subject: str | None = None) -> AlertMessage:
    """Normalise an SNS ``Message`` (and ``Subject``) into an :class:`AlertMessage`; never raises."""
    text = message if isinstance(message, str) else ""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            body = lenient_json(stripped)
        except ValueError:
            body = None
        try:
            if isinstance(body, Mapping) and body.get("logpipe_alert") == MESSAGE_CONTRACT:
                return _from_logpipe(body)
            if isinstance(body, Mapping) and "AlarmName" in body and "NewStateValue" in body:
                return _from_cloudwatch(body)
        except (TypeError, ValueError, AttributeError, KeyError):
            pass  # a shape nobody planned for: fall through to the raw-text alert
    found = _DEFAULT_TEXT.search(text)
    if found:
        return _from_default_text(text, found)
    title = (subject or "").strip() or "Unrecognised alert message"
    return AlertMessage(source="unparsed", title=title, severity="medium", text=text)
