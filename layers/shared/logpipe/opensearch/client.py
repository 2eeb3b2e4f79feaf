"""One way to build an opensearch-py client for every caller: bootstrap, notifier, CLI, local run.

An Amazon OpenSearch Service endpoint (``*.es.amazonaws.com`` / ``*.aoss.amazonaws.com``) is signed with
SigV4 (requests-aws4auth, credentials from the default boto3 chain); any other URL, such as a local
OpenSearch or the test server, is used as given, with basic auth when the URL carries ``user:pass@``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

AWS_SUFFIXES = (".es.amazonaws.com", ".aoss.amazonaws.com")


def is_aws_endpoint(host: str) -> bool:
    """True for Amazon OpenSearch Service (managed or serverless) hosts."""
    return host.endswith(AWS_SUFFIXES)


def region_from_host(host: str) -> str | None:
    """``search-x-abc.ap-northeast-2.es.amazonaws.com`` -> ``ap-northeast-2``."""
    parts = host.split(".")
    if len(parts) >= 4 and is_aws_endpoint(host):
        return parts[-4]
    return None


def http_auth(endpoint: str, *, region: str | None = None) -> Any:
    """The ``requests`` auth for ``endpoint``: SigV4 (AWS4Auth) for AWS hosts, basic auth from the URL, or None.

    Shared by the opensearch-py client and plain ``requests`` calls to OpenSearch Dashboards on the same
    domain (``/_dashboards/api/...``), which opensearch-py does not cover.
    """
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_aws_endpoint(host):
        import boto3
        from requests_aws4auth import AWS4Auth

        service = "aoss" if host.endswith(".aoss.amazonaws.com") else "es"
        session = boto3.Session()
        creds = session.get_credentials()
        if creds is None:
            raise RuntimeError("no AWS credentials found to sign OpenSearch requests (SigV4)")
        the_region = region or region_from_host(host) or session.region_name or os.environ.get("AWS_REGION")
        frozen = creds.get_frozen_credentials()
        return AWS4Auth(frozen.access_key, frozen.secret_key, the_region, service, session_token=frozen.token)
    if parts.username:
        return (parts.username, parts.password or "")
    return None


def base_url(endpoint: str) -> str:
    """``endpoint`` as ``scheme://host[:port][/path]`` without credentials or a trailing slash."""
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def make_client(
    endpoint: str, *, region: str | None = None, timeout: float = 30.0, ca_certs: str | None = None, **kwargs: Any
) -> Any:
    """An ``opensearchpy.OpenSearch`` for ``endpoint`` (a URL or a bare host name).

    ``ca_certs``: PEM bundle that signs an https endpoint's certificate (a local cluster's demo CA).
    Imports opensearch-py, requests-aws4auth and boto3 lazily: only callers that talk to OpenSearch pay.
    """
    from opensearchpy import OpenSearch, RequestsHttpConnection, Urllib3HttpConnection

    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    use_ssl = parts.scheme == "https"
    port = parts.port or (443 if use_ssl else 80)
    connection_class: Any = RequestsHttpConnection
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
        if not is_aws_endpoint(host):
            # requests lets $REQUESTS_CA_BUNDLE override a session's CA bundle; urllib3 uses the one given
            # (basic auth works the same; SigV4 needs requests, so AWS endpoints keep it).
            connection_class = Urllib3HttpConnection
    return OpenSearch(
        hosts=[{"host": host, "port": port}],
        http_auth=http_auth(endpoint, region=region),
        use_ssl=use_ssl,
        verify_certs=use_ssl,
        connection_class=connection_class,
        timeout=timeout,
        url_prefix=parts.path.rstrip("/"),
        **kwargs,
    )
