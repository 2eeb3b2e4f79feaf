"""OpenSearch access as deployed: IAM lets each role reach the paths its code calls, and the bootstrap's
fine-grained access control mappings (driven by the template's custom resource properties) give the notifier
read-only access, the Firehose role write access, and leave administration to the bootstrap (the IAM master)."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from logpipe.opensearch.bootstrap import BootstrapParams, put_security
from tests.template.cfn import as_list, props, render, resources

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
DOMAIN_ARN = f"arn:aws:es:{REGION}:{ACCOUNT}:domain/logpipe-dev"
HOST = f"search-logpipe-dev-abc123.{REGION}.es.amazonaws.com"
# What CloudFormation would resolve the template's references to in a dev stack.
RESOLVED = {
    "Environment": "dev",
    "IndexShards": "1",
    "IndexReplicas": "0",
    "HotDays": "3",
    "OpenSearchRetentionDays": "7",
    "BootstrapConfigVersion": "1",
    "AlertTopic": f"arn:aws:sns:{REGION}:{ACCOUNT}:logpipe-dev-alerts",
    "LogsDomain.DomainEndpoint": HOST,
    "LogsDomain.Arn": DOMAIN_ARN,
}
# Operations a read-only role must not have (OpenSearch security action groups and action prefixes).
WRITE_ACTIONS = re.compile(r"crud|write|delete|create|manage|indices_all|unlimited|^\*$|cluster_all|all_access")


def _resolve(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        return _resolve(value["Fn::If"][2])  # dev: no warm tier
    text = str(render(value))

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in RESOLVED:
            return RESOLVED[name]
        if name.endswith(".Arn"):
            return f"arn:aws:iam::{ACCOUNT}:role/logpipe-dev-{name.removesuffix('.Arn')}"
        raise AssertionError(f"test does not know how to resolve ${{{name}}}")

    return re.sub(r"\$\{([A-Za-z0-9.:]+)\}", one, text)


def _role_arn(logical_id: str) -> str:
    return _resolve({"Fn::GetAtt": [logical_id, "Arn"]})


class RecordingApi:
    """Stands in for OpenSearchApi: records every call and answers like an empty domain."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def call(self, method: str, path: str, body: Any = None, params: Any = None, *, missing_ok: bool = False) -> Any:
        self.calls.append((method, path, body))
        return {}


@pytest.fixture(scope="module")
def security_calls() -> dict[str, Any]:
    """PUT path -> body of the bootstrap's security step, run on the template's resolved properties."""
    properties = {k: _resolve(v) for k, v in props("OpenSearchBootstrap").items()}
    params = BootstrapParams.from_properties(properties)
    api = RecordingApi()
    status, _ = put_security(api, params)  # type: ignore[arg-type]
    assert status == "updated"
    return {path: body for method, path, body in api.calls if method == "PUT"}


def _mapped_roles(calls: dict[str, Any], arn: str) -> set[str]:
    prefix = "/_plugins/_security/api/rolesmapping/"
    return {
        p.removeprefix(prefix) for p, body in calls.items() if p.startswith(prefix) and arn in body["backend_roles"]
    }


def test_bootstrap_is_the_iam_master_and_may_call_every_api_it_configures() -> None:
    """The master user is mapped to all_access and security_manager by OpenSearch Service itself: templates,
    ISM policies, security roles, notification channels, monitors and Dashboards objects."""
    master = props("LogsDomain")["AdvancedSecurityOptions"]["MasterUserOptions"]["MasterUserARN"]
    assert master == {"Fn::GetAtt": ["BootstrapRole", "Arn"]}
    assert props("OpenSearchBootstrapFunction")["Role"] == {"Fn::GetAtt": ["BootstrapRole", "Arn"]}
    (configure,) = [s for s in props("BootstrapPolicy")["PolicyDocument"]["Statement"] if s["Sid"] == "ConfigureDomain"]
    methods = {a.removeprefix("es:ESHttp").upper() for a in configure["Action"]}
    assert {"GET", "HEAD", "POST", "PUT", "DELETE"} <= methods
    for path in (
        "/_index_template/logpipe-dev-logs",
        "/_plugins/_ism/policies/logpipe-dev-retention",
        "/_plugins/_security/api/rolesmapping/logpipe_dev_operator",
        "/_plugins/_alerting/monitors",
        "/_dashboards/api/saved_objects/_import",
    ):
        assert fnmatchcase(DOMAIN_ARN + path, _resolve(configure["Resource"])), path


def test_notifier_role_is_passed_to_the_bootstrap_as_a_reader() -> None:
    assert props("OpenSearchBootstrap")["ReaderRoleArns"] == {"Fn::GetAtt": ["SlackNotifierRole", "Arn"]}
    assert props("SlackNotifierFunction")["Role"] == {"Fn::GetAtt": ["SlackNotifierRole", "Arn"]}


