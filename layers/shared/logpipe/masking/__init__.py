"""PII masking hook. INTERIM: erases values of sensitive keys written as ``key=value`` in text.

The masking engine replaces this module; the contract the pipeline relies on is:

    masker = load_masker(directory=None)      # compiled once per container
    fired: set[str] = masker.mask_document(doc)   # masks string fields of a flat doc in place
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_KV = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|authorization|api[_-]?key)(\"?\s*[:=]\s*\"?)([^\s\",&;]+)")
SKIP_FIELDS = frozenset({"@timestamp", "log.level", "trace.id", "span.id", "transaction.id", "logpipe.parse"})


@dataclass(frozen=True, slots=True)
class Masker:
    """Masks sensitive values in the string fields of a flat document."""

    def mask_document(self, doc: dict[str, Any]) -> set[str]:
        """Mask in place; return the entity types that fired."""
        fired: set[str] = set()
        for key, value in doc.items():
            if key in SKIP_FIELDS or not isinstance(value, str) or ("=" not in value and ":" not in value):
                continue
            masked, n = _KV.subn(lambda m: m.group(1) + m.group(2) + "<SECRET>", value)
            if n:
                doc[key] = masked
                fired.add("SECRET")
        return fired


@lru_cache(maxsize=4)
def load_masker(directory: str | None = None) -> Masker:
    """The masker for ``directory`` (or the built-in rules), compiled once."""
    return Masker()
