"""Built-in recognizers: a compiled regex (behind a cheap guard) plus a validator run on candidates only.

Every pattern here is linear-time by construction: repetitions are bounded or separated by mandatory
delimiters, alternatives start with disjoint characters, and unbounded searches (private key blocks) use
``str.find`` instead of lazy ``.*?``. ``tests/property/test_masking_props.py`` checks this on 100 KB
adversarial inputs.

Numbers that look the same as timestamps or ids (13 bare digits, 10 bare digits) are *weak* forms: they
count only next to a context keyword (``rrn=``, ``사업자``, ``phone``) or when the value is the whole field
(a value on its own is what a form field or a ``{"rrn": ...}`` label holds). Separated forms
(``960121-1234567``, ``104-86-56659``) are strong on their own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from logpipe.masking import validators as v

# (start, end, type) of one detected value; offsets into the scanned text.
Span = tuple[int, int, str]


class ScanContext:
    """Per-text facts computed at most once and shared by the recognizers (a plain slotted class: a
    dataclass costs a millisecond of cold start to create)."""

    __slots__ = ("_lower", "_run", "field", "text", "tokens")

    def __init__(self, text: str, field: str | None = None) -> None:
        self.text = text
        self.field = field
        self._lower: str | None = None
        self._run = -1
        self.tokens: list[str] | None = None  # number-like tokens of 6+ characters, once ``digits`` ran

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    @property
    def digits(self) -> int:
        """Digits in the longest number-like token (digits and ``-. ()/``), an upper bound of the digits
        any one number has: one C-level scan lets every digit-based detector skip texts whose numbers are
        too short to matter."""
        if self._run < 0:
            # Only tokens of 6+ characters are collected; without one, every number has at most 5 digits.
            tokens = self.tokens = LONG_NUMBER_TOKEN.findall(self.text)
            self._run = max(len(t.translate(_DROP_SEPARATORS)) for t in tokens) if tokens else 5
        return self._run

    def has_context(self, start: int, keywords: tuple[str, ...], window: int = 40) -> bool:
        """A keyword shortly before ``start``, or the field's own name (the name is context too)."""
        before = self.lower[max(0, start - window) : start]
        if "<" in before:  # our own placeholders (<phone_number>) are not context
            before = _LOWER_PLACEHOLDER.sub(" ", before)
        if any(k in before for k in keywords):
            return True
        return self.field is not None and any(k in self.field.lower() for k in keywords)

    def standalone(self, start: int, end: int) -> bool:
        """The candidate is the whole value (surrounding blanks aside) and not a named non-PII field."""
        if self.text[:start].strip() or self.text[end:].strip():
            return False
        return self.field is None


# Number-like tokens of 6+ characters: a digit, then digits and separators (a single-character-class
# repeat, the fastest scan Python's regex engine has). Their digit counts bound those of any one number.
LONG_NUMBER_TOKEN = re.compile(r"\d[\d \-.()/]{5,}")
_DROP_SEPARATORS = str.maketrans("", "", " -.()/")
_LOWER_PLACEHOLDER = re.compile(r"<[a-z][a-z0-9_]*(?::[a-p]{16})?>")


# --- e-mail ---------------------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9_-])"  # ASCII: 'kim@example.com으로' ends at 'm'
)


