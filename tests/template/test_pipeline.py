"""The names and shapes other parts of logpipe code against: streams, prefixes, processor, bootstrap, outputs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from logpipe import archive_format, archive_layout
from tests.template.cfn import ROOT, props, render, resources, template

LAYER = ROOT / "layers" / "shared"


def _lambda_parameters(stream: str, destination: str) -> dict[str, object]:
    (processor,) = props(stream)[destination]["ProcessingConfiguration"]["Processors"]
    assert processor["Type"] == "Lambda"
    return {p["ParameterName"]: render(p["ParameterValue"]) for p in processor["Parameters"]}


def test_stream_names() -> None:
    assert render(props("SearchStream")["DeliveryStreamName"]) == "logpipe-${Environment}-search"
    assert render(props("ArchiveStream")["DeliveryStreamName"]) == "logpipe-${Environment}-archive"
    for name in resources("AWS::KinesisFirehose::DeliveryStream"):
        assert props(name)["DeliveryStreamType"] == "DirectPut"


def test_archive_prefixes_are_exactly_archive_layouts_constants() -> None:
    s3 = props("ArchiveStream")["ExtendedS3DestinationConfiguration"]
    assert s3["Prefix"] == archive_layout.ARCHIVE_PREFIX
    assert s3["ErrorOutputPrefix"] == archive_layout.ARCHIVE_ERROR_PREFIX
    backup = props("SearchStream")["AmazonopensearchserviceDestinationConfiguration"]["S3Configuration"]
    assert backup["Prefix"] == archive_layout.SEARCH_BACKUP_PREFIX
    assert backup["ErrorOutputPrefix"] == archive_layout.SEARCH_ERROR_PREFIX


def test_archive_stream_partitions_dynamically_from_the_processor_and_gzips() -> None:
    s3 = props("ArchiveStream")["ExtendedS3DestinationConfiguration"]
    assert s3["DynamicPartitioningConfiguration"]["Enabled"] is True
    # The processor gzips each record (one member each); Firehose must not compress again (no double gzip) and
    # must name the objects .gz so Athena decompresses them. The local run writes with the same constants.
    assert s3["CompressionFormat"] == archive_format.ARCHIVE_COMPRESSION_FORMAT == "UNCOMPRESSED"
    assert s3["FileExtension"] == archive_format.ARCHIVE_FILE_EXTENSION == ".gz"
    # Firehose's FileExtension constraint (API reference / CloudFormation schema): empty or "." + [0-9a-z!-_.*'()]+.
    assert re.fullmatch(r"^$|\.[0-9a-z!\-_.*'()]+", s3["FileExtension"]) and len(s3["FileExtension"]) <= 128
    assert s3["BufferingHints"] == {
        "SizeInMBs": {"Ref": "ArchiveBufferSizeMB"},
        "IntervalInSeconds": {"Ref": "ArchiveBufferSeconds"},
    }
    assert render(s3["BucketARN"]) == "${ArchiveBucket.Arn}"
    (processor,) = s3["ProcessingConfiguration"]["Processors"]
    # No AppendDelimiterToRecord processor: a delimiter between gzip members would corrupt the gzip stream.
    assert processor["Type"] == "Lambda"
    assert _lambda_parameters("ArchiveStream", "ExtendedS3DestinationConfiguration")["LambdaArn"] == (
        "${ProcessorFunction.Arn}"
    )
    # Every key the processor returns in metadata.partitionKeys is used in the prefix.
    for key in ("service", "year", "month", "day", "hour"):
        assert "!{partitionKeyFromLambda:" + key + "}" in s3["Prefix"]


def test_search_stream_rotates_daily_indices_and_backs_up_failed_documents() -> None:
    os_ = props("SearchStream")["AmazonopensearchserviceDestinationConfiguration"]
    assert render(os_["IndexName"]) == "logs-${Environment}"
    assert os_["IndexRotationPeriod"] == "OneDay"
    assert os_["S3BackupMode"] == "FailedDocumentsOnly"
    assert render(os_["S3Configuration"]["BucketARN"]) == "${ArchiveBucket.Arn}"
    assert os_["RetryOptions"] == {"DurationInSeconds": {"Ref": "SearchRetrySeconds"}}
    assert os_["BufferingHints"] == {
        "SizeInMBs": {"Ref": "SearchBufferSizeMB"},
        "IntervalInSeconds": {"Ref": "SearchBufferSeconds"},
    }
    assert _lambda_parameters("SearchStream", "AmazonopensearchserviceDestinationConfiguration") == {
        "LambdaArn": "${ProcessorFunction.Arn}",
        "NumberOfRetries": "3",
        "BufferSizeInMBs": "${ProcessorBufferSizeMB}",
        "BufferIntervalInSeconds": "${ProcessorBufferSeconds}",
    }


def test_archive_stream_processor_buffer_keeps_the_response_under_6_mb() -> None:
    """The processor gzips each archive record's NDJSON, so its output stays near its input however much the
    NDJSON inflates (8-18x on loghub). Measured output/input (docs/deploy.md, "Processor batch sizes"): 0.68x on
    the benchmark corpus, 1.17x on small loghub records, 2.6x for one line repeated 12,000 times in a record.
    With base64's 4/3 the batch must keep 2x headroom at the measured ratios and still fit at the repetitive one."""
    from logpipe.pipeline import MAX_RESPONSE_BYTES

    assert _lambda_parameters("ArchiveStream", "ExtendedS3DestinationConfiguration") == {
        "LambdaArn": "${ProcessorFunction.Arn}",
        "NumberOfRetries": "3",
        "BufferSizeInMBs": "${ArchiveProcessorBufferSizeMB}",
        "BufferIntervalInSeconds": "${ProcessorBufferSeconds}",
    }
    parameters = template()["Parameters"]
    for name in ("ProcessorBufferSizeMB", "ArchiveProcessorBufferSizeMB"):
        spec = parameters[name]
        # Firehose's ProcessorParameter BufferSizeInMBs range.
        assert spec["Type"] == "Number" and float(spec["MinValue"]) == 0.2 and float(spec["MaxValue"]) == 3, name
    archive_mb = float(parameters["ArchiveProcessorBufferSizeMB"]["Default"])
    measured_ratio, repetitive_ratio, base64_growth = 1.3, 2.6, 4 / 3
    response = archive_mb * 1_000_000 * measured_ratio * base64_growth
    assert response <= MAX_RESPONSE_BYTES / 2, f"{response:,.0f} bytes leaves < 2x headroom"
    repetitive = archive_mb * 1_000_000 * repetitive_ratio * base64_growth
    assert repetitive < MAX_RESPONSE_BYTES, f"{repetitive:,.0f} bytes: repetitive logs would overflow"
    # Bounded output let the archive batch go back to Firehose's default (fewer invocations than 0.25 MB).
    assert archive_mb == 1
    # The search stream's one document per record comes back about as large as it went in (benchmark: 0.82x).
    assert float(parameters["ProcessorBufferSizeMB"]["Default"]) * 1_000_000 * base64_growth < MAX_RESPONSE_BYTES


