"""Fluent Bit agent configurations: stream names match the template, search unaggregated, archive aggregated."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.template.cfn import ROOT, props, render

AGENTS = ROOT / "fluent-bit"
EKS_CONFIG = AGENTS / "eks" / "fluent-bit.yaml"
ECS_CONFIG = AGENTS / "ecs" / "logpipe.conf"


def _template_stream_names() -> set[str]:
    """The template's stream names with the environment as a neutral placeholder."""
    names = {render(props(n)["DeliveryStreamName"]) for n in ("SearchStream", "ArchiveStream")}
    return {n.replace("${Environment}", "<env>") for n in names}


def _agent_stream(name: str) -> str:
    return re.sub(r"\$\{LOGPIPE_ENVIRONMENT\}", "<env>", name)


def _eks() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EKS_CONFIG.read_text(encoding="utf-8"))
    return loaded


def _ecs_sections() -> list[tuple[str, dict[str, str]]]:
    """Classic-format sections in order (duplicate section names kept apart)."""
    sections: list[tuple[str, dict[str, str]]] = []
    for raw in ECS_CONFIG.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            sections.append((line.strip("[]").upper(), {}))
        else:
            key, _, value = line.partition(" ")
            sections[-1][1][key.lower()] = value.strip()
    return sections


def _outputs() -> dict[str, list[dict[str, Any]]]:
    eks = [{k.lower(): v for k, v in o.items()} for o in _eks()["pipeline"]["outputs"]]
    ecs = [s for name, s in _ecs_sections() if name == "OUTPUT"]
    return {"eks": eks, "ecs": ecs}


def _on(value: Any) -> bool:
    return value is True or str(value).lower() in {"on", "true", "yes"}


def test_agent_stream_names_match_the_template() -> None:
    for where, outputs in _outputs().items():
        streams = {_agent_stream(o["delivery_stream"]) for o in outputs if o["name"] == "kinesis_firehose"}
        assert streams == _template_stream_names(), where


def test_search_output_sends_one_event_per_record_and_archive_aggregates_and_gzips() -> None:
    for where, outputs in _outputs().items():
        by_stream = {_agent_stream(o["delivery_stream"]): o for o in outputs}
        search, archive = by_stream["logpipe-<env>-search"], by_stream["logpipe-<env>-archive"]
        assert not _on(search.get("simple_aggregation", "off")), where
        assert "compression" not in search and "log_key" not in search, where
        assert _on(archive["simple_aggregation"]) and archive["compression"] == "gzip", where
        for output in (search, archive):
            assert output["retry_limit"] == "no_limits", where
            assert output["region"] == "${AWS_REGION}", where


def test_eks_agent_tails_cri_logs_joins_stack_traces_and_buffers_on_disk() -> None:
    config = _eks()
    assert config["service"]["storage.path"].startswith("/var/fluent-bit/state")
    (tail,) = config["pipeline"]["inputs"]
    assert tail["name"] == "tail" and tail["multiline.parser"] == "cri"
    assert tail["storage.type"] == "filesystem" and tail["db"].startswith("/var/fluent-bit/state")
    filters = {f["name"]: f for f in config["pipeline"]["filters"]}
    assert {p.strip() for p in filters["multiline"]["multiline.parser"].split(",")} == {"java", "python", "go"}
    assert _on(filters["kubernetes"]["merge_log"])
    assert filters["modify"]["add"] == "environment ${LOGPIPE_ENVIRONMENT}"
    names = [f["name"] for f in config["pipeline"]["filters"]]
    assert names.index("multiline") < names.index("kubernetes"), "join traces before lifting JSON"


def test_ecs_agent_joins_partial_lines_and_stack_traces() -> None:
    filters = [s for name, s in _ecs_sections() if name == "FILTER"]
    multiline = [f for f in filters if f["name"] == "multiline"]
    assert [f.get("mode") for f in multiline] == ["partial_message", None]
    assert multiline[1]["multiline.parser"] == "java,python,go"
    assert any(f["name"] == "modify" and f["add"] == "environment ${LOGPIPE_ENVIRONMENT}" for f in filters)
    task = json.loads((AGENTS / "ecs" / "task-definition.example.json").read_text(encoding="utf-8"))
    (router,) = [c for c in task["containerDefinitions"] if "firelensConfiguration" in c]
    assert router["firelensConfiguration"]["options"]["config-file-value"] == "/fluent-bit/etc/logpipe.conf"
    assert "COPY logpipe.conf /fluent-bit/etc/logpipe.conf" in (AGENTS / "ecs" / "Dockerfile").read_text()


def test_kubernetes_manifests_wire_irsa_config_and_state() -> None:
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted((AGENTS / "eks").glob("*.yaml")):
        if path.name in {"fluent-bit.yaml", "kustomization.yaml"}:
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            docs[doc["kind"]] = doc
    assert {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"} <= set(docs)
    assert docs["ServiceAccount"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
    spec = docs["DaemonSet"]["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == docs["ServiceAccount"]["metadata"]["name"]
    (container,) = spec["containers"]
    assert {e["name"] for e in container["env"]} == {"LOGPIPE_ENVIRONMENT", "AWS_REGION"}
    version = tuple(int(x) for x in container["image"].rsplit(":", 1)[1].split("."))
    assert version >= (4, 2, 2), "simple_aggregation needs Fluent Bit 4.2.2"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert container["args"][-1] == mounts["config"] + "/" + EKS_CONFIG.name
    kustomization = yaml.safe_load((AGENTS / "eks" / "kustomization.yaml").read_text(encoding="utf-8"))
    (generated,) = kustomization["configMapGenerator"]
    assert generated["files"] == [EKS_CONFIG.name]
    assert {v["name"]: v for v in spec["volumes"]}["config"]["configMap"]["name"] == generated["name"]


def test_ecs_config_is_valid_classic_syntax() -> None:
    # configparser is not Fluent Bit, but catches unbalanced sections and stray lines cheaply.
    text = ECS_CONFIG.read_text(encoding="utf-8")
    parser = configparser.ConfigParser(strict=False, delimiters=(" ",), comment_prefixes=("#",))
    parser.read_string(text)
    assert {s.upper() for s in parser.sections()} == {"SERVICE", "FILTER", "OUTPUT"}
    assert Path(ECS_CONFIG).suffix == ".conf"
