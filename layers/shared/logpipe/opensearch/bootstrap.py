"""Configure an OpenSearch domain for logpipe, idempotently, and remove what logpipe owns on teardown.

Steps, in order (each reported as created / updated / skipped / failed with OpenSearch's reason):

1. index template ``logpipe-<env>-logs`` for ``<index_prefix>-*`` (ECS mappings, limits, compression);
2. ISM policy ``logpipe-<env>-retention`` (hot -> warm -> delete), attached to new indices by its
   ``ism_template`` and applied to existing ones;
3. fine-grained access control roles + role mappings (Firehose writes, operators read) when ARNs are given;
4. Notifications channel ``logpipe-<env>-sns`` for the SNS topic when one is given;
5. Alerting monitors compiled from the alert rules (actions only with a channel);
6. Dashboards saved objects (index pattern, set as the default, searches, per-service searches, visualization,
   dashboard). Per-service searches exist for the configured services (``services:`` in alert_rules.yaml, the
   ``Services`` property) and every service that logged in the last 7 days; re-running adds new ones
   (``logpipe bootstrap --refresh-saved-searches`` runs only this step).

A failing step does not stop independent later ones (monitors need the channel), so one run reports every
problem; the caller fails when any step failed. Used by the CloudFormation custom resource and by
``logpipe bootstrap --endpoint URL``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from logpipe.alerting.monitors import MonitorTarget, compile_rules
from logpipe.alerting.rules import RuleSet
from logpipe.configfile import ConfigError
from logpipe.opensearch.api import MISSING, DashboardsApi, OpenSearchApi, OpenSearchApiError
from logpipe.opensearch.artefacts import ArtefactParams, index_template, ism_policy, saved_objects, security_roles
from logpipe.opensearch.client import is_aws_endpoint
from logpipe.opensearch.discover import index_pattern_id
from logpipe.opensearch.monitor_sync import delete_owned, sync_monitors

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BootstrapParams:
    """The custom resource's properties, typed and checked."""

    endpoint: str
    environment: str
    index_prefix: str
    shards: int = 1
    replicas: int = 1
    hot_days: int = 7
    warm_days: int = 0
    retention_days: int = 30
    firehose_role_arn: str = ""
    operator_role_arn: str = ""
    reader_role_arns: tuple[str, ...] = ()
    sns_topic_arn: str = ""
    sns_role_arn: str = ""
    dashboards_url: str = ""
    config_version: str = ""
    services: tuple[str, ...] = ()
    ultrawarm: bool | None = None

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> BootstrapParams:
        """Build from CloudFormation properties (which arrive as strings); ConfigError names the property."""

        def text(key: str, default: str = "") -> str:
            value = props.get(key, default)
            return "" if value is None else str(value).strip()

        def number(key: str, default: int, minimum: int) -> int:
            raw = text(key, str(default)) or str(default)
            try:
                value = int(raw)
            except ValueError as exc:
                raise ConfigError(f"property {key}: expected a whole number, got {raw!r}") from exc
            if value < minimum:
                raise ConfigError(f"property {key}: must be >= {minimum}, got {value}")
            return value

        def flag(key: str) -> bool | None:
            raw = text(key).lower()
            if raw in ("", "auto"):
                return None
            if raw in ("true", "false"):
                return raw == "true"
            raise ConfigError(f"property {key}: expected true, false or auto, got {raw!r}")

        endpoint = text("Endpoint")
        if not endpoint:
            raise ConfigError("property Endpoint: required (the domain's https URL)")
        if "://" not in endpoint:
            endpoint = f"https://{endpoint}"
        environment = text("Environment")
        if not environment:
            raise ConfigError("property Environment: required (dev, stage, prod)")
        params = cls(
            endpoint=endpoint,
            environment=environment,
            index_prefix=text("IndexPrefix") or f"logs-{environment}",
            shards=number("Shards", 1, 1),
            replicas=number("Replicas", 1, 0),
            hot_days=number("HotDays", 7, 1),
            warm_days=number("WarmDays", 0, 0),
            retention_days=number("RetentionDays", 30, 1),
            firehose_role_arn=text("FirehoseRoleArn"),
            operator_role_arn=text("OperatorRoleArn"),
            reader_role_arns=tuple(a.strip() for a in text("ReaderRoleArns").split(",") if a.strip()),
            sns_topic_arn=text("SnsTopicArn"),
            sns_role_arn=text("SnsRoleArn"),
            dashboards_url=text("DashboardsUrl"),
            config_version=text("ConfigVersion"),
            services=tuple(s.strip() for s in text("Services").split(",") if s.strip()),
            ultrawarm=flag("UltraWarm"),
        )
        if params.sns_topic_arn and not params.sns_role_arn:
            raise ConfigError("property SnsRoleArn: required with SnsTopicArn (OpenSearch assumes it to publish)")
        if params.retention_days <= params.hot_days + params.warm_days:
            raise ConfigError(
                f"property RetentionDays: {params.retention_days} must exceed HotDays + WarmDays "
                f"({params.hot_days} + {params.warm_days})"
            )
        return params

    @property
    def artefacts(self) -> ArtefactParams:
        """Parameters for rendering the artefact files."""
        return ArtefactParams(
            environment=self.environment,
            index_prefix=self.index_prefix,
            shards=self.shards,
            replicas=self.replicas,
            hot_days=self.hot_days,
            warm_days=self.warm_days,
            retention_days=self.retention_days,
            config_version=self.config_version,
        )

    @property
    def is_aws(self) -> bool:
        """Amazon OpenSearch Service (UltraWarm, SigV4) rather than a self-run OpenSearch."""
        return is_aws_endpoint(urlsplit(self.endpoint).hostname or "")

    @property
    def use_ultrawarm(self) -> bool:
        """Warm state migrates to UltraWarm: ``UltraWarm`` when given, else on Amazon OpenSearch Service (the
        stack passes WarmDays > 0 only when the domain has UltraWarm nodes)."""
        return self.is_aws if self.ultrawarm is None else self.ultrawarm

    @property
    def physical_id(self) -> str:
        """CloudFormation PhysicalResourceId: the domain and environment, the key the owned names derive from.

        A new id makes CloudFormation delete the old resource after the update; that teardown removes objects
        named after the environment, so the id must change exactly when the domain or environment does (an
        IndexPrefix change is an in-place update of the same objects).
        """
        host = urlsplit(self.endpoint).hostname or "opensearch"
        return f"logpipe-bootstrap:{host}:{self.environment}"

    def dashboards_base(self) -> str:
        """Dashboards URL (``<domain>/_dashboards`` on AWS unless DashboardsUrl says otherwise)."""
        if self.dashboards_url:
            return self.dashboards_url.rstrip("/")
        from logpipe.opensearch.client import base_url

        return f"{base_url(self.endpoint)}/_dashboards"


