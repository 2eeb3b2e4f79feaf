"""Plugin REST calls (ISM, security, notifications, alerting) through opensearch-py's transport, and
OpenSearch Dashboards' saved-objects API through ``requests`` with the same authentication.

opensearch-py has no typed clients for every plugin API the bootstrap needs, so both wrappers expose one
``call`` that returns the parsed JSON and raises :class:`OpenSearchApiError` carrying the HTTP status and
OpenSearch's own reason, which ends up verbatim in the CloudFormation failure reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MISSING = object()


class OpenSearchApiError(RuntimeError):
    """An OpenSearch or Dashboards API call failed (status ``None`` when the server was unreachable)."""

    def __init__(self, method: str, path: str, status: int | None, reason: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status if status is not None else 'unreachable'}: {reason}")
        self.status = status
        self.reason = reason


def _reason(info: Any) -> str:
    if isinstance(info, Mapping):
        error = info.get("error")
        if isinstance(error, Mapping):
            root = error.get("root_cause")
            if isinstance(root, list) and root and isinstance(root[0], Mapping):
                return f"{error.get('type', '')}: {root[0].get('reason') or error.get('reason', '')}".strip(": ")
            return f"{error.get('type', '')}: {error.get('reason', '')}".strip(": ")
        if isinstance(error, str):
            return error
        if "message" in info:
            return str(info["message"])
    text = info if isinstance(info, str) else json.dumps(info, default=str)
    return text[:500]


class OpenSearchApi:
    """``call(method, path, body)`` against an OpenSearch domain via an opensearch-py client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Any:
        """Parsed JSON of the response; with ``missing_ok`` a 404 returns :data:`MISSING`."""
        from opensearchpy.exceptions import ConnectionError as OsConnectionError
        from opensearchpy.exceptions import TransportError

        try:
            return self.client.transport.perform_request(method, path, params=dict(params or {}), body=body)
        except OsConnectionError as exc:
            raise OpenSearchApiError(method, path, None, str(exc.info or exc.error)) from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else None
            if status == 404 and missing_ok:
                return MISSING
            raise OpenSearchApiError(method, path, status, _reason(exc.info)) from exc


class DashboardsApi:
    """OpenSearch Dashboards REST API (``<domain>/_dashboards`` on Amazon OpenSearch Service)."""

    def __init__(
        self, url: str, auth: Any = None, timeout: float = 30.0, session: Any = None, verify: bool | str = True
    ) -> None:
        self.url = url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.verify = verify  # True, or a CA bundle path for a self-signed https endpoint
        self._session = session

    @property
    def session(self) -> Any:
        """A ``requests.Session`` with the headers Dashboards demands of API calls."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            # osd-xsrf: required on every non-GET API call; securitytenant: saved objects go to the global
            # tenant, where every operator sees them (multi-tenancy would otherwise use the caller's private one).
            self._session.headers.update({"osd-xsrf": "true", "securitytenant": "global"})
        return self._session

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """Parsed JSON of the response (``MISSING`` on 404 with ``missing_ok``)."""
        import requests

        url = f"{self.url}/{path.lstrip('/')}"
        try:
            response = self.session.request(
                method,
                url,
                json=json_body,
                files=files,
                params=params,
                auth=self.auth,
                timeout=self.timeout,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            raise OpenSearchApiError(method, path, None, str(exc)) from exc
        if response.status_code == 404 and missing_ok:
            return MISSING
        try:
            payload = response.json()
        except ValueError:
            payload = response.text
        if response.status_code >= 400:
            raise OpenSearchApiError(method, path, response.status_code, _reason(payload))
        return payload
