"""logpipe: the shared library of the log pipeline.

Everything on the per-record path is pure functions over plain data (dicts, str, bytes): decoding
Fluent Bit records, parsing, normalising, correlating, filtering, masking and shaping documents.
AWS clients live only at the edges (handlers, CLI) and are created lazily, so importing this package
stays cheap for Lambda cold starts.
"""

__version__ = "0.1.0"
