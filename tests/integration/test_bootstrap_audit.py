"""Bootstrap gaps an audit found: ISM description vs states, default index pattern, saved searches for
services not seen yet, `logpipe bootstrap --ca-certs / --reader-role-arns / --refresh-saved-searches`."""

from __future__ import annotations

import datetime as dt
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from logpipe.alerting.rules import load_rules, parse_rules
from logpipe.opensearch.artefacts import ArtefactParams, ism_policy
from logpipe.opensearch.bootstrap import BootstrapParams, connect, refresh_saved_searches, run_bootstrap
from logpipe.opensearch.discover import index_pattern_id, trace_url
from logpipe_cli.main import cli
from tests.integration.fake_opensearch import FakeOpenSearch

ARN = "arn:aws:iam::123456789012:role/"


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeOpenSearch:
    state = FakeOpenSearch(services=[])  # a new domain: nothing has logged yet
    httpserver.expect_request(re.compile(".*")).respond_with_handler(state.handle)
    return state


def params(httpserver: HTTPServer, **extra: str) -> BootstrapParams:
    props = {
        "Endpoint": httpserver.url_for("/").rstrip("/"),
        "Environment": "prod",
        "DashboardsUrl": httpserver.url_for("/_dashboards"),
        **extra,
    }
    return BootstrapParams.from_properties(props)


def service_searches(fake: FakeOpenSearch) -> set[str]:
    return {oid.removeprefix("logpipe-prod-service-") for kind, oid in fake.saved if "-service-" in oid}


# -- 4: the ISM description is computed from the states ---------------------------------------------------


@pytest.mark.parametrize(
    ("hot", "warm", "retention", "ultrawarm"),
    [(7, 0, 30, False), (7, 14, 30, False), (3, 1, 14, True), (1, 5, 90, False), (7, 0, 30, True)],
)
def test_ism_description_states_what_the_states_do(hot: int, warm: int, retention: int, ultrawarm: bool) -> None:
    art = ArtefactParams("prod", "logs-prod", hot_days=hot, warm_days=warm, retention_days=retention)
    policy = ism_policy(art, ultrawarm=ultrawarm)["policy"]
    description = policy["description"]
    days = [
        t["conditions"]["min_index_age"].removesuffix("d") for s in policy["states"] for t in s.get("transitions", [])
    ]
    assert re.findall(r"until day (\d+)", description) == days  # every number is a transition of the states
    names = [s["name"] for s in policy["states"]]
    assert ("warm" in description) == ("warm" in names)
    if "warm" in names:
        actions = [next(iter(a)) for a in policy["states"][1]["actions"]]
        assert ("UltraWarm" in description) == ("warm_migration" in actions) == ultrawarm
        assert ("no storage savings" in description) == (not ultrawarm)
    if warm and hot + warm != retention:  # the old text claimed "warm until day HotDays+WarmDays"
        assert f"day {hot + warm}" not in description


def test_ism_description_for_the_audited_cases() -> None:
    no_warm = ism_policy(ArtefactParams("prod", "logs-prod", hot_days=7), ultrawarm=False)["policy"]["description"]
    assert no_warm == (
        "logpipe prod: hot until day 30, then deleted (the S3 archive keeps the legal copy). Managed by logpipe "
        "bootstrap."
    )
    warm = ism_policy(ArtefactParams("prod", "logs-prod", hot_days=7, warm_days=14), ultrawarm=False)["policy"]
    assert "day 21" not in warm["description"]
    assert "hot until day 7, then warm (read-only, force-merged to one segment" in warm["description"]
    assert "until day 30, then deleted" in warm["description"]


def test_ultrawarm_follows_the_flag_and_defaults_to_aws(httpserver: HTTPServer) -> None:
    assert not params(httpserver).use_ultrawarm  # a local endpoint has no UltraWarm
    assert params(httpserver, UltraWarm="true").use_ultrawarm
    aws = BootstrapParams.from_properties({"Endpoint": "search-x.eu-west-1.es.amazonaws.com", "Environment": "p"})
    assert aws.use_ultrawarm
    assert not BootstrapParams.from_properties(
        {**{"Endpoint": aws.endpoint, "Environment": "p"}, "UltraWarm": "false"}
    ).use_ultrawarm


# -- 6: the index pattern is the environment's and the default ---------------------------------------------


