"""The ``--backend`` options shared by ``logpipe trace`` and ``logpipe search``, and opening the store they name.

- ``local``: the SQLite store the local run and the demo fill (``--store``, ``$LOGPIPE_STORE``, else the newer of
  ``.logpipe/local/search.db`` and ``.logpipe/demo/search.db``: right after ``make demo`` that is the demo's).
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
# `logpipe run` writes .logpipe/local, `logpipe demo` (make demo) .logpipe/demo.
LOCAL_RUN_STORE = Path(".logpipe/local/search.db")
DEMO_STORE = Path(".logpipe/demo/search.db")
NO_LOCAL_RUN = (
    "no local store found (looked for .logpipe/local/search.db and .logpipe/demo/search.db). "
    "Hint: run `make demo` or `logpipe run FILE...` first, or pass --store PATH"
)
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
            help="Local store file (default: $LOGPIPE_STORE, else the newer of .logpipe/local and .logpipe/demo).",
        ),
        click.option(
            "--endpoint", default=None, help="OpenSearch URL (default: $LOGPIPE_OPENSEARCH_ENDPOINT or stack output)."
        ),
        click.option("--index", default=None, help="OpenSearch index pattern (default: logs-ENV-*)."),
        click.option("--region", default=None, help="AWS region (default: from the AWS configuration)."),
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


def default_local_store(explicit: str | None = None) -> Path:
    """The local store to read: ``explicit`` (``--store``), ``$LOGPIPE_STORE``, else the newer existing one of
    ``.logpipe/local`` (``logpipe run``) and ``.logpipe/demo`` (``make demo``).

    Raises a click error naming what was looked for when there is none: ``trace``, ``search`` and
    ``alerts test`` all resolve the store here, so they agree on which run they read.
    """
    chosen = explicit or os.environ.get("LOGPIPE_STORE")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise click.ClickException(
                f"no local store at {path}. Hint: run `make demo` or `logpipe run FILE...` first, or check the path"
            )
        return path
    found = [p for p in (LOCAL_RUN_STORE, DEMO_STORE) if p.is_file()]
    if not found:
        raise click.ClickException(NO_LOCAL_RUN)
    return max(found, key=lambda p: p.stat().st_mtime)


def stack_endpoint(environment: str, region: str | None = None) -> str:
    """The OpenSearch endpoint from the deployed stack's outputs."""
    import boto3

    from logpipe_cli.cloud_errors import cloud_errors

    stack = f"logpipe-{environment}"
    with cloud_errors(f"no --endpoint given and stack {stack} cannot be read: "):
        described = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)
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
    region: str | None = None,
    **_: Any,
) -> Any:
    """The store ``backend`` names (anything with ``fetch_trace`` and ``search``)."""
    if backend == "local":
        from logpipe.stores.local_store import LocalStore

        path = default_local_store(store_path)
        if not (store_path or os.environ.get("LOGPIPE_STORE")):  # chosen for the user: say which one
            click.echo(f"reading {path}", err=True)
        return LocalStore(path)
    if backend == "opensearch":
        from logpipe.stores.opensearch_store import OpenSearchStore

        url = endpoint or os.environ.get("LOGPIPE_OPENSEARCH_ENDPOINT") or stack_endpoint(environment, region)
        return OpenSearchStore(url, index=index or f"logs-{environment}-*", region=region)
    from logpipe.stores.athena_store import AthenaStore

    return AthenaStore(
        athena_database or f"logpipe_{environment}",
        athena_table,
        workgroup=athena_workgroup or f"logpipe-{environment}",
        output_location=athena_output,
        region=region,
    )


def store_errors(func: F) -> F:
    """Turn backend failures (region, credentials, connection, auth, query) into one clear CLI error line."""
    from logpipe_cli.cloud_errors import cloud_errors

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with cloud_errors():
                return func(*args, **kwargs)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]
