"""Which detectors can possibly fire on a text, decided with a handful of C-level string operations.

95% of log texts hold nothing to mask, yet every detector's own guard costs a regex scan, and Python's
regex engine pays ~50-100 ns at every position where a pattern could start (every digit, for most of
them). This module answers first, for the whole text at once, with operations that run in C without
per-position dispatch: ``bytes.translate`` into a *shape* of the text, substring tests on that shape and
on the lower-cased text, and three regexes that start with a rare character. The answer is a bit set of
detectors; the engine runs only those.

Every test is a *necessary condition* of the detector it gates (derived from that detector's regex or
its own guard), so skipping a detector whose bit is clear never changes the output. The derivations are
written next to each test; ``tests/unit/test_masking_prefilter.py`` checks every detector's positives
pass its gate, and a differential test compares the gated engine with ungated detection on generated
texts. A text the shapes cannot describe exactly (non-ASCII digits, ``İ`` whose lower case is longer)
gets every bit.
"""

from __future__ import annotations

import re

# One bit per built-in detector name (``masking.yaml`` ``detector:``) plus the two engine-level passes.
BITS: dict[str, int] = {
    name: 1 << i
    for i, name in enumerate(
        (
            "email",
            "credit_card",
            "phone",
            "ipv4",
            "ipv6",
            "mac",
            "iban",
            "kr_rrn",
            "kr_brn",
            "kr_driver_license",
            "kr_passport",
            "jwt",
            "auth_header",
            "aws_keys",
            "private_key",
            "secret_pairs",
            "url_credentials",
        )
    )
}
ALL = (1 << len(BITS)) - 1
_EMAIL = BITS["email"]
_CARD = BITS["credit_card"]
_PHONE = BITS["phone"]
_IPV4 = BITS["ipv4"]
_IPV6 = BITS["ipv6"]
_MAC = BITS["mac"]
_IBAN = BITS["iban"]
_RRN = BITS["kr_rrn"]
_BRN = BITS["kr_brn"]
_DRIVER = BITS["kr_driver_license"]
_PASSPORT = BITS["kr_passport"]
_JWT = BITS["jwt"]
_AUTH = BITS["auth_header"]
_AWS = BITS["aws_keys"]
_PEM = BITS["private_key"]
_PAIRS = BITS["secret_pairs"]
_URL = BITS["url_credentials"]

