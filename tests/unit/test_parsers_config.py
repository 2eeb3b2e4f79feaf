"""parsers.yaml validation: mistakes fail at load with the file and the key named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from logpipe.configfile import BUILTIN_DIR, ConfigError
from logpipe.parsing import KNOWN_PARSERS, build_parsers, load_parsers, parse_event
from logpipe.parsing.config import parse_parser_config

BASE: dict[str, Any] = yaml.safe_load((BUILTIN_DIR / "parsers.yaml").read_text(encoding="utf-8"))


def check(doc: dict[str, Any]) -> None:
    parse_parser_config(doc, "parsers.yaml", known_parsers=KNOWN_PARSERS)


def with_change(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    target = doc
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return doc


def test_builtin_file_is_valid() -> None:
    parsers = load_parsers()
    assert parsers.default_timezone == "UTC"
    assert [name for name, _ in parsers.text_parsers] == BASE["text_parsers"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("default_timezone", "Asia/Seol", "parsers.yaml: default_timezone: unknown time zone 'Asia/Seol'"),
        ("text_parsers", ["spring_boot", "nginx"], "text_parsers[1]: unknown parser 'nginx' (available: "),
        ("text_parsers", ["generic", "generic"], "text_parsers[1]: parser 'generic' is listed twice"),
        ("text_parsers", ["raw"], "text_parsers[0]: 'raw' is always the last resort"),
        ("version", 2, "version: unsupported version 2"),
        ("fields.message", [], "fields.message: needs at least one field name"),
        ("fields.level", "level", "fields.level: expected a list, got str"),
        ("fields.mesage", ["x"], "fields: unknown key 'mesage'"),
        ("fields.level_schemes", {"lvl": "pinoo"}, "fields.level_schemes.lvl: 'pinoo' is not one of"),
        ("json.enabled", "yes", "json.enabled: expected true or false"),
        ("fields.timestamp", ..., "fields: missing required key 'timestamp'"),
        ("custom_parsers", [{"name": "x", "regex": "(?P<message>.*"}], "custom_parsers[0].regex: invalid regular"),
        ("custom_parsers", [{"name": "x", "regex": "(?P<msg>.*)"}], "custom_parsers[0].regex: needs a named group"),
        ("custom_parsers", [{"name": "x", "regex": "(?P<message>.*)(?P<lvl>x)"}], "unknown group 'lvl'"),
        ("custom_parsers", [{"name": "generic", "regex": "(?P<message>.*)"}], "name 'generic' is already taken"),
        ("custom_parsers", [{"name": "x", "regex": "(?P<message>.*)", "contain": "y"}], "unknown key 'contain'"),
    ],
)
def test_errors_name_the_location(path: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        check(with_change(path, value))
    assert message in str(info.value)


def test_override_folder_with_custom_parser_and_zone(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["default_timezone"] = "Asia/Seoul"
    doc["custom_parsers"] = [
        {
            "name": "billing",
            "contains": " | BILL | ",
            "regex": r"^(?P<timestamp>\S+ \S+) \| BILL \| (?P<level>\w+) \| (?P<status>\d+) \| (?P<message>.*)",
        }
    ]
    doc["text_parsers"] = ["generic"]
    (tmp_path / "parsers.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    parsers = load_parsers(str(tmp_path))
    out, _ = parse_event({"log": "2025-11-25 16:00:00 | BILL | W | 402 | 결제 거절"}, parsers)
    assert out == {
        "@timestamp": "2025-11-25T07:00:00.000Z",
        "log.level": "warn",
        "http.response.status_code": 402,
        "message": "결제 거절",
        "logpipe.parse": "billing",
    }
    # parsers not listed are off: a Spring line now falls to generic
    out, _ = parse_event({"log": "2025-11-25 16:00:01.123  INFO 1 --- [main] c.e.App : hi"}, parsers)
    assert out["logpipe.parse"] == "generic"


def test_json_can_be_disabled() -> None:
    parsers = build_parsers(parse_parser_config(with_change("json.enabled", False), "p", known_parsers=KNOWN_PARSERS))
    doc, rest = parse_event({"message": "m", "level": "ERROR"}, parsers)
    assert doc == {"message": "m", "logpipe.parse": "raw"}
    assert rest == {"level": "ERROR"}


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"parsers\.yaml: cannot read configuration"):
        load_parsers(str(tmp_path))
