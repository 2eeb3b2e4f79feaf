"""A realistic, seeded multi-service scenario for ``logpipe demo``: an online shop on Kubernetes.

Requests pass ``ingress-nginx -> api-gateway -> order -> payment -> notification``. Formats differ per
service the way they do in real clusters: nginx access lines (ingress), logstash-logback-encoder JSON
(api-gateway, order, payment) and Spring Boot console text (notification, with a multi-line stack
trace). There are health checks, Kafka consumer chatter, debug noise, slow-query warnings, 404s, personal
data in messages (e-mail addresses, Korean mobile numbers, card numbers, Korean text: the PG's result
messages and the notification service's) and one incident:
the payment provider (PG) starts timing out, payment logs the first error of each affected trace with a
Java stack trace, and the error propagates upstream to order and api-gateway under the same trace id.

Same seed and start, same lines: every timestamp comes from the simulated clock (``ScenarioConfig.start``),
every id from the seeded RNG. ``logpipe demo`` ends the period at the moment it runs (``--end`` fixes it), so
``logpipe search --since 15m`` finds the incident right after ``make demo``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from logpipe.jsonfast import dumps_str

SERVICES = ("ingress-nginx", "api-gateway", "order", "payment", "notification")
DEFAULT_START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
# What the payment provider answers, in Korean as Korean PGs do (shown to the customer and logged).
PG_APPROVED_MESSAGE = "결제가 완료되었습니다"
PG_TIMEOUT_MESSAGE = "결제 승인 응답 시간 초과"

FIRST_NAMES = ("minji.kim", "seojun.lee", "jiwoo.park", "hana.choi", "dohyun.jung", "yuna.kang", "alex.smith")
DOMAINS = ("example.co.kr", "mail.example.com", "shop-test.kr")
TEST_CARDS = ("4111-1111-1111-1111", "5555 5555 5555 4444", "4012888888881881", "3782-822463-10005")
PRODUCTS = ("P-1001", "P-1002", "P-2040", "P-3100", "P-7777")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "okhttp/4.12.0",
)
PG_TIMEOUT_TRACE = """com.shop.payment.pg.PaymentGatewayTimeoutException: PG approval timed out after 3000 ms
\tat com.shop.payment.pg.TossPaymentsClient.approve(TossPaymentsClient.java:142)
\tat com.shop.payment.service.PaymentService.approve(PaymentService.java:88)
\tat com.shop.payment.api.PaymentController.approve(PaymentController.java:51)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)
\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)
\tat okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders(Http1ExchangeCodec.kt:180)
\t... 48 common frames omitted"""
ORDER_FEIGN_TRACE = """feign.RetryableException: Read timed out executing POST http://payment:8080/api/payments/approve
\tat feign.FeignException.errorExecuting(FeignException.java:268)
\tat feign.SynchronousMethodHandler.executeAndDecode(SynchronousMethodHandler.java:131)
\tat com.shop.order.service.OrderService.placeOrder(OrderService.java:97)
Caused by: java.net.SocketTimeoutException: Read timed out
\t... 37 common frames omitted"""
SMTP_TRACE_LINES = (
    "org.springframework.mail.MailSendException: Mail server connection failed; nested exception is "
    "jakarta.mail.MessagingException: Could not connect to SMTP host: smtp.example.com, port: 587",
    "\tat org.springframework.mail.javamail.JavaMailSenderImpl.doSend(JavaMailSenderImpl.java:447)",
    "\tat com.shop.notification.mail.MailSender.send(MailSender.java:64)",
    "Caused by: jakarta.mail.MessagingException: Could not connect to SMTP host: smtp.example.com, port: 587",
    "\t... 12 more",
)


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    """Size and shape of the scenario."""

    seed: int = 42
    requests: int = 3000
    minutes: int = 30
    start: datetime = DEFAULT_START
    incident_at_minute: float = 20.0
    incident_minutes: float = 3.0
    incident_failure_ratio: float = 0.6


@dataclass(slots=True)
class Scenario:
    """Generated log lines per service (with their times) and what the incident should look like."""

    config: ScenarioConfig
    lines: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    failing_traces: list[str] = field(default_factory=list)
    requests: int = 0
    personal_data_lines: int = 0

    @property
    def first_failing_trace(self) -> str | None:
        """The trace id of the first request the incident broke."""
        return self.failing_traces[0] if self.failing_traces else None

    def sorted_lines(self, service: str) -> list[tuple[int, str]]:
        """``(epoch ms, line)`` of one service in time order (what its pod wrote)."""
        return sorted(self.lines[service], key=lambda item: item[0])

    def total_lines(self) -> int:
        """Lines written across every service (a console stack trace is several lines; a JSON one is one)."""
        return sum(len(v) for v in self.lines.values())


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _spring_ts(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _nginx_ts(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


class _Writer:
    """Formats one line per service style and records it in the scenario."""

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.s = scenario
        self.rng = rng

    def json(
        self,
        service: str,
        t: int,
        level: str,
        logger: str,
        message: str,
        trace: str | None = None,
        span: str | None = None,
        stack: str | None = None,
        **extra: str | int,
    ) -> None:
        """A logstash-logback-encoder line (Spring Boot with Micrometer tracing MDC)."""
        doc: dict[str, object] = {
            "@timestamp": _iso(t),
            "@version": "1",
            "message": message,
            "logger_name": logger,
            "thread_name": f"http-nio-8080-exec-{self.rng.randint(1, 10)}",
            "level": level,
            "level_value": {"DEBUG": 10000, "INFO": 20000, "WARN": 30000, "ERROR": 40000}[level],
        }
        if trace:
            doc["traceId"] = trace
            doc["spanId"] = span or ""
        if stack:
            doc["stack_trace"] = stack
        doc.update(extra)
        self.s.lines[service].append((t, dumps_str(doc)))

    def spring(
        self, service: str, t: int, level: str, logger: str, message: str, trace: str = "", span: str = ""
    ) -> None:
        """A Spring Boot console line with the ``[app,traceId,spanId]`` correlation block."""
        line = (
            f"{_spring_ts(t)} {level:>5} [{service},{trace},{span}] 1 --- [ntContainer#0-1] {logger:<40.40} : {message}"
        )
        self.s.lines[service].append((t, line))

    def nginx(self, t: int, method: str, path: str, status: int, size: int, agent: str, rt: float, trace: str) -> None:
        """An ingress-nginx access line (combined format plus timings and the trace id)."""
        ip = f"10.0.{self.rng.randint(0, 3)}.{self.rng.randint(2, 250)}"
        line = (
            f'{ip} - - [{_nginx_ts(t)}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" '
            f"{rt:.3f} {rt:.3f} {trace or '-'}"
        )
        self.s.lines["ingress-nginx"].append((t, line))


def _hex(rng: random.Random, bits: int) -> str:
    return format(rng.getrandbits(bits), f"0{bits // 4}x")


def _email(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random) -> str:
    return f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def generate(config: ScenarioConfig | None = None) -> Scenario:
    """Build the scenario (pure: same config, same lines)."""
    cfg = config or ScenarioConfig()
    rng = random.Random(cfg.seed)
    scenario = Scenario(cfg)
    w = _Writer(scenario, rng)
    start = _ms(cfg.start)
    span_ms = cfg.minutes * 60_000
    incident_start = start + int(cfg.incident_at_minute * 60_000)
    incident_end = incident_start + int(cfg.incident_minutes * 60_000)

    # Background noise: probes every 10 s per service, Kafka consumer chatter, debug lines.
    for t in range(start, start + span_ms, 10_000):
        for service in ("api-gateway", "order", "payment", "notification"):
            jitter = t + rng.randint(0, 900)
            w.nginx(jitter, "GET", "/healthz", 200, 2, "kube-probe/1.31", 0.001, "")
            if service != "notification":
                w.json(service, jitter + 1, "DEBUG", "o.s.b.actuate.health.HealthEndpoint", "Health check UP")
        if rng.random() < 0.5:
            w.json(
                "order",
                t + rng.randint(0, 9000),
                "INFO",
                "org.apache.kafka.clients.consumer.KafkaConsumer",
                "[Consumer clientId=order-1, groupId=order] Seeking to offset 1842 for partition order-events-0",
            )
        if rng.random() < 0.1:
            w.spring(
                "notification",
                t + rng.randint(0, 9000),
                "INFO",
                "o.a.k.c.c.internals.ConsumerCoordinator",
                "[Consumer clientId=notification-1, groupId=notification] Adding newly assigned partitions: "
                "order-events-0",
            )

    # A notification SMTP hiccup at minute 7: a multi-line stack trace in console text (no trace id).
    smtp_t = start + 7 * 60_000 + 1234
    w.spring(
        "notification", smtp_t, "WARN", "c.s.notification.mail.MailSender", "메일 발송 실패, 재시도 예정 (attempt 1/3)"
    )
    for i, line in enumerate(SMTP_TRACE_LINES):
        scenario.lines["notification"].append((smtp_t + 1 + i, line))

    times = sorted(start + rng.randint(0, span_ms - 5_000) for _ in range(cfg.requests))
    for order_no, t0 in enumerate(times, start=1):
        scenario.requests += 1
        trace = _hex(rng, 128)
        gw_span, order_span, pay_span, noti_span = (_hex(rng, 64) for _ in range(4))
        agent = rng.choice(USER_AGENTS)
        kind = rng.random()
        if kind < 0.25:  # product browsing: gateway + order (catalogue lookups)
            product = rng.choice(PRODUCTS)
            found = rng.random() > 0.05
            w.json(
                "api-gateway",
                t0,
                "INFO",
                "c.s.gateway.filter.AccessLogFilter",
                f"GET /api/products/{product} -> order-service",
                trace,
                gw_span,
            )
            w.json(
                "order",
                t0 + 3,
                "DEBUG",
                "c.s.order.repo.ProductRepository",
                f"select product where id={product}",
                trace,
                order_span,
            )
            status = 200 if found else 404
            if not found:
                w.json(
                    "order",
                    t0 + 6,
                    "WARN",
                    "c.s.order.api.ProductController",
                    f"Product {product} not found",
                    trace,
                    order_span,
                )
            w.nginx(t0 + 9, "GET", f"/api/products/{product}", status, 734 if found else 61, agent, 0.009, trace)
            continue
        if kind < 0.35:  # order status lookups
            oid = f"ORD-{rng.randint(100000, 999999)}"
            w.json(
                "api-gateway",
                t0,
                "INFO",
                "c.s.gateway.filter.AccessLogFilter",
                f"GET /api/orders/{oid} -> order-service",
                trace,
                gw_span,
            )
            slow = rng.random() < 0.03
            if slow:
                w.json(
                    "order",
                    t0 + 1210,
                    "WARN",
                    "c.s.order.repo.OrderRepository",
                    f"Slow query 1207 ms: select * from orders where order_id='{oid}'",  # noqa: S608 (a log line)
                    trace,
                    order_span,
                )
            w.nginx(
                t0 + (1215 if slow else 14),
                "GET",
                f"/api/orders/{oid}",
                200,
                412,
                agent,
                1.215 if slow else 0.014,
                trace,
            )
            continue

        # Checkout: the full chain.
        oid = f"ORD-{cfg.start:%Y%m%d}-{order_no:06d}"
        email = _email(rng)
        amount = rng.choice((12900, 39000, 54500, 129000, 8900))
        w.json(
            "api-gateway",
            t0,
            "INFO",
            "c.s.gateway.filter.AccessLogFilter",
            "POST /api/orders -> order-service",
            trace,
            gw_span,
        )
        customer = f"customer={email}" if rng.random() < 0.4 else f"customerId=C{rng.randint(10000, 99999)}"
        if customer.startswith("customer="):
            scenario.personal_data_lines += 1
        w.json(
            "order",
            t0 + 4,
            "INFO",
            "c.s.order.service.OrderService",
            f"Creating order {oid} {customer} amount={amount} KRW",
            trace,
            order_span,
        )
        w.json(
            "payment",
            t0 + 11,
            "INFO",
            "c.s.payment.service.PaymentService",
            f"Requesting approval from PG tosspayments orderId={oid} amount={amount}",
            trace,
            pay_span,
        )
        failing = incident_start <= t0 < incident_end and rng.random() < cfg.incident_failure_ratio
        if failing:
            scenario.failing_traces.append(trace)
            t_err = t0 + 11 + 3000
            w.json(
                "payment",
                t_err,
                "ERROR",
                "c.s.payment.service.PaymentService",
                f"Payment timeout: PG approval did not respond within 3000 ms (orderId={oid}, pg=tosspayments, "
                f"pgMessage={PG_TIMEOUT_MESSAGE})",
                trace,
                pay_span,
                stack=PG_TIMEOUT_TRACE,
            )
            w.json(
                "order",
                t_err + 9,
                "ERROR",
                "c.s.order.service.OrderService",
                f"Payment failed for order {oid}: 504 GATEWAY_TIMEOUT from payment-service",
                trace,
                order_span,
                stack=ORDER_FEIGN_TRACE,
            )
            w.json(
                "api-gateway",
                t_err + 15,
                "ERROR",
                "c.s.gateway.filter.ErrorHandlingFilter",
                "POST /api/orders failed: 502 BAD_GATEWAY from order-service (upstream error)",
                trace,
                gw_span,
            )
            w.nginx(t_err + 16, "POST", "/api/orders", 502, 157, agent, 3.027, trace)
            continue
        pg_ms = rng.randint(80, 450)
        card = rng.choice(TEST_CARDS)
        w.json(
            "payment",
            t0 + 11 + pg_ms,
            "INFO",
            "c.s.payment.service.PaymentService",
            f"Payment approved orderId={oid} card={card} amount={amount} pgMessage={PG_APPROVED_MESSAGE}",
            trace,
            pay_span,
        )
        scenario.personal_data_lines += 1
        w.json(
            "order",
            t0 + 15 + pg_ms,
            "INFO",
            "c.s.order.service.OrderService",
            f"Order {oid} confirmed",
            trace,
            order_span,
        )
        phone = _phone(rng)
        w.spring(
            "notification",
            t0 + 40 + pg_ms,
            "INFO",
            "c.s.notification.NotificationService",
            f"주문 완료 알림 발송 완료 orderId={oid} phone={phone} email={email}",
            trace,
            noti_span,
        )
        scenario.personal_data_lines += 1
        if rng.random() < 0.02:
            w.spring(
                "notification",
                t0 + 60 + pg_ms,
                "WARN",
                "c.s.notification.sms.SmsSender",
                f"SMS 발송 지연: 통신사 응답 대기 중 (phone={phone})",
                trace,
                noti_span,
            )
        w.json(
            "api-gateway",
            t0 + 20 + pg_ms,
            "INFO",
            "c.s.gateway.filter.AccessLogFilter",
            f"POST /api/orders completed 201 in {20 + pg_ms} ms",
            trace,
            gw_span,
        )
        w.nginx(t0 + 21 + pg_ms, "POST", "/api/orders", 201, 388, agent, (21 + pg_ms) / 1000, trace)
    return scenario


def scenario_period(config: ScenarioConfig) -> tuple[datetime, datetime]:
    """The simulated period the scenario covers."""
    return config.start, config.start + timedelta(minutes=config.minutes)


def start_for_end(end: datetime, minutes: int) -> datetime:
    """The start of a ``minutes`` long period ending at ``end`` (whole seconds, UTC)."""
    end = end.astimezone(UTC).replace(microsecond=0)
    return end - timedelta(minutes=minutes)
