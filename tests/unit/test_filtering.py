"""Drop rules as data: conditions, per-environment level thresholds, deterministic sampling."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.configfile import ConfigError
from logpipe.filtering import compile_rules, drop_reason
from logpipe.pipeline_config import load_pipeline_config, parse_pipeline_config

RULES = compile_rules(load_pipeline_config().drop_rules)


def reason(doc: dict[str, Any], env: str = "prod") -> str | None:
    return drop_reason(doc, RULES, env)


@pytest.mark.parametrize("path", ["/healthz", "/actuator/health", "/ready", "/actuator/health/liveness"])
def test_health_checks_dropped(path: str) -> None:
    assert reason({"url.path": path, "log.level": "info"}) == "health-check"


def test_real_paths_kept() -> None:
    assert reason({"url.path": "/api/orders/health-insurance", "log.level": "info"}) is None


def test_kube_probe_user_agent() -> None:
    assert reason({"url.path": "/", "user_agent.original": "kube-probe/1.29", "log.level": "info"}) == "kube-probe"


@pytest.mark.parametrize(
    ("env", "level", "dropped"),
    [
        ("prod", "debug", True),
        ("prod", "info", False),
        ("stage", "debug", False),
        ("stage", "trace", True),
        ("dev", "trace", False),
        ("qa", "trace", False),
    ],
)
def test_debug_below_level_per_environment(env: str, level: str, dropped: bool) -> None:
    assert (reason({"log.level": level, "message": "x"}, env) == "debug-below-level") is dropped


def test_sampling_is_deterministic_and_near_rate() -> None:
    docs = [
        {"log.logger": "org.apache.kafka.clients.NetworkClient", "log.level": "info", "trace.id": f"{i:032x}"}
        for i in range(2000)
    ]
    first = [reason(d) for d in docs]
    assert first == [reason(d) for d in docs]
    kept = first.count(None)
    assert 120 <= kept <= 280  # 10% of 2000 kept, give or take
    assert reason({**docs[0], "log.level": "error"}) is None  # errors are never sampled away


def test_config_errors_name_the_location() -> None:
    bad = {"version": 1, "drop_rules": [{"name": "x", "match": [{"field": "a", "regex": "("}]}]}
    with pytest.raises(ConfigError, match=r"drop_rules\[0\]\.match\[0\]\.regex: invalid regular expression"):
        parse_pipeline_config(bad)
    with pytest.raises(ConfigError, match="unknown key 'mesage'"):
        parse_pipeline_config({"version": 1, "drop_rules": [{"name": "x", "mesage": 1}]})
    with pytest.raises(ConfigError, match="drops everything"):
        parse_pipeline_config({"version": 1, "drop_rules": [{"name": "x"}]})
    with pytest.raises(ConfigError, match="duplicate rule name 'a'"):
        parse_pipeline_config({"version": 1, "drop_rules": [{"name": "a", "level_below": {"prod": "info"}}] * 2})
    with pytest.raises(ConfigError, match="'verbose' is not one of"):
        parse_pipeline_config({"version": 1, "drop_rules": [{"name": "a", "level_below": {"prod": "verbose"}}]})
    with pytest.raises(ConfigError, match="unsupported version 2"):
        parse_pipeline_config({"version": 2})


@settings(max_examples=300, deadline=None)
@given(
    doc=st.fixed_dictionaries(
        {},
        optional={
            "url.path": st.sampled_from(["/health", "/healthz/", "/api/orders", "", 7]),
            "user_agent.original": st.sampled_from(["kube-probe/1.29", "ELB-HealthChecker/2.0", "curl/8", None]),
            "log.level": st.sampled_from(["trace", "debug", "info", "warn", "error", "bogus", None]),
            "log.logger": st.sampled_from(["org.apache.kafka.clients.NetworkClient", "app", None]),
            "trace.id": st.sampled_from(["4bf92f3577b34da6a3ce929d0e0e4736", "", None]),
            "message": st.text(max_size=8),
        },
    ),
    environment=st.sampled_from(["dev", "stage", "prod", "qa"]),
)
def test_drop_reason_is_the_first_matching_rule(doc: dict[str, object], environment: str) -> None:
    expected = next((rule.name for rule in RULES if rule.matches(doc, environment)), None)
    assert drop_reason(doc, RULES, environment) == expected