@dataclass(slots=True)
class StepResult:
    """One step's outcome."""

    step: str
    status: str  # created | updated | deleted | skipped | failed
    detail: str = ""


@dataclass(slots=True)
class BootstrapReport:
    """All steps of a run."""

    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StepResult]:
        """Steps that failed."""
        return [s for s in self.steps if s.status == "failed"]

    @property
    def ok(self) -> bool:
        """No step failed."""
        return not self.failed

    def summary(self) -> str:
        """One line per step."""
        return "\n".join(f"{s.step}: {s.status}" + (f" ({s.detail})" if s.detail else "") for s in self.steps)

    def failure_reason(self, limit: int = 3000) -> str:
        """The failed steps and their reasons (for CloudFormation's Reason)."""
        text = "; ".join(f"{s.step}: {s.detail}" for s in self.failed)
        return text[:limit]


def _run(report: BootstrapReport, step: str, action: Callable[[], tuple[str, str]]) -> bool:
    try:
        status, detail = action()
    except (OpenSearchApiError, ConfigError, KeyError, TypeError, ValueError) as exc:
        log.error("bootstrap step %s failed: %s", step, exc)
        report.steps.append(StepResult(step, "failed", str(exc)))
        return False
    report.steps.append(StepResult(step, status, detail))
    return True


# -- steps ---------------------------------------------------------------------------------------------


