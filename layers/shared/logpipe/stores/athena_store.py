"""Trace lookup and search over the S3 archive with Amazon Athena (for logs older than OpenSearch keeps).

The stack (template.yaml) defines the Glue database ``logpipe_<env>`` with two tables over the archive:
``logs_all_services`` (partition projection over the listed services: the default here, since a trace
crosses services) and ``logs`` (any service, but every query must name it: ``--service``).

The archive holds the processor's nested ECS documents as gzip NDJSON under
``logs/service=<s>/year=<y>/month=<m>/day=<d>/hour=<h>/`` (:mod:`logpipe.archive_layout`): each object is the
processor's per-record gzip members concatenated (:mod:`logpipe.archive_format`; the S3 destination writes
them as they are and names the object ``.gz``). Athena picks the gzip codec by that extension and reads every
member of a multi-member file, so the DDL needs no compression property (docs/deploy.md). The Glue table
over it (:func:`table_ddl`) maps the JSON objects to struct columns (``service.name``, ``log.level``,
``trace.id`` ...) and the key segments to partition columns; the ``service=`` segment is exposed as
``partition_service`` because ``service`` is already the struct column. Queries are named-query style
SQL with ``?`` execution parameters (values are never pasted into SQL) and are bounded by the date
partitions so a lookup does not scan the whole archive.

boto3 is imported on first use only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from logpipe.levels import LEVEL_NAMES, LEVEL_RANK
from logpipe.shape import partition_value

DEFAULT_LOOKBACK = timedelta(days=7)
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}

# Nested ECS columns, as the processor writes them (struct fields absent from a document read as NULL).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("`@timestamp`", "string"),
    ("message", "string"),
    ("log", "struct<level:string,logger:string>"),
    ("service", "struct<name:string,environment:string,version:string>"),
    ("trace", "struct<id:string>"),
    ("span", "struct<id:string>"),
    ("transaction", "struct<id:string>"),
    ("error", "struct<type:string,message:string,stack_trace:string>"),
    ("host", "struct<name:string>"),
    ("logpipe", "struct<masked:array<string>,parse:string>"),
)
PARTITIONS = ("partition_service", "year", "month", "day", "hour")
SELECT_LIST = (
    '"@timestamp" AS ts, message, log.level AS level, service.name AS service_name, '
    "service.environment AS service_environment, trace.id AS trace_id, span.id AS span_id, "
    "transaction.id AS transaction_id, error.type AS error_type, error.message AS error_message, "
    "error.stack_trace AS error_stack_trace"
)


def table_ddl(database: str, table: str, location: str) -> str:
    """``CREATE EXTERNAL TABLE`` for the archive with partition projection over the Firehose key layout."""
    columns = ",\n  ".join(f"{name} {kind}" for name, kind in COLUMNS)
    base = location.rstrip("/")
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{table}` (\n  {columns}\n)\n"
        "PARTITIONED BY (partition_service string, year string, month string, day string, hour string)\n"
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
        "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')\n"
        f"LOCATION '{base}/'\n"
        "TBLPROPERTIES (\n"
        "  'projection.enabled' = 'true',\n"
        "  'projection.partition_service.type' = 'injected',\n"
        "  'projection.year.type' = 'integer', 'projection.year.range' = '2024,2100',\n"
        "  'projection.month.type' = 'integer', 'projection.month.range' = '1,12', 'projection.month.digits' = '2',\n"
        "  'projection.day.type' = 'integer', 'projection.day.range' = '1,31', 'projection.day.digits' = '2',\n"
        "  'projection.hour.type' = 'integer', 'projection.hour.range' = '0,23', 'projection.hour.digits' = '2',\n"
        f"  'storage.location.template' = "
        f"'{base}/service=${{partition_service}}/year=${{year}}/month=${{month}}/day=${{day}}/hour=${{hour}}/'\n"
        ")"
    )


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")


def _identifier(name: str) -> str:
    """A Glue database or table name, refused unless it is a plain identifier (it is pasted into SQL)."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid Athena database/table name: {name!r}")
    return name


def _date_window(since: datetime, until: datetime) -> tuple[str, list[str]]:
    """A partition filter covering the days from ``since`` to ``until`` (Athena prunes on it)."""
    days: list[str] = []
    day = since.astimezone(UTC).date()
    last = until.astimezone(UTC).date()
    while day <= last and len(days) < 400:
        days.append(day.strftime("%Y-%m-%d"))
        day += timedelta(days=1)
    return "concat(year, '-', month, '-', day) IN (" + ", ".join("?" * len(days)) + ")", days


def trace_sql(database: str, table: str) -> str:
    """The named query for one trace (parameters: the trace id, then the days of the window)."""
    return (
        f'SELECT {SELECT_LIST} FROM "{_identifier(database)}"."{_identifier(table)}" '  # noqa: S608 (checked names)
        "WHERE trace.id = ? AND {window} "
        'ORDER BY "@timestamp" LIMIT {limit}'
    )


