#!/usr/bin/env python3
"""Build the sample Firehose transformation events in events/ from readable records below.

The events are what Firehose hands the processor when Fluent Bit ships these records, one event per Fluent
Bit output variant; tests/unit/test_sample_events.py checks the committed files are current.
Run: python tools/build_sample_events.py
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


# -- records for the Fluent Bit variants (all written for these samples) ------------------------------------------
JAVA_TRACE = (
    "org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection\n"
    "\tat org.springframework.orm.jpa.vendor.HibernateJpaDialect.convert(HibernateJpaDialect.java:277)\n"
    "\tat c.e.order.service.OrderService.place(OrderService.java:64)\n"
    "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
    "request timed out after 30000ms.\n"
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n"
    "\t... 42 common frames omitted"
)
PYTHON_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/notify/sender.py", line 88, in send_push\n'
    "    response = client.post(url, json=payload, timeout=3)\n"
    '  File "/app/.venv/lib/python3.12/site-packages/httpx/_client.py", line 1145, in post\n'
    '    return self.request("POST", url, json=json)\n'
    "httpx.ReadTimeout: timed out"
)


def app_lines() -> list[tuple[str, dict[str, Any]]]:
    """Plain lines as containers print them (what Fluent Bit's tail input puts in ``log``), per service.

    The services log UTC without an offset here (parsers.yaml ``default_timezone: UTC``); see
    docs/parsing.md for services that log KST.
    """
    order = {**K8S}
    notify = {**K8S, "pod_name": "notification-worker-5c7d9-abcde", "container_name": "notification-worker",
              "labels": {"app.kubernetes.io/name": "notification-worker"}}  # fmt: skip
    gateway = {**K8S, "pod_name": "ingress-nginx-controller-6f8b-zz1", "namespace_name": "ingress-nginx",
               "container_name": "controller", "labels": {"app.kubernetes.io/name": "ingress-nginx"}}  # fmt: skip
    inventory = {**K8S, "pod_name": "inventory-svc-84c9-q7w2e", "container_name": "inventory-svc",
                 "labels": {"app": "inventory-svc"}}  # fmt: skip
    return [
        (
            "2025-11-25 07:00:01.123  INFO 1 --- [nio-8080-exec-1] c.e.order.web.OrderController"
            "            : Order 8812 created total=45000 KRW",
            order,
        ),
        (
            "2025-11-25 07:00:01.517 ERROR 1 --- [nio-8080-exec-4] c.e.order.service.OrderService"
            "           : Order 8813 failed: database unavailable\n" + JAVA_TRACE,
            order,
        ),
        ("2025-11-25 07:00:02,004 WARNING [notify.sender] retrying push to device 77 (attempt 2/3)", notify),
        ("2025-11-25 07:00:02,310 ERROR [notify.sender] push delivery failed\n" + PYTHON_TRACE, notify),
        (
            '203.0.113.24 - - [25/Nov/2025:07:00:02 +0000] "GET /api/v1/orders/8812?include=items HTTP/1.1" 200 1532 '
            '"https://shop.example.com/orders" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)" 0.042',
            gateway,
        ),
        (
            '10.0.3.7 - - [25/Nov/2025:07:00:02 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29" 0.001',
            gateway,
        ),
        (
            "2025-11-25T07:00:03.250Z\twarn\tstock/reserve.go:142\treservation below safety stock\t"
            '{"sku": "SKU-1042", "available": 3, "threshold": 5}',
            inventory,
        ),
        (
            json.dumps(
                {
                    "time": "2025-11-25T07:00:03.5Z",
                    "level": "warning",
                    "event": "slow query",
                    "duration_ms": 1840,
                    "password": "hunter2",
                    "logger": "app.db",
                }
            ),
            notify,
        ),
        (
            "2025-11-25 07:00:04.001  INFO 1 --- [nio-8080-exec-2] c.e.order.web.OrderController"
            "            : 주문이 정상적으로 처리되었습니다 order=8812",
            order,
        ),
    ]


def app_json_records() -> list[dict[str, Any]]:
    """Application JSON already parsed by Fluent Bit (``Parser json``): app fields at the top level."""
    return [
        {
            "@timestamp": "2025-11-25T16:00:05.120+09:00",
            "@version": "1",
            "message": "Payment authorization failed",
            "logger_name": "c.e.payment.service.PaymentService",
            "thread_name": "http-nio-8080-exec-9",
            "level": "ERROR",
            "level_value": 40000,
            "stack_trace": "java.lang.IllegalStateException: PG timeout after 3000ms\n"
            "\tat c.e.payment.pg.PgClient.authorize(PgClient.java:88)\n"
            "\tat c.e.payment.service.PaymentService.pay(PaymentService.java:41)\n",
            "traceId": TRACE,
            "spanId": "b7ad6b7169203331",
            "kubernetes": {**K8S, "container_name": "payment-svc", "labels": {"app.kubernetes.io/name": "payment-svc"}},
        },
        {
            "timestamp": "2025-11-25T07:00:05.300Z",
            "level": "info",
            "logger": "app.handlers.checkout",
            "event": "결제 완료 알림 발송",
            "request_id": "0f5b2c1e-7d4a-4a57-9a55-1c2f3e4d5a6b",
            "kubernetes": {
                **K8S,
                "container_name": "notification-worker",
                "labels": {"app.kubernetes.io/name": "notification-worker"},
            },
        },
        {
            "level": 50,
            "time": 1764054005450,
            "pid": 1,
            "hostname": "cart-svc-66d5b-kk2mn",
            "msg": "cart checkout rejected",
            "err": {
                "type": "TypeError",
                "message": "Cannot read properties of undefined (reading 'price')",
                "stack": "TypeError: Cannot read properties of undefined (reading 'price')\n"
                "    at total (/app/src/cart.js:41:22)\n    at checkout (/app/src/cart.js:77:9)",
            },
            "kubernetes": {**K8S, "container_name": "cart-svc", "labels": {"app": "cart-svc"}},
        },
    ]


def _raw_event(line: str, k8s: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"log": line, **extra, "kubernetes": k8s}


def _log_key(line: str) -> bytes:
    """Fluent Bit's ``log_key``: the value alone, still JSON-escaped but without the quotes."""
    return json.dumps(line, ensure_ascii=False)[1:-1].encode() + b"\n"


def build() -> dict[str, dict[str, Any]]:
    """All sample events by file name."""
    lines = app_lines()
    default = [_line(_raw_event(line, k8s)) for line, k8s in lines]
    time_key = [
        _line(_raw_event(line, k8s, **{"@timestamp": f"2025-11-25T07:00:0{min(i, 9)}.9{i:02d}Z"}))
        for i, (line, k8s) in enumerate(lines)
    ]
    parsed = [_line(r) for r in app_json_records()]
    trace = [_line(r) for r in multiservice_trace_records()]
    # simple_aggregation + gzip (archive stream): the app lines and the multi-service request in one record
    archive = [gzip.compress(b"".join(default) + b"".join(_line(r) for r in multiservice_trace_records()), mtime=0)]
    malformed = [b"", b"\x1f\x8b\x08\x00 definitely not gzip", _line({"log": "valid record between bad ones"})]
    events = {
        "firehose-search-default.json": _event("search", default),
        "firehose-search-time-key.json": _event("search", time_key),
        "firehose-search-log-key.json": _event("search", [_log_key(line) for line, _ in lines]),
        "firehose-search-gzip.json": _event("search", [gzip.compress(p, mtime=0) for p in default]),
        "firehose-archive-aggregated.json": _event("archive", [b"".join(default)]),
        "firehose-archive-aggregated-gzip.json": _event("archive", archive),
        "firehose-search-json-parsed.json": _event("search", parsed),
        "firehose-search-log-key-parsed.json": _event(
            "search", [_log_key(str(r.get("message") or r.get("event") or r.get("msg"))) for r in app_json_records()]
        ),
        "firehose-search-trace.json": _event("search", trace),
        "firehose-search-malformed.json": _event("search", malformed),
    }
    events["firehose-search-malformed.json"]["records"].append(
        {"recordId": "search-bad-base64", "approximateArrivalTimestamp": ARRIVAL_MS, "data": "%%%not-base64%%%"}
    )
    return events


def render(event: dict[str, Any]) -> str:
    """The exact text written to disk (stable, so the up-to-date test can compare)."""
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def render_files() -> dict[str, str]:
    """File name -> exact text, for writing and for the test that the committed files are current."""
    return {name: render(event) for name, event in build().items()}


def main() -> None:
    """Write the events (``--check``: only report whether the committed files are current)."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if events/ differs; write nothing")
    if parser.parse_args().check:
        stale = [
            n for n, t in render_files().items() if not (EVENTS / n).is_file() or (EVENTS / n).read_text("utf-8") != t
        ]
        print("stale: " + ", ".join(stale) if stale else "events/ is current")
        raise SystemExit(1 if stale else 0)
    EVENTS.mkdir(exist_ok=True)
    for name, text in render_files().items():
        (EVENTS / name).write_text(text, encoding="utf-8")
        print(f"wrote events/{name}")


if __name__ == "__main__":
    main()
