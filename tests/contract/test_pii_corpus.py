"""Recall and precision of the masking engine over the labelled PII corpus (../shared/data/pii/cases.jsonl).

Scoring rules (also in docs/masking.md):
- Scored types: the ones the engine targets. US_SSN, US_ITIN, US_BANK_NUMBER, CRYPTO, URL (we mask URL
  credentials, not whole URLs) and generic LUHN_NUMBER cases are excluded. DATE_TIME cases are kept as
  look-alike negatives: dates must never be masked as anything.
- Presidio test cases label only their recognizer's type, so a case is judged on that type alone (its
  RRN tests list foreigner numbers as non-RRN; we mask those as KR_FRN, which that case does not judge).
  stdnum cases are judged on their module's type; real-log look-alikes are fully labelled (all types).
- stdnum's ``kr.rrn`` accepts foreigner numbers (gender digit 5-8), which Presidio names KR_FRN: either
  name counts for them. stdnum's ``kr.brn`` checks no check digit while Presidio's does (and the issue
  asks for it): the stdnum BRN positives failing the checksum are reported as label disagreements and
  not scored.
- Phone cases run with a phonenumbers leniency other than Presidio's default (1) are excluded, so are cases
  marked ``ambiguous`` (the checksum-invalid RRN-shaped number: we mask it, see test_masking_recognizers).
- A positive is found when an entity of the expected type overlaps the expected span (the value's first
  occurrence when the case gives no offsets; any entity of the type when ``positions_unspecified``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from logpipe.masking import load_masker
from logpipe.masking.validators import brn_ok

TARGET_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IP_ADDRESS",
    "IBAN_CODE",
    "MAC_ADDRESS",
    "KR_RRN",
    "KR_FRN",
    "KR_BRN",
    "KR_PASSPORT",
    "KR_DRIVER_LICENSE",
)
EXCLUDED_RECOGNIZERS = {"US_SSN", "US_ITIN", "US_BANK_NUMBER", "CRYPTO", "URL"}
FAMILY = {"KR_FRN": "KR_RRN"}  # used for stdnum's kr.rrn cases only
MIN_RECALL = 0.99
MAX_NEGATIVE_RATE = 0.01


def _family(entity: str) -> str:
    return FAMILY.get(entity, entity)


def _scope(case: dict[str, Any]) -> set[str] | None:
    """Which families a case is labelled for (None = excluded)."""
    if case.get("ambiguous"):
        return None
    origin = case["origin"]
    if origin == "presidio-test":
        rec = case["recognizer_entity"]
        if rec in EXCLUDED_RECOGNIZERS:
            return None
        if rec == "PHONE_NUMBER" and case.get("phonenumbers_leniency", 1) != 1:
            return None
        if rec == "DATE_TIME":
            return set(TARGET_TYPES)
        return {rec}
    if origin == "python-stdnum-doctest":
        path = case["source"].rsplit(":", 1)[-1]
        for marker, family in (("kr_rrn", "KR_RRN"), ("kr/rrn", "KR_RRN"), ("kr_brn", "KR_BRN"), ("kr/brn", "KR_BRN")):
            if marker in path:
                return {family}
        return {"IBAN_CODE"} if "iban" in path else None
    return set(TARGET_TYPES)


def _expected_spans(case: dict[str, Any], stdnum: bool) -> list[tuple[int, int, str]]:
    spans = []
    searched_from: dict[str, int] = {}
    for e in case["expected_entities"]:
        entity = _family(e["type"]) if stdnum else e["type"]
        if "start" in e:
            spans.append((e["start"], e["end"], entity))
        else:  # repeated values: successive occurrences
            start = case["text"].find(e["value"], searched_from.get(e["value"], 0))
            searched_from[e["value"]] = start + len(e["value"])
            spans.append((start, start + len(e["value"]), entity))
    return spans


def _label_disagreement(case: dict[str, Any]) -> bool:
    """stdnum's BRN positives that fail the check digit (stdnum does not check it; Presidio does)."""
    if case["origin"] != "python-stdnum-doctest" or not case["expected_entities"]:
        return False
    if case["expected_entities"][0]["type"] != "KR_BRN":
        return False
    digits = "".join(ch for ch in case["text"] if ch.isdigit())
    return len(digits) == 10 and not brn_ok(digits)


def score(cases: list[dict[str, Any]]) -> dict[str, Any]:
    masker = load_masker()
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    negatives = masked_negatives = 0
    misses: list[str] = []
    disagreements: list[str] = []
    for case in cases:
        scope = _scope(case)
        if scope is None:
            continue
        text = case["text"]
        if _label_disagreement(case):
            disagreements.append(text)
            continue
        stdnum = case["origin"] == "python-stdnum-doctest"
        found = [(s, e, _family(t) if stdnum else t) for s, e, t in masker.find(text)]
        found = [f for f in found if f[2] in scope]
        expected = [x for x in _expected_spans(case, stdnum) if x[2] in scope]
        if case.get("positions_unspecified"):
            fam = case["recognizer_entity"]
            hit = any(t == fam for _, _, t in found)
            tp[fam] += int(hit)
            fn[fam] += int(not hit)
            continue
        if not expected:
            negatives += 1
            if found:
                masked_negatives += 1
                misses.append(f"FP {found} in {text!r}")
        for s, e, t in expected:
            if any(t == ft and fs < e and s < fe for fs, fe, ft in found):
                tp[t] += 1
            else:
                fn[t] += 1
                misses.append(f"FN {t} {text[s:e]!r} in {text!r}")
        for fs, fe, ft in found:
            if expected and not any(t == ft and fs < e and s < fe for s, e, t in expected):
                fp[ft] += 1
                misses.append(f"FP {ft} {text[fs:fe]!r} in {text!r}")
    return {
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "negatives": negatives,
        "masked_negatives": masked_negatives,
        "misses": misses,
        "disagreements": disagreements,
    }


def _table(result: dict[str, Any]) -> str:
    lines = [f"{'type':<20}{'positives':>10}{'found':>8}{'recall':>9}{'false+':>8}{'precision':>11}"]
    tp, fn, fp = result["tp"], result["fn"], result["fp"]
    for t in sorted(set(tp) | set(fn) | set(fp)):
        pos = tp[t] + fn[t]
        recall = tp[t] / pos if pos else 1.0
        precision = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 1.0
        lines.append(f"{t:<20}{pos:>10}{tp[t]:>8}{recall:>9.3f}{fp[t]:>8}{precision:>11.3f}")
    rate = result["masked_negatives"] / result["negatives"] if result["negatives"] else 0.0
    lines.append(f"negative/look-alike cases: {result['negatives']}, masked: {result['masked_negatives']} ({rate:.2%})")
    lines.append(f"not scored (stdnum BRN without check digit): {', '.join(result['disagreements'])}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data / "pii" / "cases.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_recall_and_precision_per_type(corpus: list[dict[str, Any]]) -> None:
    result = score(corpus)
    print("\n" + _table(result))
    for miss in result["misses"]:
        print("  ", miss)
    tp, fn = result["tp"], result["fn"]
    for t in set(tp) | set(fn):
        assert tp[t] / (tp[t] + fn[t]) >= MIN_RECALL, f"recall of {t} below {MIN_RECALL}"
    assert result["negatives"] > 100
    assert result["masked_negatives"] / result["negatives"] <= MAX_NEGATIVE_RATE


def test_every_target_type_is_scored(corpus: list[dict[str, Any]]) -> None:
    result = score(corpus)
    scored = set(result["tp"]) | set(result["fn"])
    assert {_family(t) for t in TARGET_TYPES} <= scored
