"""PII masking engine: personal data and secrets never reach OpenSearch, S3 or Slack.

Contract (used by the processor pipeline and the Slack notifier)::

    masker = load_masker(directory=None)             # compiled once per container (cached)
    fired: set[str] = masker.mask_document(doc)      # flat dotted-key doc, masked in place
    text, entities = masker.mask_text("mail kim@example.com")   # entities: offsets into the input

Rules are data (``config/masking.yaml``, validated at load); see docs/masking.md.
"""

from __future__ import annotations

from functools import lru_cache

from logpipe.masking.actions import load_hmac_key
from logpipe.masking.config import ConfigError, MaskingConfig, load_config
from logpipe.masking.engine import Entity, Masker

__all__ = ["ConfigError", "Entity", "Masker", "MaskingConfig", "build_masker", "load_masker"]


def build_masker(config: MaskingConfig) -> Masker:
    """A masker for an already validated configuration (fetches the HMAC key only if a rule hashes)."""
    needs_key = any(r.enabled and r.action == "hash" for r in config.rules) or any(
        c.action == "hash" for c in config.custom_rules
    )
    return Masker(config, load_hmac_key() if needs_key else None)


@lru_cache(maxsize=4)
def load_masker(directory: str | None = None) -> Masker:
    """The masker for ``directory`` ($LOGPIPE_CONFIG_DIR or the built-in rules when None), compiled once."""
    return build_masker(load_config(directory))
