"""Posting to a local server that answers like Slack's incoming webhooks."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from logpipe.slack.webhook import SlackPermanentError, SlackTransientError, post_webhook

PAYLOAD = {"text": "hello"}


class Sleeps:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def sequence(httpserver: HTTPServer, responses: list[Response]) -> list[Request]:
    """Answer successive POSTs with ``responses`` (the last one repeats); return the received requests."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    return seen


def test_200_ok_is_success(httpserver: HTTPServer) -> None:
    seen = sequence(httpserver, [Response("ok", 200)])
    result = post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=Sleeps())
    assert (result.status, result.body) == (200, "ok")
    assert seen[0].get_json() == PAYLOAD


def test_429_waits_retry_after_then_succeeds(httpserver: HTTPServer) -> None:
    sleeps = Sleeps()
    seen = sequence(httpserver, [Response("rate_limited", 429, headers={"Retry-After": "1"}), Response("ok", 200)])
    assert post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=sleeps).status == 200
    assert len(seen) == 2
    assert sleeps.calls == [1.0]


def test_429_beyond_the_budget_is_transient(httpserver: HTTPServer) -> None:
    sleeps = Sleeps()
    sequence(httpserver, [Response("rate_limited", 429, headers={"Retry-After": "60"})])
    with pytest.raises(SlackTransientError) as err:
        post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=sleeps, budget_s=5)
    assert err.value.status == 429
    assert sleeps.calls == []  # did not wait a minute inside the Lambda


def test_500_then_200_retries_with_backoff(httpserver: HTTPServer) -> None:
    sleeps = Sleeps()
    seen = sequence(httpserver, [Response("rollup_error", 500), Response("ok", 200)])
    assert post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=sleeps).status == 200
    assert len(seen) == 2 and sleeps.calls == [0.5]


def test_persistent_5xx_is_transient_after_bounded_retries(httpserver: HTTPServer) -> None:
    sleeps = Sleeps()
    seen = sequence(httpserver, [Response("busy", 503)])
    with pytest.raises(SlackTransientError):
        post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=sleeps)
    assert len(seen) == 3 and sleeps.calls == [0.5, 1.0]


@pytest.mark.parametrize(
    ("status", "body"),
    [(400, "invalid_payload"), (403, "action_prohibited"), (404, "no_service"), (410, "channel_is_archived")],
)
def test_permanent_errors_are_not_retried(httpserver: HTTPServer, status: int, body: str) -> None:
    sleeps = Sleeps()
    seen = sequence(httpserver, [Response(body, status)])
    with pytest.raises(SlackPermanentError) as err:
        post_webhook(httpserver.url_for("/hook"), PAYLOAD, sleep=sleeps)
    assert (err.value.status, err.value.body) == (status, body)
    assert len(seen) == 1 and sleeps.calls == []


def test_unreachable_is_transient() -> None:
    with pytest.raises(SlackTransientError):
        post_webhook("http://127.0.0.1:9/hook", PAYLOAD, sleep=Sleeps(), timeout=2)
