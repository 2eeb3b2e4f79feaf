"""Load template.yaml (CloudFormation tags and all) and walk what the template tests assert on.

cfn-lint's decoder turns ``!Ref``/``!Sub``/``!GetAtt``/``!If`` into their long ``{"Fn::...": ...}`` forms, so
tests compare plain data. :func:`render` turns intrinsic values into comparable strings (``${Name}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@lru_cache(maxsize=1)
def template() -> dict[str, Any]:
    """The decoded template (fails loudly when cfn-lint cannot decode it)."""
    decoded, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    if problems or decoded is None:
        raise AssertionError(f"template.yaml does not decode: {problems}")
    return dict(decoded)


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    """Resources by logical id, optionally only those of one ``Type``."""
    return {name: res for name, res in template()["Resources"].items() if kind is None or res.get("Type") == kind}


def props(name: str) -> dict[str, Any]:
    """The ``Properties`` of one resource."""
    return dict(template()["Resources"][name].get("Properties", {}))


def render(value: Any) -> Any:
    """Intrinsics as strings: Ref X -> ``${X}``, GetAtt X.Y -> ``${X.Y}``, Sub text as written."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return "${" + str(arg) + "}"
        if key == "Fn::GetAtt":
            return "${" + (".".join(arg) if isinstance(arg, list) else str(arg)) + "}"
        if key == "Fn::Sub":
            return arg if isinstance(arg, str) else arg[0]
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value


def branches(value: Any) -> Iterator[Any]:
    """Every concrete value an ``Fn::If`` may resolve to (both branches; ``AWS::NoValue`` dropped)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, yes, no = value["Fn::If"]
        for branch in (yes, no):
            yield from branches(branch)
    elif value == {"Ref": "AWS::NoValue"}:
        return
    else:
        yield value


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def policy_documents() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, document) for every IAM and resource policy document in the template."""
    for name, res in resources().items():
        kind, p = res.get("Type"), res.get("Properties", {})
        if kind in {
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::S3::BucketPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::SNS::TopicPolicy",
        }:
            yield name, p["PolicyDocument"]
        elif kind == "AWS::IAM::Role":
            for inline in p.get("Policies", []):
                yield f"{name}/{inline['PolicyName']}", inline["PolicyDocument"]
        elif kind == "AWS::OpenSearchService::Domain":
            yield f"{name}/AccessPolicies", p["AccessPolicies"]
        elif kind == "AWS::KMS::Key":
            yield f"{name}/KeyPolicy", p["KeyPolicy"]
        elif kind == "AWS::Serverless::Function":
            for item in p.get("Policies", []):
                for doc in branches(item):
                    if isinstance(doc, dict) and "Statement" in doc:
                        yield f"{name}/Policies", doc


def statements() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) for every statement of every policy (both branches of conditional statements)."""
    for where, doc in policy_documents():
        for item in as_list(doc["Statement"]):
            for statement in branches(item):
                yield where, statement


def dashboard_body() -> dict[str, Any]:
    """The dashboard JSON with every ``${...}`` placeholder kept as the literal text ``${...}``."""
    body = props("PipelineDashboard")["DashboardBody"]["Fn::Sub"]
    # Numeric placeholders (annotation values) must become numbers for the JSON to parse.
    text = re.sub(r":\s*\$\{([A-Za-z0-9]+)\}(?=[\s,}\]])", r": 0", body)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def dashboard_metrics() -> list[list[Any]]:
    """Every metric line of every metric widget (expressions included as one-element lines)."""
    lines: list[list[Any]] = []
    for widget in dashboard_body()["widgets"]:
        if widget["type"] == "metric":
            lines.extend(widget["properties"]["metrics"])
    return lines
