"""The whole AWS pipeline on a laptop: Fluent Bit -> Firehose (both streams) -> the real processor handler ->
an archive folder laid out like the S3 destination and a search store (SQLite FTS5 or a real OpenSearch).

Stages, each in its own module: :mod:`inputs` (log files, Fluent Bit captures, Firehose events),
:mod:`agent` (Fluent Bit record shaping), :mod:`firehose` (PutRecordBatch limits, Lambda buffering,
invocation and the response contract), :mod:`delivery` (S3 and search destinations), :mod:`runner`
(wires them together and totals the counts).
"""
