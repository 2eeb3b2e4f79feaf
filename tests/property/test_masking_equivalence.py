"""Fast paths of the masking engine against their plain definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.masking.engine import CUSTOM_PRIORITY, PRIORITY, _resolve
from logpipe.masking.recognizers import Span
from logpipe.masking.validators import card_brand_ok, card_lengths


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=22))
def test_card_lengths_are_the_brand_rules(digits: str) -> None:
    lengths = card_lengths(digits[:4])
    assert card_brand_ok(digits) == (lengths is not None and lengths[0] <= len(digits) <= lengths[1])


def _resolve_by_definition(spans: list[Span]) -> list[Span]:
    """Highest priority, then longest, then leftmost first; keep what overlaps nothing kept."""
    ordered = sorted(spans, key=lambda s: (-PRIORITY.get(s[2], CUSTOM_PRIORITY), s[0] - s[1], s[0]))
    kept: list[Span] = []
    for start, end, entity in ordered:
        if all(end <= k[0] or start >= k[1] for k in kept):
            kept.append((start, end, entity))
    return sorted(kept)


SPANS = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 25), st.sampled_from(["EMAIL_ADDRESS", "PHONE_NUMBER", "SECRET"])).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(SPANS)
def test_overlap_resolution_matches_its_definition(spans: list[Span]) -> None:
    if spans:
        assert _resolve(list(spans)) == _resolve_by_definition(spans)
