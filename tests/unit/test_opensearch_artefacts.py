"""Rendering the OpenSearch artefact files, and Discover links."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from logpipe.configfile import ConfigError
from logpipe.opensearch.artefacts import (
    ArtefactParams,
    index_template,
    ism_policy,
    saved_objects,
    security_roles,
    slug,
    substitute,
    to_ndjson,
)
from logpipe.opensearch.discover import rison_string, service_url, trace_url

PARAMS = ArtefactParams(
    environment="prod", index_prefix="logs-prod", shards=3, replicas=2, hot_days=3, warm_days=10, retention_days=90
)


def test_substitute_keeps_types_splices_lists_and_names_unknown_placeholders() -> None:
    values = {"n": 3, "items": [{"a": 1}], "name": "x"}
    assert substitute({"k": "${n}", "l": ["${items}", 2], "s": "pre-${name}-post"}, values, "f.json") == {
        "k": 3,
        "l": [{"a": 1}, 2],
        "s": "pre-x-post",
    }
    with pytest.raises(ConfigError, match=r"f.json: unknown placeholder \$\{nope\}"):
        substitute({"k": "a ${nope}"}, values, "f.json")


def test_index_template_has_typed_ecs_fields_and_settings() -> None:
    body = index_template(PARAMS)
    settings = body["template"]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (3, 2)
    assert settings["mapping"]["total_fields"]["limit"] == 1000
    mappings = body["template"]["mappings"]
    assert mappings["properties"]["log"]["properties"]["level"] == {"type": "keyword"}
    assert mappings["properties"]["error"]["properties"]["type"]["type"] == "keyword"
    assert mappings["dynamic_templates"][-1]["strings_as_keywords"]["mapping"]["type"] == "keyword"
    assert body["_meta"]["environment"] == "prod"


def test_ism_policy_uses_ultrawarm_only_on_aws() -> None:
    aws = ism_policy(PARAMS, ultrawarm=True)["policy"]
    assert [s["name"] for s in aws["states"]] == ["hot", "warm", "delete"]
    assert aws["states"][0]["transitions"][0]["conditions"]["min_index_age"] == "3d"
    assert aws["states"][1]["actions"] == [{"warm_migration": {}}]
    assert aws["states"][1]["transitions"][0]["conditions"]["min_index_age"] == "90d"
    local = ism_policy(PARAMS, ultrawarm=False)["policy"]
    assert {"read_only": {}} in local["states"][1]["actions"]


def test_ism_policy_rejects_retention_shorter_than_tiers() -> None:
    short = ArtefactParams(environment="dev", index_prefix="logs-dev", hot_days=7, warm_days=30, retention_days=30)
    with pytest.raises(ConfigError, match="RetentionDays"):
        ism_policy(short, ultrawarm=True)


def test_security_roles_only_for_given_arns() -> None:
    assert security_roles(PARAMS, "", "") == {}
    roles = security_roles(PARAMS, "arn:firehose", "")
    assert list(roles) == ["logpipe_prod_firehose"] and roles["logpipe_prod_firehose"]["backend_role"] == "arn:firehose"


def test_saved_objects_are_importable_ndjson() -> None:
    objects = saved_objects(PARAMS, ["checkout", 'we"ird svc'])
    lines = to_ndjson(objects).decode().splitlines()
    assert len(lines) == len(objects) == 7
    parsed = [json.loads(line) for line in lines]
    ids = {o["id"] for o in parsed}
    weird_id = "logpipe-prod-service-" + slug('we"ird svc')
    assert weird_id in ids and "logpipe-prod-service-checkout" in ids
    weird = next(o for o in parsed if o["id"] == weird_id)
    source = json.loads(weird["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"]["query"] == 'service.name:"we\\"ird svc"'
    dashboard = next(o for o in parsed if o["type"] == "dashboard")
    assert isinstance(dashboard["attributes"]["panelsJSON"], str)
    assert {r["id"] for r in dashboard["references"]} <= ids


def test_artefact_override_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "opensearch").mkdir()
    (tmp_path / "opensearch" / "index_template.json").write_text(
        '{"index_patterns": ["${index_prefix}-*"], "x": "${bogus}"}'
    )
    monkeypatch.setenv("LOGPIPE_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"index_template.json: unknown placeholder \$\{bogus\}"):
        index_template(PARAMS)


def test_discover_links_escape_rison_and_url() -> None:
    assert rison_string("it's!") == "'it!'s!!'"
    url = trace_url("https://d.example.com/_dashboards/", "abc'123", "prod")
    assert url.startswith("https://d.example.com/_dashboards/app/discover#/?_g=(time:(from:'now-7d',to:'now'))")
    assert "index:'logpipe-prod-logs'" in url
    assert 'trace.id:"abc!\'123"' in unquote(url)
    svc = unquote(service_url("https://d", "pay ment", None, "2025-01-01T00:00:00.000Z", "now"))
    assert 'service.name:"pay ment" and log.level:(error or fatal)' in svc
    assert " " not in service_url("https://d", "pay ment")