def search_sql(database: str, table: str, text: str, service: str | None, level: str | None) -> tuple[str, list[str]]:
    """SQL and leading parameters for a search (window and limit parameters are appended by the caller)."""
    where = ["{window}"]
    params: list[str] = []
    for word in text.split():
        where.append("(strpos(lower(message), ?) > 0 OR strpos(lower(coalesce(error.message, '')), ?) > 0)")
        params.extend([word.lower(), word.lower()])
    if service:
        # the partition column prunes the scan (and is required by the `logs` table's injected projection)
        where.append("partition_service = ? AND service.name = ?")
        params.extend([partition_value(service), service])
    if level:
        wanted = [n for n in LEVEL_NAMES if LEVEL_RANK[n] >= LEVEL_RANK.get(level, 0)]
        where.append("log.level IN (" + ", ".join("?" * len(wanted)) + ")")
        params.extend(wanted)
    where.append('"@timestamp" >= ?')
    sql = (
        f'SELECT {SELECT_LIST} FROM "{_identifier(database)}"."{_identifier(table)}" WHERE '  # noqa: S608
        + " AND ".join(where)  # values are ? parameters; names are checked by _identifier
        + ' ORDER BY "@timestamp" DESC LIMIT {limit}'
    )
    return sql, params


def row_to_document(row: Mapping[str, str | None]) -> dict[str, Any]:
    """An Athena result row back into a nested ECS document (absent fields left out)."""
    doc: dict[str, Any] = {}

    def put(path: str, value: str | None) -> None:
        if value is None or value == "":
            return
        node = doc
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    for column, path in (
        ("ts", "@timestamp"),
        ("message", "message"),
        ("level", "log.level"),
        ("service_name", "service.name"),
        ("service_environment", "service.environment"),
        ("trace_id", "trace.id"),
        ("span_id", "span.id"),
        ("transaction_id", "transaction.id"),
        ("error_type", "error.type"),
        ("error_message", "error.message"),
        ("error_stack_trace", "error.stack_trace"),
    ):
        put(path, row.get(column))
    return doc


class AthenaQueryError(RuntimeError):
    """The query failed or was cancelled; the message carries Athena's reason."""


class AthenaStore:
    """The S3 archive, queried with Athena (database ``logpipe_<env>``, workgroup ``logpipe-<env>``)."""

    def __init__(
        self,
        database: str,
        table: str = "logs_all_services",
        *,
        workgroup: str = "primary",
        output_location: str | None = None,
        client: Any = None,
        region: str | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
        poll_seconds: float = 0.5,
        timeout_seconds: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.table = table
        self.workgroup = workgroup
        self.output_location = output_location
        self._client = client
        self._region = region
        self.lookback = lookback
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self._sleep = sleep
        self._now = now

    @property
    def client(self) -> Any:
        """The boto3 Athena client, created on first use."""
        if self._client is None:
            import boto3

            self._client = boto3.client("athena", region_name=self._region)
        return self._client

    def fetch_trace(self, trace_id: str, limit: int = 1000, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every archived document of ``trace_id`` within the lookback window (default 7 days)."""
        now = self._now()
        window, days = _date_window(since or now - self.lookback, now)
        sql = trace_sql(self.database, self.table).replace("{window}", window).replace("{limit}", str(int(limit)))
        return [row_to_document(r) for r in self._run(sql, [trace_id, *days])]

    def search(
        self,
        query: str = "",
        service: str | None = None,
        level: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Substring search (case-insensitive, every word must appear) with field filters, newest first."""
        now = self._now()
        start = since or now - self.lookback
        window, days = _date_window(start, now)
        sql, params = search_sql(self.database, self.table, query, service, level)
        from logpipe.stores.query import iso_millis

        sql = sql.replace("{window}", window).replace("{limit}", str(int(limit)))
        return [row_to_document(r) for r in self._run(sql, [*days, *params, iso_millis(start)])]

    def _run(self, sql: str, params: list[str]) -> list[dict[str, str | None]]:
        request: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": self.database},
            "WorkGroup": self.workgroup,
            # Athena execution parameters are SQL literals: every value here is a quoted string.
            "ExecutionParameters": ["'" + p.replace("'", "''") + "'" for p in params],
        }
        if self.output_location:
            request["ResultConfiguration"] = {"OutputLocation": self.output_location}
        execution_id = self.client.start_query_execution(**request)["QueryExecutionId"]
        waited = 0.0
        while True:
            status = self.client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
            state = status["State"]
            if state in _TERMINAL:
                break
            if waited >= self.timeout_seconds:
                self.client.stop_query_execution(QueryExecutionId=execution_id)
                raise AthenaQueryError(f"query {execution_id} still {state} after {self.timeout_seconds:.0f} s")
            self._sleep(self.poll_seconds)
            waited += self.poll_seconds
        if state != "SUCCEEDED":
            raise AthenaQueryError(f"query {execution_id} {state}: {status.get('StateChangeReason', 'no reason')}")
        rows: list[dict[str, str | None]] = []
        header: list[str] | None = None
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": execution_id}
            if token:
                kwargs["NextToken"] = token
            page = self.client.get_query_results(**kwargs)
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row.get("Data", [])]
                if header is None:
                    header = [str(v) for v in values]
                    continue
                rows.append(dict(zip(header, values, strict=False)))
            token = page.get("NextToken")
            if not token:
                return rows
