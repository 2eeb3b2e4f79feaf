"""The JSON codec: orjson when installed; the standard-library fallback gives json.loads / json.dumps results."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from types import ModuleType
from typing import Any

import pytest

from logpipe import jsonfast


def _pure_jsonfast(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of logpipe.jsonfast imported while orjson is hidden (as in `logpipe bench --pure`)."""
    monkeypatch.setitem(sys.modules, "orjson", None)
    spec = importlib.util.spec_from_file_location("jsonfast_pure", jsonfast.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.HAVE_ORJSON is False
    return module


DOCS: list[Any] = [
    {"message": "주문이 처리되었습니다 😀", "n": 1, "f": 0.1, "big": 10**20, "ok": True, "none": None},
    {"nested": {"list": [1, "two", {"three": 3.5}], "empty": {}}, "esc": 'quote " backslash \\ \n\t\u0001'},
    {"inf": float("inf"), "nan_free": -0.0, "when": dt.date(2024, 5, 1)},
    ["top", "level", 1],
    "just a string",
    42,
]


@pytest.mark.parametrize("doc", DOCS)
def test_pure_dumps_equals_json_dumps(monkeypatch: pytest.MonkeyPatch, doc: Any) -> None:
    pure = _pure_jsonfast(monkeypatch)
    expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    assert pure.dumps(doc) == expected
    assert pure.dumps_str(doc) == expected.decode()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "b": "\xed\x95\x9c"}\n',
        b'  {"a": [1, 2.5, null]}  ',
        '{"s": "x"}'.encode("utf-16"),  # BOM: json.loads detects the encoding
        '{"s": "x"}'.encode("utf-16-le"),  # no BOM, NUL second byte
        b'\xef\xbb\xbf{"bom": true}',
        '{"str": "input"}',
        '"\\ud83d\\ude00 and \\\\ud800"',  # an escaped surrogate pair, and an escaped backslash + "ud800"
    ],
)
def test_pure_loads_equals_json_loads(monkeypatch: pytest.MonkeyPatch, raw: bytes | str) -> None:
    pure = _pure_jsonfast(monkeypatch)
    assert pure.loads(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", [b"", b"{", b'{"a": 1} trailing', b"\xff\xfe\x00", b'{"a": "\xff"}', "\ufeff{}"])
def test_pure_loads_rejects_what_json_loads_rejects(monkeypatch: pytest.MonkeyPatch, raw: bytes | str) -> None:
    pure = _pure_jsonfast(monkeypatch)
    with pytest.raises(ValueError):
        json.loads(raw)
    with pytest.raises(ValueError):
        pure.loads(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'"\xed\xa0\x80"',  # an encoded lone surrogate (json.loads accepts it with surrogatepass)
        '{"log": "x \\ud800 y"}',  # an escaped lone surrogate
        b'{"log": "x \\udc00\\ud800 y"}\n',  # reversed pair
        '{"log": "x \\ud800 y"}'.encode("utf-16"),
    ],
)
def test_pure_loads_refuses_lone_surrogates_like_orjson(monkeypatch: pytest.MonkeyPatch, raw: bytes | str) -> None:
    # No UTF-8 output can hold them: refused at parsing, the record takes the raw-text path as with orjson.
    pure = _pure_jsonfast(monkeypatch)
    with pytest.raises(ValueError):
        pure.loads(raw)
    if jsonfast.HAVE_ORJSON and raw[:2] != b"\xff\xfe":
        with pytest.raises(ValueError):
            jsonfast.loads(raw)


def test_installed_codec_round_trips() -> None:
    doc = DOCS[1]
    assert jsonfast.loads(jsonfast.dumps(doc)) == json.loads(json.dumps(doc))