def put_index_template(api: OpenSearchApi, params: BootstrapParams) -> tuple[str, str]:
    """PUT the composable index template."""
    name = params.artefacts.names["index_template"]
    existed = api.call("GET", f"/_index_template/{name}", missing_ok=True) is not MISSING
    api.call("PUT", f"/_index_template/{name}", index_template(params.artefacts))
    return ("updated" if existed else "created"), f"{name} for {params.index_prefix}-*"


def put_ism_policy(api: OpenSearchApi, params: BootstrapParams) -> tuple[str, str]:
    """Create or update (with optimistic concurrency) the ISM policy and apply it to existing indices."""
    policy_id = params.artefacts.names["ism_policy"]
    body = ism_policy(params.artefacts, ultrawarm=params.use_ultrawarm)
    path = f"/_plugins/_ism/policies/{policy_id}"
    current = api.call("GET", path, missing_ok=True)
    if current is MISSING:
        api.call("PUT", path, body)
        status = "created"
    else:
        api.call(
            "PUT", path, body, {"if_seq_no": current.get("_seq_no"), "if_primary_term": current.get("_primary_term")}
        )
        status = "updated"
    pattern = f"{params.index_prefix}-*"
    notes = []
    # Indices created before the policy existed are unmanaged; managed ones keep their old policy version
    # until told to change. Failures here (e.g. "already managed") are expected and only reported.
    added = api.call("POST", f"/_plugins/_ism/add/{pattern}", {"policy_id": policy_id}, missing_ok=True)
    if isinstance(added, Mapping):
        notes.append(f"added to {added.get('updated_indices', 0)} existing indices")
    if status == "updated":
        changed = api.call("POST", f"/_plugins/_ism/change_policy/{pattern}", {"policy_id": policy_id}, missing_ok=True)
        if isinstance(changed, Mapping):
            notes.append(f"changed on {changed.get('updated_indices', 0)} managed indices")
    if params.warm_days and params.hot_days + params.warm_days < params.retention_days:
        # Nothing follows warm but deletion: the index stays warm until RetentionDays, longer than WarmDays.
        notes.append(f"warm from day {params.hot_days} until deletion on day {params.retention_days}")
    return status, f"{policy_id}" + (f"; {', '.join(notes)}" if notes else "")


def put_security(api: OpenSearchApi, params: BootstrapParams) -> tuple[str, str]:
    """Roles and role mappings for the Firehose role and operators (fine-grained access control)."""
    readers = params.reader_role_arns
    roles = security_roles(params.artefacts, params.firehose_role_arn, params.operator_role_arn or ",".join(readers))
    if not roles:
        return "skipped", "no FirehoseRoleArn / OperatorRoleArn given"
    operator_role = params.artefacts.names["role_operator"]
    for name, spec in roles.items():
        api.call("PUT", f"/_plugins/_security/api/roles/{name}", spec["role"])
        backend = [spec["backend_role"]] if name != operator_role else [params.operator_role_arn, *readers]
        mapping = {"backend_roles": [arn for arn in backend if arn], "description": spec["description"]}
        api.call("PUT", f"/_plugins/_security/api/rolesmapping/{name}", mapping)
    return "updated", ", ".join(sorted(roles))


def put_channel(api: OpenSearchApi, params: BootstrapParams) -> tuple[str, str]:
    """The Notifications SNS channel monitors publish to."""
    if not params.sns_topic_arn:
        return "skipped", "no SnsTopicArn given: monitors get no actions"
    config_id = params.artefacts.names["channel"]
    config = {
        "name": f"logpipe {params.environment} alerts",
        "description": "logpipe alert topic (SNS -> Slack notifier). Managed by logpipe bootstrap.",
        "config_type": "sns",
        "is_enabled": True,
        "sns": {"topic_arn": params.sns_topic_arn, "role_arn": params.sns_role_arn},
    }
    path = f"/_plugins/_notifications/configs/{config_id}"
    if api.call("GET", path, missing_ok=True) is MISSING:
        api.call("POST", "/_plugins/_notifications/configs", {"config_id": config_id, "config": config})
        return "created", config_id
    api.call("PUT", path, {"config": config})
    return "updated", config_id


