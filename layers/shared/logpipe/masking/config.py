"""``masking.yaml``: which detectors run, what each entity type becomes, which fields are skipped.

Validated at load with :class:`logpipe.configfile.Validator`, so a typo fails loudly with the file and the
location (``masking.yaml: rules[3].action: 'hide' is not one of: redact, partial, hash``).
"""

from __future__ import annotations

from typing import Any

from logpipe.configfile import ConfigError, Validator, config_path, load_document
from logpipe.frozen import Frozen
from logpipe.masking.recognizers import BUILTIN_FINDERS

ACTIONS = ("redact", "partial", "hash")
IP_POLICIES = ("keep", "mask", "truncate")
FILE_NAME = "masking.yaml"

__all__ = ["ACTIONS", "IP_POLICIES", "ConfigError", "CustomRule", "MaskingConfig", "RuleConfig", "load_config"]


class RuleConfig(Frozen):
    """What to do with one entity type: ``redact`` -> ``<TYPE>``, ``partial`` keeps the last digits,
    ``hash`` -> ``<TYPE:hmac>`` (keyed, so one user stays correlatable without being revealed)."""

    __slots__ = ("action", "detectors", "enabled", "keep_last", "keywords", "type")
    type: str
    detectors: tuple[str, ...]
    action: str
    keep_last: int
    keywords: tuple[str, ...]
    enabled: bool

    def __init__(
        self,
        type: str,
        detectors: tuple[str, ...] = (),
        action: str = "redact",
        keep_last: int = 4,
        keywords: tuple[str, ...] = (),
        enabled: bool = True,
    ) -> None:
        self._set(
            type=type, detectors=detectors, action=action, keep_last=keep_last, keywords=keywords, enabled=enabled
        )


class CustomRule(Frozen):
    """A site-specific regex (employee numbers, internal customer ids) with an optional literal guard."""

    __slots__ = ("action", "guard", "keep_last", "pattern", "type")
    type: str
    pattern: str
    guard: str | None
    action: str
    keep_last: int

    def __init__(
        self,
        type: str,
        pattern: str,
        guard: str | None = None,
        action: str = "redact",
        keep_last: int = 4,
    ) -> None:
        self._set(type=type, pattern=pattern, guard=guard, action=action, keep_last=keep_last)


class MaskingConfig(Frozen):
    """Validated contents of ``masking.yaml``."""

    __slots__ = (
        "by_type",
        "custom_rules",
        "id_fields",
        "ip_fields",
        "ip_policy",
        "rules",
        "secret_keys",
        "sensitive_fields",
        "skip_fields",
        "source",
    )
    rules: tuple[RuleConfig, ...]
    custom_rules: tuple[CustomRule, ...]
    ip_policy: str
    ip_fields: tuple[str, ...]
    id_fields: tuple[str, ...]
    skip_fields: tuple[str, ...]
    sensitive_fields: tuple[str, ...]
    secret_keys: tuple[str, ...]
    source: str
    by_type: dict[str, RuleConfig]

    def __init__(
        self,
        rules: tuple[RuleConfig, ...],
        custom_rules: tuple[CustomRule, ...] = (),
        ip_policy: str = "mask",
        ip_fields: tuple[str, ...] = (),
        id_fields: tuple[str, ...] = (),
        skip_fields: tuple[str, ...] = (),
        sensitive_fields: tuple[str, ...] = (),
        secret_keys: tuple[str, ...] = (),
        source: str = FILE_NAME,
        by_type: dict[str, RuleConfig] | None = None,
    ) -> None:
        self._set(
            rules=rules,
            custom_rules=custom_rules,
            ip_policy=ip_policy,
            ip_fields=ip_fields,
            id_fields=id_fields,
            skip_fields=skip_fields,
            sensitive_fields=sensitive_fields,
            secret_keys=secret_keys,
            source=source,
            by_type={} if by_type is None else by_type,
        )

    def rule_for(self, entity: str) -> RuleConfig:
        """The rule of ``entity`` (types without their own entry are redacted)."""
        return self.by_type.get(entity) or RuleConfig(type=entity)


