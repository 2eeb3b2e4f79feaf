"""CloudFormation custom resource ``Custom::OpenSearchBootstrap``: configure the OpenSearch domain.

Create/Update apply every bootstrap step (index template, ISM, access, channel, monitors, dashboards);
Delete removes what the bootstrap owns. CloudFormation always gets an answer: SUCCESS, or FAILED with the
steps that failed, and FAILED on timeout ``SAFETY_MARGIN_S`` before the Lambda would be killed.
Delete answers SUCCESS even when cleanup fails (it is logged): the domain usually goes away in the same
stack deletion, and a FAILED delete would block removing the stack.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

from logpipe.configfile import ConfigError
from logpipe.opensearch.custom_resource import Outcome, run_with_deadline, send_response

logger = Logger(service="logpipe-opensearch-bootstrap")
SAFETY_MARGIN_S = 20.0


def _work(event: CloudFormationCustomResourceEvent, time_left_s: float) -> Outcome:
    from logpipe.alerting.rules import load_rules
    from logpipe.opensearch.bootstrap import BootstrapParams, connect, run_bootstrap, run_teardown

    fallback_id = event.physical_resource_id or f"logpipe-bootstrap:{event.logical_resource_id}"
    try:
        params = BootstrapParams.from_properties(event.resource_properties)
    except ConfigError as exc:
        if event.request_type == "Delete":  # nothing of ours can exist with unusable properties
            return Outcome("SUCCESS", fallback_id, f"nothing to delete: {exc}")
        return Outcome("FAILED", fallback_id, str(exc))
    physical_id = params.physical_id
    api, dashboards = connect(params, timeout=max(5.0, min(30.0, time_left_s / 4)))
    if event.request_type == "Delete":
        report = run_teardown(api, params, dashboards)
        logger.info("teardown finished", extra={"steps": report.summary()})
        reason = "" if report.ok else f"cleanup incomplete (ignored): {report.failure_reason(2000)}"
        return Outcome("SUCCESS", event.physical_resource_id or physical_id, reason)
    report = run_bootstrap(api, params, load_rules(), dashboards)
    logger.info("bootstrap finished", extra={"steps": report.summary(), "ok": report.ok})
    data = {s.step: f"{s.status} {s.detail}".strip() for s in report.steps}
    if not report.ok:
        return Outcome("FAILED", physical_id, report.failure_reason(), data)
    return Outcome("SUCCESS", physical_id, "", data)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point: do the work within the time left, then answer CloudFormation."""
    cr = CloudFormationCustomResourceEvent(event)
    logger.info(
        "custom resource request", extra={"request_type": cr.request_type, "logical_id": cr.logical_resource_id}
    )
    time_left = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    fallback_id = cr.physical_resource_id or f"logpipe-bootstrap:{cr.logical_resource_id}"
    outcome = run_with_deadline(lambda: _work(cr, time_left), time_left, fallback_id)
    if cr.request_type == "Delete" and outcome.status == "FAILED":
        logger.error("delete failed; answering SUCCESS so the stack can be removed", extra={"reason": outcome.reason})
        outcome = Outcome("SUCCESS", fallback_id, f"cleanup failed (ignored): {outcome.reason}")
    send_response(event, outcome)
    return {"Status": outcome.status, "PhysicalResourceId": outcome.physical_id, "Reason": outcome.reason}
