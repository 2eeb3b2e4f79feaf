#!/usr/bin/env python3
"""Build the sample Firehose transformation events in events/ from readable records below.

The events are what Firehose hands the processor when Fluent Bit ships these records; `make events`
rebuilds them and a test checks the committed files are current. Run: python tools/build_sample_events.py
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
ARRIVAL_MS = 1_764_054_000_000  # 2025-11-25T07:00:00Z
K8S = {
    "pod_name": "order-api-7d9f8b6c5-x2x9k",
    "namespace_name": "prod-commerce",
    "pod_id": "8a5b1c8e-3c1d-4f0e-9f5e-2b8e1d2f3a4b",
    "labels": {"app.kubernetes.io/name": "order-api", "pod-template-hash": "7d9f8b6c5"},
    "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-11-20T10:00:00Z"},
    "host": "ip-10-0-1-23.ap-northeast-2.compute.internal",
    "container_name": "order-api",
    "docker_id": "4f5e6d7c8b9a",
    "container_hash": "sha256:abc",
    "container_image": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/order-api:1.42.0",
}
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _event(stream: str, payloads: list[bytes]) -> dict[str, Any]:
    return {
        "invocationId": f"sample-{stream}",
        "deliveryStreamArn": f"arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/logpipe-dev-{stream}",
        "region": "ap-northeast-2",
        "records": [
            {
                "recordId": f"{stream}-{i:04d}",
                "approximateArrivalTimestamp": ARRIVAL_MS + i * 10,
                "data": base64.b64encode(p).decode(),
            }
            for i, p in enumerate(payloads)
        ],
    }


def multiservice_trace_records() -> list[dict[str, Any]]:
    """One request through api-gateway -> order -> payment that fails in payment and spreads upstream."""
    return [
        {
            "log": f'10.0.3.7 - - [25/Nov/2025:07:00:00 +0000] "POST /api/orders HTTP/1.1" 502 87 "-" '
            f'"Mozilla/5.0" traceparent=00-{TRACE}-00f067aa0ba902b7-01',
            "kubernetes": {**K8S, "container_name": "api-gateway", "labels": {"app": "api-gateway"}},
        },
        {
            "log": json.dumps(
                {
                    "@timestamp": "2025-11-25T07:00:00.012Z",
                    "level": "INFO",
                    "logger_name": "c.e.order.web.OrderController",
                    "message": "Creating order for cart 8812",
                    "traceId": TRACE,
                    "spanId": "a2fb4a1d1a96d312",
                    "txId": "TX-20251125-000042",
                }
            ),
            "kubernetes": K8S,
        },
        {
            "log": json.dumps(
                {
                    "@timestamp": "2025-11-25T07:00:00.030Z",
                    "level": "ERROR",
                    "logger_name": "c.e.payment.service.PaymentService",
                    "message": "Payment authorization failed for card 4111 1111 1111 1111 user kim@example.com",
                    "trace_id": TRACE,
                    "span_id": "b7ad6b7169203331",
                    "transaction_id": "TX-20251125-000042",
                    "stack_trace": "java.lang.IllegalStateException: PG timeout after 3000ms\n\tat "
                    "c.e.payment.pg.PgClient.authorize(PgClient.java:88)\n\tat "
                    "c.e.payment.service.PaymentService.pay(PaymentService.java:41)\n",
                }
            ),
            "kubernetes": {**K8S, "container_name": "payment-svc", "labels": {"app.kubernetes.io/name": "payment-svc"}},
        },
        {
            "log": json.dumps(
                {
                    "@timestamp": "2025-11-25T07:00:00.041Z",
                    "level": "ERROR",
                    "logger_name": "c.e.order.web.OrderController",
                    "message": "Order 8812 failed: payment-svc returned 500",
                    "traceId": TRACE,
                    "spanId": "a2fb4a1d1a96d312",
                    "txId": "TX-20251125-000042",
                }
            ),
            "kubernetes": K8S,
        },
    ]


def build() -> dict[str, dict[str, Any]]:
    """All sample events by file name."""
    default = [
        _line(
            {
                "log": "2025-11-25 16:00:01.123  INFO 1 --- [nio-8080-exec-1] c.e.order.web.OrderController"
                "    : Order 8812 created total=45000 KRW",
                "kubernetes": K8S,
            }
        ),
        _line(
            {
                "log": '10.0.3.7 - - [25/Nov/2025:07:00:02 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"',
                "kubernetes": K8S,
            }
        ),
        _line(
            {
                "log": json.dumps(
                    {
                        "time": "2025-11-25T07:00:03.5Z",
                        "level": "warning",
                        "event": "slow query",
                        "duration_ms": 1840,
                        "password": "hunter2",
                        "logger": "app.db",
                    }
                ),
                "kubernetes": K8S,
            }
        ),
    ]
    trace = [_line(r) for r in multiservice_trace_records()]
    archive = [gzip.compress(b"".join(_line(r) for r in multiservice_trace_records()), mtime=0)]
    malformed = [b"", b"\x1f\x8b\x08\x00 definitely not gzip", _line({"log": "valid record between bad ones"})]
    events = {
        "firehose-search-default.json": _event("search", default),
        "firehose-search-trace.json": _event("search", trace),
        "firehose-archive-aggregated-gzip.json": _event("archive", archive),
        "firehose-search-malformed.json": _event("search", malformed),
    }
    events["firehose-search-malformed.json"]["records"].append(
        {"recordId": "search-bad-base64", "approximateArrivalTimestamp": ARRIVAL_MS, "data": "%%%not-base64%%%"}
    )
    return events


def render(event: dict[str, Any]) -> str:
    """The exact text written to disk (stable, so the up-to-date test can compare)."""
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    for name, event in build().items():
        (EVENTS / name).write_text(render(event), encoding="utf-8")
        print(f"wrote events/{name} ({len(event['records'])} records)")


if __name__ == "__main__":
    main()
