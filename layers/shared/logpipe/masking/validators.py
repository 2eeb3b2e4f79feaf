"""Checksums and structure checks run on regex candidates only (never on whole texts).

A regex alone cannot tell a card number from an HDFS block id or an RRN from an epoch-millisecond
timestamp; these validators can, cheaply, once a candidate has been found. Each takes the candidate's
characters and returns whether it is plausibly the identifier (and, for RRNs, how strongly).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re

# IBAN lengths per country (SWIFT IBAN registry, incl. the partial/experimental members Presidio lists).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    "AO": 25, "BF": 28, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27, "CV": 25, "DZ": 26, "GA": 27,
    "GQ": 27, "GW": 25, "IR": 26, "KM": 27, "MA": 28, "MG": 27, "ML": 28, "MZ": 25, "NE": 28, "SN": 28,
    "TD": 27, "TG": 28,
}  # fmt: skip

# Korean driver's licence regional codes (11-28 by region, plus the 1999+ codes).
KR_DL_REGIONS = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "28"}
)


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_brand_ok(digits: str) -> bool:
    """The number starts like a payment card and has a card length: 2-6 (Mastercard 2-series, Amex,
    Diners, JCB, Visa, Mastercard, Discover, Maestro, UnionPay) with 12-19 digits, or UATP (1) with 15.
    Epoch-millisecond values (13 digits starting with 1) and most counters fail this."""
    n = len(digits)
    first = digits[0]
    if first == "1":
        return n == 15
    if first == "2":
        return n == 16 and 2221 <= int(digits[:4]) <= 2720
    if first in "3456":
        return 12 <= n <= 19
    return False


def card_lengths(digits: str) -> tuple[int, int] | None:
    """(shortest, longest) card length for a number that starts with ``digits`` (the first four are read),
    or ``None`` when no card starts so: :func:`card_brand_ok`'s rules, decided once per start position
    instead of once per candidate length (``1 2 1 2 ...`` has a dozen candidates at every position)."""
    first = digits[:1]
    if first == "1":
        return 15, 15
    if first == "2":
        return (16, 16) if 2221 <= int(digits[:4]) <= 2720 else None
    if first and first in "3456":
        return 12, 19
    return None


# BBAN structure of the most used countries (IBAN registry: n = digits, a = upper-case letters,
# c = letters or digits); other countries are checked by length and checksum only.
IBAN_BBAN: dict[str, str] = {
    "AD": "8n12c", "AT": "16n", "BA": "16n", "BE": "12n", "BG": "4a6n8c", "CH": "5n12c", "CY": "8n16c",
    "CZ": "20n", "DE": "18n", "DK": "14n", "EE": "16n", "ES": "20n", "FI": "14n", "FO": "14n", "FR": "10n11c2n",
    "GB": "4a14n", "GI": "4a15c", "GL": "14n", "GR": "7n16c", "HR": "17n", "HU": "24n", "IE": "4a14n",
    "IS": "22n", "IT": "1a10n12c", "LI": "5n12c", "LT": "16n", "LU": "3n13c", "LV": "4a13c", "MC": "10n11c2n",
    "ME": "18n", "MT": "4a5n18c", "NL": "4a10n", "NO": "11n", "PL": "24n", "PT": "21n", "RO": "4a16c",
    "RS": "18n", "SE": "20n", "SI": "15n", "SK": "20n", "SM": "1a10n12c", "TR": "5n1n16c",
}  # fmt: skip
_BBAN_RE: dict[str, re.Pattern[str]] = {}


def _bban_pattern(spec: str) -> re.Pattern[str]:
    classes = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Za-z0-9]"}
    return re.compile("".join(f"{classes[k]}{{{n}}}" for n, k in re.findall(r"(\d+)([nac])", spec)))


def iban_ok(compact: str) -> bool:
    """Country length, BBAN structure and the ISO 13616 mod-97 check on an IBAN without separators."""
    country = compact[:2]
    if IBAN_LENGTHS.get(country) != len(compact) or not compact[2:4].isdigit():
        return False
    spec = IBAN_BBAN.get(country)
    if spec is not None:
        pattern = _BBAN_RE.get(country)
        if pattern is None:
            pattern = _BBAN_RE[country] = _bban_pattern(spec)
        if pattern.fullmatch(compact[4:]) is None:
            return False
    rearranged = (compact[4:] + compact[:4]).upper()
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def _rrn_birth(digits: str) -> _dt.date | None:
    century = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900, "7": 2000, "8": 2000}
    base = century.get(digits[6], 1800)
    try:
        return _dt.date(base + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


def rrn_checksum_ok(digits: str) -> bool:
    """The pre-October-2020 RRN/FRN check digit (weights 2..9,2..5, mod 11)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum((ord(c) - 48) * w for c, w in zip(digits[:12], weights, strict=True))
    return (11 - total % 11) % 10 == ord(digits[12]) - 48


# Since October 2020 the digits after the gender digit are random: a number whose birth date is after
# that cannot be checked, and one issued before must pass the checksum to count as "certain".
_RANDOM_SINCE = _dt.date(2020, 10, 1)


def rrn_status(digits: str) -> str | None:
    """Classify 13 digits as ``"valid"`` (checksum holds or cannot apply), ``"shape"`` (date-valid, checksum
    fails) or None (not an RRN/FRN: bad date, bad gender digit, impossible place-of-birth code)."""
    gender = digits[6]
    born = _rrn_birth(digits)
    if born is None:
        return None
    if gender in "90":  # born in the 1800s: alive when RRNs began (1968) and issued under the old scheme,
        # so every old-scheme check must hold (Presidio rejects these outright; stdnum accepts valid ones)
        ok = born.year >= 1868 and int(digits[7:9]) <= 96 and rrn_checksum_ok(digits)
        return "valid" if ok else None
    if born >= _RANDOM_SINCE:
        return "valid"
    # Numbers re-issued since October 2020 are random after the gender digit even for older birth dates,
    # so a bad place-of-birth code or check digit only makes the number less certain, not harmless.
    return "valid" if rrn_checksum_ok(digits) and int(digits[7:9]) <= 96 else "shape"


def brn_ok(digits: str) -> bool:
    """Korean business registration number: office/type/serial components and the check digit."""
    if int(digits[:3]) < 101 or digits[3:5] == "00" or digits[5:9] == "0000":
        return False
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum((ord(c) - 48) * w for c, w in zip(digits[:9], weights, strict=True))
    total += ((ord(digits[8]) - 48) * 5) // 10
    return (10 - total % 10) % 10 == ord(digits[9]) - 48


def ipv4_ok(text: str) -> bool:
    """Four octets 0-255 without leading-zero ambiguity; 0.x.x.x is never a host (version-number shape)."""
    parts = text.split(".")
    if len(parts) != 4 or (parts[0] == "0" and text != "0.0.0.0"):  # noqa: S104 - a value, not a bind
        return False
    for p in parts:  # noqa: SIM110 - a loop, not all(generator): runs for every dotted quad of every access log
        if not (p.isdigit() and int(p) <= 255 and (p == "0" or p[0] != "0")):
            return False
    return True


def ipv6_ok(text: str) -> bool:
    """A syntactically valid IPv6 address (any form, incl. embedded IPv4)."""
    if "::" not in text and text.count(":") < 6:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def mac_ok(text: str) -> bool:
    """Not the broadcast or all-zero address."""
    compact = "".join(ch for ch in text.upper() if ch not in ":-.")
    return compact not in ("FFFFFFFFFFFF", "000000000000")
