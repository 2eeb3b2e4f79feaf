"""AthenaStore against a real boto3 Athena client whose calls are checked by botocore's Stubber."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from logpipe.stores.athena_store import AthenaQueryError, AthenaStore, table_ddl
from logpipe.traces import analyse_trace

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
HEADER = [
    "ts",
    "message",
    "level",
    "service_name",
    "service_environment",
    "trace_id",
    "span_id",
    "transaction_id",
    "error_type",
    "error_message",
    "error_stack_trace",
]


def _row(values: list[str | None]) -> dict[str, Any]:
    return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}


def _store() -> tuple[AthenaStore, Stubber]:
    client = boto3.client("athena", region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(client)
    store = AthenaStore(
        "logpipe_dev", "archive", workgroup="logpipe-dev", client=client, now=lambda: NOW, sleep=lambda _s: None
    )
    return store, stub


def test_fetch_trace_runs_a_parameterised_query_bounded_by_date_partitions() -> None:
    store, stub = _store()
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q1"},
        {
            "QueryString": ANY,
            "QueryExecutionContext": {"Database": "logpipe_dev"},
            "WorkGroup": "logpipe-dev",
            "ExecutionParameters": ["'abc''123'"] + [f"'2026-11-{d:02d}'" for d in range(18, 26)],
        },
    )
    stub.add_response(
        "get_query_execution", {"QueryExecution": {"Status": {"State": "RUNNING"}}}, {"QueryExecutionId": "q1"}
    )
    stub.add_response(
        "get_query_execution", {"QueryExecution": {"Status": {"State": "SUCCEEDED"}}}, {"QueryExecutionId": "q1"}
    )
    stub.add_response(
        "get_query_results",
        {
            "ResultSet": {
                "Rows": [
                    _row(HEADER),
                    _row(
                        [
                            "2026-11-25T01:00:00.000Z",
                            "POST /orders",
                            "info",
                            "api-gateway",
                            "dev",
                            "abc'123",
                            "s1",
                            None,
                            None,
                            None,
                            None,
                        ]
                    ),
                ]
            },
            "NextToken": "t2",
        },
        {"QueryExecutionId": "q1"},
    )
    stub.add_response(
        "get_query_results",
        {
            "ResultSet": {
                "Rows": [
                    _row(
                        [
                            "2026-11-25T01:00:01.000Z",
                            "PG timeout",
                            "error",
                            "payment",
                            "dev",
                            "abc'123",
                            "s3",
                            None,
                            "java.net.SocketTimeoutException",
                            "Read timed out",
                            "at x",
                        ]
                    ),
                ]
            }
        },
        {"QueryExecutionId": "q1", "NextToken": "t2"},
    )
    with stub:
        docs = store.fetch_trace("abc'123", limit=100)
    stub.assert_no_pending_responses()
    assert docs[1] == {
        "@timestamp": "2026-11-25T01:00:01.000Z",
        "message": "PG timeout",
        "log": {"level": "error"},
        "service": {"name": "payment", "environment": "dev"},
        "trace": {"id": "abc'123"},
        "span": {"id": "s3"},
        "error": {"type": "java.net.SocketTimeoutException", "message": "Read timed out", "stack_trace": "at x"},
    }
    assert analyse_trace("abc'123", docs).origin.service == "payment"  # type: ignore[union-attr]


def test_failed_query_raises_with_athenas_reason() -> None:
    store, stub = _store()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q2"}, None)
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"Status": {"State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND: archive"}}},
        {"QueryExecutionId": "q2"},
    )
    with stub, pytest.raises(AthenaQueryError, match="TABLE_NOT_FOUND"):
        store.search("timeout", service="payment", level="error")


def test_ddl_projects_the_firehose_key_layout_and_names_are_checked() -> None:
    ddl = table_ddl("logpipe_dev", "archive", "s3://logpipe-dev-archive/logs")
    assert "service=${partition_service}/year=${year}/month=${month}/day=${day}/hour=${hour}/" in ddl
    assert "trace struct<id:string>" in ddl
    with pytest.raises(ValueError, match="not a valid"):
        AthenaStore('x"; DROP', client=object()).search("a")


def test_search_prunes_by_the_service_partition_and_quotes_every_value() -> None:
    store, stub = _store()
    days = [f"'2026-11-{d:02d}'" for d in range(18, 26)]
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q3"},
        {
            "QueryString": ANY,
            "QueryExecutionContext": {"Database": "logpipe_dev"},
            "WorkGroup": "logpipe-dev",
            "ExecutionParameters": [
                *days,
                "'pg'",
                "'pg'",
                "'pay_ment'",
                "'pay ment'",
                "'error'",
                "'fatal'",
                "'2026-11-18T08:00:00.000Z'",
            ],
        },
    )
    stub.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "SUCCEEDED"}}}, None)
    stub.add_response("get_query_results", {"ResultSet": {"Rows": [_row(HEADER)]}}, None)
    with stub:
        assert store.search("PG", service="pay ment", level="error", limit=5) == []
    stub.assert_no_pending_responses()
