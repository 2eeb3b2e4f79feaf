"""Invariants of the masking engine on arbitrary and hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.masking import Masker, load_masker
from logpipe.masking.config import parse_config

BUILTIN = Path(__file__).resolve().parents[2] / "layers" / "shared" / "logpipe" / "config" / "masking.yaml"

# Text biased towards the characters detectors care about, plus anything Unicode.
PIIISH = st.text(alphabet=st.sampled_from(list("0123456789-. :@/+()=_\"'abcdefABCDEFMKRSxyz<>~\n")), max_size=200)
ANY_TEXT = st.one_of(st.text(max_size=300), PIIISH)
SAMPLES = st.sampled_from(
    [
        "kim@example.com",
        "010-1234-5678",
        "4111 1111 1111 1111",
        "10.1.2.3",
        "2001:db8::1",
        "960121-1234567",
        "104-86-56659",
        "password=hunter2",
        "DE89 3704 0044 0532 0130 00",
        "00:1A:2B:3C:4D:5E",
        "Bearer abcDEF123456",
    ]
)
MIXED = st.lists(st.one_of(SAMPLES, PIIISH), max_size=8).map(" ".join)

# The longest placeholder a value can become is bounded, so a record grows by at most this per entity.
MAX_GROWTH_PER_ENTITY = len("<KR_DRIVER_LICENSE>")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT | MIXED)
def test_never_raises_and_offsets_are_valid(text: str) -> None:
    masked, entities = load_masker().mask_text(text)
    assert isinstance(masked, str)
    previous_end = 0
    for e in entities:
        assert previous_end <= e.start < e.end <= len(text)
        previous_end = e.end


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT | MIXED)
def test_idempotent(text: str) -> None:
    masker = load_masker()
    once, _ = masker.mask_text(text)
    twice, _ = masker.mask_text(once)
    assert twice == once


def _masker_with(action: str, ip_policy: str = "mask") -> Masker:
    """The built-in rules with every rule (and a long custom type) set to ``action``."""
    doc = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    for rule in doc["rules"]:
        rule["action"] = action
    doc["ip_policy"] = ip_policy
    doc["custom_rules"] = [{"type": "EMPLOYEE_IDENTIFICATION_NUMBER", "pattern": r"EMP-\d{6}", "action": action}]
    return Masker(parse_config(doc, "masking.yaml"), hmac_key=b"property-test-key")


MASKERS = {
    (action, policy): _masker_with(action, policy)
    for action in ("redact", "partial", "hash")
    for policy in ("mask", "truncate")
}
EXPECTED_BOUND = {  # the longest type of the built-in rules is KR_DRIVER_LICENSE; the custom one is longer
    "redact": len("<EMPLOYEE_IDENTIFICATION_NUMBER>"),
    "partial": len("<IP_ADDRESS>"),  # partial keeps lengths; only truncation's fallback adds characters
    "hash": len("<EMPLOYEE_IDENTIFICATION_NUMBER:") + 16 + 1,
}


def test_growth_bound_of_the_default_rules() -> None:
    assert load_masker().max_growth_per_entity == MAX_GROWTH_PER_ENTITY
    assert MASKERS["partial", "mask"].max_growth_per_entity == 0
    for (action, policy), masker in MASKERS.items():
        if policy == "truncate" or action != "partial":
            assert masker.max_growth_per_entity == EXPECTED_BOUND[action], (action, policy)


@settings(max_examples=300, deadline=None)
@given(
    ANY_TEXT
    | MIXED
    | st.lists(st.sampled_from(["EMP-123456", "10.1.2.3", "2001:db8::1", "x"]), max_size=6).map(" ".join)
)
def test_growth_is_bounded(text: str) -> None:
    """For every action (redact, partial, hash) and IP policy, not only the default rules."""
    masked, entities = load_masker().mask_text(text)
    assert len(masked) <= len(text) + MAX_GROWTH_PER_ENTITY * len(entities)
    for (action, policy), masker in MASKERS.items():
        masked, entities = masker.mask_text(text)
        bound = masker.max_growth_per_entity
        assert len(masked) <= len(text) + bound * len(entities), (action, policy, masked)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["message", "labels.a", "url.full", "trace.id", "labels.token"]), MIXED))
def test_documents_keep_their_keys(doc: dict[str, str]) -> None:
    before = set(doc)
    fired = load_masker().mask_document(doc)
    assert set(doc) == before
    assert all(isinstance(t, str) and t.isupper() for t in fired)


ADVERSARIAL = [
    "1" * 1000,  # digit runs (cards, RRNs, phones)
    "1-" * 500,
    "1 " * 500,
    "a" * 1000 + "@",  # e-mail local part without a domain
    "a@" * 500,
    "a." * 500 + "@b",
    ":" * 1000,  # IPv6 colons
    "1:" * 500,
    "ab:" * 333,
    "1." * 500,  # IPv4 dots
    "AB12 " * 200,  # IBAN groups
    "password=" * 100,
    '"secret": "' * 100,
    "\\x" * 500,
    "-----BEGIN PRIVATE KEY-----" * 30,
    "eyJa." * 200,
    "+1 " * 300,
    "(12) " * 200,
    "M123" * 250,
    "00:" * 333,
    "1 2" * 333,  # space-separated digits: a card candidate at every group (was 9 us per character)
    "12 " * 333,
    "123 " * 250,  # groups a card can be written in, none a card
    "4111 1111 1111 111 " * 50,
    " ".join(map(str, range(300))),  # counters: many numbers, many overlapping candidates
    "10.1.2.3 " * 111,  # thousands of entities in one text (overlap resolution)
]


def _elapsed(text: str) -> float:
    masker = load_masker()
    start = time.perf_counter()
    masker.mask_text(text)
    return time.perf_counter() - start


# A linear baseline: ordinary log lines (a timestamp, words, numbers, a path, an IP) cost what masking
# normally costs per character.
BASELINE_LINE = "2024-05-01T10:00:00Z INFO order 12345 created for user 77 from 10.1.2.3 in 35ms path=/api/v1/x\n"


def test_linear_time_on_adversarial_input() -> None:
    """Each hostile pattern at ~5 KB and ~50 KB: the larger must not cost much more than 10x, and no
    pattern may cost much more per character than ordinary log text.

    Not a timing threshold: super-linear patterns would cost 100x (quadratic) or never finish; the ratio
    allowed (30x, with a 2 ms floor under the small input) leaves room for noise and cache effects on a
    busy machine. The second bound catches a linear but huge constant ("1 2 1 2 ..." once cost 9 us per
    character, ~200x ordinary text); 100x is generous (the slowest shapes are ~40x). The minimum of 3 runs
    damps scheduling jitter.
    """
    baseline = min(_elapsed(BASELINE_LINE * (50_000 // len(BASELINE_LINE) + 1)) for _ in range(3))
    for unit in ADVERSARIAL:
        small = unit * (5_000 // len(unit) + 1)
        large = unit * (50_000 // len(unit) + 1)
        t_small = min(_elapsed(small) for _ in range(3))
        t_large = min(_elapsed(large) for _ in range(3))
        assert t_large <= max(t_small, 2e-3) * 30, f"{unit[:20]!r}: {t_small:.4f}s at 5 KB, {t_large:.4f}s at 50 KB"
        assert t_large <= max(baseline, 1e-3) * 100, f"{unit[:20]!r}: {t_large:.4f}s, ordinary text {baseline:.4f}s"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT | MIXED)
def test_idempotent_for_placeholder_actions(text: str) -> None:
    """``<TYPE>`` and ``<TYPE:hash>`` stay as they are when masked again (the notifier masks stored text
    once more). ``partial`` is not covered: the characters it keeps can join neighbours into a new match
    (``****1111:0::`` holds the IPv6 address ``1111:0::``)."""
    for (action, policy), masker in MASKERS.items():
        if action == "partial":
            continue
        once, _ = masker.mask_text(text)
        assert masker.mask_text(once)[0] == once, (action, policy)