def test_functions_layer_and_runtime() -> None:
    glob = template()["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13" and glob["Architectures"] == ["arm64"]
    assert glob["Layers"] == [{"Ref": "SharedLayer"}]
    expected = {
        "ProcessorFunction": ("functions/processor/", "firehose_processor.handler"),
        "SlackNotifierFunction": ("functions/slack_notifier/", "slack_notifier.handler"),
        "OpenSearchBootstrapFunction": ("functions/opensearch_bootstrap/", "opensearch_bootstrap.handler"),
    }
    assert {n: (props(n)["CodeUri"], props(n)["Handler"]) for n in resources("AWS::Serverless::Function")} == expected
    for code_uri, handler in expected.values():
        assert (ROOT / code_uri / (handler.split(".")[0] + ".py")).is_file(), handler
    layer = resources()["SharedLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"] == "layers/shared"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]


def _layer_make(*args: str, artifacts: str | None = "/tmp/logpipe-layer-artifacts") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARTIFACTS_DIR"}
    if artifacts is not None:
        env["ARTIFACTS_DIR"] = artifacts
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(LAYER / "Makefile"), *args, "build-SharedLayer"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_layer_makefile_builds_arm64_wheels_and_unchecked_hash_bytecode() -> None:
    """The recipe sam build runs (make -n prints it without running it): arm64 CPython 3.13 wheels only, the
    logpipe package without caches or tests, then bytecode that never checks source timestamps."""
    dry = _layer_make("-n")
    assert dry.returncode == 0, dry.stderr
    recipe = re.sub(r"\\\n\s*", " ", dry.stdout)  # one line per command
    pip = next(line for line in recipe.splitlines() if " -m pip install " in line)
    assert "python3.13 -m pip install" in pip
    for flag in (
        "--platform manylinux2014_aarch64",
        "--implementation cp",
        "--python-version 3.13",
        "--only-binary=:all:",
    ):
        assert flag in pip, flag
    assert '--target "/tmp/logpipe-layer-artifacts/python"' in pip
    assert f'--requirement "{LAYER}/requirements.txt"' in pip
    assert '"__pycache__"' in recipe and '"tests"' in recipe and f'"{LAYER}/logpipe"' in recipe
    compile_line = next(line for line in recipe.splitlines() if "compileall" in line)
    assert "python3.13 -m compileall" in compile_line
    assert "--invalidation-mode unchecked-hash" in compile_line
    assert compile_line.rstrip().endswith('"/tmp/logpipe-layer-artifacts/python"')
    # The bytecode step runs after everything has been copied into the layer.
    assert recipe.index("compileall") > recipe.index("copytree") > recipe.index("pip install")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_layer_makefile_refuses_to_run_outside_sam_build() -> None:
    run = _layer_make(artifacts=None)
    assert run.returncode != 0
    assert "ARTIFACTS_DIR is not set" in run.stderr


