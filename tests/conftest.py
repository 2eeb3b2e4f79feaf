"""Shared fixtures: paths to the reference data in ../shared/data (skipped with a reason where absent)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("LOGPIPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
EVENTS_DIR = ROOT / "events"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "logpipe")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder; tests using it skip where it is absent (CI always has it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set LOGPIPE_SHARED_DATA)")
    return SHARED_DATA


def firehose_event(payloads: list[bytes], stream: str = "logpipe-test-search") -> dict[str, Any]:
    """A Firehose transformation event around raw record payloads (what Fluent Bit sent)."""
    return {
        "invocationId": "test-invocation",
        "deliveryStreamArn": f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{stream}",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"r{i}",
                "approximateArrivalTimestamp": 1_732_500_000_000 + i,
                "data": base64.b64encode(p).decode(),
            }
            for i, p in enumerate(payloads)
        ],
    }