def _rule(v: Validator, raw: Any, where: str) -> RuleConfig:
    r = v.mapping(raw, where, required=("type",), optional=("detector", "action", "keep_last", "keywords", "enabled"))
    detectors: tuple[str, ...] = ()
    if "detector" in r:
        raw_det = r["detector"]
        names = [raw_det] if isinstance(raw_det, str) else v.strings(raw_det, f"{where}.detector")
        detectors = tuple(v.string(n, f"{where}.detector", choices=sorted(BUILTIN_FINDERS)) for n in names)
    enabled = r.get("enabled", True)
    if not isinstance(enabled, bool):
        raise v.fail(f"{where}.enabled", f"expected true or false, got {enabled!r}")
    return RuleConfig(
        type=_type_name(v, r["type"], f"{where}.type"),
        detectors=detectors,
        action=v.string(r.get("action", "redact"), f"{where}.action", choices=ACTIONS),
        keep_last=v.integer(r.get("keep_last", 4), f"{where}.keep_last", minimum=0),
        keywords=tuple(k.lower() for k in v.strings(r.get("keywords", []), f"{where}.keywords")),
        enabled=enabled,
    )


def _type_name(v: Validator, raw: Any, where: str) -> str:
    name = v.string(raw, where)
    if not name.replace("_", "").isalnum() or not name.isupper() or not name[0].isalpha():
        raise v.fail(where, f"entity type names are UPPER_SNAKE_CASE like EMAIL_ADDRESS, got {name!r}")
    return name


def _custom(v: Validator, raw: Any, where: str) -> CustomRule:
    r = v.mapping(raw, where, required=("type", "pattern"), optional=("guard", "action", "keep_last"))
    return CustomRule(
        type=_type_name(v, r["type"], f"{where}.type"),
        pattern=v.regex(r["pattern"], f"{where}.pattern"),
        guard=v.string(r["guard"], f"{where}.guard") if "guard" in r else None,
        action=v.string(r.get("action", "redact"), f"{where}.action", choices=ACTIONS),
        keep_last=v.integer(r.get("keep_last", 4), f"{where}.keep_last", minimum=0),
    )


def parse_config(doc: Any, source: str = FILE_NAME) -> MaskingConfig:
    """Validate a loaded ``masking.yaml`` document (raises :class:`ConfigError` naming the location)."""
    v = Validator(source)
    top = v.mapping(
        doc,
        "",
        required=("version", "rules"),
        optional=(
            "ip_policy",
            "ip_fields",
            "id_fields",
            "skip_fields",
            "sensitive_fields",
            "secret_keys",
            "custom_rules",
        ),
    )
    if top["version"] != 1:
        raise v.fail("version", f"unsupported version {top['version']!r} (expected 1)")
    rules = tuple(_rule(v, r, f"rules[{i}]") for i, r in enumerate(v.sequence(top["rules"], "rules")))
    by_type: dict[str, RuleConfig] = {}
    for i, rule in enumerate(rules):
        if rule.type in by_type:
            raise v.fail(f"rules[{i}].type", f"duplicate rule for {rule.type}")
        by_type[rule.type] = rule
    customs = tuple(
        _custom(v, r, f"custom_rules[{i}]")
        for i, r in enumerate(v.sequence(top.get("custom_rules", []), "custom_rules"))
    )
    for i, custom in enumerate(customs):
        if custom.type in by_type:
            raise v.fail(f"custom_rules[{i}].type", f"{custom.type} is already a built-in rule's type")
    return MaskingConfig(
        rules=rules,
        custom_rules=customs,
        ip_policy=v.string(top.get("ip_policy", "mask"), "ip_policy", choices=IP_POLICIES),
        ip_fields=tuple(v.strings(top.get("ip_fields", []), "ip_fields")),
        id_fields=tuple(v.strings(top.get("id_fields", []), "id_fields")),
        skip_fields=tuple(v.strings(top.get("skip_fields", []), "skip_fields")),
        sensitive_fields=tuple(s.lower() for s in v.strings(top.get("sensitive_fields", []), "sensitive_fields")),
        secret_keys=tuple(s.lower() for s in v.strings(top.get("secret_keys", []), "secret_keys")),
        source=source,
        by_type=by_type,
    )


def load_config(directory: str | None = None) -> MaskingConfig:
    """Read and validate ``masking.yaml`` from ``directory``, $LOGPIPE_CONFIG_DIR, or the built-in folder."""
    path = config_path(FILE_NAME, directory)
    return parse_config(load_document(path), str(path))
