"""Which detectors can possibly fire on a text, decided with a few C-level string operations.

95% of log texts hold nothing to mask, yet every detector's own guard costs a regex scan, and Python's
regex engine pays ~50-100 ns at every position where a pattern could start (every digit, for most of
them) and ~10 ns per character when a pattern starts with a character class. This module answers first,
for the whole text at once, with operations that run in C without per-position dispatch:
``bytes.translate`` into *shapes* of the text, substring tests on those shapes and on the lower-cased
text, and regexes that begin with a literal (the engine jumps between its occurrences in C). The answer
is a bit set of detectors; the engine runs only those.

Every test is a *necessary condition* of the detector it gates (derived from that detector's regex in
``recognizers.py`` or from its own guard), so skipping a detector whose bit is clear never changes the
output. The derivations are written next to each test. ``tests/unit/test_masking_prefilter.py`` compares
the engine with and without the prefilter (``Masker(..., prefilter=False)``) on known forms, look-alikes,
the labelled PII corpus and generated text: a detector changed without its condition here fails there.
A text the shapes cannot describe exactly (digits of other scripts, ``İ`` whose lower case is longer)
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

_DIGIT_CHARS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_CHARS = _UPPER.lower()
_ASCII_BLANKS = " \t\n\r\f\v\x1c\x1d\x1e\x1f"  # what ``\s`` matches in ASCII


def _byte_table(default: str, *classes: tuple[str, str]) -> bytes:
    """A ``bytes.translate`` table: bytes of the ASCII characters in a class's first string become its
    second; every other byte (incl. all UTF-8 bytes of other scripts) becomes ``default``."""
    table = bytearray(ord(default) for _ in range(256))
    for chars, target in classes:
        for ch in chars:
            table[ord(ch)] = ord(target)
    return bytes(table)


# --- the number shape ---------------------------------------------------------------------------------
# Digits -> '0', capitals -> 'A', small letters -> 'a', '.' stays, anything else -> '#'; the separators
# the digit patterns allow inside a number are *deleted*, so the digits of one number become one run of
# '0' and ``"0" * n in shape`` tests "some number has n digits" at memchr speed.
# - ASCII text: the separators of the patterns themselves (cards ``[ -]``, RRN/BRN ``\s?-\s?``, licences
#   ``[ -]``, phones ``[ .-]``, ``(``, ``) ``), except '.', which only phones use and IPv4 addresses are
#   made of: kept, so ``191.18.234.159`` is not an 11-digit number.
# - Other text (where ``\s`` is also a blank of another script, invisible here): the separators of
#   recognizers.LONG_NUMBER_TOKEN, whose longest token is what the detectors' own digit guards measure
#   (ScanContext.digits >= n): the test is then exactly their guard.
_SHAPE = _byte_table("#", (_DIGIT_CHARS, "0"), (_UPPER, "A"), (_LOWER_CHARS, "a"), (".", "."))
_ASCII_NUMBER_SEPARATORS = (_ASCII_BLANKS + "-()/").encode()
_TOKEN_SEPARATORS = b" -.()/"
# Cards (recognizers._CARD ``\d(?<![\w.]\d)(?<!\w-\d)...``): 12+ digits, at most one blank or dash between
# two of them, not glued to a word.
_CARD_NUMBER = re.compile(r"\d(?<![A-Za-z0-9_.]\d)(?<!\w-\d)(?:[ -]?\d){11}")
# Phones (other than +...), RRN, BRN and licences: each pattern starts at a digit (or at the '(' of
# ``(02) 123-4567``) that no ASCII letter, digit, '_', '.' or '-' precedes (phones
# ``(?<![A-Za-z0-9_+.-]...)``, RRN ``(?<![\w.+-]\d)``, BRN and licence ``(?<![\w.-]\d)``), runs through 9+
# digits and separators (at most 3 in a row: ``\s?-\s?``) and has a run of 4+ digits (a phone's last
# group, the 5-7 digit parts of RRN/BRN/licence). Bounded like the patterns (a match is under 25
# characters), so the scan stays linear on hostile input ("1 1 1 1 ..."). Ids with digits glued to
# letters (``TX477739123114``, hex ids) and dashed host names (``ip-10-0-255-124``) need no detector.
_LONG_NUMBER = re.compile(r"\d(?<![A-Za-z0-9_.\-]\d)(?=[\d\s\-.()/]{0,40}?\d{4})(?:[\s\-.()/]{0,3}\d){8}")
# The same on a shape of an ASCII text, where the engine jumps to a digit after a blank (s) or after other
# punctuation (#) in C: digits -> 0, [A-Za-z_] -> a, '.' stays, '-' -> d, blanks and ``()/`` -> s, anything
# else -> #. One search per kind of predecessor (a character class first would be tried at every
# position); the text gets a leading '#' so a number at its start has a predecessor too. The 9 digits are
# tested first: most numbers fail there at once.
_NUMBER_STARTS = _byte_table(
    "#", (_DIGIT_CHARS, "0"), (_UPPER + _LOWER_CHARS + "_", "a"), (".", "."), ("-", "d"), (_ASCII_BLANKS + "()/", "s")
)
_LONG_NUMBER_BODY = r"0(?=(?:[sd.]{0,3}0){8})(?=[0sd.]{0,40}?0000)"
_LONG_NUMBER_AFTER_BLANK = re.compile("s" + _LONG_NUMBER_BODY)
_LONG_NUMBER_AFTER_OTHER = re.compile("#" + _LONG_NUMBER_BODY)
# IBAN (recognizers._IBAN ``[A-Z]{2}[ .-]?\d{2}(?:[ .-]?[A-Za-z0-9]){11,30}``) in the number shape, where
# blanks and dashes are deleted and dots kept: two capitals, two digits, eleven more letters or digits.
_IBAN_SHAPE = re.compile(r"AA\.?00(?:\.?[0Aa]){11}")


def _digit_forms(shape: str, long_number: object) -> int:
    """Bits of the digit detectors once the shape has a 9+ digit number (``long_number``: a _LONG_NUMBER
    match or None). BRN needs 10 digits, licences 12, RRN 13 (none of them allows '.', deleted or not)."""
    if long_number is None:
        return 0
    bits = _PHONE
    if "0000000000" in shape:
        bits |= _BRN
        if "000000000000" in shape:
            bits |= _DRIVER
            if "0000000000000" in shape:
                bits |= _RRN
    return bits


# --- the word shape -----------------------------------------------------------------------------------
# For passports, whose pattern needs word boundaries: digits -> '0', the passport letters
# ``[MSRODGmsrodg]`` -> 'm', other ASCII letters -> 'a', everything else -> ' ' (boundaries).
_WORDS = _byte_table(" ", (_DIGIT_CHARS, "0"), (_UPPER + _LOWER_CHARS, "a"), ("MSRODGmsrodg", "m"))

# --- other guards -------------------------------------------------------------------------------------
# Characters of other scripts that ``\d`` matches (fullwidth, Arabic-Indic, ...): their numbers would be
# invisible in the ASCII shapes, so such a text is not prefiltered. ``[^\D0-9]``: a digit, not an ASCII one.
_NON_ASCII_DIGIT = re.compile(r"[^\D0-9]")
# International phones (recognizers._PHONE_STRONG): a '+', 1-3 digits, then a separator and a digit or a
# parenthesis, or 8+ digits (the ``+0000`` of a timestamp's zone is neither).
_PLUS_PHONE = re.compile(r"\+\d{1,3}(?:[ .-]?\(|[ .-]\d)|\+\d{8}")
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
_LOWER = bytes.maketrans(_UPPER.encode() + b":", _LOWER_CHARS.encode() + b"=")


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
    bits = 0
    if text.isascii():
        raw = text.encode("ascii")
        low = raw.translate(_LOWER).decode("ascii")  # text.lower() with ':' -> '=' (see reversed_key_guard)
        shape = raw.translate(_SHAPE, _ASCII_NUMBER_SEPARATORS).decode("ascii")
        # 9+ digits in a row once blanks and dashes are gone, or through dots (phones only: 415.555.0132,
        # whose last group, 4 digits or more once merged, then follows a dot; IPv4 addresses have none).
        if "000000000" in shape or ".0000" in shape:
            starts = (b"#" + raw).translate(_NUMBER_STARTS).decode("ascii")
            bits = _digit_forms(
                shape, _LONG_NUMBER_AFTER_BLANK.search(starts) or _LONG_NUMBER_AFTER_OTHER.search(starts)
            )
    elif "\u0130" in text or _NON_ASCII_DIGIT.search(text) is not None:
        return ALL  # 'İ'.lower() is two characters: the lower-cased offsets differ; other-script digits
    else:
        raw = text.encode("utf-8", "surrogatepass")
        low = text.lower().replace(":", "=")
        shape = raw.translate(_SHAPE, _TOKEN_SEPARATORS).decode("ascii")
        if "000000000" in shape:
            bits = _digit_forms(shape, _LONG_NUMBER.search(text))
    if "000000000000" in shape and _CARD_NUMBER.search(text) is not None:
        bits |= _CARD
    if "AA" in shape and _IBAN_SHAPE.search(shape) is not None:
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