def test_processor_environment() -> None:
    env = props("ProcessorFunction")["Environment"]["Variables"]
    assert render(env["LOGPIPE_ARCHIVE_STREAMS"]) == "logpipe-${Environment}-archive"
    assert env["LOGPIPE_HMAC_SECRET_ARN"] == {"Ref": "MaskingKeySecretArn"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "processor"
    assert template()["Globals"]["Function"]["Environment"]["Variables"]["LOGPIPE_ENVIRONMENT"] == {
        "Ref": "Environment"
    }
    # Firehose waits at most 5 minutes for the transformation.
    assert props("ProcessorFunction")["Timeout"] <= 300
    # One thread: memory beyond 1,769 MB (one full vCPU) buys vCPUs it cannot use.
    assert 1024 <= props("ProcessorFunction")["MemorySize"] <= 1769


def test_notifier_environment() -> None:
    env = props("SlackNotifierFunction")["Environment"]["Variables"]
    assert {
        "SLACK_WEBHOOK_SECRET_ARN",
        "OPENSEARCH_ENDPOINT",
        "DASHBOARDS_URL",
        "IDEMPOTENCY_TABLE",
        "ALERT_DLQ_URL",
    } <= set(env)
    assert env["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert env["ALERT_DLQ_URL"] == {"Ref": "AlertDeadLetterQueue"}
    assert props("IdempotencyTable")["TimeToLiveSpecification"]["Enabled"] is True
    event = props("SlackNotifierFunction")["Events"]["Alerts"]
    assert event["Type"] == "SNS" and event["Properties"]["Topic"] == {"Ref": "AlertTopic"}
    assert render(event["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) == "${AlertDeadLetterQueue.Arn}"


def test_bootstrap_custom_resource_properties_are_exactly_the_contract() -> None:
    res = resources()["OpenSearchBootstrap"]
    assert res["Type"] == "Custom::OpenSearchBootstrap"
    p = res["Properties"]
    assert set(p) == {
        "ServiceToken",
        "Endpoint",
        "Environment",
        "IndexPrefix",
        "Shards",
        "Replicas",
        "HotDays",
        "WarmDays",
        "RetentionDays",
        "FirehoseRoleArn",
        "OperatorRoleArn",
        "ReaderRoleArns",
        "SnsTopicArn",
        "SnsRoleArn",
        "DashboardsUrl",
        "ConfigVersion",
    }
    assert render(p["ServiceToken"]) == "${OpenSearchBootstrapFunction.Arn}"
    assert render(p["Endpoint"]).startswith("https://")
    assert render(p["IndexPrefix"]) == "logs-${Environment}"
    assert p["WarmDays"] == {"Fn::If": ["HasWarm", {"Ref": "WarmDays"}, 0]}
    assert "OpenSearchBootstrap" in resources()["SearchStream"]["DependsOn"]


def test_outputs() -> None:
    assert {
        "SearchStreamName",
        "ArchiveStreamName",
        "AgentPolicyArn",
        "OpenSearchEndpoint",
        "DashboardsUrl",
        "ArchiveBucketName",
        "AlertTopicArn",
        "AthenaWorkGroup",
        "GlueDatabase",
        "GlueTable",
        "ProcessorFunctionName",
    } <= set(template()["Outputs"])


def test_glue_tables_project_the_archive_layout() -> None:
    for name in ("ArchiveTable", "ArchiveAllServicesTable"):
        table = props(name)["TableInput"]
        params = table["Parameters"]
        assert params["projection.enabled"] == "true"
        location = render(params["storage.location.template"])
        expected = archive_layout.ARCHIVE_PREFIX
        for key, column in {
            "service": "partition_service",
            "year": "year",
            "month": "month",
            "day": "day",
            "hour": "hour",
        }.items():
            expected = expected.replace("!{partitionKeyFromLambda:" + key + "}", "${!" + column + "}")
            assert f"projection.{column}.type" in params
        assert location == "s3://${ArchiveBucket}/" + expected
        assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_service", "year", "month", "day", "hour"]
    assert props("ArchiveTable")["TableInput"]["Parameters"]["projection.partition_service.type"] == "injected"


def test_layer_requirements_are_the_runtime_dependencies_without_boto3() -> None:
    lines = (LAYER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {
        line.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for line in lines
        if line.strip() and not line.startswith("#")
    }
    assert {
        "aws-lambda-powertools",
        "orjson",
        "pyyaml",
        "opensearch-py",
        "requests",
        "requests-aws4auth",
        "slack-sdk",
    } <= names
    assert "boto3" not in names and "botocore" not in names
    assert Path(LAYER / "logpipe" / "__init__.py").is_file()


def test_layer_pins_are_the_locked_versions() -> None:
    """The layer must run the library versions the test suite ran against: every pin equals uv.lock's."""
    import tomllib

    locked = {
        package["name"]: package["version"]
        for package in tomllib.loads((LAYER.parents[1] / "uv.lock").read_text(encoding="utf-8"))["package"]
    }
    pins = [
        line.split("==")
        for line in (LAYER / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pins and all(len(pin) == 2 for pin in pins), "every layer requirement is pinned with =="
    mismatched = {name: (version, locked.get(name)) for name, version in pins if locked.get(name) != version}
    assert not mismatched, f"layers/shared/requirements.txt pins differ from uv.lock (pin, locked): {mismatched}"
