"""What a detected value becomes: ``<TYPE>``, a partial mask, or a keyed hash.

Outputs are chosen so that masking masked text changes nothing: placeholders contain no digits, partial
masks keep too few digits to match any detector, and hashes are written with the letters a-p only.
"""

from __future__ import annotations

import ipaddress
import os

from logpipe.configfile import ConfigError

HMAC_KEY_ENV = "LOGPIPE_HMAC_KEY"
HMAC_SECRET_ARN_ENV = "LOGPIPE_HMAC_SECRET_ARN"  # noqa: S105 - the name of a variable, not a secret
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def redact(entity: str) -> str:
    """The typed placeholder, e.g. ``<EMAIL_ADDRESS>``."""
    return f"<{entity}>"


def partial(value: str, keep_last: int) -> str:
    """Replace letters and digits with ``*`` except the last ``keep_last`` ones; separators stay."""
    keep_from = len(value)
    kept = 0
    while keep_from > 0 and kept < keep_last:
        keep_from -= 1
        if value[keep_from].isalnum():
            kept += 1
    head = "".join("*" if ch.isalnum() else ch for ch in value[:keep_from])
    return head + value[keep_from:]


def keyed_hash(entity: str, value: str, key: bytes) -> str:
    """``<TYPE:...>`` with the first 64 bits of HMAC-SHA256(key, value), written as letters."""
    import hashlib  # here, not at import: OpenSSL's hashlib costs ~3-13 ms of cold start and only hash
    import hmac  # rules use it (none by default)

    digest = hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]
    return f"<{entity}:{digest.translate(_HEX_TO_LETTERS)}>"


HASH_LETTERS = 16  # keyed_hash keeps 64 bits of the HMAC, one letter a-p per hex digit


def max_growth(entity: str, action: str) -> int:
    """The most characters masking one value of ``entity`` with ``action`` can add to a text: the length
    of the longest replacement (``<TYPE>``, ``<TYPE:`` + 16 letters + ``>``), or 0 for ``partial``, which
    keeps the value's length. ``truncate`` (IP addresses) gives a network address no longer than the
    address, or ``<IP_ADDRESS>`` for one ``ipaddress`` cannot read."""
    if action == "partial":
        return 0
    if action == "hash":
        return len(entity) + 3 + HASH_LETTERS
    return len(redact(entity))


def truncate_ip(value: str) -> str:
    """IPv4 -> its /24 network address, IPv6 -> its /48 (the address form, valid for an ``ip`` field)."""
    base, _, prefix = value.partition("/")
    try:
        address = ipaddress.ip_address(base)
    except ValueError:
        return redact("IP_ADDRESS")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = 24 if address.version == 4 else 48
    if prefix.isascii() and prefix.isdigit():  # "2²" is isdigit() and int() raises on it
        bits = min(bits, int(prefix))
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return str(network.network_address)


def load_hmac_key() -> bytes:
    """The hashing key: $LOGPIPE_HMAC_KEY (local use) or the Secrets Manager secret named by
    $LOGPIPE_HMAC_SECRET_ARN, read through Powertools Parameters (cached, imported only when needed)."""
    local = os.environ.get(HMAC_KEY_ENV)
    if local:
        return local.encode("utf-8")
    arn = os.environ.get(HMAC_SECRET_ARN_ENV)
    if not arn:
        raise ConfigError(
            f"masking.yaml: a rule uses action 'hash' but no key is configured: set {HMAC_SECRET_ARN_ENV} "
            f"(Secrets Manager) or {HMAC_KEY_ENV} (local use)"
        )
    from aws_lambda_powertools.utilities.parameters import get_secret

    secret = get_secret(arn, max_age=3600)
    if isinstance(secret, bytes):
        return secret
    if not isinstance(secret, str) or not secret:
        raise ConfigError(f"{HMAC_SECRET_ARN_ENV}={arn}: the secret is empty or not a string")
    return secret.encode("utf-8")
