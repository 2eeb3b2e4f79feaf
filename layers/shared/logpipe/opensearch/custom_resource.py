"""Answer CloudFormation custom resource requests, always, before the Lambda times out.

Powertools (v3) ships the request as an event data class (``CloudFormationCustomResourceEvent``) but no
way to *answer* it (that lives in the ``cfnresponse`` module only inlined ZipFile functions get, or in
crhelper, a separate dependency for ~40 lines of logic). This module is that answer: the PUT of the
response document to the pre-signed ``ResponseURL``, retried, plus :func:`run_with_deadline`, which runs the
work in a thread and answers FAILED when the deadline arrives, so a hung HTTP call can never leave the
stack waiting an hour for a response.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
REASON_MAX = 3500  # the whole response body must stay under 4 KB


@dataclass(slots=True)
class Outcome:
    """What to tell CloudFormation."""

    status: str  # SUCCESS | FAILED
    physical_id: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def response_body(event: Mapping[str, Any], outcome: Outcome) -> bytes:
    """The JSON document CloudFormation expects at ``ResponseURL``."""
    reason = outcome.reason or f"See the details in CloudWatch Logs ({outcome.status})"
    body = {
        "Status": outcome.status,
        "Reason": reason[:REASON_MAX],
        "PhysicalResourceId": outcome.physical_id,
        "StackId": event.get("StackId", ""),
        "RequestId": event.get("RequestId", ""),
        "LogicalResourceId": event.get("LogicalResourceId", ""),
        "NoEcho": False,
        "Data": {k: str(v)[:500] for k, v in outcome.data.items()},
    }
    return json.dumps(body).encode()


def send_response(event: Mapping[str, Any], outcome: Outcome, *, attempts: int = 3, timeout: float = 10.0) -> bool:
    """PUT the response (no Content-Type: the pre-signed URL was signed without one); True when accepted."""
    url = str(event.get("ResponseURL", ""))
    if not url.startswith(("https://", "http://")):
        log.error("no usable ResponseURL in the event; cannot answer CloudFormation")
        return False
    data = response_body(event, outcome)
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(  # noqa: S310 - URL scheme checked above
            url, data=data, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(data))}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                log.info("answered CloudFormation %s: HTTP %s", outcome.status, response.status)
                return True
        except OSError as exc:
            log.warning("answering CloudFormation failed (attempt %d/%d): %s", attempt, attempts, exc)
            time.sleep(min(2.0, 0.5 * attempt))
    return False


def run_with_deadline(work: Callable[[], Outcome], seconds: float, fallback_physical_id: str) -> Outcome:
    """Run ``work``; FAILED with the exception when it raises, or with a timeout reason after ``seconds``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = work()
        except Exception as exc:  # every failure must become an answer
            log.exception("custom resource work failed")
            box["error"] = exc

    thread = threading.Thread(target=target, name="custom-resource", daemon=True)
    thread.start()
    thread.join(max(0.0, seconds))
    if thread.is_alive():
        return Outcome("FAILED", fallback_physical_id, f"timed out after {seconds:.0f}s (OpenSearch too slow?)")
    if "error" in box:
        exc = box["error"]
        return Outcome("FAILED", fallback_physical_id, f"{type(exc).__name__}: {exc}")
    outcome: Outcome = box["outcome"]
    return outcome