def test_index_pattern_is_the_environments_and_dashboards_default(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    p = params(httpserver)
    api, dashboards = connect(p, timeout=5)
    report = run_bootstrap(api, p, load_rules(), dashboards)
    assert report.ok, report.summary()
    assert fake.saved[("index-pattern", "logpipe-prod-logs")]["attributes"]["title"] == "logs-prod-*"
    assert fake.ui_settings == {"defaultIndex": index_pattern_id("prod")}  # the id the Slack links name
    assert "index:'logpipe-prod-logs'" in trace_url("https://d/_dashboards", "4bf92f3577b34da6", "prod")


# -- 2: saved searches for configured services, and a refresh for new ones ----------------------------------


def test_new_domain_gets_saved_searches_for_configured_services(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    rules = parse_rules({"services": ["order", "api-gateway"], **_rules_document()}, "alert_rules.yaml")
    p = params(httpserver, Services="payment, order")
    api, dashboards = connect(p, timeout=5)
    report = run_bootstrap(api, p, rules, dashboards)
    assert report.ok, report.summary()
    assert service_searches(fake) == {"order", "api-gateway", "payment"}

    fake.services = ["notification"]  # started logging after the deploy
    fake.requests.clear()
    assert dashboards is not None
    refreshed = refresh_saved_searches(api, p, rules, dashboards)
    assert refreshed.ok and [s.step for s in refreshed.steps] == ["dashboards"]
    assert service_searches(fake) == {"order", "api-gateway", "payment", "notification"}
    assert not [r for r in fake.requests if "_dashboards" not in r[1] and not r[1].endswith("/_search")]


def _rules_document() -> dict[str, Any]:
    return {"rules": [{"name": "r", "match": {"levels": ["error"]}, "threshold": 3}]}


def test_rules_file_services_are_validated() -> None:
    from logpipe.configfile import ConfigError

    with pytest.raises(ConfigError, match=r"services\[1\]"):
        parse_rules({"services": ["ok", 3], **_rules_document()}, "alert_rules.yaml")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_refresh_saved_searches_only_touches_dashboards(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    fake.services = ["order"]
    endpoint = httpserver.url_for("/").rstrip("/")
    dash = httpserver.url_for("/_dashboards")
    result = run(
        "bootstrap", "--endpoint", endpoint, "--env", "prod", "--dashboards-url", dash, "--refresh-saved-searches"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("dashboards: updated") and "index-template" not in result.output
    assert service_searches(fake) == {"order"} and not fake.templates and not fake.monitors


# -- 8: --reader-role-arns and --ca-certs ---------------------------------------------------------------------


def test_cli_maps_reader_roles(httpserver: HTTPServer, fake: FakeOpenSearch) -> None:
    endpoint = httpserver.url_for("/").rstrip("/")
    result = run(
        "bootstrap",
        "--endpoint",
        endpoint,
        "--env",
        "prod",
        "--no-dashboards",
        "--operator-role-arn",
        ARN + "operators",
        "--reader-role-arns",
        f"{ARN}slack-notifier,{ARN}cli",
    )
    assert result.exit_code == 0, result.output
    assert fake.mappings["logpipe_prod_operator"]["backend_roles"] == [
        ARN + "operators",
        ARN + "slack-notifier",
        ARN + "cli",
    ]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (what a local OpenSearch's demo configuration uses)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "ca.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def https_fake(tls_files: tuple[Path, Path]) -> Iterator[tuple[HTTPServer, FakeOpenSearch]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
    server = HTTPServer(host="localhost", ssl_context=context)
    state = FakeOpenSearch()
    server.expect_request(re.compile(".*")).respond_with_handler(state.handle)
    server.start()
    try:
        yield server, state
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def test_cli_verifies_https_with_ca_certs(
    https_fake: tuple[HTTPServer, FakeOpenSearch], tls_files: tuple[Path, Path]
) -> None:
    server, state = https_fake
    endpoint = f"https://localhost:{server.port}"
    refused = run("bootstrap", "--endpoint", endpoint, "--env", "dev", "--no-dashboards")
    assert refused.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.output  # untrusted without it
    trusted = run(
        "bootstrap", "--endpoint", endpoint, "--env", "dev", "--no-dashboards", "--ca-certs", str(tls_files[0])
    )
    assert trusted.exit_code == 0, trusted.output
    assert "logpipe-dev-logs" in state.templates
