"""The reference corpus: 50,000 Fluent Bit records of a realistic microservice mix, generated from seed 42.

Same mix, record shapes and random sequence as ``../shared/bench/gen_corpus.py`` (the reference the
issue's targets were set on), so a benchmark needs nothing outside this package and its numbers stay
comparable with runs on that corpus. By record count: ~62% structured JSON app logs (logback-JSON or
structlog style), ~26% plain-text lines in ``log`` (Spring Boot console / Python logging), ~12% nginx /
envoy access logs (about a third of them health checks that drop rules remove); within the messages ~10%
Korean text, ~5% personal data (emails, Korean phones, RRNs, Luhn-valid cards, JWTs, AWS keys, passwords),
~2% multi-line stack traces, some W3C ``traceparent`` ids. 70% carry Fluent Bit's Kubernetes metadata.

Every value comes from one :class:`random.Random`; the order of the draws *is* the corpus, so helpers
below draw in exactly the order the record's fields are written.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import string
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SEED = 42
DEFAULT_RECORDS = 50_000

SERVICES = (
    "order-api",
    "payment-svc",
    "user-svc",
    "catalog-api",
    "cart-svc",
    "notification-worker",
    "auth-gateway",
    "inventory-svc",
    "search-api",
    "shipping-svc",
)
NAMESPACES = ("prod-commerce", "prod-platform", "prod-payments")
# Weighted pools (a uniform choice over them gives the level distribution real services show).
JAVA_LEVELS = ("INFO",) * 70 + ("DEBUG",) * 10 + ("WARN",) * 12 + ("ERROR",) * 7 + ("TRACE",)
PYTHON_LEVELS = ("info",) * 70 + ("debug",) * 10 + ("warning",) * 12 + ("error",) * 6 + ("critical",)
LOGGER_NAMES = (
    "c.e.order.web.OrderController",
    "c.e.payment.service.PaymentService",
    "o.s.web.servlet.DispatcherServlet",
    "c.e.user.repository.UserRepository",
    "com.zaxxer.hikari.pool.HikariPool",
    "app.handlers.checkout",
    "app.services.notify",
    "org.apache.kafka.clients.consumer.KafkaConsumer",
)
KOREAN_PHRASES = (
    "주문이 정상적으로 처리되었습니다",
    "결제 승인 요청",
    "사용자 인증 실패",
    "재고 부족으로 주문 취소",
    "배송 상태 업데이트",
    "쿠폰 적용 완료",
    "포인트 적립 처리 중 오류 발생",
)
MESSAGE_TEMPLATES = (
    "Completed request in {ms} ms status={st}",
    "Fetched {n} items from cache key=catalog:{id}",
    "Order {id} created for customer {cid} total={amt} KRW",
    "Kafka consumer lag partition={p} lag={n}",
    "HikariPool-1 - Connection is not available, request timed out after {ms}ms.",
    "Payment authorization succeeded txn={id} amount={amt}",
    "Retrying call to inventory-svc attempt={p} backoff={ms}ms",
    "User session refreshed userId={cid}",
    "Published event OrderCreated to topic orders.v1 offset={n}",
    "Slow query detected duration={ms}ms sql=SELECT * FROM orders WHERE id = ?",
)
JAVA_STACK = "\n".join(
    (
        "java.lang.IllegalStateException: Failed to process order {id}",
        "\tat com.example.order.service.OrderService.place(OrderService.java:{l1})",
        "\tat com.example.order.web.OrderController.create(OrderController.java:{l2})",
        "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
        "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)",
        "\tat org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:205)",
        "\tat org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle"
        "(ServletInvocableHandlerMethod.java:117)",
        "\tat org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1072)",
        "\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1011)",
        "\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:166)",
        "\tat org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:659)",
        "\tat java.base/java.lang.Thread.run(Thread.java:840)",
        "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
        "request timed out after 30000ms.",
        "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
        "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
        "\t... 42 common frames omitted",
    )
)
PYTHON_STACK = "\n".join(
    (
        "Traceback (most recent call last):",
        '  File "/app/app/handlers/checkout.py", line {l1}, in handle',
        "    result = await self.payment.charge(order_id={id}, amount=amount)",
        '  File "/app/app/clients/payment.py", line {l2}, in charge',
        "    resp.raise_for_status()",
        '  File "/usr/local/lib/python3.12/site-packages/httpx/_models.py", line 761, in raise_for_status',
        "    raise HTTPStatusError(message, request=request, response=self)",
        "httpx.HTTPStatusError: Server error '503 Service Unavailable' for url 'http://payment-svc:8080/v1/charge'",
    )
)
HEALTH_PATHS = ("/health", "/healthz", "/actuator/health", "/ready")
API_PATHS_BEFORE_ID = ("/api/v1/orders",)
API_PATHS_AFTER_ID = ("/api/v2/cart", "/api/v1/users/me", "/api/v1/search?q=%EC%8B%A0%EB%B0%9C&page=2")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15",
    "okhttp/4.12.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
)
KST = dt.timezone(dt.timedelta(hours=9))
BASE_EPOCH = 1714530896  # 2024-05-01T02:34:56Z: one day of logs from here


@dataclass(slots=True)
class Corpus:
    """Raw Fluent Bit record payloads (JSON + ``\\n``, as Firehose receives them) and what they contain."""

    records: list[bytes]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total_bytes(self) -> int:
        """Sum of the raw record sizes (before base64)."""
        return sum(len(r) for r in self.records)


class _Generator:
    """Draws records from one seeded RNG; the method bodies fix the draw order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()

    # -- small random values ---------------------------------------------------------------------
    def hex_digits(self, n: int) -> str:
        rng = self.rng
        return "".join([rng.choice("0123456789abcdef") for _ in range(n)])

    def uuid4ish(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128)))

    def epoch(self) -> float:
        return BASE_EPOCH + self.rng.randint(0, 86400) + self.rng.randint(0, 999999) / 1e6

    def card_number(self, prefix: str, length: int) -> str:
        """A Luhn-valid card number (maskers must not be able to dismiss it by checksum)."""
        digits = [int(c) for c in prefix]
        while len(digits) < length - 1:
            digits.append(self.rng.randint(0, 9))
        total = 0
        for position, digit in enumerate(reversed(digits)):
            if position % 2 == 0:
                digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
            total += digit
        digits.append((10 - total % 10) % 10)
        return "".join(str(d) for d in digits)

    def jwt(self) -> str:
        def segment(claims: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

        header = segment({"alg": "HS256", "typ": "JWT"})
        payload = segment({"sub": str(self.rng.randint(1, 10**6)), "iat": 1714530896, "email": "kim@example.com"})
        signature = bytes(self.rng.getrandbits(8) for _ in range(32))
        return f"{header}.{payload}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()

    def personal_data(self) -> str:
        """One of twelve kinds of personal data or secrets, as they leak into log messages."""
        rng = self.rng
        kind = rng.randrange(12)
        if kind == 0:
            user = rng.choice(["kim", "lee", "park", "john.doe", "a.b+c"])
            number = rng.randint(1, 999)
            domain = rng.choice(["example.com", "gmail.com", "naver.com", "corp.co.kr"])
            return f"contact email {user}{number}@{domain}"
        if kind == 1:
            return f"phone 010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        if kind == 2:
            mobile = f"+82-10-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
            return f"tel {mobile} / 02-{rng.randint(100, 9999)}-{rng.randint(1000, 9999)}"
        if kind == 3:
            birth = f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            return f"rrn={birth}-{rng.choice('1234')}{rng.randint(0, 999999):06d}"
        if kind == 4:
            cc = self.card_number(rng.choice(["4", "51", "55", "37", "6011"]), 16)
            return f"card {cc[:4]}-{cc[4:8]}-{cc[8:12]}-{cc[12:]} approved"
        if kind == 5:
            return f"card_number={self.card_number('4', 16)}"
        if kind == 6:
            return f"Authorization: Bearer {self.jwt()}"
        if kind == 7:
            return f"token={self.jwt()}"
        if kind == 8:
            key = "".join([rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)])
            return f"using key AKIA{key}"
        if kind == 9:
            password = "".join([rng.choice(string.ascii_letters + string.digits + "!#$") for _ in range(12)])
            return f"login attempt user=admin password={password}"
        if kind == 10:
            return f"client ip 2001:db8:{self.hex_digits(4)}:{self.hex_digits(4)}::{self.hex_digits(3)} blocked"
        phone = f"010{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}"
        return f"고객 연락처 {phone} 이메일 홍길동{rng.randint(1, 99)}@naver.com"

    def stack(self, template: str) -> str:
        rng = self.rng
        return template.format(id=rng.randint(10**7, 10**8), l1=rng.randint(10, 400), l2=rng.randint(10, 400))

    def message(self) -> str:
        rng = self.rng
        template = rng.choice(MESSAGE_TEMPLATES)
        values = {
            "ms": rng.randint(1, 5000),
            "st": rng.choice([200, 200, 200, 201, 400, 404, 500]),
            "n": rng.randint(0, 10000),
            "id": rng.randint(10**7, 10**8),
            "cid": rng.randint(1, 10**6),
            "amt": rng.randint(1000, 990000),
            "p": rng.randint(0, 31),
        }
        text = template.format(**values)
        if rng.random() < 0.10:
            text = f"{rng.choice(KOREAN_PHRASES)} - {text}"
            self.counts["korean"] += 1
        if rng.random() < 0.05:
            text = f"{text} {self.personal_data()}"
            self.counts["pii"] += 1
        return text

    # -- metadata added by Fluent Bit -----------------------------------------------------------
    def kubernetes(self, service: str) -> dict[str, Any]:
        rng = self.rng
        namespace = rng.choice(NAMESPACES)
        pod = f"{service}-{self.hex_digits(10)}-{self.hex_digits(5)}"
        pod_id = self.uuid4ish()
        labels = {
            "app": service,
            "pod-template-hash": self.hex_digits(10),
            "version": f"v{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        }
        node = f"ip-10-0-{rng.randint(0, 255)}-{rng.randint(0, 255)}.ap-northeast-2.compute.internal"
        docker_id = self.hex_digits(64)
        image_tag = f"1.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
        return {
            "pod_name": pod,
            "namespace_name": namespace,
            "pod_id": pod_id,
            "labels": labels,
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-04-28T01:02:03Z"},
            "host": node,
            "container_name": service,
            "docker_id": docker_id,
            "container_image": f"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/{service}:{image_tag}",
        }

    def metadata(self, service: str) -> tuple[str, dict[str, Any]]:
        """70% EKS pods (kubernetes filter), 30% EC2/ECS tail inputs with a compact ``host`` object."""
        rng = self.rng
        if rng.random() < 0.7:
            return "kubernetes", self.kubernetes(service)
        return "host", {
            "name": f"ip-10-0-{rng.randint(0, 255)}-{rng.randint(0, 255)}",
            "service": service,
            "env": "prod",
        }

    # -- the three record families ----------------------------------------------------------------
    def structured(self) -> dict[str, Any]:
        rng = self.rng
        service = rng.choice(SERVICES)
        moment = self.epoch()
        trace_id, span_id = self.hex_digits(32), self.hex_digits(16)
        text = self.message()
        java = rng.random() < 0.6
        record: dict[str, Any] = {"date": round(moment, 6), "stream": "stdout", "time": _utc_millis(moment)}
        if java:
            record["@timestamp"] = _kst(moment)
            record["@version"] = "1"
            record["level"] = rng.choice(JAVA_LEVELS)
            record["logger_name"] = rng.choice(LOGGER_NAMES)
            record["thread_name"] = f"http-nio-8080-exec-{rng.randint(1, 200)}"
            record["message"] = text
            record["level_value"] = 20000
        else:
            record["timestamp"] = _kst(moment, sep=" ")
            record["level"] = rng.choice(PYTHON_LEVELS)
            record["logger"] = rng.choice(LOGGER_NAMES)
            record["event"] = text
            record["request_id"] = self.uuid4ish()
        draw = rng.random()
        if draw < 0.08:
            record["traceparent"] = f"00-{trace_id}-{span_id}-01"
            self.counts["traceparent"] += 1
        elif draw < 0.85:
            record["traceId" if java else "trace_id"] = trace_id
            record["spanId" if java else "span_id"] = span_id
        if rng.random() < 0.3:
            record["transaction_id"] = f"TX{rng.randint(10**11, 10**12)}"
        if rng.random() < 0.25:
            record["user"] = {"id": rng.randint(1, 10**6), "tier": rng.choice(["gold", "silver", "basic"])}
        if rng.random() < 0.022:
            record["stack_trace" if java else "exc_info"] = self.stack(JAVA_STACK if java else PYTHON_STACK)
            record["level"] = "ERROR" if java else "error"
            self.counts["multiline"] += 1
        if rng.random() < 0.01:
            record["password"] = "hunter2!" + self.hex_digits(4)
            self.counts["pii_field"] += 1
        key, value = self.metadata(service)
        record[key] = value
        return record

    def plaintext(self) -> dict[str, Any]:
        rng = self.rng
        service = rng.choice(SERVICES)
        moment = self.epoch()
        text = self.message()
        if rng.random() < 0.5:  # Spring Boot console pattern
            level = rng.choice(JAVA_LEVELS)
            thread = rng.randint(1, 200)
            logger = rng.choice(LOGGER_NAMES)
            line = f"{_kst(moment, tz=False, sep=' ')}  {level:>5} 1 --- [nio-8080-exec-{thread}] {logger:<40} : {text}"
            stack = JAVA_STACK
        else:  # Python logging with ids in the format string
            level = rng.choice(PYTHON_LEVELS).upper()
            logger = rng.choice(LOGGER_NAMES)
            ids = f"trace_id={self.hex_digits(32)} span_id={self.hex_digits(16)}"
            line = f"{_kst(moment, tz=False, sep=' ', comma=True)} {level} [{logger}] [{ids}] {text}"
            stack = PYTHON_STACK
        if rng.random() < 0.025:
            line += "\n" + self.stack(stack)
            self.counts["multiline"] += 1
        record: dict[str, Any] = {
            "date": round(moment, 6),
            "time": _utc_millis(moment),
            "stream": rng.choice(["stdout", "stdout", "stderr"]),
            "log": line,
        }
        key, value = self.metadata(service)
        record[key] = value
        return record

    def access(self) -> dict[str, Any]:
        rng = self.rng
        service = rng.choice(["ingress-nginx", "envoy-sidecar"])
        moment = self.epoch()
        health = rng.random() < 0.35
        if health:
            path = rng.choice(HEALTH_PATHS)
        else:
            order_path = f"/api/v1/orders/{rng.randint(1, 10**6)}"
            path = rng.choice([*API_PATHS_BEFORE_ID, order_path, *API_PATHS_AFTER_ID])
        if rng.random() < 0.9:
            octets = (rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
            client = ".".join(str(o) for o in octets)
        else:
            client = f"2001:db8:{self.hex_digits(4)}::{self.hex_digits(4)}"
        agent = "kube-probe/1.29" if health else rng.choice(USER_AGENTS)
        when = dt.datetime.fromtimestamp(moment, dt.UTC)
        method = rng.choice(["GET", "GET", "POST"])
        status = 200 if health else rng.choice([200, 200, 201, 204, 301, 400, 401, 404, 500, 502])
        size = rng.randint(0, 50000)
        duration = f"{rng.random():.3f}"
        upstream = rng.choice(SERVICES)
        request_id = self.hex_digits(32)
        line = (
            f'{client} - - [{when.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "{method} {path} HTTP/1.1" '
            f'{status} {size} "-" "{agent}" {duration} [{upstream}-8080] {request_id}'
        )
        self.counts["health"] += health
        self.counts["ip"] += 1
        record: dict[str, Any] = {
            "date": round(moment, 6),
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z",
            "stream": "stdout",
            "log": line,
        }
        key, value = self.metadata(service)
        record[key] = value
        return record

    def record(self) -> dict[str, Any]:
        draw = self.rng.random()
        if draw < 0.62:
            self.counts["structured"] += 1
            return self.structured()
        if draw < 0.88:
            self.counts["plaintext"] += 1
            return self.plaintext()
        self.counts["access"] += 1
        return self.access()


def _kst(moment: float, *, tz: bool = True, sep: str = "T", comma: bool = False) -> str:
    """Local (Asia/Seoul) time with milliseconds, the way the apps in the corpus log it."""
    local = dt.datetime.fromtimestamp(moment, KST)
    text = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + ("," if comma else ".") + f"{local.microsecond // 1000:03d}"
    return text + "+09:00" if tz else text


def _utc_millis(moment: float) -> str:
    when = dt.datetime.fromtimestamp(moment, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def encode_record(record: dict[str, Any]) -> bytes:
    """What Fluent Bit's ``kinesis_firehose`` output sends: compact JSON (UTF-8 kept) and a newline."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class CorpusBuilder:
    """Generates the corpus and then, from the same RNG, the Firehose invocation ids (see :mod:`.events`)."""

    def __init__(self, seed: int = SEED) -> None:
        self._generator = _Generator(seed)

    def records(self, count: int = DEFAULT_RECORDS) -> Corpus:
        """``count`` raw record payloads."""
        records = [encode_record(self._generator.record()) for _ in range(count)]
        return Corpus(records=records, counts=self._generator.counts)

    def invocation_id(self) -> str:
        """The next Firehose ``invocationId`` (drawn after the records, like the reference generator)."""
        return self._generator.uuid4ish()


def generate(count: int = DEFAULT_RECORDS, seed: int = SEED) -> tuple[Corpus, CorpusBuilder]:
    """The corpus of ``count`` records, plus the builder whose RNG continues for event packing."""
    builder = CorpusBuilder(seed)
    return builder.records(count), builder
