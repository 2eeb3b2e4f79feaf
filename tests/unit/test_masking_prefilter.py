"""The masking prefilter decides which detectors run; it must never skip one that would have found something.

Every test here compares the engine with the prefilter (the default) against the same engine without it
(``Masker(..., prefilter=False)``: every detector's own guard on every text), so a detector changed in
``recognizers.py`` without its prefilter condition fails here, not silently in production.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe.masking import Masker
from logpipe.masking.config import load_config
from logpipe.masking.prefilter import ALL, BITS, candidates, reversed_key_guard

KEY = b"prefilter-test-key"


@pytest.fixture(scope="module")
def maskers() -> tuple[Masker, Masker]:
    config = load_config()
    return Masker(config, KEY), Masker(config, KEY, prefilter=False)


FIELDS = (None, "message", "labels.phone", "labels.rrn", "labels.brn", "labels.license_no", "labels.note")

# Every form the detectors know, glued and spaced, plus look-alikes (from test_masking_recognizers and the
# hostile inputs of the property tests).
POSITIVES = [
    "mail kim@example.com now",
    "홍길동12@naver.com",
    "010-1234-5678",
    "전화 01012345678로",
    "+82 10 1234 5678",
    "+821012345678",
    "+44 (20) 7123 4567",
    "(415) 555-0132",
    "phone 415.555.0132",
    "tel 13812345678",
    "02-123-4567",
    "0212345678",
    "09-7625400",
    "4111 1111 1111 1111",
    "5555 5555 5555 4444",  # (single-digit groups "4 1 1 ..." are no longer card candidates: see recognizers._CARD)
    "3714-496353-98431",
    "card=4111111111111111;",
    "10.1.2.3",
    "client 192.168.1.0/24 blocked",
    "2001:db8::1",
    "::ffff:192.0.2.1",
    "1:2:3:4:5:6:7:8",
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "iban NL91-ABNA-0417-1643-00",
    "00:1A:2B:3C:4D:5E",
    "00-1a-2b-3c-4d-5e",
    "0012.3456.789A",
    "960121-1234567",
    "rrn 9601211234567",
    "960121 - 1234567",
    "rrn 960121\t-\t1234567 TX1111111111111",
    "104-86-56659",
    "사업자 1048656659",
    "220 88 69974",
    "11-22-123456-12",
    "license 112212345612",
    "28 22 123456 12",
    "여권번호는 M789C1234입니다",
    "passport m12345678.",
    "S12345678",
    "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    "Authorization: Bearer abcDEF123456",
    "basic dXNlcjpwYXNzd29yZA==",
    "key AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY----- truncated",
    "password=hunter2",
    '{"secret": "s3cr3t"}',
    "DB_PASSWORD = 'p w'",
    'db_password=\\"x\\"',
    "Api-Key:abc123",
    "postgres://app:s3cr3t@db/x",
    "GET /x?access_token=abc&page=2",
]
LOOKALIKES = [
    "Completed request in 2666 ms status=400",
    "Order 72458855 created for customer 184759 total=779649 KRW",
    "[trace_id=0dbea4c74ee4da3942112b4ab41113b3 span_id=479c620c306e5f45] Payment authorization succeeded",
    "Retrying call to inventory-svc attempt=29 backoff=2039ms",
    "Fetched 5351 items from cache key=catalog:48723996",
    "TX477739123114",
    "ip-10-0-255-124",
    "blk_-6952295868487656571",
    "created_ms=1510254469499",
    "version 6.1.1.0",
    "amd64~~6.1.1.0",
    "2024-05-02T10:11:12.123Z",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
    "[02/May/2024:00:53:41 +0000]",
    "std::vector<int>",
    "http://payment-svc:8080/v1/charge",
]
# Texts the ASCII shapes cannot describe: other-script digits, and 'İ' (its lower case is 2 characters).
UNSHAPED = ["９６０１２１-１２３４５６７", "٠١٠-١٢٣٤-٥٦٧٨", "İstanbul password=x", "tel ０１０ １２３４ ５６７８"]


@pytest.mark.parametrize("text", POSITIVES + LOOKALIKES + UNSHAPED)
@pytest.mark.parametrize("field", FIELDS)
def test_same_spans_with_and_without_prefilter(maskers: tuple[Masker, Masker], text: str, field: str | None) -> None:
    fast, reference = maskers
    assert fast.find(text, field) == reference.find(text, field)


@pytest.mark.parametrize("text", POSITIVES)
def test_positives_pass_the_prefilter(maskers: tuple[Masker, Masker], text: str) -> None:
    fast, _ = maskers
    assert fast.find(text), text  # each is found on its own (weak forms count as a whole value)


@pytest.mark.parametrize("text", LOOKALIKES[:8])
def test_clean_log_lines_run_no_detector(maskers: tuple[Masker, Masker], text: str) -> None:
    """The point of the prefilter: ordinary lines (numbers, ids, key=value pairs) are ruled out at once."""
    fast, _ = maskers
    assert candidates(text, fast._pair_guard) == 0


@pytest.mark.parametrize("text", UNSHAPED)
def test_texts_the_shapes_cannot_describe_run_everything(text: str) -> None:
    assert candidates(text, None) == ALL


def test_bits_name_every_builtin_detector() -> None:
    from logpipe.masking.recognizers import BUILTIN_FINDERS

    assert set(BUILTIN_FINDERS) <= set(BITS)


def test_reversed_key_guard_sees_every_separator_form() -> None:
    guard = reversed_key_guard(("password", "api_key"))
    for text in ("password=x", "password: x", 'password" : x', 'password\\"=x', "my_api_key =x", "API_KEY:x"):
        low = text.lower().replace(":", "=")
        assert guard.search(low[::-1]), text
    for text in ("passwords", "password reset", "api_key_id x"):
        assert not guard.search(text.lower().replace(":", "=")[::-1]), text


ALPHABET = st.sampled_from(list("0123456789 -.()/+:@=_abcdefABCDEFMSRODGmsrodgKIAJy\"'\\\t<>~,;&?#가１٣İK"))
FRAGMENTS = st.sampled_from([*POSITIVES, *LOOKALIKES, "tel", "rrn", "사업자", "면허", "x", "1", " ", "-", "."])
TEXTS = st.one_of(
    st.text(alphabet=ALPHABET, max_size=80),
    st.lists(st.one_of(FRAGMENTS, st.text(alphabet=ALPHABET, max_size=6)), max_size=6).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.sampled_from(FIELDS))
def test_prefilter_never_changes_spans(text: str, field: str | None) -> None:
    config = load_config()
    assert Masker(config, KEY).find(text, field) == Masker(config, KEY, prefilter=False).find(text, field)


def test_pii_corpus_same_spans(maskers: tuple[Masker, Masker], shared_data: Path) -> None:
    fast, reference = maskers
    with (shared_data / "pii" / "cases.jsonl").open(encoding="utf-8") as cases:
        texts = [json.loads(line)["text"] for line in cases]
    for text in texts:
        for field in (None, "message", "labels.rrn"):
            assert fast.find(text, field) == reference.find(text, field), (text, field)
