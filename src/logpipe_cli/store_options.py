"""The ``--backend`` options shared by ``logpipe trace`` and ``logpipe search``, and opening the store they name.

- ``local``: the SQLite store the local run and the demo fill (``--store``).
- ``opensearch``: the deployed domain (``--endpoint``, ``$LOGPIPE_OPENSEARCH_ENDPOINT``, or the
  ``OpenSearchEndpoint`` output of the ``logpipe-<env>`` stack), signed with SigV4.
- ``athena``: the S3 archive through Athena (database ``logpipe_<env>``, table ``logs_all_services``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
STACK_OUTPUT_KEYS = ("OpenSearchEndpoint", "SearchDomainEndpoint", "DomainEndpoint")


def backend_options(func: F) -> F:
    """Add the backend selection options to a click command."""
    options = [
        click.option(
            "--backend",
            type=click.Choice(["local", "opensearch", "athena"]),
            default="local",
            show_default=True,
            help="Where to read logs from.",
        ),
        click.option("--env", "environment", default="dev", show_default=True, help="Environment (stack logpipe-ENV)."),
        click.option(
            "--store",
            "store_path",
            default=None,
            type=click.Path(dir_okay=False),
            help="Local store file (default: .logpipe/local/search.db, or $LOGPIPE_STORE).",
        ),
        click.option(
            "--endpoint", default=None, help="OpenSearch URL (default: $LOGPIPE_OPENSEARCH_ENDPOINT or stack output)."
        ),
        click.option("--index", default=None, help="OpenSearch index pattern (default: logs-ENV-*)."),
        click.option("--athena-database", default=None, help="Glue database (default: logpipe_ENV)."),
        click.option(
            "--athena-table",
            default="logs_all_services",
            show_default=True,
            help="Glue table over the archive (`logs` needs --service).",
        ),
        click.option("--athena-workgroup", default=None, help="Athena workgroup (default: logpipe-ENV)."),
        click.option("--athena-output", default=None, help="s3:// location for results (if the workgroup has none)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def stack_endpoint(environment: str) -> str:
    """The OpenSearch endpoint from the deployed stack's outputs."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    stack = f"logpipe-{environment}"
    try:
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)
    except (BotoCoreError, ClientError) as exc:
        raise click.ClickException(f"no --endpoint given and stack {stack} cannot be read: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}
    for key in STACK_OUTPUT_KEYS:
        if outputs.get(key):
            return str(outputs[key])
    raise click.ClickException(f"stack {stack} has no {' / '.join(STACK_OUTPUT_KEYS)} output; pass --endpoint")


def open_store(
    backend: str,
    environment: str,
    store_path: str | None,
    endpoint: str | None,
    index: str | None,
    athena_database: str | None,
    athena_table: str,
    athena_workgroup: str | None,
    athena_output: str | None,
    **_: Any,
) -> Any:
    """The store ``backend`` names (anything with ``fetch_trace`` and ``search``)."""
    if backend == "local":
        from logpipe.stores.local_store import DEFAULT_PATH, LocalStore

        path = Path(store_path or os.environ.get("LOGPIPE_STORE") or DEFAULT_PATH)
        if not path.exists():
            raise click.ClickException(
                f"no local store at {path}: run `logpipe run FILE...` or `logpipe demo` first, or pass --store"
            )
        return LocalStore(path)
    if backend == "opensearch":
        from logpipe.stores.opensearch_store import OpenSearchStore

        url = endpoint or os.environ.get("LOGPIPE_OPENSEARCH_ENDPOINT") or stack_endpoint(environment)
        return OpenSearchStore(url, index=index or f"logs-{environment}-*")
    from logpipe.stores.athena_store import AthenaStore

    return AthenaStore(
        athena_database or f"logpipe_{environment}",
        athena_table,
        workgroup=athena_workgroup or f"logpipe-{environment}",
        output_location=athena_output,
    )


def store_errors(func: F) -> F:
    """Turn backend failures (connection, auth, query) into one clear CLI error line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            name = type(exc).__name__
            if name in {
                "ConnectionError",
                "TransportError",
                "AuthenticationException",
                "AuthorizationException",
                "NotFoundError",
                "RequestError",
                "AthenaQueryError",
                "ClientError",
                "NoCredentialsError",
                "ConnectionTimeout",
                "SSLError",
            }:
                raise click.ClickException(f"{name}: {exc}") from exc
            raise

    return wrapper  # type: ignore[return-value]
