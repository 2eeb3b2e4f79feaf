"""Security properties of template.yaml: encryption at rest, TLS only, Object Lock, least privilege."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import as_list, branches, props, render, resources, statements, template

DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}


def _kms_key(value: Any) -> bool:
    """True when ``value`` names the stack's customer-managed key (by Ref or ARN)."""
    return value in ({"Ref": "DataKey"}, DATA_KEY)


def test_every_bucket_is_kms_encrypted_and_blocks_public_access() -> None:
    buckets = resources("AWS::S3::Bucket")
    assert set(buckets) == {"ArchiveBucket", "AthenaResultsBucket"}
    for name in buckets:
        p = props(name)
        (rule,) = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", name
        assert _kms_key(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]), name
        block = p["PublicAccessBlockConfiguration"]
        assert all(
            block[k] is True
            for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        ), name
        assert p["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced", name


def test_every_bucket_policy_denies_insecure_transport_on_bucket_and_objects() -> None:
    policies = {render(props(n)["Bucket"]): props(n)["PolicyDocument"] for n in resources("AWS::S3::BucketPolicy")}
    for bucket in resources("AWS::S3::Bucket"):
        doc = policies["${" + bucket + "}"]
        tls = [
            s
            for s in doc["Statement"]
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert tls, f"{bucket}: no TLS-only deny"
        (statement,) = tls
        assert statement["Principal"] == "*" and statement["Action"] == "s3:*"
        assert sorted(map(str, render(statement["Resource"]))) == sorted([f"${{{bucket}.Arn}}", f"${{{bucket}.Arn}}/*"])


def test_archive_has_object_lock_compliance_with_the_retention_parameter() -> None:
    p = props("ArchiveBucket")
    assert p["ObjectLockEnabled"] is True
    lock = p["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": {"Ref": "ArchiveRetentionDays"}}
    assert p["VersioningConfiguration"]["Status"] == "Enabled"
    expiry = [r for r in p["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r]
    assert [r["ExpirationInDays"] for r in expiry] == [{"Ref": "ArchiveRetentionDays"}]
    retention = resources()["ArchiveBucket"]
    assert retention["DeletionPolicy"] == "Retain" and retention["UpdateReplacePolicy"] == "Retain"


def test_error_prefixes_are_readable_only_by_the_operator_role() -> None:
    doc = props("ArchiveBucketPolicy")["PolicyDocument"]
    (deny,) = [s for s in doc["Statement"] if s.get("Sid") == "ErrorPrefixesReadableOnlyByOperators"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert "s3:GetObject" in deny["Action"]
    assert render(deny["Resource"]) == "${ArchiveBucket.Arn}/errors/*"
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["OperatorRole", "Arn"]}}}


def test_opensearch_encrypts_enforces_https_modern_tls_and_fine_grained_access() -> None:
    p = props("LogsDomain")
    assert p["EncryptionAtRestOptions"]["Enabled"] is True and _kms_key(p["EncryptionAtRestOptions"]["KmsKeyId"])
    assert p["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    endpoint = p["DomainEndpointOptions"]
    assert endpoint["EnforceHTTPS"] is True
    assert endpoint["TLSSecurityPolicy"].startswith("Policy-Min-TLS-1-2")
    fgac = p["AdvancedSecurityOptions"]
    assert fgac["Enabled"] is True and fgac["InternalUserDatabaseEnabled"] is False
    assert fgac["AnonymousAuthEnabled"] is False
    assert fgac["MasterUserOptions"] == {"MasterUserARN": {"Fn::GetAtt": ["BootstrapRole", "Arn"]}}
    assert p["EBSOptions"]["VolumeType"] == "gp3"


def test_opensearch_access_policy_admits_only_the_pipeline_roles_and_operators() -> None:
    (statement,) = props("LogsDomain")["AccessPolicies"]["Statement"]
    principals = {render(a) for a in statement["Principal"]["AWS"]}
    assert principals == {
        "${FirehoseRole.Arn}",
        "${BootstrapRole.Arn}",
        "${SlackNotifierRole.Arn}",
        "${OperatorRole.Arn}",
    }
    assert all(a.startswith("es:ESHttp") for a in statement["Action"])


def test_prod_style_high_availability_is_wired_to_parameters() -> None:
    cluster = props("LogsDomain")["ClusterConfig"]
    assert cluster["DedicatedMasterEnabled"] == {"Fn::If": ["HasMasters", True, False]}
    assert cluster["ZoneAwarenessEnabled"] == {"Fn::If": ["HasZoneAwareness", True, False]}
    assert cluster["DedicatedMasterCount"]["Fn::If"][1] == {"Ref": "DedicatedMasterCount"}


def test_queues_topics_tables_streams_and_query_results_are_encrypted() -> None:
    for name in resources("AWS::SNS::Topic"):
        assert _kms_key(props(name)["KmsMasterKeyId"]), name
    for name in resources("AWS::SQS::Queue"):
        assert _kms_key(props(name)["KmsMasterKeyId"]), name
    for name in resources("AWS::DynamoDB::Table"):
        sse = props(name)["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS" and _kms_key(sse["KMSMasterKeyId"]), name
    for name in resources("AWS::KinesisFirehose::DeliveryStream"):
        sse = props(name)["DeliveryStreamEncryptionConfigurationInput"]
        assert sse["KeyType"] == "CUSTOMER_MANAGED_CMK" and _kms_key(sse["KeyARN"]), name
    results = props("AthenaWorkGroup")["WorkGroupConfiguration"]["ResultConfiguration"]["EncryptionConfiguration"]
    assert results["EncryptionOption"] == "SSE_KMS" and _kms_key(results["KmsKey"])
    assert props("DataKey")["EnableKeyRotation"] is True


def _is_wildcard(action: str) -> bool:
    return action == "*" or action.endswith(":*")


# The KMS key policy's root statement is AWS's default key policy: it delegates the key to IAM (without it the
# key could become unmanageable); "Resource: *" in a key policy means this key only.
_DELEGATION = ("DataKey/KeyPolicy", "AccountAdministersKeyThroughIam")


def test_no_allow_statement_grants_a_wildcard_action() -> None:
    offenders = []
    for where, statement in statements():
        if statement["Effect"] != "Allow" or (where, statement.get("Sid")) == _DELEGATION:
            continue
        offenders += [f"{where}: {a}" for a in as_list(statement["Action"]) if _is_wildcard(a)]
    assert offenders == []


# Actions AWS only authorises on "*" (ENI management for VPC delivery), and key policies (Resource "*" = the key).
_RESOURCE_STAR_OK = {"ec2:"}


def test_allow_statements_name_their_resources() -> None:
    offenders = []
    for where, statement in statements():
        if statement["Effect"] != "Allow" or where.endswith("/KeyPolicy"):
            continue
        if "*" in as_list(statement.get("Resource", [])):
            actions = as_list(statement["Action"])
            if not all(any(a.startswith(p) for p in _RESOURCE_STAR_OK) for a in actions):
                offenders.append(f"{where}: {actions}")
    assert offenders == []


def test_statements_were_found_in_every_kind_of_policy() -> None:
    """Guards the two tests above against walking nothing."""
    kinds = {where.split("/")[0] for where, _ in statements()}
    assert {
        "FirehoseDeliveryPolicy",
        "AgentPolicy",
        "ArchiveBucketPolicy",
        "OperatorPolicy",
        "SlackNotifierRole",
        "LogsDomain",
        "DataKey",
        "ProcessorFunction",
    } <= kinds


def test_agent_policy_allows_put_record_batch_on_the_two_streams_only() -> None:
    (statement,) = props("AgentPolicy")["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert {render(r) for r in statement["Resource"]} == {"${SearchStream.Arn}", "${ArchiveStream.Arn}"}


def test_every_log_group_has_a_retention() -> None:
    groups = resources("AWS::Logs::LogGroup")
    assert len(groups) >= 8
    for name in groups:
        assert props(name)["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


@pytest.mark.parametrize("function", ["ProcessorFunction", "SlackNotifierFunction", "OpenSearchBootstrapFunction"])
def test_every_function_logs_into_a_log_group_of_the_stack(function: str) -> None:
    group = props(function)["LoggingConfig"]["LogGroup"]
    assert group["Ref"] in resources("AWS::Logs::LogGroup")


def test_firehose_and_opensearch_log_into_log_groups_of_the_stack() -> None:
    groups = set(resources("AWS::Logs::LogGroup"))
    for name in resources("AWS::KinesisFirehose::DeliveryStream"):
        text = repr(props(name))
        assert "'LogGroupName': {'Ref': 'FirehoseLogGroup'}" in text, name
    for option in props("LogsDomain")["LogPublishingOptions"].values():
        assert option["Enabled"] is True
        assert option["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0] in groups


def test_the_webhook_is_passed_as_a_secret_arn_never_as_a_url() -> None:
    parameters = set(template()["Parameters"])
    assert [p for p in parameters if "webhook" in p.lower()] == ["SlackWebhookSecretArn"]
    assert [p for p in parameters if p.lower().endswith("url")] == []
    env = props("SlackNotifierFunction")["Environment"]["Variables"]
    assert env["SLACK_WEBHOOK_SECRET_ARN"] == {"Ref": "SlackWebhookSecretArn"}


def test_branches_helper_walks_both_sides_of_conditions() -> None:
    assert list(branches({"Fn::If": ["C", 1, {"Fn::If": ["D", 2, {"Ref": "AWS::NoValue"}]}]})) == [1, 2]
