"""Unit tests per recognizer: positives, look-alikes that must stay, actions and configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from logpipe.configfile import ConfigError
from logpipe.masking import Masker, build_masker, load_masker
from logpipe.masking.config import load_config, parse_config

BUILTIN = Path(__file__).resolve().parents[2] / "layers" / "shared" / "logpipe" / "config" / "masking.yaml"


def types(text: str) -> list[str]:
    return [t for _, _, t in load_masker().find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contact kim.lee+1@corp.co.kr now", ["EMAIL_ADDRESS"]),
        ("이메일 홍길동12@naver.com", ["EMAIL_ADDRESS"]),
        ("call 010-1234-5678", ["PHONE_NUMBER"]),
        ("office 02-123-4567", ["PHONE_NUMBER"]),
        ("intl +82 10 1234 5678", ["PHONE_NUMBER"]),
        ("e164 +821012345678", ["PHONE_NUMBER"]),
        ("고객 연락처 01012345678", ["PHONE_NUMBER"]),
        ("user 01012345678", ["PHONE_NUMBER"]),  # bare mobile: the common Korean storage form, no keyword
        ("order by 01098765432 done", ["PHONE_NUMBER"]),
        ("old 0161234567 number", ["PHONE_NUMBER"]),  # 10-digit 01x mobile
        ("01012345678로 발송", ["PHONE_NUMBER"]),  # Korean particle glued on: ASCII boundaries
        ("번호010-1234-5678입니다", ["PHONE_NUMBER"]),
        ("kim@example.com으로 발송", ["EMAIL_ADDRESS"]),  # Korean particles glued on: ASCII boundaries
        ("카드4111111111111111입니다", ["CREDIT_CARD"]),
        ("주민번호960121-1234567입니다", ["KR_RRN"]),
        ("사업자등록번호104-86-56659입니다", ["KR_BRN"]),
        ("면허번호11-22-123456-12입니다", ["KR_DRIVER_LICENSE"]),
        ("서버10.1.2.3에서 접속", ["IP_ADDRESS"]),
        ("서버2001:db8::1에서 접속", ["IP_ADDRESS"]),
        ("맥00:1A:2B:3C:4D:5E입니다", ["MAC_ADDRESS"]),
        ("계좌DE89370400440532013000입니다", ["IBAN_CODE"]),
        ("토큰eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl입니다", ["JWT"]),
        ("tel: 0212345678", ["PHONE_NUMBER"]),  # Seoul landline without separators, keyword near
        ("전화 021234567", ["PHONE_NUMBER"]),
        ("fax 0311234567", ["PHONE_NUMBER"]),
        ("call 07012345678", ["PHONE_NUMBER"]),
        ("card 4111 1111 1111 1111 ok", ["CREDIT_CARD"]),
        ("card 3714-496353-98431", ["CREDIT_CARD"]),
        ("from 173.234.31.186 port 22", ["IP_ADDRESS"]),
        ("v6 2001:db8::1 blocked", ["IP_ADDRESS"]),
        ("iban DE89 3704 0044 0532 0130 00 paid", ["IBAN_CODE"]),
        ("mac 00:1A:2B:3C:4D:5E up", ["MAC_ADDRESS"]),
        ("rrn 960121-1234567", ["KR_RRN"]),
        ("frn 911124-5678906", ["KR_FRN"]),
        ("960121-1234567", ["KR_RRN"]),  # checksum-invalid but date-valid: still masked (post-2020 numbers)
        ("rrn=880623-2986944", ["KR_RRN"]),  # place-of-birth code > 96: random digits of a re-issued number
        ("사업자 104-86-56659", ["KR_BRN"]),
        ("license 11-22-123456-12", ["KR_DRIVER_LICENSE"]),
        ("여권번호는 M789C1234입니다", ["KR_PASSPORT"]),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", ["JWT"]),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", ["AUTH_TOKEN"]),
        ("key AKIAIOSFODNN7EXAMPLE", ["AWS_ACCESS_KEY"]),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["AWS_SECRET_KEY"]),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", ["PRIVATE_KEY"]),
        ('{"password": "hunter2"}', ["SECRET"]),
        ("login password=abc!#$9 ok", ["SECRET"]),
        ("GET /cb?code=1&access_token=abc123&x=1", ["SECRET"]),
        ("postgres://app:s3cr3t@db:5432/x", ["URL_CREDENTIALS"]),
    ],
)
def test_detects(text: str, expected: list[str]) -> None:
    assert types(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '"approximateArrivalTimestamp": 1510254469499,',  # epoch ms shaped like an RRN
        "ts=1684864917398",  # epoch ms passing Luhn
        "block blk_-6952295868487656571 terminating",  # HDFS block id passing Luhn
        "request_id=a8eedfd6-9d8a-44e0-b0fc-cc7d517db5dc",  # UUID
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "wcp.dll version 0.0.0.6 called",  # version looking like IPv4
        "Package_for_KB3121255~31bf3856ad364e35~amd64~~6.1.1.0",
        "2024-03-15T14:30:00.123Z order 2024-0001 done",  # ISO date, order number
        "took 30000ms, duration=1234.567ms",  # durations
        "Session: 30546173_4275933214 initialized",  # BRN-checksum epoch seconds
        "action start 1076546290 1 boot",  # BRN-checksum epoch seconds, bare
        "chip FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC",  # 12-octet id, not a MAC
        "Broadcast: FF:FF:FF:FF:FF:FF",
        "971013-9019903",  # born 1897 (gender digit 9) with a failing check digit: not a live number
        "051102-9234110",  # born 1805: before anyone alive in 1968
        "Basic realm and token expired",
        "at com.example.Foo.bar(Foo.java:123) 12:01:25",
        "order TX123456789012 total=129000 KRW",
        "seq 0212345678 done",  # bare landline shape without a phone keyword: an id
        "ts=01012345678901 x",  # 14 digits: not a mobile
        "id a01012345678 and 01012345678b",  # glued to letters: part of an id
        "v 1.01012345678",  # decimals
        "blk_01012345678",
        "IP192.168.1.1text",  # glued to ASCII letters: part of an identifier
        "x2001:db8::1",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert types(text) == []


def test_offsets_refer_to_the_input() -> None:
    text = "메일 kim@example.com, 카드 4111-1111-1111-1111"
    masked, entities = load_masker().mask_text(text)
    assert masked == "메일 <EMAIL_ADDRESS>, 카드 <CREDIT_CARD>"
    assert [text[e.start : e.end] for e in entities] == ["kim@example.com", "4111-1111-1111-1111"]


def _masker(tmp_path: Path, **changes: object) -> Masker:
    doc = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    rules = changes.pop("rules", None)
    doc.update(changes)
    if isinstance(rules, dict):
        for rule in doc["rules"]:
            rule.update(rules.get(rule["type"], {}))
    return build_masker(parse_config(doc, "masking.yaml"))


def test_partial_keeps_last_four(tmp_path: Path) -> None:
    masker = _masker(tmp_path, rules={"CREDIT_CARD": {"action": "partial"}, "PHONE_NUMBER": {"action": "partial"}})
    text, _ = masker.mask_text("card 4111-1111-1111-1111 tel 010-9876-5432")
    assert text == "card ****-****-****-1111 tel ***-****-5432"


def test_hash_is_keyed_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGPIPE_HMAC_KEY", "k1")
    masker = _masker(tmp_path, rules={"EMAIL_ADDRESS": {"action": "hash"}})
    a, _ = masker.mask_text("kim@example.com")
    b, _ = masker.mask_text("x kim@example.com")
    assert a.startswith("<EMAIL_ADDRESS:") and b == "x " + a and "kim" not in a
    monkeypatch.setenv("LOGPIPE_HMAC_KEY", "k2")
    other = _masker(tmp_path, rules={"EMAIL_ADDRESS": {"action": "hash"}})
    assert other.mask_text("kim@example.com")[0] != a


def test_hash_without_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGPIPE_HMAC_KEY", raising=False)
    monkeypatch.delenv("LOGPIPE_HMAC_SECRET_ARN", raising=False)
    with pytest.raises(ConfigError, match="LOGPIPE_HMAC_SECRET_ARN"):
        _masker(tmp_path, rules={"EMAIL_ADDRESS": {"action": "hash"}})


def test_hash_key_from_secrets_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_get_secret(name: str, **_: object) -> str:
        calls.append(name)
        return "from-secrets-manager"

    import aws_lambda_powertools.utilities.parameters as parameters

    monkeypatch.setattr(parameters, "get_secret", fake_get_secret)
    monkeypatch.delenv("LOGPIPE_HMAC_KEY", raising=False)
    monkeypatch.setenv("LOGPIPE_HMAC_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:k")
    masker = _masker(tmp_path, rules={"EMAIL_ADDRESS": {"action": "hash"}})
    assert calls == ["arn:aws:secretsmanager:us-east-1:1:secret:k"]
    assert masker.mask_text("kim@example.com")[0].startswith("<EMAIL_ADDRESS:")


def test_no_key_fetched_without_hash_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGPIPE_HMAC_KEY", raising=False)
    monkeypatch.delenv("LOGPIPE_HMAC_SECRET_ARN", raising=False)
    assert build_masker(load_config()).uses_hash is False


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("keep", "10.251.111.130"), ("mask", "<IP_ADDRESS>"), ("truncate", "10.251.111.0")],
)
def test_ip_policy(tmp_path: Path, policy: str, expected: str) -> None:
    masker = _masker(tmp_path, ip_policy=policy)
    doc = {"source.ip": "10.251.111.130", "message": "from 10.251.111.130"}
    masker.mask_document(doc)
    assert doc == {"source.ip": expected, "message": f"from {expected}"}


def test_ipv6_truncates_to_48(tmp_path: Path) -> None:
    masker = _masker(tmp_path, ip_policy="truncate")
    assert masker.mask_text("c 2001:db8:abcd:12::7 x")[0] == "c 2001:db8:abcd:: x"


def test_mask_document_fields() -> None:
    doc = {
        "@timestamp": "2024-05-01T10:00:00.000Z",
        "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "service.name": "user-svc",
        "kubernetes.pod.name": "kim@example.com",  # skipped subtree
        "message": "user kim@example.com logged in from 10.1.2.3",
        "labels.db_password": "hunter2",
        "labels.rrn": "9601211021413",  # bare digits: the field name is the context
        "labels.created_ms": "1510254469499",  # bare digits, no context: a timestamp
        "labels.note": "<REDACTED>",
        "http.response.status_code": 200,
        "tags": ["kim@example.com", 3],
        "labels.request_id": "a8eedfd6-9d8a-44e0-b0fc-cc7d517db5dc",
        "labels.span": "00f067aa0ba902b7",
        "labels.card": "4111111111111111",  # 16 characters, but digits: a card, not a hex id
        "labels.iban": "BE68539007547034",  # 16 hex-looking characters, upper case: an IBAN
    }
    fired = load_masker().mask_document(doc)
    assert fired == {"EMAIL_ADDRESS", "IP_ADDRESS", "SECRET", "KR_RRN", "CREDIT_CARD", "IBAN_CODE"}
    assert doc["labels.request_id"] == "a8eedfd6-9d8a-44e0-b0fc-cc7d517db5dc"
    assert doc["labels.span"] == "00f067aa0ba902b7"
    assert doc["labels.card"] == "<CREDIT_CARD>"
    assert doc["labels.iban"] == "<IBAN_CODE>"
    assert doc["message"] == "user <EMAIL_ADDRESS> logged in from <IP_ADDRESS>"
    assert doc["labels.db_password"] == "<SECRET>"
    assert doc["labels.rrn"] == "<KR_RRN>"
    assert doc["labels.created_ms"] == "1510254469499"
    assert doc["kubernetes.pod.name"] == "kim@example.com"
    assert doc["tags"] == ["<EMAIL_ADDRESS>", 3]
    assert doc["labels.note"] == "<REDACTED>"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rules": [{"type": "EMAIL_ADDRESS", "action": "hide"}]}, "rules[0].action: 'hide' is not one of"),
        ({"rules": [{"type": "EMAIL_ADDRESS", "detector": "mail"}]}, "rules[0].detector"),
        ({"rules": [{"type": "email"}]}, "rules[0].type"),
        ({"ip_policy": "drop"}, "ip_policy"),
        ({"custom_rules": [{"type": "EMP_ID", "pattern": "EMP-("}]}, "custom_rules[0].pattern: invalid regular"),
        ({"rulez": []}, "unknown key 'rulez'"),
    ],
)
def test_config_errors_name_file_and_location(change: dict[str, object], message: str) -> None:
    doc = {"version": 1, "rules": []}
    doc.update(change)
    with pytest.raises(ConfigError, match=r"masking\.yaml: .*" + message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(doc, "masking.yaml")


def test_custom_rule(tmp_path: Path) -> None:
    (tmp_path / "masking.yaml").write_text(
        "version: 1\nrules: [{type: EMAIL_ADDRESS, detector: email}]\n"
        "custom_rules: [{type: EMPLOYEE_ID, pattern: 'EMP-\\d{6}', guard: 'EMP-', action: partial, keep_last: 2}]\n",
        encoding="utf-8",
    )
    masker = load_masker(str(tmp_path))
    assert masker.mask_text("by EMP-123456 kim@example.com")[0] == "by ***-****56 <EMAIL_ADDRESS>"


def test_hash_placeholders_are_not_masked_again(tmp_path: Path) -> None:
    # "<AUTH_TOKEN:...>" reads like "token: value"; the notifier masks stored text a second time.
    masker = Masker(
        parse_config(
            yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
            | {
                "rules": [
                    {"type": "AUTH_TOKEN", "detector": "auth_header", "action": "hash"},
                    {"type": "SECRET", "action": "hash"},
                ]
            },
            "masking.yaml",
        ),
        hmac_key=b"k",
    )
    once, _ = masker.mask_text("Authorization: Bearer abcDEF123456 password=hunter2")
    assert "<AUTH_TOKEN:" in once and "<SECRET:" in once
    assert masker.mask_text(once) == (once, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 6759 6498 2643 8453 done", ["CREDIT_CARD"]),
        ("card 3714 496353 98431", ["CREDIT_CARD"]),
        ("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", []),  # single-digit groups are not a way cards are written
        ("ids 12 34 56 78 90 12 34 56", []),
    ],
)
def test_card_group_forms(text: str, expected: list[str]) -> None:
    assert types(text) == expected
