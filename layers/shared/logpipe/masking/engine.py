"""The masking engine: detectors -> overlap resolution -> per-type actions, for texts and flat documents.

Built once per container from ``masking.yaml`` (:func:`logpipe.masking.load_masker`); afterwards every
call is pure and allocation-light: cheap guards decide which detectors run on a text at all.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from logpipe.configfile import ConfigError
from logpipe.frozen import Frozen
from logpipe.masking import actions
from logpipe.masking.config import CustomRule, MaskingConfig, RuleConfig
from logpipe.masking.prefilter import ALL as ALL_DETECTORS
from logpipe.masking.prefilter import BITS, candidates, reversed_key_guard
from logpipe.masking.recognizers import (
    BUILTIN_FINDERS,
    GUARDS,
    ScanContext,
    Span,
    compile_secret_pairs,
    find_secret_pairs,
    find_url_credentials,
)

# Overlaps are settled by priority (secrets before personal data before addresses), then by length.
PRIORITY: dict[str, int] = {
    "PRIVATE_KEY": 100,
    "JWT": 95,
    "AWS_ACCESS_KEY": 90,
    "AWS_SECRET_KEY": 90,
    "AUTH_TOKEN": 85,
    "URL_CREDENTIALS": 80,
    "SECRET": 75,
    "EMAIL_ADDRESS": 60,
    "CREDIT_CARD": 58,
    "IBAN_CODE": 59,
    "KR_RRN": 56,
    "KR_FRN": 56,
    "KR_BRN": 55,
    "KR_DRIVER_LICENSE": 54,
    "KR_PASSPORT": 53,
    "PHONE_NUMBER": 50,
    "MAC_ADDRESS": 45,
    "IP_ADDRESS": 40,
}
CUSTOM_PRIORITY = 70
_PAIRS_BIT = BITS["secret_pairs"]
_URL_BIT = BITS["url_credentials"]
_MIN_SCAN_LENGTH = 3  # "::1" is the shortest value any detector accepts
_FIELD_CACHE_LIMIT = 10_000
_CACHE_MAX_VALUE = 256  # characters; longer values (messages with ids, stack traces) rarely repeat
_CACHE_ENTRIES = 8192
# A field's values are cached only while they repeat: after _CACHE_PROBE lookups, a field with fewer than
# _CACHE_MIN_HITS hits (messages, request ids, host names: nearly all distinct) is no longer cached, so
# its values cost no key tuple, lookup and store each (masking is a pure function of field and value:
# cached or not, the output is the same).
_CACHE_PROBE = 256
_CACHE_MIN_HITS = 64
_NO_TYPES: tuple[str, ...] = ()
_NEW_FIELD: list[int] = []  # never mutated: marks a field not probed yet

_SKIP, _SCAN, _SENSITIVE, _IP, _ID = 0, 1, 2, 3, 4
_RENAME = 8  # added to a field's kind when its own name holds personal data (labels.kim@example_com)
_LOWER_HEX = "0123456789abcdef"
_LABEL_KEY_SEPARATORS = str.maketrans("./ ", "___")  # enrich's label-key sanitising, applied to replacements
# Whole values that are ids (request ids, traceparents, trace/span ids): skipped without scanning. Hex ids
# must be lower case and not all digits, so a 16-digit card or an upper-case IBAN is never taken for one.
_ID_VALUE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}|[0-9a-f]{16}|[0-9a-f]{32}"
)
_ID_LENGTHS = frozenset({16, 32, 36, 55})
# Number-like tokens (a digit, then digits and separators). The longest token's length bounds the digits
# of any one number, so digit-based detectors are skipped on texts whose numbers are too short for them.
# A single-character-class repeat: the fastest kind of scan Python's regex engine has.

Finder = Callable[[ScanContext, tuple[str, ...]], list[Span]]


class Entity(Frozen):
    """One masked value: its type and its offsets in the *input* text."""

    __slots__ = ("type", "start", "end")  # noqa: RUF023 - the order of the repr, as written in docs
    type: str
    start: int
    end: int

    def __init__(self, type: str, start: int, end: int) -> None:
        self._set(type=type, start=start, end=end)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end}


class _CompiledCustom:
    __slots__ = ("pattern", "rule")

    def __init__(self, rule: CustomRule, pattern: re.Pattern[str]) -> None:
        self.rule = rule
        self.pattern = pattern


class Masker:
    """Masks personal data and secrets in texts and in the string fields of flat ECS documents."""

    def __init__(self, config: MaskingConfig, hmac_key: bytes | None = None, *, prefilter: bool = True) -> None:
        """``prefilter=False`` runs every detector's own guard on every text (no shared first pass): the
        reference the prefilter is tested against, same output, several times slower."""
        self.config = config
        self._prefilter = prefilter
        self._hmac_key = hmac_key
        self._finders: list[tuple[int, str | None, int, Finder, tuple[str, ...]]] = []
        disabled = {r.type for r in config.rules if not r.enabled}
        if config.ip_policy == "keep":
            disabled.add("IP_ADDRESS")
        self._disabled = frozenset(disabled)
        seen: set[str] = set()
        for rule in config.rules:
            if not rule.enabled or rule.type in self._disabled:
                continue
            for name in rule.detectors:
                if name not in seen:
                    seen.add(name)
                    literal, min_run = GUARDS[name]
                    self._finders.append((BITS[name], literal, min_run, BUILTIN_FINDERS[name][1], rule.keywords))
        self._secret_keys = config.secret_keys
        self._secret_pattern = compile_secret_pairs(config.secret_keys) if config.secret_keys else None
        self._pair_guard = reversed_key_guard(config.secret_keys) if config.secret_keys else None
        self._customs = tuple(_CompiledCustom(c, re.compile(c.pattern)) for c in config.custom_rules)
        self._custom_rules = {
            c.type: RuleConfig(type=c.type, action=c.action, keep_last=c.keep_last) for c in config.custom_rules
        }
        self._skip_exact = frozenset(f for f in config.skip_fields if not f.endswith(".*"))
        self._skip_prefixes = tuple(f[:-1] for f in config.skip_fields if f.endswith(".*"))
        self._ip_fields = frozenset(config.ip_fields)
        self._id_fields = frozenset(config.id_fields)
        self._sensitive = config.sensitive_fields
        self._field_kind: dict[str, int] = {}
        self._masked_keys: dict[str, tuple[str, tuple[str, ...]]] = {}  # key -> (masked key, types fired)
        # Logs repeat themselves (user agents, paths, tiers, status texts): short values seen before are
        # answered from a bounded cache. Masking is a pure function of (field, value), so output is identical.
        self._value_cache: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        self._cache_use: dict[str, list[int] | bool] = {}  # field -> [lookups, hits] while probing, then a verdict
        if self.uses_hash and hmac_key is None:
            raise ConfigError(f"{config.source}: action 'hash' is configured but no HMAC key was given")

    @property
    def uses_hash(self) -> bool:
        """Whether any enabled rule hashes (only then is a key needed)."""
        rules = [r.action for r in self.config.rules if r.enabled] + [c.action for c in self.config.custom_rules]
        return "hash" in rules

    @property
    def max_growth_per_entity(self) -> int:
        """The most characters masking one value can add to a text, over every type this masker can emit
        and the action that type gets (``<KR_DRIVER_LICENSE>`` adds at most 19 with ``redact``, a hash 36,
        ``partial`` nothing): a masked text is at most ``len(text) + this * len(entities)`` long."""
        bound = 0
        for entity in {*PRIORITY, *self._custom_rules}:
            if entity == "IP_ADDRESS" and self.config.ip_policy == "truncate":
                action = "truncate"
            else:
                action = (self._custom_rules.get(entity) or self.config.rule_for(entity)).action
                if action == "hash" and self._hmac_key is None:
                    action = "redact"
            bound = max(bound, actions.max_growth(entity, action))
        return bound

    # --- detection ------------------------------------------------------------------------------------
    def find(self, text: str, field: str | None = None) -> list[Span]:
        """Non-overlapping (start, end, type) spans in ``text``, sorted by start.

        ``field`` is the document key the text came from: its name serves as context for weak forms, and
        a bare number that is a field's whole value does not count on its own (timestamps, counters)."""
        bits = candidates(text, self._pair_guard) if self._prefilter else ALL_DETECTORS
        if not bits and not self._customs:
            return []  # the prefilter rules every detector out: most log texts end here
        ctx = ScanContext(text, field)
        spans: list[Span] = []
        longest = -1
        for bit, literal, min_run, finder, keywords in self._finders:
            if not bits & bit:
                continue
            if literal is not None and literal not in text:
                continue
            if min_run:
                if longest < 0:
                    longest = ctx.digits
                if longest < min_run:
                    continue
            found = finder(ctx, keywords)
            if found:
                spans.extend(found)
        if (
            bits & _PAIRS_BIT  # implies a key name before a ':' or '=' (prefilter.reversed_key_guard)
            and self._secret_pattern is not None
            and "SECRET" not in self._disabled
            and ("=" in text or ":" in text)
        ):
            spans.extend(find_secret_pairs(ctx, self._secret_pattern, self._secret_keys))
        if bits & _URL_BIT and "URL_CREDENTIALS" not in self._disabled and "://" in text:
            spans.extend(find_url_credentials(ctx))
        for custom in self._customs:
            if custom.rule.guard is None or custom.rule.guard in text:
                spans.extend(
                    (m.start(), m.end(), custom.rule.type) for m in custom.pattern.finditer(text) if m.end() > m.start()
                )
        if not spans:
            return spans
        if self._disabled:
            spans = [s for s in spans if s[2] not in self._disabled]
        if "<" in text:  # masked text stays as it is, whatever the action (see _outside_placeholders)
            spans = _outside_placeholders(text, spans)
        return _resolve(spans) if spans else spans

    # --- masking --------------------------------------------------------------------------------------
    def _replacement(self, entity: str, value: str) -> str:
        if entity == "IP_ADDRESS" and self.config.ip_policy == "truncate":
            return actions.truncate_ip(value)
        rule = self._custom_rules.get(entity) or self.config.rule_for(entity)
        if rule.action == "partial":
            return actions.partial(value, rule.keep_last)
        if rule.action == "hash" and self._hmac_key is not None:
            return actions.keyed_hash(entity, value, self._hmac_key)
        return actions.redact(entity)

    def _apply(self, text: str, spans: list[Span]) -> str:
        parts: list[str] = []
        pos = 0
        for start, end, entity in spans:
            parts.append(text[pos:start])
            parts.append(self._replacement(entity, text[start:end]))
            pos = end
        parts.append(text[pos:])
        return "".join(parts)

    def mask_text(self, text: str) -> tuple[str, list[Entity]]:
        """``text`` with every detected value replaced, and the entities with offsets into ``text``."""
        spans = self.find(text)
        if not spans:
            return text, []
        return self._apply(text, spans), [Entity(t, s, e) for s, e, t in spans]

    def _kind(self, key: str) -> int:
        kind = self._field_kind.get(key)
        if kind is not None:
            return kind
        if key in self._id_fields:  # before skip_fields: an id field is never skipped wholesale
            kind = _ID
        elif key in self._skip_exact or key.startswith(self._skip_prefixes):
            kind = _SKIP
        elif key in self._ip_fields:
            kind = _IP
        elif self._sensitive and key.rsplit(".", 1)[-1].lower().endswith(self._sensitive):
            kind = _SENSITIVE
        else:
            kind = _SCAN
        if kind != _SKIP and self._masked_key(key) is not None:
            kind += _RENAME
        if len(self._field_kind) < _FIELD_CACHE_LIMIT:
            self._field_kind[key] = kind
        return kind

    def _masked_key(self, key: str) -> tuple[str, tuple[str, ...]] | None:
        """The key with personal data in its last name segment masked, or None when there is none.

        Keys come from data too (``{"kim@example.com": "x"}`` becomes ``labels.kim@example_com``), and a key
        is stored and indexed like a value. Enrichment turned ``.``, ``/`` and blanks into ``_``, so the name
        is also scanned with ``_`` read as ``.`` and as a blank (same length: offsets carry over). The whole
        key is the context for weak forms (``labels.rrn_9601211021413``), so a bare number alone (an epoch
        key) is not enough. Computed once per key (bounded cache)."""
        cached = self._masked_keys.get(key)
        if cached is not None:
            return cached if cached[0] != key else None
        prefix, dot, name = key.rpartition(".")
        variants = [name]
        if "_" in name:
            variants += [name.replace("_", "."), name.replace("_", " ")]
        source: dict[Span, str] = {}
        for variant in variants:
            for span in self.find(variant, key):
                source.setdefault(span, variant)
        result: tuple[str, tuple[str, ...]] = (key, ())
        if source:
            parts: list[str] = []
            pos = 0
            spans = _resolve(list(source))
            for start, end, entity in spans:
                parts.append(name[pos:start])
                replacement = self._replacement(entity, source[(start, end, entity)][start:end])
                parts.append(replacement.translate(_LABEL_KEY_SEPARATORS))
                pos = end
            parts.append(name[pos:])
            result = (prefix + dot + "".join(parts), tuple(sorted({s[2] for s in spans})))
        if len(self._masked_keys) < _FIELD_CACHE_LIMIT:
            self._masked_keys[key] = result
        return result if result[0] != key else None

    def _rename_keys(self, doc: dict[str, Any], keys: list[str], fired: set[str]) -> None:
        """Replace keys holding personal data by their masked form; a clash gets a ``_2``, ``_3`` suffix."""
        for key in keys:
            masked = self._masked_key(key)
            if masked is None:
                continue
            new_key, types = masked
            target, n = new_key, 1
            while target in doc:
                n += 1
                target = f"{new_key}_{n}"
            doc[target] = doc.pop(key)
            fired.update(types)

    def _mask_value(self, key: str, kind: int, value: str, fired: set[str]) -> str:
        if kind == _ID and len(value) in (16, 32) and not value.strip(_LOWER_HEX) and not value.isdigit():
            return value  # a canonical trace/span id: correlation needs it; anything else in an id field is scanned
        if kind == _SENSITIVE:
            if not value or actions_placeholder(value):
                return value
            fired.add("SECRET")
            return self._replacement("SECRET", value)
        if len(value) < _MIN_SCAN_LENGTH or (value.isalpha() and not self._customs):
            return value  # too short, or letters only: no built-in detector can match
        if len(value) in _ID_LENGTHS and not self._customs and not value.isdigit() and _ID_VALUE.fullmatch(value):
            return value  # a whole UUID / W3C traceparent / lower-case hex trace or span id: never personal data
        if kind == _IP:
            stripped = value.strip()
            whole = self.find(stripped)
            if whole and whole[0][2] == "IP_ADDRESS" and whole[0][0] == 0 and whole[0][1] == len(stripped):
                fired.add("IP_ADDRESS")
                return self._replacement("IP_ADDRESS", stripped)
        use = self._cache_use.get(key, _NEW_FIELD) if len(value) <= _CACHE_MAX_VALUE else False
        if use is not False:
            hit = self._value_cache.get((key, value))
            if use is not True:
                use = self._probe_cache(key, use, hit is not None)
            if hit is not None:
                fired.update(hit[1])
                return hit[0]
        spans = self.find(value, key)
        if not spans:
            if use is not False:
                self._remember(key, value, value, _NO_TYPES)
            return value
        masked = self._apply(value, spans)
        types = tuple({s[2] for s in spans})
        if use is not False:
            self._remember(key, value, masked, types)
        fired.update(types)
        return masked

    def _remember(self, key: str, value: str, masked: str, types: tuple[str, ...]) -> None:
        if len(self._value_cache) >= _CACHE_ENTRIES:
            self._value_cache.clear()
        self._value_cache[(key, value)] = (masked, types)

    def _probe_cache(self, key: str, stats: list[int], hit: bool) -> list[int] | bool:
        """Count a lookup for ``key`` (``stats`` is [lookups, hits]); after enough, settle whether to cache."""
        if stats is _NEW_FIELD:
            if len(self._cache_use) >= _FIELD_CACHE_LIMIT:
                return True  # too many distinct fields to track: keep caching them all
            stats = [0, 0]
            self._cache_use[key] = stats
        stats[0] += 1
        stats[1] += hit
        if stats[0] < _CACHE_PROBE:
            return stats
        verdict = stats[1] >= _CACHE_MIN_HITS
        self._cache_use[key] = verdict
        return verdict

    def clear_value_cache(self) -> None:
        """Forget remembered values and which fields repeat (benchmarks call this so repeated passes
        measure real work)."""
        self._value_cache.clear()
        self._cache_use.clear()

    def mask_document(self, doc: dict[str, Any]) -> set[str]:
        """Mask the string values of a flat (dotted-key) document in place; return the types that fired."""
        fired: set[str] = set()
        kinds = self._field_kind
        renamed: list[str] | None = None
        for key, value in doc.items():
            if type(value) is str:
                kind = kinds.get(key)
                if kind is None:
                    kind = self._kind(key)
                if kind != _SKIP:
                    if kind >= _RENAME:  # rare: the key itself holds personal data, renamed after the loop
                        kind -= _RENAME
                        renamed = [key] if renamed is None else [*renamed, key]
                    masked = self._mask_value(key, kind, value, fired)
                    if masked is not value:
                        doc[key] = masked
            elif isinstance(value, list) and value:
                kind = self._kind(key)
                if kind != _SKIP:
                    if kind >= _RENAME:
                        kind -= _RENAME
                        renamed = [key] if renamed is None else [*renamed, key]
                    doc[key] = [self._mask_value(key, kind, x, fired) if isinstance(x, str) else x for x in value]
        if renamed is not None:
            self._rename_keys(doc, renamed, fired)
        return fired