def put_monitors(
    api: OpenSearchApi, params: BootstrapParams, rules: RuleSet, channel_id: str | None
) -> tuple[str, str]:
    """Compile the rules and sync the monitors."""
    target = MonitorTarget.for_environment(params.environment, channel_id, params.index_prefix)
    result = sync_monitors(api, target.name_prefix, compile_rules(rules.rules, target))
    return "updated", result.summary()


def discover_services(api: OpenSearchApi, params: BootstrapParams, limit: int = 50) -> list[str]:
    """Services that logged in the last 7 days (for per-service saved searches); none on a new domain."""
    body = {
        "size": 0,
        "query": {"range": {"@timestamp": {"gte": "now-7d"}}},
        "aggs": {"services": {"terms": {"field": "service.name", "size": limit}}},
    }
    response = api.call(
        "POST", f"/{params.index_prefix}-*/_search", body, {"ignore_unavailable": "true", "allow_no_indices": "true"}
    )
    buckets = response.get("aggregations", {}).get("services", {}).get("buckets", [])
    return [str(b["key"]) for b in buckets if isinstance(b, Mapping) and b.get("key")]


def import_saved_objects(dashboards: DashboardsApi, params: BootstrapParams, services: list[str]) -> tuple[str, str]:
    """Import the saved objects with overwrite (a partial import is a failure naming the objects), then make the
    index pattern Dashboards' default, so Discover (and a link without an index pattern) opens the logs."""
    from logpipe.opensearch.artefacts import to_ndjson

    objects = saved_objects(params.artefacts, services)
    response = dashboards.call(
        "POST",
        "/api/saved_objects/_import",
        params={"overwrite": "true"},
        files={"file": ("logpipe.ndjson", to_ndjson(objects), "application/ndjson")},
    )
    if not isinstance(response, Mapping) or not response.get("success", False):
        errors = response.get("errors", []) if isinstance(response, Mapping) else []
        names = ", ".join(
            f"{e.get('type')}/{e.get('id')} ({(e.get('error') or {}).get('type', 'error')})"
            for e in errors
            if isinstance(e, Mapping)
        )
        count = response.get("successCount", 0) if isinstance(response, Mapping) else 0
        raise OpenSearchApiError("POST", "/api/saved_objects/_import", 200, f"imported {count}, failed: {names}")
    pattern_id = index_pattern_id(params.environment)
    dashboards.call("POST", "/api/opensearch-dashboards/settings", json_body={"changes": {"defaultIndex": pattern_id}})
    return "updated", (
        f"{response.get('successCount', len(objects))} objects ({len(services)} service searches); "
        f"default index pattern {pattern_id}"
    )


def saved_search_services(api: OpenSearchApi, params: BootstrapParams, rules: RuleSet) -> list[str]:
    """Services that get a saved search: configured ones (rules file, ``Services``) plus those seen lately.

    The configured list is what makes a new domain (no logs yet) get its searches at the first deploy.
    """
    services = [*rules.services, *params.services]
    try:
        services += discover_services(api, params)
    except OpenSearchApiError as exc:
        log.warning("could not list services for saved searches: %s", exc)
    return sorted(set(services))


def refresh_saved_searches(
    api: OpenSearchApi, params: BootstrapParams, rules: RuleSet, dashboards: DashboardsApi
) -> BootstrapReport:
    """Only the Dashboards step: add saved searches for services configured or seen since the last run."""
    report = BootstrapReport()
    services = saved_search_services(api, params, rules)
    _run(report, "dashboards", lambda: import_saved_objects(dashboards, params, services))
    return report


# -- runs ----------------------------------------------------------------------------------------------


def run_bootstrap(
    api: OpenSearchApi, params: BootstrapParams, rules: RuleSet, dashboards: DashboardsApi | None
) -> BootstrapReport:
    """Apply every step; see the module docstring."""
    report = BootstrapReport()
    _run(report, "index-template", lambda: put_index_template(api, params))
    _run(report, "ism-policy", lambda: put_ism_policy(api, params))
    _run(report, "security", lambda: put_security(api, params))
    channel_ok = _run(report, "notification-channel", lambda: put_channel(api, params))
    channel_id = params.artefacts.names["channel"] if params.sns_topic_arn and channel_ok else None
    if channel_ok:
        _run(report, "monitors", lambda: put_monitors(api, params, rules, channel_id))
    else:
        report.steps.append(StepResult("monitors", "failed", "not synced: the notification channel failed"))
    if dashboards is None:
        report.steps.append(StepResult("dashboards", "skipped", "no Dashboards URL"))
    else:
        services = saved_search_services(api, params, rules)
        _run(report, "dashboards", lambda: import_saved_objects(dashboards, params, services))
    return report


