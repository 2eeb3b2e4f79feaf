"""samconfig.toml: every environment's overrides are valid template parameters with sensible differences."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.template.cfn import ROOT, template

ENVIRONMENTS = ("dev", "stage", "prod")


def _config() -> dict[str, Any]:
    with (ROOT / "samconfig.toml").open("rb") as handle:
        return tomllib.load(handle)


def _overrides(env: str) -> dict[str, str]:
    raw = _config()[env]["deploy"]["parameters"]["parameter_overrides"]
    pairs = [item.split("=", 1) for item in raw]
    assert all(len(p) == 2 for p in pairs), raw
    return {key: value for key, value in pairs}


def _check(name: str, value: str, spec: dict[str, Any]) -> None:
    """The same checks CloudFormation applies to a parameter value."""
    if "AllowedValues" in spec:
        assert value in {str(v) for v in spec["AllowedValues"]}, (name, value)
    if spec["Type"] == "Number":
        number = float(value)
        assert number >= float(spec.get("MinValue", "-inf")), (name, value)
        assert number <= float(spec.get("MaxValue", "inf")), (name, value)
    if "AllowedPattern" in spec:
        assert re.fullmatch(spec["AllowedPattern"], value), (name, value)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overrides_are_template_parameters_with_valid_values(env: str) -> None:
    parameters = template()["Parameters"]
    overrides = _overrides(env)
    assert overrides["Environment"] == env
    for name, value in overrides.items():
        assert name in parameters, f"{env}: {name} is not a template parameter"
        _check(name, value, parameters[name])
    required = {n for n, spec in parameters.items() if "Default" not in spec}
    assert required <= set(overrides), f"{env}: missing {required - set(overrides)}"
    # Defaults must be valid too (a parameter left out of an environment takes its default).
    for name, spec in parameters.items():
        if "Default" in spec and spec["Type"] != "CommaDelimitedList" and str(spec["Default"]) != "":
            _check(name, str(spec["Default"]), spec)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_stack_names_are_logpipe_env(env: str) -> None:
    deploy = _config()[env]["deploy"]["parameters"]
    assert deploy["stack_name"] == f"logpipe-{env}"
    assert "CAPABILITY_IAM" in deploy["capabilities"]


def _value(env: str, name: str) -> float:
    overrides = _overrides(env)
    return float(overrides.get(name, template()["Parameters"][name].get("Default", 0)))


def test_prod_is_at_least_as_resilient_as_the_old_cluster() -> None:
    # Old self-run cluster: 1 dedicated master + 2 master-eligible data nodes + 1 data node.
    assert _value("prod", "DedicatedMasterCount") >= 3
    assert _value("prod", "AvailabilityZoneCount") == 3
    assert _value("prod", "DataInstanceCount") >= 3
    assert _value("prod", "DataInstanceCount") % _value("prod", "AvailabilityZoneCount") == 0
    assert _value("prod", "IndexReplicas") >= 1


def test_sizes_retentions_and_thresholds_grow_from_dev_to_prod() -> None:
    for name in (
        "ArchiveRetentionDays",
        "OpenSearchRetentionDays",
        "LogRetentionDays",
        "VolumeSizeGiB",
        "DataInstanceCount",
        "AvailabilityZoneCount",
    ):
        dev, stage, prod = (_value(env, name) for env in ENVIRONMENTS)
        assert dev <= stage <= prod and dev < prod, name
    assert _value("prod", "SearchFreshnessAlarmSeconds") < _value("dev", "SearchFreshnessAlarmSeconds")
    # Object Lock COMPLIANCE in dev is short so dev data can actually be removed.
    assert _value("dev", "ArchiveRetentionDays") <= 30
