"""Post to a Slack incoming webhook with slack_sdk's WebhookClient and bounded retries.

Slack's contract (DESIGN.md): about one message per second; over the limit HTTP 429 with ``Retry-After``
seconds; 200 ``ok`` is success; 400/403/404/410 are permanent (bad payload, revoked or archived channel)
and retrying them only delays the dead-letter queue. The stock retry handlers of slack_sdk sleep for any
``Retry-After`` and retry only 500/503; inside a Lambda with a timeout both need bounds, so the two
handlers below cap the total wait and retry every 5xx with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

PERMANENT_STATUSES = frozenset({400, 403, 404, 410})
Sleep = Callable[[float], None]


class SlackPostError(Exception):
    """Slack did not accept the message."""

    def __init__(self, status: int | None, body: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class SlackPermanentError(SlackPostError):
    """A 400/403/404/410: the payload or the webhook is wrong; retrying cannot help (goes to the DLQ)."""


class SlackTransientError(SlackPostError):
    """Rate limit or server error still failing after the bounded retries (let SNS/Lambda retry later)."""


class _Budget:
    """Wall-clock budget shared by the retry handlers of one post."""

    def __init__(self, seconds: float, sleep: Sleep) -> None:
        self.deadline = time.monotonic() + seconds
        self.sleep = sleep

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` if the budget allows; False (no sleep) when it would overrun."""
        if time.monotonic() + seconds > self.deadline:
            return False
        self.sleep(seconds)
        return True


def _retry_after(response: HttpResponse) -> float:
    for key, values in response.headers.items():
        if key.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return 1.0
    return 1.0


class BoundedRateLimitHandler(RetryHandler):
    """Retry 429 after ``Retry-After`` seconds, unless that would exceed the time budget."""

    def __init__(self, budget: _Budget, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.budget = budget

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None and self.budget.wait(_retry_after(response)):
            state.next_attempt_requested = True
            state.increment_current_attempt()


class BoundedServerErrorHandler(RetryHandler):
    """Retry any 5xx with exponential backoff within the time budget."""

    def __init__(self, budget: _Budget, max_retry_count: int = 2, backoff: float = 0.5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.budget = budget
        self.backoff = backoff

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if self.budget.wait(self.backoff * (2**state.current_attempt)):
            state.next_attempt_requested = True
            state.increment_current_attempt()


@dataclass(frozen=True, slots=True)
class PostResult:
    """A delivered message: the HTTP status and body Slack answered."""

    status: int
    body: str


def post_webhook(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: int = 10,
    budget_s: float = 20.0,
    sleep: Sleep = time.sleep,
) -> PostResult:
    """Send ``payload``; return on 200, raise :class:`SlackPermanentError` or :class:`SlackTransientError`.

    ``budget_s`` bounds the time spent waiting between retries (keep it well under the Lambda timeout).
    """
    from slack_sdk.webhook import WebhookClient

    budget = _Budget(budget_s, sleep)
    client = WebhookClient(
        url,
        timeout=timeout,
        retry_handlers=[
            BoundedRateLimitHandler(budget),
            BoundedServerErrorHandler(budget),
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=BackoffRetryIntervalCalculator(0.2)),
        ],
    )
    try:
        response = client.send_dict(dict(payload))
    except OSError as exc:  # connection refused, DNS, TLS: the network, not the message
        raise SlackTransientError(None, "", f"cannot reach Slack: {exc}") from exc
    status, body = response.status_code, str(response.body or "")
    if status == 200:
        return PostResult(status, body)
    if status in PERMANENT_STATUSES:
        raise SlackPermanentError(status, body, f"Slack refused the message permanently: HTTP {status} {body[:200]}")
    raise SlackTransientError(status, body, f"Slack did not accept the message: HTTP {status} {body[:200]}")
