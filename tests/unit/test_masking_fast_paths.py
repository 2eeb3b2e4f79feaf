"""Detectors rewritten for speed keep the output of their plain form.

The IPv4 detector finds addresses from their first dot instead of scanning every digit; the plain form is
the single regex below with ``finditer``. Both run here over hostile and ordinary dotted text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.masking import recognizers
from logpipe.masking.recognizers import ScanContext
from logpipe.masking.validators import ipv4_ok

PLAIN_IPV4 = re.compile(r"\d(?<![A-Za-z0-9_.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?:/\d{1,2})?(?![A-Za-z0-9_])")
VERSION_HINTS = ("version", "ver ", "ver=", "ver:", "release", "build")


def plain_ipv4(text: str) -> list[tuple[int, int, str]]:
    """The IPv4 detector as one ``finditer`` over the plain pattern."""
    out = []
    lower = text.lower()
    for m in PLAIN_IPV4.finditer(text):
        start, end = m.span()
        base, _, prefix = m.group().partition("/")
        if prefix and int(prefix) > 32:
            end = start + len(base)
        if not ipv4_ok(base) or (start and text[start - 1] == "~"):
            continue
        if any(h in lower[max(0, start - 12) : start] for h in VERSION_HINTS):
            continue
        out.append((start, end, "IP_ADDRESS"))
    return out


def fast_ipv4(text: str) -> list[tuple[int, int, str]]:
    return recognizers.BUILTIN_FINDERS["ipv4"][1](ScanContext(text), ())


CASES = [
    "client 10.1.2.3 blocked",
    "192.168.1.0/24 and 1.2.3.4/33",
    "1.2.3.4.5.6.7",
    "1.2.3.4/24.5.6.7",  # the next address would start inside the previous match
    "1234.5.6.7",
    "IP192.168.1.1text",
    "٣1.2.3.4",  # a digit of another script before the first octet
    "a٣٣1.2.3.4",
    "version 6.1.1.0, build=10.0.19041.1, amd64~~6.1.1.0",
    "0.0.0.0 0.1.2.3 256.1.1.1 01.2.3.4",
    "29.36.114.47 - - [01/May/2024:22:39:22 +0000] 0.740",
]


@pytest.mark.parametrize("text", CASES)
def test_ipv4_from_dots_equals_plain_pattern(text: str) -> None:
    assert fast_ipv4(text) == plain_ipv4(text)


DOTTED = st.lists(st.sampled_from([*"0123456789....////~ aZ_٣x", "version ", "256", "/24"]), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(DOTTED)
def test_ipv4_from_dots_equals_plain_pattern_generated(text: str) -> None:
    assert fast_ipv4(text) == plain_ipv4(text)