def _delete(api: OpenSearchApi, path: str) -> bool:
    return api.call("DELETE", path, missing_ok=True) is not MISSING


def run_teardown(api: OpenSearchApi, params: BootstrapParams, dashboards: DashboardsApi | None) -> BootstrapReport:
    """Delete what the bootstrap created. Indices (the data) are left to ISM and the domain's lifecycle."""
    names = params.artefacts.names
    report = BootstrapReport()
    target = MonitorTarget.for_environment(params.environment, None, params.index_prefix)

    def monitors() -> tuple[str, str]:
        gone = delete_owned(api, target.name_prefix)
        return "deleted", f"{len(gone)} monitors"

    def channel() -> tuple[str, str]:
        found = _delete(api, f"/_plugins/_notifications/configs/{names['channel']}")
        return ("deleted" if found else "skipped"), names["channel"]

    def security() -> tuple[str, str]:
        done = []
        for role in (names["role_firehose"], names["role_operator"]):
            mapped = _delete(api, f"/_plugins/_security/api/rolesmapping/{role}")
            existed = _delete(api, f"/_plugins/_security/api/roles/{role}")
            if mapped or existed:
                done.append(role)
        return ("deleted" if done else "skipped"), ", ".join(done)

    def ism() -> tuple[str, str]:
        found = _delete(api, f"/_plugins/_ism/policies/{names['ism_policy']}")
        return ("deleted" if found else "skipped"), names["ism_policy"]

    def template() -> tuple[str, str]:
        found = _delete(api, f"/_index_template/{names['index_template']}")
        return ("deleted" if found else "skipped"), names["index_template"]

    _run(report, "monitors", monitors)
    _run(report, "notification-channel", channel)
    _run(report, "security", security)
    _run(report, "ism-policy", ism)
    _run(report, "index-template", template)
    if dashboards is not None:

        def saved() -> tuple[str, str]:
            deleted = 0
            for obj in saved_objects(params.artefacts, []):
                found = dashboards.call("DELETE", f"/api/saved_objects/{obj['type']}/{obj['id']}", missing_ok=True)
                deleted += found is not MISSING
            found_searches = dashboards.call(
                "GET",
                "/api/saved_objects/_find",
                params={"type": "search", "search_fields": "title", "search": f"logpipe {params.environment}*"},
                missing_ok=True,
            )
            prefix = f"logpipe-{params.environment}-service-"
            if isinstance(found_searches, Mapping):
                for obj in found_searches.get("saved_objects", []):
                    if isinstance(obj, Mapping) and str(obj.get("id", "")).startswith(prefix):
                        dashboards.call("DELETE", f"/api/saved_objects/search/{obj['id']}", missing_ok=True)
                        deleted += 1
            return "deleted", f"{deleted} saved objects"

        _run(report, "dashboards", saved)
    return report


def connect(
    params: BootstrapParams, *, timeout: float = 30.0, with_dashboards: bool = True, ca_certs: str | None = None
) -> tuple[OpenSearchApi, DashboardsApi | None]:
    """API wrappers for ``params.endpoint`` (SigV4 on AWS, basic auth from the URL otherwise).

    ``ca_certs``: a PEM bundle to verify an https endpoint with (a local OpenSearch's self-signed demo CA).
    """
    from logpipe.opensearch.client import http_auth, make_client

    api = OpenSearchApi(make_client(params.endpoint, timeout=timeout, ca_certs=ca_certs))
    dashboards = None
    if with_dashboards:
        dashboards = DashboardsApi(
            params.dashboards_base(), auth=http_auth(params.endpoint), timeout=timeout, verify=ca_certs or True
        )
    return api, dashboards
