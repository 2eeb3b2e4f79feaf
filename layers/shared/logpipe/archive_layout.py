"""Where the archive stream writes in S3: one definition for the SAM template test and the local run.

Firehose's S3 destination with dynamic partitioning writes
``<prefix with partitionKeyFromLambda values>/<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>[.gz]``;
records the processor marks ProcessingFailed go under the error prefix with error type
``processing-failed``.
"""

from __future__ import annotations

# Firehose S3 prefixes (CloudFormation property values); the template must use exactly these.
ARCHIVE_PREFIX = (
    "logs/service=!{partitionKeyFromLambda:service}/year=!{partitionKeyFromLambda:year}/"
    "month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/"
)
ARCHIVE_ERROR_PREFIX = "errors/archive/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
# The search stream backs up failed documents (and processing-failed records) to the same bucket.
SEARCH_BACKUP_PREFIX = "errors/search/"
SEARCH_ERROR_PREFIX = "errors/search/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"


def archive_key_prefix(keys: dict[str, str]) -> str:
    """The S3 prefix Firehose would use for a record with these partition keys."""
    prefix = ARCHIVE_PREFIX
    for name, value in keys.items():
        prefix = prefix.replace("!{partitionKeyFromLambda:" + name + "}", value)
    return prefix


def error_key_prefix(error_output_type: str, yyyy_mm_dd_hh: str, stream: str = "archive") -> str:
    """The S3 prefix for failed records (``processing-failed``, ``elasticsearch-failed`` ...)."""
    template = ARCHIVE_ERROR_PREFIX if stream == "archive" else SEARCH_ERROR_PREFIX
    return template.replace("!{firehose:error-output-type}", error_output_type).replace(
        "!{timestamp:yyyy/MM/dd/HH}", yyyy_mm_dd_hh
    )
