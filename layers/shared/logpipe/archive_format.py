"""What the archive stream's records hold: each Ok record's data is one gzip member of NDJSON documents.

Why the processor compresses (and Firehose does not): Fluent Bit sends the archive stream gzip-compressed,
aggregated records, and decoded into NDJSON they grow 3-18x (repetitive logs the most). Firehose's Lambda
response is limited to 6 MB, so uncompressed output overflowed it and whole records went, unmasked, to
the error prefix. Gzipping each record's NDJSON keeps the output about as large as the input, whatever the
inflation. The S3 destination then writes the records as they are (``CompressionFormat: UNCOMPRESSED``,
``FileExtension: .gz``): Firehose concatenates records without delimiters, and concatenated gzip members
are one valid gzip stream (RFC 1952, section 2.2), which gunzip, Java's ``GZIPInputStream`` and Athena
read as the documents of every record in turn.

Level: measured on the archive stream (docs/deploy.md, "Processor batch sizes"): level 6 costs ~9% of the
archive processor's CPU and stores ~10% less than level 3, and storage is kept for years.

Readers (the local run, ``logpipe invoke --decode``, tests, tools) use :func:`archive_payload_text`, which
also accepts uncompressed NDJSON, so data written before this format still reads.
"""

from __future__ import annotations

import zlib

ARCHIVE_GZIP_LEVEL = 6
# The archive stream's S3 destination (template.yaml; tests/template checks these): Firehose writes the records
# as they are and names the objects with this extension, so Athena picks the gzip codec by the name.
ARCHIVE_COMPRESSION_FORMAT = "UNCOMPRESSED"
ARCHIVE_FILE_EXTENSION = ".gz"
GZIP_MAGIC = b"\x1f\x8b"
# wbits 16 + 15: a gzip header and trailer around the deflate stream (mtime 0: same bytes for same input).
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def compress_member(payload: bytes, level: int = ARCHIVE_GZIP_LEVEL) -> bytes:
    """One gzip member holding ``payload`` (deterministic: no timestamp or file name in the header)."""
    return zlib.compress(payload, level, wbits=_GZIP_WBITS)


def is_gzip(data: bytes) -> bool:
    """True when ``data`` starts like a gzip member."""
    return data[:2] == GZIP_MAGIC


def gunzip_members(data: bytes) -> bytes:
    """Everything in a stream of concatenated gzip members, as gunzip reads it (raises ``zlib.error``)."""
    out: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
        out.append(inflater.decompress(data))
        if not inflater.eof:
            raise zlib.error("truncated gzip member")
        data = inflater.unused_data
    return b"".join(out)


def archive_payload_text(data: bytes) -> bytes:
    """The NDJSON inside archive record data or an archive object: gunzipped when gzip, else as it is."""
    return gunzip_members(data) if is_gzip(data) else data


def document_count(data: bytes) -> int:
    """Documents (non-empty lines) in archive record data or an archive object."""
    return sum(1 for line in archive_payload_text(data).split(b"\n") if line.strip())
