"""Fetch log documents by ``_id`` across the daily indices (document-level alerts name their matches by id)."""

from __future__ import annotations

from typing import Any


def fetch_documents(client: Any, index: str, ids: list[str]) -> list[dict[str, Any]]:
    """The ``_source`` of the documents with these ids in ``index`` (a pattern such as ``logs-*``)."""
    if not ids:
        return []
    body = {"size": len(ids), "query": {"ids": {"values": ids}}}
    response = client.search(index=index, body=body, params={"ignore_unavailable": "true"})
    hits = response.get("hits", {}).get("hits", []) if isinstance(response, dict) else []
    return [h["_source"] for h in hits if isinstance(h, dict) and isinstance(h.get("_source"), dict)]
