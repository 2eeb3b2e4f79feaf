"""A stateful stand-in for the OpenSearch and Dashboards REST APIs the bootstrap uses, answering with the
documented response shapes (and error bodies), for pytest-httpserver.

Covers: _index_template, ISM policies (``_seq_no``/``_primary_term`` checked on update) and add /
change_policy, security roles and rolesmapping, notifications configs, alerting monitors (search by name
prefix, create, update, delete), a terms aggregation over logs, and Dashboards saved objects (_import with
``osd-xsrf`` required, delete, _find). ``fail`` injects an error for a (method, path) pair.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def _error(status: int, kind: str, reason: str) -> Response:
    return _json(
        {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}, "status": status},
        status,
    )


@dataclass
class FakeOpenSearch:
    """In-memory state plus a request log."""

    templates: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    monitors: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: dict[tuple[str, str], Any] = field(default_factory=dict)
    ui_settings: dict[str, Any] = field(default_factory=dict)
    services: list[str] = field(default_factory=list)
    fail: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    import_errors: list[dict[str, Any]] = field(default_factory=list)
    security_plugin: bool = True
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def handle(self, request: Request) -> Response:
        method, path = request.method, request.path
        self.requests.append((method, path))
        if (method, path) in self.fail:
            status, reason = self.fail[(method, path)]
            return _error(status, "security_exception" if status == 403 else "illegal_argument_exception", reason)
        body = request.get_json(silent=True) if request.data else None
        for pattern, handler in self.routes():
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                return handler(request, body, *match.groups())  # type: ignore[no-any-return, operator]
        return _error(400, "illegal_argument_exception", f"no handler found for uri [{path}] and method [{method}]")

    def routes(self) -> list[tuple[str, Any]]:
        return [
            (r"(GET|PUT|DELETE) /_index_template/([^/]+)", self.index_template),
            (r"(GET|PUT|DELETE) /_plugins/_ism/policies/([^/]+)", self.ism_policy),
            (r"POST /_plugins/_ism/(add|change_policy)/(.+)", self.ism_apply),
            (r"(PUT|DELETE) /_plugins/_security/api/(roles|rolesmapping)/([^/]+)", self.security),
            (r"POST /_plugins/_notifications/configs", self.channel_create),
            (r"(GET|PUT|DELETE) /_plugins/_notifications/configs/([^/]+)", self.channel),
            (r"POST /_plugins/_alerting/monitors/_search", self.monitor_search),
            (r"POST /_plugins/_alerting/monitors", self.monitor_create),
            (r"(PUT|DELETE) /_plugins/_alerting/monitors/([^/]+)", self.monitor),
            (r"POST /([^/]+)/_search", self.log_search),
            (r"POST /_dashboards/api/saved_objects/_import", self.saved_import),
            (r"DELETE /_dashboards/api/saved_objects/([^/]+)/([^/]+)", self.saved_delete),
            (r"GET /_dashboards/api/saved_objects/_find", self.saved_find),
            (r"POST /_dashboards/api/opensearch-dashboards/settings", self.settings),
        ]

    # -- handlers --------------------------------------------------------------------------------------

    def index_template(self, request: Request, body: Any, method: str, name: str) -> Response:
        if method == "PUT":
            self.templates[name] = body
            return _json({"acknowledged": True})
        if name not in self.templates:
            return _error(404, "resource_not_found_exception", f"index template matching [{name}] not found")
        if method == "DELETE":
            del self.templates[name]
            return _json({"acknowledged": True})
        return _json({"index_templates": [{"name": name, "index_template": self.templates[name]}]})

    def ism_policy(self, request: Request, body: Any, method: str, policy_id: str) -> Response:
        current = self.policies.get(policy_id)
        if method == "GET":
            if current is None:
                return _error(404, "status_exception", "Policy not found")
            return _json(
                {
                    "_id": policy_id,
                    "_version": current["version"],
                    "_seq_no": current["seq_no"],
                    "_primary_term": 1,
                    "policy": current["policy"],
                }
            )
        if method == "DELETE":
            if current is None:
                return _json({"result": "not_found"}, 404)
            del self.policies[policy_id]
            return _json({"result": "deleted"})
        if current is not None:
            if request.args.get("if_seq_no") != str(current["seq_no"]) or request.args.get("if_primary_term") != "1":
                return _error(409, "version_conflict_engine_exception", "[policy]: version conflict, required seqNo")
            current.update(policy=body["policy"], seq_no=current["seq_no"] + 1, version=current["version"] + 1)
            return _json({"_id": policy_id, "_seq_no": current["seq_no"], "_primary_term": 1, "policy": body})
        self.policies[policy_id] = {"policy": body["policy"], "seq_no": 0, "version": 1}
        return _json({"_id": policy_id, "_seq_no": 0, "_primary_term": 1, "policy": body}, 201)

    def ism_apply(self, request: Request, body: Any, action: str, pattern: str) -> Response:
        return _json({"updated_indices": 2, "failures": False, "failed_indices": []})

    def security(self, request: Request, body: Any, method: str, kind: str, name: str) -> Response:
        if not self.security_plugin:
            return _error(400, "illegal_argument_exception", f"no handler found for uri [{request.path}]")
        store = self.roles if kind == "roles" else self.mappings
        if method == "PUT":
            existed = name in store
            store[name] = body
            return _json(
                {"status": "OK" if existed else "CREATED", "message": f"'{name}' updated."}, 200 if existed else 201
            )
        if name not in store:
            return _json({"status": "NOT_FOUND", "message": f"NOT_FOUND '{name}' not found."}, 404)
        del store[name]
        return _json({"status": "OK", "message": f"'{name}' deleted."})

    def channel_create(self, request: Request, body: Any) -> Response:
        config_id = body["config_id"]
        if config_id in self.channels:
            return _error(409, "version_conflict_engine_exception", "document already exists")
        self.channels[config_id] = body["config"]
        return _json({"config_id": config_id})

    def channel(self, request: Request, body: Any, method: str, config_id: str) -> Response:
        if config_id not in self.channels:
            return _error(404, "status_exception", f"NotificationConfig {config_id} not found")
        if method == "GET":
            return _json(
                {"config_list": [{"config_id": config_id, "config": self.channels[config_id]}], "total_hits": 1}
            )
        if method == "PUT":
            self.channels[config_id] = body["config"]
            return _json({"config_id": config_id})
        del self.channels[config_id]
        return _json({"delete_response_list": {config_id: "OK"}})

    def monitor_search(self, request: Request, body: Any) -> Response:
        if not self.monitors and not self.requests_seen("POST", "/_plugins/_alerting/monitors"):
            return _error(404, "index_not_found_exception", "no such index [.opendistro-alerting-config]")
        prefix = body["query"]["prefix"]["monitor.name.keyword"]
        hits = [
            {
                "_index": ".opendistro-alerting-config",
                "_id": mid,
                "_seq_no": m["seq_no"],
                "_primary_term": 1,
                "_source": {"monitor": m["body"]},
            }
            for mid, m in self.monitors.items()
            if m["body"]["name"].startswith(prefix)
        ]
        return _json({"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}})

    def requests_seen(self, method: str, path: str) -> bool:
        return (method, path) in self.requests[:-1]

    def monitor_create(self, request: Request, body: Any) -> Response:
        mid = f"mon{next(self._ids)}"
        self.monitors[mid] = {"body": body, "seq_no": 0}
        return _json({"_id": mid, "_version": 1, "_seq_no": 0, "_primary_term": 1, "monitor": body}, 201)

    def monitor(self, request: Request, body: Any, method: str, mid: str) -> Response:
        if mid not in self.monitors:
            return _error(404, "status_exception", "Monitor not found.")
        if method == "DELETE":
            del self.monitors[mid]
            return _json({"_id": mid, "result": "deleted"})
        current = self.monitors[mid]
        if request.args.get("if_seq_no") not in (None, str(current["seq_no"])):
            return _error(409, "version_conflict_engine_exception", "version conflict")
        current.update(body=body, seq_no=current["seq_no"] + 1)
        return _json({"_id": mid, "_seq_no": current["seq_no"], "_primary_term": 1, "monitor": body})

    def log_search(self, request: Request, body: Any, index: str) -> Response:
        buckets = [{"key": s, "doc_count": 10} for s in self.services]
        return _json({"hits": {"hits": []}, "aggregations": {"services": {"buckets": buckets}}})

    def saved_import(self, request: Request, body: Any) -> Response:
        if request.headers.get("osd-xsrf") != "true":
            return _json(
                {"statusCode": 400, "error": "Bad Request", "message": "Request must contain a osd-xsrf header."}, 400
            )
        upload = request.files["file"].read().decode()
        objects = [json.loads(line) for line in upload.splitlines() if line.strip()]
        failed_ids = {e["id"] for e in self.import_errors}
        for obj in objects:
            if obj["id"] not in failed_ids:
                self.saved[(obj["type"], obj["id"])] = obj
        ok = len(objects) - len([o for o in objects if o["id"] in failed_ids])
        if self.import_errors:
            return _json({"success": False, "successCount": ok, "errors": self.import_errors})
        return _json({"success": True, "successCount": ok})

    def saved_delete(self, request: Request, body: Any, kind: str, oid: str) -> Response:
        if (kind, oid) not in self.saved:
            return _json(
                {"statusCode": 404, "error": "Not Found", "message": f"Saved object [{kind}/{oid}] not found"}, 404
            )
        del self.saved[(kind, oid)]
        return _json({})

    def saved_find(self, request: Request, body: Any) -> Response:
        found = [{"id": oid, "type": kind} for (kind, oid) in self.saved if kind == request.args.get("type")]
        return _json({"page": 1, "per_page": 20, "total": len(found), "saved_objects": found})

    def settings(self, request: Request, body: Any) -> Response:
        """Advanced settings (``{"changes": {...}}``), e.g. ``defaultIndex``; answers with the settings."""
        if request.headers.get("osd-xsrf") != "true":
            return _json({"statusCode": 400, "error": "Bad Request", "message": "missing osd-xsrf header"}, 400)
        changes = (body or {}).get("changes")
        if not isinstance(changes, dict):
            return _json(
                {"statusCode": 400, "error": "Bad Request", "message": "[request body.changes]: required"}, 400
            )
        self.ui_settings.update(changes)
        return _json({"settings": {k: {"userValue": v} for k, v in self.ui_settings.items()}})
