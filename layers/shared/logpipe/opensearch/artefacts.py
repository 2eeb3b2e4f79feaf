"""The OpenSearch artefacts logpipe installs, rendered from the JSON files in ``config/opensearch/``.

Files hold ``${name}`` placeholders. A string that is exactly one placeholder takes the parameter's value
with its type (``"${shards}"`` -> ``2``; a list value is spliced into the enclosing list); placeholders
inside longer strings are replaced as text. An unknown placeholder is an error naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from logpipe.configfile import ConfigError, config_path, load_document

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
JSON_STRING_ATTRIBUTES = ("visState", "uiStateJSON", "optionsJSON", "panelsJSON")


@dataclass(frozen=True, slots=True)
class ArtefactParams:
    """Parameters the artefacts are rendered with (the custom resource's properties, typed)."""

    environment: str
    index_prefix: str
    shards: int = 1
    replicas: int = 1
    hot_days: int = 7
    warm_days: int = 0
    retention_days: int = 30
    config_version: str = ""

    @property
    def names(self) -> dict[str, str]:
        """Names of the owned objects (stable: the bootstrap finds and deletes them by these)."""
        env = self.environment
        return {
            "index_template": f"logpipe-{env}-logs",
            "ism_policy": f"logpipe-{env}-retention",
            "channel": f"logpipe-{env}-sns",
            "role_firehose": f"logpipe_{env}_firehose",
            "role_operator": f"logpipe_{env}_operator",
        }

    def values(self) -> dict[str, Any]:
        """Placeholder values common to every file."""
        return {
            "environment": self.environment,
            "index_prefix": self.index_prefix,
            "shards": self.shards,
            "replicas": self.replicas,
            "hot_days": self.hot_days,
            "warm_days": self.warm_days,
            "retention_days": self.retention_days,
            "config_version": self.config_version,
        }


def substitute(node: Any, values: Mapping[str, Any], source: str) -> Any:
    """Replace placeholders in ``node`` (see module docstring)."""
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole:
            if whole.group(1) not in values:
                raise ConfigError(f"{source}: unknown placeholder ${{{whole.group(1)}}}")
            return values[whole.group(1)]

        def text(match: re.Match[str]) -> str:
            if match.group(1) not in values:
                raise ConfigError(f"{source}: unknown placeholder ${{{match.group(1)}}}")
            return str(values[match.group(1)])

        return _PLACEHOLDER.sub(text, node)
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            value = substitute(item, values, source)
            if isinstance(item, str) and _PLACEHOLDER.fullmatch(item) and isinstance(value, list):
                out.extend(value)
            else:
                out.append(value)
        return out
    if isinstance(node, Mapping):
        return {k: substitute(v, values, source) for k, v in node.items() if not str(k).startswith("_comment")}
    return node


def load_artefact(name: str) -> Any:
    """The raw JSON of ``config/opensearch/<name>`` ($LOGPIPE_CONFIG_DIR/opensearch/ overrides)."""
    path = config_path(f"opensearch/{name}")
    if not Path(path).exists():
        raise ConfigError(f"{path}: missing OpenSearch artefact")
    return load_document(Path(path))


def index_template(params: ArtefactParams) -> dict[str, Any]:
    """The composable index template body for ``<index_prefix>-*``."""
    rendered: dict[str, Any] = substitute(load_artefact("index_template.json"), params.values(), "index_template.json")
    return rendered


def ism_policy(params: ArtefactParams, *, ultrawarm: bool) -> dict[str, Any]:
    """The ISM policy: hot -> (warm) -> delete, attached to new indices by its ``ism_template``.

    With ``warm_days > 0`` an index goes warm at ``hot_days`` and stays warm until it is deleted at
    ``retention_days``. Warm means UltraWarm (``warm_migration``: cheaper storage) only with ``ultrawarm``, which
    needs UltraWarm nodes on the domain; otherwise it is ``read_only`` + ``force_merge`` to one segment on the
    same nodes and disks (fewer segments to search, no storage or cost savings). With ``warm_days == 0`` the
    warm state is dropped and hot goes straight to delete. The description is computed from the final states
    (:func:`ism_description`), so it cannot disagree with them.
    """
    if params.retention_days <= params.hot_days + params.warm_days:
        raise ConfigError(
            f"RetentionDays ({params.retention_days}) must be greater than HotDays + WarmDays "
            f"({params.hot_days} + {params.warm_days})"
        )
    warm_actions = (
        [{"warm_migration": {}}] if ultrawarm else [{"read_only": {}}, {"force_merge": {"max_num_segments": 1}}]
    )
    values = {**params.values(), "warm_actions": warm_actions}
    body: dict[str, Any] = substitute(load_artefact("ism_policy.json"), values, "ism_policy.json")
    policy = body["policy"]
    if params.warm_days == 0:
        policy["states"] = [s for s in policy["states"] if s["name"] != "warm"]
        policy["states"][0]["transitions"] = [
            {"state_name": "delete", "conditions": {"min_index_age": f"{params.retention_days}d"}}
        ]
    policy["description"] = ism_description(params.environment, policy["states"])
    return body


_WARM_ACTION_TEXT = {
    "warm_migration": "moved to UltraWarm storage",
    "read_only": "read-only",
    "force_merge": "force-merged to one segment",
}


def _age_days(state: Mapping[str, Any]) -> str:
    for transition in state.get("transitions") or []:
        age = str((transition.get("conditions") or {}).get("min_index_age", ""))
        if age.endswith("d"):
            return age[:-1]
    return "?"


def ism_description(environment: str, states: list[dict[str, Any]]) -> str:
    """What the ISM states do, in words, derived from the states themselves (days and actions)."""
    parts: list[str] = []
    for state in states:
        name = state["name"]
        if name == "delete":
            parts.append("then deleted (the S3 archive keeps the legal copy)")
            continue
        actions = [next(iter(a)) for a in state.get("actions") or [] if isinstance(a, Mapping) and a]
        done = ", ".join(_WARM_ACTION_TEXT.get(a, a) for a in actions)
        if name == "warm" and "warm_migration" not in actions:
            done += "; same nodes and disks, so no storage savings"
        prefix = "" if not parts else "then "
        parts.append(f"{prefix}{name}" + (f" ({done})" if done else "") + f" until day {_age_days(state)}")
    return f"logpipe {environment}: " + ", ".join(parts) + ". Managed by logpipe bootstrap."


def security_roles(params: ArtefactParams, firehose_role_arn: str, operator_role_arn: str) -> dict[str, dict[str, Any]]:
    """Role name -> {role, backend_role, description} for the roles whose ARN is given."""
    values = {**params.values(), "firehose_role_arn": firehose_role_arn, "operator_role_arn": operator_role_arn}
    raw = substitute(load_artefact("security_roles.json"), values, "security_roles.json")
    names = params.names
    out = {}
    for key, arn in (("firehose", firehose_role_arn), ("operator", operator_role_arn)):
        if arn:
            out[names[f"role_{key}"]] = raw[key]
    return out


def slug(text: str) -> str:
    """A saved-object id part from a service name."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:80] or "service"


def _stringify(obj: dict[str, Any]) -> dict[str, Any]:
    attrs = obj.get("attributes", {})
    for key in JSON_STRING_ATTRIBUTES:
        if key in attrs and not isinstance(attrs[key], str):
            attrs[key] = json.dumps(attrs[key], separators=(",", ":"))
    meta = attrs.get("kibanaSavedObjectMeta")
    if isinstance(meta, dict) and not isinstance(meta.get("searchSourceJSON"), str):
        meta["searchSourceJSON"] = json.dumps(meta.get("searchSourceJSON", {}), separators=(",", ":"))
    return obj


def saved_objects(params: ArtefactParams, services: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Dashboards saved objects: index pattern, searches, visualization, dashboard, one search per service."""
    raw = load_artefact("dashboards.json")
    values = params.values()
    objects = [_stringify(o) for o in substitute(raw["objects"], values, "dashboards.json")]
    for service in sorted(set(services)):
        kql_safe = service.replace("\\", "\\\\").replace('"', '\\"')
        svc_values = {**values, "service": kql_safe, "service_slug": slug(service)}
        objects.append(_stringify(substitute(raw["service_search"], svc_values, "dashboards.json")))
    return objects


def to_ndjson(objects: list[dict[str, Any]]) -> bytes:
    """The import file: one saved object per line."""
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()
