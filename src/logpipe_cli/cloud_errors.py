"""Turn AWS and OpenSearch failures into one clear CLI error (what went wrong, and what to do about it).

Commands that talk to AWS (``trace``/``search`` with ``--backend opensearch|athena``, ``ship``) or to an
OpenSearch (``run --opensearch``) must never end in a botocore / opensearch-py traceback: a missing region,
missing credentials, an unreachable endpoint or a refused request is an operator's everyday situation, not a
bug. :func:`cloud_errors` wraps such a call and re-raises those failures as :class:`click.ClickException`
(exit code 1) with a hint; anything else (a real bug) still shows its traceback.

botocore and opensearch-py are imported only when a failure is being explained.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

REGION_HINT = "pass --region, set AWS_DEFAULT_REGION, or run `aws configure`"
CREDENTIALS_HINT = (
    "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws configure` / `aws sso login`"
)


def _botocore_message(exc: BaseException) -> str | None:
    try:
        from botocore import exceptions as bx
    except ImportError:  # pragma: no cover - botocore ships with boto3, a dependency
        return None
    if isinstance(exc, bx.NoRegionError):
        return f"no AWS region configured. Hint: {REGION_HINT}"
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.ProfileNotFound)):
        return f"AWS credentials missing ({exc}). Hint: {CREDENTIALS_HINT}"
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return f"cannot reach {endpoint} ({type(exc).__name__}). Hint: check the region (--region) and network access"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")) or str(exc)
        text = f"AWS refused {exc.operation_name}: {code}: {message}"
        if code in {
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "ExpiredToken",
            "ExpiredTokenException",
        }:
            return f"{text}. Hint: {CREDENTIALS_HINT}"
        if code.startswith("AccessDenied") or code == "UnauthorizedOperation":
            return f"{text}. Hint: your IAM identity needs permission for {exc.operation_name}"
        if code in {"ResourceNotFoundException", "ValidationError"}:
            return f"{text}. Hint: is the stack deployed for this --env in this region (--region)?"
        if code == "InvalidRequestException":
            return (
                f"{text}. Hint: check --athena-database/--athena-table/--athena-workgroup, and give --athena-output "
                "when the workgroup has no result location"
            )
        return text
    if isinstance(exc, bx.BotoCoreError):
        return f"AWS client error: {exc}"
    return None


def _opensearch_message(exc: BaseException) -> str | None:
    try:
        from opensearchpy import exceptions as ox
    except ImportError:  # pragma: no cover - opensearch-py is a dependency
        return None
    if isinstance(exc, ox.ConnectionError):  # also ConnectionTimeout and SSLError
        return (
            f"cannot reach OpenSearch ({type(exc).__name__}: {exc.info if exc.info else exc}). "
            "Hint: check the URL (--endpoint / --opensearch), and that the domain is reachable from here"
        )
    if isinstance(exc, ox.AuthenticationException):
        return f"OpenSearch refused the credentials (HTTP 401): {exc.error}. Hint: check user:password or AWS creds"
    if isinstance(exc, ox.AuthorizationException):
        return (
            f"OpenSearch denied the request (HTTP 403): {exc.error}. Hint: map your IAM role or user to an "
            "OpenSearch role that may read logs-* (docs/deploy.md)"
        )
    if isinstance(exc, ox.NotFoundError):
        return f"OpenSearch: not found (HTTP 404): {exc.error}. Hint: check --index / --env (no logs indexed yet?)"
    if isinstance(exc, ox.TransportError):
        return f"OpenSearch error (HTTP {exc.status_code}): {exc.error}"
    return None


def _logpipe_message(exc: BaseException) -> str | None:
    name = type(exc).__name__
    if name == "OpenSearchApiError":  # logpipe.opensearch.api: the bootstrap's calls (index template ...)
        status = getattr(exc, "status", None)
        if status is None:
            return f"cannot reach OpenSearch: {exc}. Hint: check the URL and that OpenSearch is running"
        return f"OpenSearch refused a request: {exc}"
    if name == "AthenaQueryError":
        return f"Athena query failed: {exc}"
    return None


def explain(exc: BaseException) -> str | None:
    """A one-line message with a hint for a known AWS / OpenSearch failure; ``None`` for anything else."""
    for explainer in (_botocore_message, _opensearch_message, _logpipe_message):
        message = explainer(exc)
        if message is not None:
            return message
    return None


@contextlib.contextmanager
def cloud_errors(prefix: str = "") -> Iterator[None]:
    """Re-raise known AWS / OpenSearch failures inside the block as a clean :class:`click.ClickException`."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        raise click.ClickException(prefix + message) from exc


def with_cloud_errors(func: F) -> F:
    """Decorator form of :func:`cloud_errors` for click commands."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with cloud_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
