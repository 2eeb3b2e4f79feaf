"""Read and write logs in OpenSearch: trace lookups and search for the CLI and the Slack notifier, and bulk
indexing the way Firehose's OpenSearch destination does for the local run's ``--opensearch`` mode.

The client comes from :func:`logpipe.opensearch.client.make_client` (SigV4 for Amazon OpenSearch Service
endpoints, plain or basic-auth URLs otherwise) and is created on first use, so importing this module costs
nothing on a Lambda cold start.

Queries work whether the index template maps ``trace.id`` / ``service.name`` / ``log.level`` as ``keyword``
(logpipe's template) or OpenSearch mapped them dynamically as ``text`` with a ``.keyword`` sub-field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from logpipe.jsonfast import dumps
from logpipe.levels import LEVEL_NAMES, LEVEL_RANK
from logpipe.stores.query import iso_millis

# One _bulk request stays well under OpenSearch's default 100 MB http.max_content_length and the 10 MB
# payload limit of the smallest Amazon OpenSearch Service instance types.
BULK_MAX_BYTES = 5 * 1024 * 1024
BULK_MAX_DOCS = 5000


def daily_index(environment: str, moment: datetime, prefix: str = "logs") -> str:
    """``logs-<env>-YYYY-MM-DD``: the index Firehose writes to with index name ``logs-<env>`` and
    ``IndexRotationPeriod: OneDay`` (it appends the UTC date of the record's arrival)."""
    return f"{prefix}-{environment}-{moment.astimezone(UTC).strftime('%Y-%m-%d')}"


def _keyword_term(field_name: str, value: str) -> dict[str, Any]:
    """Match ``value`` exactly on a keyword field or on the ``.keyword`` sub-field of a dynamic text field."""
    return {
        "bool": {
            "should": [{"term": {field_name: value}}, {"term": {f"{field_name}.keyword": value}}],
            "minimum_should_match": 1,
        }
    }


def trace_query(trace_id: str, limit: int) -> dict[str, Any]:
    """The ``_search`` body for every document of one trace, oldest first."""
    return {
        "size": limit,
        "query": {"bool": {"filter": [_keyword_term("trace.id", trace_id)]}},
        "sort": [{"@timestamp": {"order": "asc", "unmapped_type": "date"}}],
    }


def search_query(
    text: str, service: str | None, level: str | None, since: datetime | None, limit: int
) -> dict[str, Any]:
    """The ``_search`` body for ``logpipe search``: full text over message and error fields, newest first.

    ``level`` keeps that level and everything more severe (``warn`` also finds errors), as operators expect.
    ``text`` uses the ``simple_query_string`` syntax (``"exact phrase"``, ``-exclude``, ``a | b``, ``field*``).
    """
    filters: list[dict[str, Any]] = []
    if service:
        filters.append(_keyword_term("service.name", service))
    if level:
        wanted = [name for name in LEVEL_NAMES if LEVEL_RANK[name] >= LEVEL_RANK.get(level, 0)]
        filters.append(
            {
                "bool": {
                    "should": [{"terms": {"log.level": wanted}}, {"terms": {"log.level.keyword": wanted}}],
                    "minimum_should_match": 1,
                }
            }
        )
    if since is not None:
        filters.append({"range": {"@timestamp": {"gte": iso_millis(since)}}})
    must: list[dict[str, Any]] = []
    if text.strip():
        must.append(
            {
                "simple_query_string": {
                    "query": text,
                    "fields": ["message^2", "error.message", "error.type", "error.stack_trace", "trace.id"],
                    "default_operator": "and",
                    "lenient": True,
                }
            }
        )
    return {
        "size": limit,
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "sort": [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
    }


def hits_sources(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``_source`` documents of a ``_search`` response."""
    hits = response.get("hits", {}).get("hits", [])
    return [hit["_source"] for hit in hits if isinstance(hit, Mapping) and isinstance(hit.get("_source"), dict)]


@dataclass(slots=True)
class BulkResult:
    """What a bulk load did: documents indexed, and the ones OpenSearch refused with its reason.

    Firehose sends refused documents to S3 under ``elasticsearch-failed``; the local run does the same.
    """

    indexed: int = 0
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)


class OpenSearchStore:
    """Logs in an OpenSearch cluster (the deployed domain, or any URL for local use and tests)."""

    def __init__(self, endpoint: str, index: str = "logs-*", *, client: Any = None, region: str | None = None):
        self.endpoint = endpoint
        self.index = index
        self._client = client
        self._region = region

    @property
    def client(self) -> Any:
        """The opensearch-py client, built on first use (imports opensearch-py and, for AWS, boto3)."""
        if self._client is None:
            from logpipe.opensearch.client import make_client

            self._client = make_client(self.endpoint, region=self._region)
        return self._client

    def fetch_trace(self, trace_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """Every stored document of ``trace_id`` (implements :class:`logpipe.traces.TraceSource`)."""
        response = self.client.search(
            index=self.index, body=trace_query(trace_id, limit), params={"ignore_unavailable": "true"}
        )
        return hits_sources(response)

    def search(
        self,
        query: str = "",
        service: str | None = None,
        level: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Full-text and field search, newest first."""
        body = search_query(query, service, level, since, limit)
        response = self.client.search(index=self.index, body=body, params={"ignore_unavailable": "true"})
        return hits_sources(response)

    def bulk_index(
        self, docs: Iterable[Mapping[str, Any]], index: str, ids: Sequence[str] | None = None, refresh: bool = False
    ) -> BulkResult:
        """Index ``docs`` into ``index`` with the ``_bulk`` API, as Firehose's OpenSearch destination does.

        Firehose sends ``index`` actions with a document id it generates per record (so its retries do not
        duplicate); pass ``ids`` for the same effect. Per-document refusals (mapping conflicts and the like)
        come back in :attr:`BulkResult.failed` instead of raising: they are data problems, not outages.
        """
        result = BulkResult()
        batch: list[tuple[dict[str, Any], bytes]] = []
        size = 0
        for position, doc in enumerate(docs):
            action: dict[str, Any] = {"_index": index}
            if ids is not None:
                action["_id"] = ids[position]
            body = dumps({"index": action}) + b"\n" + dumps(doc) + b"\n"
            if batch and (size + len(body) > BULK_MAX_BYTES or len(batch) >= BULK_MAX_DOCS):
                self._send(batch, result, refresh=False)
                batch, size = [], 0
            batch.append((dict(doc), body))
            size += len(body)
        if batch:
            self._send(batch, result, refresh=refresh)
        elif refresh:
            self.client.indices.refresh(index=index)
        return result

    def _send(self, batch: list[tuple[dict[str, Any], bytes]], result: BulkResult, *, refresh: bool) -> None:
        payload = b"".join(body for _, body in batch)
        params = {"refresh": "true"} if refresh else {}
        response = self.client.bulk(body=payload, params=params)
        items = response.get("items", []) if isinstance(response, Mapping) else []
        if not response.get("errors"):
            result.indexed += len(batch)
            return
        for (doc, _), item in zip(batch, items, strict=False):
            outcome = next(iter(item.values())) if isinstance(item, Mapping) and item else {}
            error = outcome.get("error") if isinstance(outcome, Mapping) else None
            if error:
                reason = error.get("type", "error") if isinstance(error, Mapping) else str(error)
                detail = error.get("reason", "") if isinstance(error, Mapping) else ""
                result.failed.append((doc, f"{reason}: {detail}" if detail else str(reason)))
            else:
                result.indexed += 1
