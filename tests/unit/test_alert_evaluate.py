"""The local evaluator: monitor semantics over plain nested ECS documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from logpipe.alerting.evaluate import evaluate_rules, matches
from logpipe.alerting.rules import Match, parse_rules

T0 = datetime(2025, 11, 25, 7, 0, 0, tzinfo=UTC)


def doc(seconds: float, service: str, level: str = "error", message: str = "boom", **extra: Any) -> dict[str, Any]:
    ts = (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    out: dict[str, Any] = {"@timestamp": ts, "service": {"name": service}, "log": {"level": level}, "message": message}
    out.update(extra)
    return out


def rules(*specs: dict[str, Any]) -> Any:
    return parse_rules({"rules": list(specs)}, "test.yaml").rules


SPIKE = {"name": "spike", "severity": "high", "match": {"levels": ["error"]}, "window": "5m", "threshold": 5}


def test_count_rule_fires_per_service_at_threshold() -> None:
    docs = [doc(i, "checkout") for i in range(5)] + [doc(i, "cart") for i in range(4)]
    [result] = evaluate_rules(rules(SPIKE), docs)
    assert [f.group for f in result.firings] == [{"service.name": "checkout"}]
    assert result.firings[0].count == 5
    assert result.matched == 9


def test_count_rule_respects_the_window() -> None:
    spread = [doc(i * 120, "checkout") for i in range(5)]  # 5 errors over 8 minutes
    [result] = evaluate_rules(rules(SPIKE), spread)
    assert not result.fired
    dense = [doc(i * 30, "checkout") for i in range(5)]
    [result] = evaluate_rules(rules(SPIKE), dense)
    assert result.fired
    assert result.firings[0].first_fired == T0 + timedelta(minutes=2)  # the tick at the 5th error (lte)


def test_evaluation_at_a_given_time() -> None:
    docs = [doc(i, "checkout") for i in range(6)]
    [early] = evaluate_rules(rules(SPIKE), docs, at=T0 - timedelta(minutes=1))
    [now] = evaluate_rules(rules(SPIKE), docs, at=T0 + timedelta(minutes=1))
    [late] = evaluate_rules(rules(SPIKE), docs, at=T0 + timedelta(minutes=10))
    assert (early.fired, now.fired, late.fired) == (False, True, False)


def test_ratio_rule_needs_the_share() -> None:
    ratio = {**SPIKE, "name": "ratio", "ratio": 0.5, "threshold": 2}
    noisy = [doc(i, "a") for i in range(3)] + [doc(i, "a", level="info") for i in range(10)]
    quiet = [doc(i, "b") for i in range(3)] + [doc(i, "b", level="info") for i in range(1)]
    [result] = evaluate_rules(rules(ratio), noisy + quiet)
    assert [f.group["service.name"] for f in result.firings] == ["b"]
    assert (result.firings[0].count, result.firings[0].total) == (3, 4)


def test_document_rule_fires_per_matching_document_grouped_by_service() -> None:
    oom = {
        "name": "oom",
        "severity": "critical",
        "kind": "document",
        "match": {"error_types": ["java.lang.OutOfMemoryError"]},
    }
    docs = [
        doc(1, "inv", error={"type": "java.lang.OutOfMemoryError"}, trace={"id": "t1"}),
        doc(2, "inv", error={"type": "java.lang.OutOfMemoryError"}, trace={"id": "t2"}),
        doc(3, "inv", error={"type": "java.lang.IllegalStateException"}),
    ]
    [result] = evaluate_rules(rules(oom), docs)
    assert len(result.firings) == 1 and result.firings[0].count == 2
    assert result.firings[0].as_dict()["sample_trace_ids"] == ["t1", "t2"]


def test_message_phrase_matches_case_insensitively_and_flat_docs_work() -> None:
    match = Match(message_contains=("payment failed",))
    assert matches(match, {"message": "Payment FAILED for order 1"})
    assert not matches(match, {"message": "payment ok"})
    assert matches(Match(services=("a",), levels=("warn",)), {"service.name": "a", "log.level": "warn"})


def test_documents_without_timestamp_are_skipped_and_disabled_rules_ignored() -> None:
    disabled = {**SPIKE, "name": "off", "enabled": False}
    docs = [{"service": {"name": "x"}, "log": {"level": "error"}}] * 10
    results = evaluate_rules(rules(SPIKE, disabled), docs)
    assert [r.rule.name for r in results] == ["spike"]
    assert results[0].matched == 0
