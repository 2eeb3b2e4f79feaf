"""One JSON codec for the whole pipeline: orjson when installed, the standard library otherwise.

orjson is 3-10x faster on the per-record path; the fallback keeps the processor working with zero
native dependencies (for example when a layer was built for the wrong architecture).
"""

from __future__ import annotations

import json
import re
from typing import Any

try:  # pragma: no cover - exercised by whichever variant is installed
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]

JSONDecodeError: type[ValueError]
HAVE_ORJSON = _orjson is not None
_INT_RANGE = range(-(2**63), 2**64)  # what orjson reads as an integer (and can write back)


def _number_or_text(text: str) -> Any:
    """A JSON number as orjson would read it, or its text when no double holds it (``1e400``)."""
    if "." not in text and "e" not in text and "E" not in text:
        try:
            value = int(text)
        except ValueError:  # more digits than int() reads (4,300)
            return text
        if value in _INT_RANGE:
            return value
    number = float(text)
    return text if number in (float("inf"), float("-inf")) else number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # as orjson: NaN / Infinity literals are rejected


def _loads_overflowing(data: bytes | str) -> Any:
    """The standard library's reading of a document with a number no double can hold, kept as its text.

    orjson rejects the whole document ("number is infinity when parsed as double"), which turned an
    application's JSON log line into a raw text message; only that document pays for the slower path.
    """
    return json.loads(data, parse_float=_number_or_text, parse_int=_number_or_text, parse_constant=_no_constant)


if _orjson is not None:
    JSONDecodeError = _orjson.JSONDecodeError

    def loads(data: bytes | str) -> Any:
        """Parse JSON from bytes or str (a number beyond a double's range is kept as its text)."""
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError as exc:
            if "infinity" not in str(exc):
                raise
        return _loads_overflowing(data)

    def dumps(obj: Any) -> bytes:
        """Serialise to compact UTF-8 JSON bytes; non-JSON types are stringified, never raised on."""
        return _orjson.dumps(obj, default=str)

else:  # pragma: no cover - exercised by the pure-mode tests and `logpipe bench --pure`
    JSONDecodeError = json.JSONDecodeError
    # The standard library's json.loads / json.dumps build a decoder or encoder object per call (dumps
    # with options: a JSONEncoder and then its C encoder, every time). Built once here and called directly,
    # the per-record fallback costs a third less; results are those of json.loads / json.dumps.
    _decode = json.JSONDecoder().decode
    _c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if _c_make_encoder is not None:
        # markers=None: no cycle check (documents come from JSON, trees by construction; a cycle would
        # raise RecursionError rather than ValueError).
        _encode_chunks = _c_make_encoder(None, str, json.encoder.encode_basestring, None, ":", ",", False, False, True)

        def _encode(obj: Any) -> str:
            return "".join(_encode_chunks(obj, 0))

    else:
        _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode

    # A lone UTF-16 surrogate (escaped "\ud800", or UTF-8-encoded) cannot be written back as UTF-8: orjson
    # refuses it when parsing, so the fallback does too (the record then takes the raw-text path, as with
    # orjson) instead of failing at encoding time.
    _SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

    def _without_lone_surrogates(value: Any, text: str) -> Any:
        if _SURROGATE_ESCAPE.search(text) is not None:
            try:  # pairs decode to one character and encode; a lone surrogate does not
                _encode(value).encode("utf-8")
            except UnicodeEncodeError as exc:
                raise json.JSONDecodeError("lone surrogate: not valid UTF-8", text, 0) from exc
        return value

    def loads(data: bytes | str) -> Any:
        """Parse JSON from bytes or str (lone surrogates refused, as orjson does)."""
        if type(data) is bytes and data[:1] not in (b"", b"\x00", b"\xef", b"\xfe", b"\xff") and data[1:2] != b"\x00":
            # UTF-8 without a BOM (what json.loads detects for such bytes); strictly, so that encoded
            # surrogates are refused.
            text = data.decode("utf-8")
            value = _decode(text)
            return _without_lone_surrogates(value, text) if "\\u" in text else value
        if isinstance(data, str):
            value = json.loads(data)
            return _without_lone_surrogates(value, data) if "\\u" in data else value
        value = json.loads(data)  # a BOM or UTF-16/32: rare, checked whole
        try:
            _encode(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise json.JSONDecodeError("lone surrogate: not valid UTF-8", "", 0) from exc
        return value

    def dumps(obj: Any) -> bytes:
        """Serialise to compact UTF-8 JSON bytes; non-JSON types are stringified, never raised on."""
        return _encode(obj).encode()


def dumps_str(obj: Any) -> str:
    """Serialise to a compact JSON str (for humans and the CLI)."""
    return dumps(obj).decode()
