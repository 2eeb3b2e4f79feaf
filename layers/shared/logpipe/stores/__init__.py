"""Where processed documents are read back from: the local SQLite store, OpenSearch and the S3 archive (Athena).

Every store answers the same two questions with nested ECS documents: the documents of one trace
(:class:`logpipe.traces.TraceSource`) and a search (text plus service / level / time filters), so the CLI,
the demo and the Slack notifier do not care which backend holds the logs.
"""

from __future__ import annotations

from logpipe.stores.query import SearchQuery, SearchStore, parse_since

__all__ = ["SearchQuery", "SearchStore", "parse_since"]