def _email(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    if "@" not in ctx.text:
        return []
    return [(m.start(), m.end(), "EMAIL_ADDRESS") for m in _EMAIL.finditer(ctx.text)]


# --- credit cards ---------------------------------------------------------------------------------------
# A run of digit groups as cards are written: one group of up to 19 digits, or groups of 3+ digits
# (4-4-4-4, 4-6-5, 4-3-3-3) joined by one blank or dash, the last possibly of 2 (4-4-4-4-2). Groups of one
# or two digits ("1 2 1 2 ...", counters, times) never start or continue a run, so such text costs one
# failed regex attempt per digit instead of a Python-level candidate search per group. Linear: every
# repetition is separated by a mandatory separator.
_CARD = re.compile(r"\d(?<![A-Za-z0-9_.]\d)(?<!\w-\d)\d{2,18}(?:[ -]\d{3,18})*(?:[ -]\d\d)?(?![A-Za-z0-9_])")


def _card(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 12:
        return []
    out: list[Span] = []
    text = ctx.text
    for m in _CARD.finditer(text):
        start, end = m.span()
        if end - start < 12:
            continue
        # Numbers next to each other ("tel 0000000 4111 1111 ..."): every digit group of the run is a
        # possible start; from each, the longest run of whole groups (12-19 digits) that validates.
        starts: list[int] = []
        ends: list[int] = []
        cum = [0]  # digits before each group
        for g in _DIGIT_GROUP.finditer(text, start, end):
            gs, ge = g.span()
            starts.append(gs)
            ends.append(ge)
            cum.append(cum[-1] + ge - gs)
        count = len(starts)
        total = cum[count]
        found_stop = -1
        for i in range(count):
            if total - cum[i] < 12:
                break  # fewer digits left than the shortest card, here and at every later start
            gs = starts[i]
            if gs < found_stop:
                continue
            # The brand rules once per start group, from its first four digits (they may span groups).
            lengths = v.card_lengths(text[gs : ends[min(i + 1, count - 1)]].replace(" ", "").replace("-", "")[:4])
            if lengths is None:
                continue  # no card starts with this digit (0, 7-9, a 2 outside 2221-2720)
            shortest, longest = lengths
            base = cum[i]
            for j in range(bisect_right(cum, base + longest) - 2, i - 1, -1):  # longest candidate first
                if cum[j + 1] - base < shortest:
                    break
                if v.luhn_ok(text[gs : ends[j]].replace(" ", "").replace("-", "")):
                    out.append((gs, ends[j], "CREDIT_CARD"))
                    found_stop = ends[j]
                    break
    return out


_DIGIT_GROUP = re.compile(r"\d+")


# --- phone numbers --------------------------------------------------------------------------------------
# The first character is matched before the boundary look-behind so the regex engine can skip ahead to
# candidate characters (a pattern starting with a look-behind is tried at every position).
_PHONE_STRONG = re.compile(
    r"[+(\d](?<![A-Za-z0-9_+.-][+(\d])(?<=(?P<first>.))(?:"
    r"(?<=\+)\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]\d{1,12}){1,6}"  # +82 10 1234 5678, +44 (20) 7123 4567
    r"|(?<=\+)\d{8,15}"  # E.164 without separators
    r"|(?<=\()\d{2,4}\) ?\d{3,4}[ .-]?\d{4}"  # (415) 555-0132, (02) 123-4567
    r"|(?<=\d)(?:\d{0,2}-)?(?:(?<=0)\d{1,3}|(?<=[2-9])\d{2}|(?<=-)(?:0\d{1,3}|[2-9]\d{2}))-\d{3,4}-\d{4}"
    r"|(?<=0)\d{1,2}-\d{7,8}"  # 09-7625400
    r"|(?<=0)1[016789]\d{7,8}"  # 01012345678: how Korean systems store mobiles; no timestamp starts with 0
    r")(?![A-Za-z0-9_-])"
)
_PHONE_WEAK = re.compile(
    r"\d(?<![A-Za-z0-9_+.-]\d)(?:"
    r"(?<=0)1[016789][ .]?\d{3,4}[ .]?\d{4}"  # 010 1234 5678
    r"|(?<=1)[3-9]\d{9}"  # CN mobile
    r"|(?:(?<=0)\d{1,2}|(?<=[2-9])\d{2})[ .]\d{3,4}[ .]\d{4}"  # 415.555.0132, 02 123 4567
    r"|(?<=0)(?:2\d{7,8}|[3-6][1-5]\d{7,8}|70\d{8})"  # 0212345678, 0311234567, 07012345678 (KR landline)
    r")(?![A-Za-z0-9_-])"
)


def _phone_possible(ctx: ScanContext) -> bool:
    """A phone number needs '+', or a 7+ character number with a separator inside, or 9-11 bare digits."""
    if "+" in ctx.text or ctx.tokens is None:
        return True
    for token in ctx.tokens:
        token = token.rstrip(" -.()/")
        if len(token) >= 7 and (not token.isdigit() or 9 <= len(token) <= 11):
            return True
    return False


def _phone(ctx: ScanContext, keywords: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 7 or not _phone_possible(ctx):
        return []
    text = ctx.text
    out: list[Span] = []
    for m in _PHONE_STRONG.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group())
        if 7 <= digits <= 15:
            out.append((m.start(), m.end(), "PHONE_NUMBER"))
    out.extend(
        (m.start(), m.end(), "PHONE_NUMBER")
        for m in _PHONE_WEAK.finditer(text)
        if ctx.standalone(m.start(), m.end()) or ctx.has_context(m.start(), keywords)
    )
    return out


# --- IP addresses ---------------------------------------------------------------------------------------
# An IPv4 address: ``\d(?<![A-Za-z0-9_.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?:/\d{1,2})?(?![A-Za-z0-9_])``, found
# from its first dot: a text has far fewer dots than digits, and a pattern that starts with a literal lets
# the regex engine jump between them in C instead of trying every digit. The first octet (1-3 digits with
# no ASCII letter, digit, '_' or '.' before) is then found by _ipv4_start.
_IPV4_FROM_DOT = re.compile(r"\.(?<=\d\.)(?:\d{1,3}\.){2}\d{1,3}(?:/\d{1,2})?(?![A-Za-z0-9_])")
_IPV4_BOUNDARY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")
_IPV6 = re.compile(
    r"(?<![A-Za-z0-9_:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?:/\d{1,3})?"
    r"(?![A-Za-z0-9_:]|\.\d)"
)
_VERSION_HINTS = ("version", "ver ", "ver=", "ver:", "release", "build")
_VERSION_HINT = re.compile("|".join(re.escape(h) for h in _VERSION_HINTS))


_IPV6_HINT = re.compile(r"::|:[0-9A-Fa-f]{1,4}:")
_MAC_HINT = re.compile(
    r":[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:|-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-|\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
)


def _ipv4_start(text: str, dot: int, pos: int) -> int:
    """Where the address whose first dot is at ``dot`` starts (-1: none), as the regex above would find
    it scanning from ``pos``: the leftmost start of 1-3 digits before the dot with a boundary before it."""
    for k in (3, 2, 1):
        start = dot - k
        if start >= pos and text[start:dot].isdecimal() and (start == 0 or text[start - 1] not in _IPV4_BOUNDARY):
            return start
    return -1


def _ipv4(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    text = ctx.text
    out: list[Span] = []
    pos = 0
    while True:
        m = _IPV4_FROM_DOT.search(text, pos)
        if m is None:
            return out
        dot, end = m.span()
        start = _ipv4_start(text, dot, pos)
        if start < 0:  # no first octet before this dot: try the next one
            pos = dot + 1
            continue
        pos = end
        value = text[start:end]
        base, _, prefix = value.partition("/")
        if prefix and int(prefix) > 32:
            end = start + len(base)
        if not v.ipv4_ok(base):
            continue
        if start and text[start - 1] == "~":  # Windows package versions: amd64~~6.1.1.0
            continue
        if start and _VERSION_HINT.search(ctx.lower, max(0, start - 12), start) is not None:
            continue  # "version 6.1.1.0", "build=10.0.19041.1"
        out.append((start, end, "IP_ADDRESS"))


def _ipv6(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    text = ctx.text
    if _IPV6_HINT.search(text) is None or ("::" not in text and text.count(":") < 6):
        return []
    out: list[Span] = []
    for m in _IPV6.finditer(text):
        start, end = m.span()
        base, _, prefix = m.group().partition("/")
        if prefix and int(prefix) > 128:
            end = start + len(base)
        if v.ipv6_ok(base):
            out.append((start, end, "IP_ADDRESS"))
    return out


# --- MAC addresses --------------------------------------------------------------------------------------
_MAC = re.compile(
    r"(?<![A-Za-z0-9_:.-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![A-Za-z0-9_:-]|\.[0-9A-Fa-f])"
)


def _mac(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    text = ctx.text
    if (text.count(":") < 5 and text.count("-") < 5 and text.count(".") < 2) or _MAC_HINT.search(text) is None:
        return []
    return [(m.start(), m.end(), "MAC_ADDRESS") for m in _MAC.finditer(text) if v.mac_ok(m.group())]


# --- IBAN -----------------------------------------------------------------------------------------------
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9].)[A-Z][ .-]?\d{2}(?:[ .-]?[A-Za-z0-9]){11,30}")
_IBAN_SEPARATORS = " .-"


# Hints start with a digit or a rare punctuation character so the regex engine can skip ahead quickly.
_IBAN_HINT = re.compile(r"\d\d(?:(?<=[A-Z]{2}\d\d)|(?<=[A-Z]{2}[ .-]\d\d))")


def _iban(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 6 or _IBAN_HINT.search(ctx.text) is None:
        return []
    text = ctx.text
    out: list[Span] = []
    pos = 0
    while True:
        m = _IBAN.search(text, pos)
        if m is None:
            return out
        start = m.start()
        pos = start + 1
        length = v.IBAN_LENGTHS.get(text[start : start + 2])
        if length is None:
            continue
        count, stop = 0, start
        while stop < m.end() and count < length:
            if text[stop] not in _IBAN_SEPARATORS:
                count += 1
            stop += 1
        if count != length or (stop < len(text) and text[stop].isascii() and text[stop].isalnum()):
            continue
        if v.iban_ok("".join(ch for ch in text[start:stop] if ch not in _IBAN_SEPARATORS)):
            out.append((start, stop, "IBAN_CODE"))
            pos = stop


# --- Korean identifiers ---------------------------------------------------------------------------------
_RRN = re.compile(r"\d(?<![A-Za-z0-9_.+-]\d)\d{5}(\s?-\s?)?\d{7}(?![A-Za-z0-9_-])")  # 주민번호960121-...입니다


def _rrn(ctx: ScanContext, keywords: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 13:
        return []
    out: list[Span] = []
    for m in _RRN.finditer(ctx.text):
        digits = m.group().replace("-", "").replace(" ", "")
        status = v.rrn_status(digits)
        if status is None:
            continue
        if m.group(1) is None and not (ctx.standalone(m.start(), m.end()) or ctx.has_context(m.start(), keywords)):
            continue
        out.append((m.start(), m.end(), "KR_FRN" if digits[6] in "5678" else "KR_RRN"))
    return out


_BRN = re.compile(r"\d(?<![A-Za-z0-9_.-]\d)\d{2}(\s?-\s?|\s)?\d{2}(\s?-\s?|\s)?\d{5}(?![A-Za-z0-9_-])")


def _brn(ctx: ScanContext, keywords: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 10:
        return []
    out: list[Span] = []
    for m in _BRN.finditer(ctx.text):
        digits = "".join(ch for ch in m.group() if ch.isdigit())
        if not v.brn_ok(digits):
            continue
        separated = m.group(1) is not None and m.group(2) is not None
        if separated or ctx.standalone(m.start(), m.end()) or ctx.has_context(m.start(), keywords):
            out.append((m.start(), m.end(), "KR_BRN"))
    return out


_DRIVER = re.compile(r"(\d(?<![A-Za-z0-9_.-]\d)\d)([ -]?)\d{2}\2\d{6}\2\d{2}(?![A-Za-z0-9_-])")


def _driver(ctx: ScanContext, keywords: tuple[str, ...]) -> list[Span]:
    if ctx.digits < 12:
        return []
    out: list[Span] = []
    for m in _DRIVER.finditer(ctx.text):
        if m.group(1) not in v.KR_DL_REGIONS:
            continue
        if m.group(2) or ctx.standalone(m.start(), m.end()) or ctx.has_context(m.start(), keywords):
            out.append((m.start(), m.end(), "KR_DRIVER_LICENSE"))
    return out


# Matched from its first digit (a fast scan) and checked backwards for the letter and the boundary.
_PASSPORT = re.compile(r"\d(?<=[MSRODGmsrodg]\d)(?<![A-Za-z0-9].\d)\d{2}(?:[A-Za-z]\d{4}|\d{5})(?![A-Za-z0-9])")


_PASSPORT_HINT = re.compile(r"\d\d\d(?<=[MSRODGmsrodg]\d\d\d)")


def _passport(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    if _PASSPORT_HINT.search(ctx.text) is None:
        return []
    return [(m.start() - 1, m.end(), "KR_PASSPORT") for m in _PASSPORT.finditer(ctx.text)]


# --- secrets --------------------------------------------------------------------------------------------
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def _jwt(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    if "eyJ" not in ctx.text:
        return []
    return [(m.start(), m.end(), "JWT") for m in _JWT.finditer(ctx.text)]


_AUTH = re.compile(r"\b(?:bearer|basic|digest|token)\s+([a-z0-9._~+/=-]{8,})")
_AUTH_CI = re.compile(_AUTH.pattern, re.IGNORECASE)


def _auth(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    low = ctx.lower
    if "bearer" not in low and "basic" not in low and "digest" not in low and "token" not in low:
        return []
    pattern, haystack = _AUTH, low
    if len(low) != len(ctx.text):  # rare: lower-casing changed the length (e.g. U+0130)
        pattern, haystack = _AUTH_CI, ctx.text
    out: list[Span] = []
    for m in pattern.finditer(haystack):
        value = ctx.text[m.start(1) : m.end(1)]
        # "Basic realm", "token expired": a credential has digits or mixed case, not just a word.
        if value.isalpha() and (value.islower() or value.isupper()):
            continue
        out.append((m.start(1), m.end(1), "AUTH_TOKEN"))
    return out


_AWS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")


def _aws(ctx: ScanContext, keywords: tuple[str, ...]) -> list[Span]:
    text = ctx.text
    out: list[Span] = []
    if "AKIA" in text or "ASIA" in text:
        out.extend((m.start(), m.end(), "AWS_ACCESS_KEY") for m in _AWS_KEY_ID.finditer(text))
    if len(text) >= 40 and ("secret" in ctx.lower or "aws" in ctx.lower):
        for m in _AWS_SECRET.finditer(text):
            value = m.group()
            mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
            if mixed and not _HEX40.fullmatch(value) and ctx.has_context(m.start(), keywords, window=60):
                out.append((m.start(), m.end(), "AWS_SECRET_KEY"))
    return out


_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY( BLOCK)?-----")


def _private_key(ctx: ScanContext, _kw: tuple[str, ...]) -> list[Span]:
    text = ctx.text
    if "-----BEGIN" not in text:
        return []
    out: list[Span] = []
    pos = 0
    while True:
        m = _PEM_BEGIN.search(text, pos)
        if m is None:
            return out
        end_marker = text.find("-----END", m.end())
        if end_marker < 0:  # truncated key: everything after the header is secret
            out.append((m.start(), len(text), "PRIVATE_KEY"))
            return out
        close = text.find("-----", end_marker + 8)
        stop = close + 5 if close >= 0 else len(text)
        out.append((m.start(), stop, "PRIVATE_KEY"))
        pos = stop


# Cheap guards checked by the engine before calling a finder: a literal that must occur, and the minimum
# length of the longest number-like run (see ScanContext.digits). Finders re-check what they need.
GUARDS: dict[str, tuple[str | None, int]] = {
    "email": ("@", 0),
    "credit_card": (None, 12),
    "phone": (None, 7),
    "ipv4": (".", 0),
    "ipv6": (":", 0),
    "mac": (None, 0),
    "iban": (None, 6),
    "kr_rrn": (None, 13),
    "kr_brn": (None, 10),
    "kr_driver_license": (None, 12),
    "kr_passport": (None, 4),
    "jwt": ("eyJ", 0),
    "auth_header": (None, 0),
    "aws_keys": (None, 0),
    "private_key": ("-----BEGIN", 0),
}

BUILTIN_FINDERS: dict[str, tuple[str, Callable[[ScanContext, tuple[str, ...]], list[Span]]]] = {
    "email": ("EMAIL_ADDRESS", _email),
    "credit_card": ("CREDIT_CARD", _card),
    "phone": ("PHONE_NUMBER", _phone),
    "ipv4": ("IP_ADDRESS", _ipv4),
    "ipv6": ("IP_ADDRESS", _ipv6),
    "mac": ("MAC_ADDRESS", _mac),
    "iban": ("IBAN_CODE", _iban),
    "kr_rrn": ("KR_RRN", _rrn),
    "kr_brn": ("KR_BRN", _brn),
    "kr_driver_license": ("KR_DRIVER_LICENSE", _driver),
    "kr_passport": ("KR_PASSPORT", _passport),
    "jwt": ("JWT", _jwt),
    "auth_header": ("AUTH_TOKEN", _auth),
    "aws_keys": ("AWS_ACCESS_KEY", _aws),
    "private_key": ("PRIVATE_KEY", _private_key),
}
"""Built-in detector name -> (main entity type, finder). Some finders emit a sibling type (KR_FRN from
``kr_rrn``, AWS_SECRET_KEY from ``aws_keys``); their actions are configured under that type's name."""

_URL_CREDS = re.compile(r"(?<=://)[^\s/@:\"'<>]{1,128}:[^\s/@\"'<>]{1,256}(?=@)")


def find_url_credentials(ctx: ScanContext) -> list[Span]:
    """``scheme://user:password@host``: the ``user:password`` part."""
    text = ctx.text
    if "://" not in text or "@" not in text:
        return []
    return [(m.start(), m.end(), "URL_CREDENTIALS") for m in _URL_CREDS.finditer(text)]


def compile_secret_pairs(keys: tuple[str, ...]) -> re.Pattern[str]:
    """``password=...``, ``"secret": "..."``, ``token: ...``, ``?api_key=...`` for the configured key names.

    Run on the lower-cased text (literal alternatives, so the engine jumps from one possible key to the
    next; ``(?i)`` with a free prefix was a thousand times slower). The key may be the end of a longer
    name (``db_password``, ``client-secret``); only the value is masked, so the log still says *which*
    secret was there. A leading auth scheme (``Bearer``) is kept.
    """
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(
        r"(?:" + names + r")\\?[\"']?\s*[:=]\s*"
        r"(?:(?:bearer|basic|digest|token)\s+)?"
        r"(?:\\\"(?P<eq>[^\"\\]{1,512})\\\""
        r"|\"(?P<dq>[^\"\\\r\n]{1,512}(?:\\.[^\"\\\r\n]{0,512}){0,16})\""
        r"|'(?P<sq>[^'\r\n]{1,512})'"
        r"|(?P<bare>[^\s\"',;&)}\]]{1,512}))"
    )


def compile_key_guard(keys: tuple[str, ...]) -> re.Pattern[str]:
    """One search for any configured key name, run on the lower-cased text (``(?i)`` is much slower)."""
    return re.compile("|".join(re.escape(k) for k in keys))


def find_secret_pairs(ctx: ScanContext, pattern: re.Pattern[str], keys: tuple[str, ...]) -> list[Span]:
    """Values of sensitive key/value pairs in free text."""
    text = ctx.text
    if "=" not in text and ":" not in text:
        return []
    low = ctx.lower
    if len(low) != len(text):  # rare: lower-casing changed the length (e.g. U+0130); fall back
        pattern = re.compile(pattern.pattern, re.IGNORECASE)
        low = text
    out: list[Span] = []
    for m in pattern.finditer(low):
        for group in ("eq", "dq", "sq", "bare"):
            start = m.start(group)
            if start >= 0:
                value = m.group(group)
                if not _is_placeholder(value):
                    out.append((start, m.end(group), "SECRET"))
                break
    return out


_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*(?::[a-p]{16})?>")


def _is_placeholder(value: str) -> bool:
    return _PLACEHOLDER.fullmatch(value) is not None or set(value) <= {"*"}