_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*(?::[a-p]{16})?>")


def _outside_placeholders(text: str, spans: list[Span]) -> list[Span]:
    """Drop spans that touch one of our placeholders: a hash placeholder ``<AUTH_TOKEN:fdmcfjighjohhmhc>``
    reads like ``token: value`` to the secret-pair detector, and masking it again (in the Slack notifier,
    which masks stored text once more) would nest placeholders. Bisect per span: linear in spans."""
    holes = [m.span() for m in _PLACEHOLDER.finditer(text)]
    if not holes:
        return spans
    hole_starts = [h[0] for h in holes]
    kept: list[Span] = []
    for span in spans:
        k = bisect_right(hole_starts, span[1] - 1)  # holes starting before the span ends
        if k and holes[k - 1][1] > span[0]:
            continue
        kept.append(span)
    return kept


def actions_placeholder(value: str) -> bool:
    """Already masked (by us or by enrichment's ``<REDACTED>``)."""
    return value.startswith("<") and value.endswith(">") and value[1:2].isupper()


def _resolve(spans: list[Span]) -> list[Span]:
    """Keep the highest-priority, then longest, spans that do not overlap one already kept."""
    if len(spans) == 1:
        return spans
    ordered = sorted(spans, key=lambda s: (-PRIORITY.get(s[2], CUSTOM_PRIORITY), s[0] - s[1], s[0]))
    # Kept spans do not overlap, so sorted by start they are sorted by end too: a new span can only
    # overlap its neighbours there (bisect), not any of the others (a scan of all was quadratic in the
    # number of entities: 20,000 numbers in one text took a second).
    kept: list[Span] = []
    kept_starts: list[int] = []
    for span in ordered:
        start, end, _ = span
        k = bisect_right(kept_starts, start)
        if (k and kept[k - 1][1] > start) or (k < len(kept) and kept[k][0] < end):
            continue
        kept.insert(k, span)
        kept_starts.insert(k, start)
    return kept