def test_notifier_is_mapped_to_a_read_only_role_only(security_calls: dict[str, Any]) -> None:
    notifier = _role_arn("SlackNotifierRole")
    roles = _mapped_roles(security_calls, notifier)
    assert roles == {"logpipe_dev_operator"}
    role = security_calls["/_plugins/_security/api/roles/logpipe_dev_operator"]
    actions = list(role["cluster_permissions"])
    for permission in role["index_permissions"]:
        actions += permission["allowed_actions"]
    assert actions and not [a for a in actions if WRITE_ACTIONS.search(a)], actions
    # ...and it can read the daily indices the notifier searches.
    patterns = [
        p for perm in role["index_permissions"] if "read" in perm["allowed_actions"] for p in perm["index_patterns"]
    ]
    assert any(fnmatchcase("logs-dev-2026-11-25", p) for p in patterns), patterns


def test_operators_read_and_firehose_writes(security_calls: dict[str, Any]) -> None:
    assert _mapped_roles(security_calls, _role_arn("OperatorRole")) == {"logpipe_dev_operator"}
    assert _mapped_roles(security_calls, _role_arn("FirehoseRole")) == {"logpipe_dev_firehose"}
    firehose = security_calls["/_plugins/_security/api/roles/logpipe_dev_firehose"]
    (index,) = firehose["index_permissions"]
    assert index["index_patterns"] == ["logs-dev-*"] and "crud" in index["allowed_actions"]
    # Nobody is mapped to the master's powers by the bootstrap.
    assert not _mapped_roles(security_calls, _role_arn("BootstrapRole"))


class RecordingClient:
    """Stands in for opensearchpy.OpenSearch: records the searches the notifier's OpenSearch edges make."""

    def __init__(self) -> None:
        self.paths: list[tuple[str, str]] = []

    def search(self, index: str, body: Any = None, params: Any = None) -> dict[str, Any]:
        self.paths.append(("POST", f"/{index}/_search"))  # opensearch-py sends a search with a body as POST
        return {"hits": {"hits": []}}


def test_notifier_iam_policy_allows_the_requests_its_code_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """IAM matches the request path literally: a search on ``logs-*`` needs a resource that matches that text."""
    import logpipe.opensearch.client
    import slack_notifier

    client = RecordingClient()
    monkeypatch.setattr(logpipe.opensearch.client, "make_client", lambda *a, **k: client)
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", f"https://{HOST}")
    traces, documents = slack_notifier.opensearch_edges()
    traces.fetch_trace("4bf92f3577b34da6a3ce929d0e0e4736", 50)
    documents(["doc-1"])
    assert client.paths
    statements = [
        s for s in as_list(props("SlackNotifierSearchPolicy")["PolicyDocument"]["Statement"]) if s["Effect"] == "Allow"
    ]
    for method, path in client.paths:
        action = f"es:ESHttp{method.capitalize()}"
        assert any(
            action in as_list(s["Action"])
            and any(fnmatchcase(DOMAIN_ARN + path, _resolve(r)) for r in as_list(s["Resource"]))
            for s in statements
        ), f"{method} {path} is not allowed by SlackNotifierSearchPolicy"
    # The domain's resource policy admits the notifier role at all.
    (domain_statement,) = props("LogsDomain")["AccessPolicies"]["Statement"]
    assert {"Fn::GetAtt": ["SlackNotifierRole", "Arn"]} in domain_statement["Principal"]["AWS"]
    assert "SlackNotifierSearchPolicy" in resources("AWS::IAM::Policy")


@pytest.mark.parametrize("given", ["name-only", "full"])
def test_secret_policies_admit_the_secret_whether_its_arn_has_the_random_suffix_or_not(given: str) -> None:
    """Secrets Manager appends "-" and 6 random characters to a secret's ARN; IAM matches that full ARN, while
    people often copy the ARN without it. Either form in the parameter must let the function read the secret."""
    full = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:logpipe/dev/slack-webhook-Ab12Cd"
    parameter = full if given == "full" else full.removesuffix("-Ab12Cd")
    notifier = as_list(props("SlackNotifierRole")["Policies"][0]["PolicyDocument"]["Statement"])
    (read,) = [s for s in notifier if s.get("Sid") == "ReadWebhookSecret"]
    (masking,) = [
        s
        for branch in props("ProcessorFunction")["Policies"]
        for doc in [branch["Fn::If"][1]]
        for s in doc["Statement"]
    ]
    for statement, name in ((read, "SlackWebhookSecretArn"), (masking, "MaskingKeySecretArn")):
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        patterns = [str(render(r)).replace("${" + name + "}", parameter) for r in as_list(statement["Resource"])]
        assert any(fnmatchcase(full, p) for p in patterns), (name, patterns)
        # ...and nothing but that secret: another secret sharing the prefix does not match.
        assert not any(fnmatchcase(full.replace("slack-webhook", "slack-webhook-other"), p) for p in patterns)
