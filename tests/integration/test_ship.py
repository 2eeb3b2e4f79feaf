"""logpipe ship: PutRecordBatch to moto's Firehose (S3 destination), batching limits and retries."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from logpipe.localrun.agent import AgentRecord
from logpipe_cli.main import cli
from logpipe_cli.ship import Shipper, ShipReport

BUCKET = "logpipe-ship-test-archive"


def _create_streams(region: str = "us-east-1") -> Any:
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=BUCKET)
    firehose = boto3.client("firehose", region_name=region)
    for kind in ("search", "archive"):
        firehose.create_delivery_stream(
            DeliveryStreamName=f"logpipe-test-{kind}",
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "Prefix": f"{kind}/",
            },
        )
    return s3


def _objects(s3: Any, prefix: str) -> list[bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return [s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed]


@mock_aws
def test_ship_sends_fluent_bit_shaped_records_to_both_streams(tmp_path: Path) -> None:
    s3 = _create_streams()
    log = tmp_path / "app.log"
    lines = [f"2026-11-25 00:00:{i % 60:02d}.000 INFO line {i}" for i in range(1203)]
    log.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["ship", str(log), "--env", "test", "--service", "order", "--region", "us-east-1"])
    assert result.exit_code == 0, result.output
    assert "logpipe-test-search: 1,203 records accepted in 3 request(s)" in result.output
    search = b"".join(_objects(s3, "search/"))
    sent = [json.loads(x) for x in search.splitlines() if x.strip()]
    assert len(sent) == 1203
    # one S3 object per request, listed by key (not in sending order)
    assert sorted(x["log"] for x in sent) == sorted(lines)
    assert {x["kubernetes"]["container_name"] for x in sent} == {"order"}
    archive = _objects(s3, "archive/")
    # moto concatenates the records it received; each archive record is gzip (Fluent Bit compression gzip)
    assert archive and archive[0][:2] == b"\x1f\x8b"
    archived = [json.loads(x)["log"] for body in archive for x in gzip.decompress(body).splitlines()]
    assert sorted(archived) == sorted(lines)


class FlakyFirehose:
    """Refuses some records the first times, as Firehose does when throttled (FailedPutCount > 0)."""

    def __init__(self, refuse_first: int, rounds: int) -> None:
        self.refuse_first = refuse_first
        self.rounds = rounds
        self.calls: list[int] = []
        self.accepted: list[bytes] = []

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(len(Records))
        refuse = self.refuse_first if len(self.calls) <= self.rounds else 0
        responses = []
        for i, record in enumerate(Records):
            if i < refuse:
                responses.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."})
            else:
                self.accepted.append(record["Data"])
                responses.append({"RecordId": f"id{i}"})
        return {"FailedPutCount": min(refuse, len(Records)), "Encrypted": False, "RequestResponses": responses}


def test_refused_records_are_retried_with_backoff_until_accepted() -> None:
    client = FlakyFirehose(refuse_first=3, rounds=2)
    delays: list[float] = []
    shipper = Shipper(client, sleep=delays.append)
    report = ShipReport("s")
    records = [AgentRecord(f"r{i}\n".encode(), 0) for i in range(10)]
    shipper.send("s", records, report)
    assert client.calls == [10, 3, 3]
    assert sorted(client.accepted) == sorted(r.data for r in records)
    assert report.records == 10 and report.retried == 6 and report.failed == 0
    assert len(delays) == 2 and delays[1] > delays[0] * 0.9


def test_records_still_refused_after_the_last_attempt_are_reported() -> None:
    client = FlakyFirehose(refuse_first=2, rounds=99)
    shipper = Shipper(client, max_attempts=3, sleep=lambda _s: None)
    report = ShipReport("s")
    shipper.send("s", [AgentRecord(b"a\n", 0), AgentRecord(b"b\n", 0), AgentRecord(b"c\n", 0)], report)
    assert report.records == 1 and report.failed == 2
    assert report.errors == {"ServiceUnavailableException": 2}


def test_oversize_records_are_not_sent_and_counted() -> None:
    client = FlakyFirehose(refuse_first=0, rounds=0)
    report = ShipReport("s")
    Shipper(client, sleep=lambda _s: None).send("s", [AgentRecord(b"x" * (1000 * 1024 + 1), 0)], report)
    assert client.calls == [] and report.too_large == 1


def test_ship_requires_an_environment(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("x\n")
    result = CliRunner().invoke(cli, ["ship", str(log)])
    assert result.exit_code == 2 and "--env" in result.output


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