# The shape of a text: one ``bytes.translate`` (a C table lookup per byte) turns ASCII digits into '0',
# capitals into 'A', small letters into 'a', any other byte (punctuation, UTF-8 bytes of other scripts)
# into '#', and *deletes* the separators of number tokens (`` -.()/``, the class of
# recognizers.LONG_NUMBER_TOKEN). A maximal run of digits and separators so becomes one run of '0' as long
# as its digit count: ``"0" * n in shape`` <=> some number token has n+ digits, which is exactly what the
# digit guards of the detectors test (ScanContext.digits >= n). Substring tests on the shape run at
# memchr speed.
_SHAPE = bytes(
    ord("0") if 48 <= b <= 57 else ord("A") if 65 <= b <= 90 else ord("a") if 97 <= b <= 122 else ord("#")
    for b in range(256)
)
_NUMBER_SEPARATORS = b" -.()/"
# Words (for passports, whose pattern needs word boundaries): digits -> '0', the passport letters
# ``[MSRODGmsrodg]`` -> 'm', other ASCII letters -> 'a', everything else -> ' ' (boundaries), with a blank
# on each side so a word at either end has its boundary too.
_WORDS = bytes(
    ord("0")
    if 48 <= b <= 57
    else ord("m")
    if chr(b) in "MSRODGmsrodg"
    else ord("a")
    if chr(b).isalpha() and b < 128
    else 32
    for b in range(256)
)
# Numbers of 9+ digits (shape 1 says some token has them) that may start a phone, RRN, BRN or licence:
# each of those patterns starts at a digit (or at the '(' of ``(02) 123-4567``) that no ASCII letter,
# digit, '_' or '.' and no ``word-`` precedes (phones ``(?<![A-Za-z0-9_+.-]...)``, RRN ``(?<![\w.+-]\d)``,
# BRN and licence ``(?<![\w.-]\d)``), runs through digits and separators (``[ .-]``, ``\s?-\s?``, ``) ``)
# and has a run of four digits or more (a phone's last group, the 5-7 digit parts of RRN/BRN/licence).
# Ids with the digits glued to letters (``TX477739123114``, hex ids), dashed host names
# (``ip-10-0-255-124``) and IPv4 addresses (``191.18.234.159``: 11 digits, no 4-digit run) need none.
# Bounded like the patterns (a match is under 25 characters, separators at most 3: ``\s?-\s?``), so the
# scan stays linear on hostile input ("1 1 1 1 ...").
_LONG_NUMBER = re.compile(r"\d(?<![A-Za-z0-9_.]\d)(?<!\w-\d)(?=[\d\s\-.()/]{0,40}?\d{4})(?:[\s\-.()/]{0,3}\d){8}")
# Cards (recognizers._CARD ``\d(?<![\w.]\d)(?<!\w-\d)(?:[ -]?\d){11,18}``): 12+ digits, at most one blank
# or dash between two of them (single-digit groups are allowed, so no 4-digit run is required).
_CARD_NUMBER = re.compile(r"\d(?<![A-Za-z0-9_.]\d)(?<!\w-\d)(?:[ -]?\d){11}")
# International phones (recognizers._PHONE_STRONG): a '+', 1-3 digits, then a separator and a digit or a
# parenthesis, or 8+ digits (the ``+0000`` of a timestamp's zone is neither).
_PLUS_PHONE = re.compile(r"\+\d{1,3}(?:[ .-]?\(|[ .-]\d)|\+\d{8}")
# IBAN (recognizers._IBAN ``[A-Z]{2}[ .-]?\d{2}(?:[ .-]?[A-Za-z0-9]){11,30}``) in shape 1, where its
# separators are deleted: two capitals, two digits, eleven more letters or digits.
_IBAN_SHAPE = re.compile("AA00[0Aa]{11}")
# Characters of other scripts that ``\d`` matches (fullwidth, Arabic-Indic, ...): their numbers would be
# invisible in the ASCII shape, so such a text is not prefiltered. A charset scan.
_NON_ASCII_DIGIT = re.compile(
    "[" + "".join(chr(c) for c in range(128, 0x10000) if chr(c).isdecimal()) + "\\U00010000-\\U0010ffff]"
)
# Guards of the punctuation-anchored detectors; each begins with a literal, so the regex engine jumps
# from one occurrence of it to the next in C (a character class first costs ~10 ns per character).
# IPv4 (recognizers._ipv4 guard ``\d\.\d{1,3}\.\d{1,3}\.\d``, anchored on its first dot instead).
IPV4_HINT = re.compile(r"\.(?<=\d\.)\d{1,3}\.\d{1,3}\.\d")
# IPv6 (recognizers._ipv6 guard): ``::`` or 6+ colons, and a colon between hex digits.
_IPV6_HINT = re.compile(r"::|:[0-9A-Fa-f]{1,4}:")
# MAC (recognizers._mac guard, one regex per separator).
_HEX = "[0-9A-Fa-f]"
_MAC_COLON = re.compile(f":{_HEX}{{2}}:{_HEX}{{2}}:")
_MAC_DASH = re.compile(f"-{_HEX}{{2}}-{_HEX}{{2}}-")
_MAC_DOT = re.compile(rf"\.{_HEX}{{4}}\.{_HEX}{{4}}")
# Either dotted form, in one search (both are rare; each is then told apart by its own regex).
_DOTTED = re.compile(rf"\.(?:(?<=\d\.)\d{{1,3}}\.\d{{1,3}}\.\d|{_HEX}{{4}}\.{_HEX}{{4}})")
# ASCII lower case, with ':' -> '=' so one reversed key guard covers both ``key=`` and ``key:``.
_LOWER = bytes(b + 32 if 65 <= b <= 90 else ord("=") if b == ord(":") else b for b in range(256))


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` as a trie (``p(?:ass(?:word|wd)|wd)``): the regex engine rejects a
    position on its first character instead of trying every word."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        alternatives = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def reversed_key_guard(keys: tuple[str, ...]) -> re.Pattern[str]:
    """A key name followed by ``\\?["']?\\s*[:=]`` (the start of every secret pair), searched in the
    *reversed* lower-cased text in which ':' has become '=': reversed, the pattern begins with the literal
    ``=``, which logs have a few of, so the regex engine jumps between them in C instead of trying a dozen
    common letters (``(?:password|secret|...)`` at every p, s, t, a, c). The plain ``key=`` form is tried
    first; blanks, quotes and a backslash only when one follows the separator."""
    names = _trie([k.replace(":", "=")[::-1] for k in keys])
    return re.compile(rf"=(?:{names}|(?=[\s\"'\\])\s*[\"']?\\?{names})")


def candidates(text: str, pair_guard: re.Pattern[str] | None) -> int:
    """The bits of the detectors that may find something in ``text`` (0: nothing can match)."""
    if text.isascii():
        raw = text.encode("ascii")
        low = raw.translate(_LOWER).decode("ascii")  # text.lower() with ':' -> '=' (see reversed_key_guard)
    elif "\u0130" in text or _NON_ASCII_DIGIT.search(text) is not None:
        return ALL  # 'İ'.lower() is two characters: the lower-cased offsets differ; other-script digits
    else:
        raw = text.encode("utf-8", "surrogatepass")
        low = text.lower().replace(":", "=")
    bits = 0
    shape = raw.translate(_SHAPE, _NUMBER_SEPARATORS).decode("ascii")
    if "000000000" in shape:  # some number token has 9+ digits (see _LONG_NUMBER for what else it needs)
        if _LONG_NUMBER.search(text) is not None:
            bits |= _PHONE
            if "0000000000" in shape:
                bits |= _BRN
                if "000000000000" in shape:
                    bits |= _DRIVER
                    if "0000000000000" in shape:
                        bits |= _RRN
        if "000000000000" in shape and _CARD_NUMBER.search(text) is not None:
            bits |= _CARD
    if "AA00" in shape and _IBAN_SHAPE.search(shape) is not None:
        bits |= _IBAN
    if "AAAA" in shape:  # four capitals: BEGIN of a private key, AKIA/ASIA of an AWS key id
        if "-----BEGIN" in text:
            bits |= _PEM
        if "AKIA" in text or "ASIA" in text:
            bits |= _AWS
    # Passport (recognizers._PASSPORT): a whole word (no ASCII letter or digit on either side) of a
    # passport letter, three digits, then any letter and four digits, or five digits.
    words = raw.translate(_WORDS).decode("ascii")
    if "m000" in words:
        words = f" {words} "
        if " m000a0000 " in words or " m000m0000 " in words or " m00000000 " in words:
            bits |= _PASSPORT
    if "@" in text:
        bits |= _EMAIL
        if "://" in text:
            bits |= _URL
    if "+" in text and _PLUS_PHONE.search(text) is not None:
        bits |= _PHONE
    if "J" in text and "eyJ" in text:
        bits |= _JWT
    if "." in text and _DOTTED.search(text) is not None:
        if IPV4_HINT.search(text) is not None:
            bits |= _IPV4
        if _MAC_DOT.search(text) is not None:
            bits |= _MAC
    if ":" in text:
        colons = text.count(":")
        if ("::" in text or colons >= 6) and _IPV6_HINT.search(text) is not None:
            bits |= _IPV6
        if colons >= 5 and _MAC_COLON.search(text) is not None:
            bits |= _MAC
    if "-" in text and text.count("-") >= 5 and _MAC_DASH.search(text) is not None:
        bits |= _MAC
    if len(text) >= 40 and ("secret" in low or "aws" in low):
        bits |= _AWS
    if "bearer" in low or "basic" in low or "digest" in low or "token" in low:
        bits |= _AUTH
    if pair_guard is not None and "=" in low and pair_guard.search(low[::-1]) is not None:
        bits |= _PAIRS
    return bits
