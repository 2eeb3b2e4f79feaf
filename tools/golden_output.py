"""Fingerprint the processor's output on the benchmark corpus, to prove an optimisation changed nothing.

Speed work must keep the output byte for byte. Run this before a change (``write``) and after it
(``check``): every record of the deterministic corpus goes through ``Processor.transform_record`` for both
streams, and the result (status, decoded data, partition keys) is compared per record. Ok archive data is
gunzipped first (it is a gzip member of NDJSON): the documents are compared, not gzip bytes. ``check`` prints
the first differing records, decoded, so a difference can be understood rather than only detected.

    .venv/bin/python tools/golden_output.py write /tmp/golden.jsonl [--records 50000]
    .venv/bin/python tools/golden_output.py check /tmp/golden.jsonl
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from logpipe.archive_format import archive_payload_text
from logpipe.benchmark.corpus import generate
from logpipe.pipeline import Processor
from logpipe.stats import BatchStats

_ARRIVAL_MS = 1714530896000


def _outputs(count: int) -> list[dict[str, Any]]:
    corpus, _ = generate(count)
    processor = Processor.from_config()
    rows: list[dict[str, Any]] = []
    for index, raw in enumerate(corpus.records):
        record = {
            "recordId": str(index),
            "approximateArrivalTimestamp": _ARRIVAL_MS + index,
            "data": base64.b64encode(raw).decode("ascii"),
        }
        row: dict[str, Any] = {"i": index}
        for stream in ("search", "archive"):
            result = processor.transform_record(dict(record), stream, BatchStats())
            raw = base64.b64decode(result.get("data", ""))
            if stream == "archive" and result["result"] == "Ok":
                # Ok archive data is a gzip member of the NDJSON (logpipe.archive_format): compare the NDJSON,
                # so fingerprints written before that format still match. Failed records stay raw input.
                raw = archive_payload_text(raw)
            data = raw.decode("utf-8", "replace")
            keys = result.get("metadata", {}).get("partitionKeys")
            row[stream] = [result["result"], data, keys]
        row["sha"] = hashlib.sha256(json.dumps(row, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("write", "check"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--show", type=int, default=5, help="differing records to print in check mode")
    args = parser.parse_args(argv)
    if args.mode == "write":
        rows = _outputs(args.records)
        with args.file.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"records": args.records}) + "\n")
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(rows)} fingerprints to {args.file}")
        return 0
    lines = args.file.read_text(encoding="utf-8").splitlines()
    count = json.loads(lines[0])["records"]
    expected = [json.loads(line) for line in lines[1:]]
    actual = _outputs(count)
    differing = [(e, a) for e, a in zip(expected, actual, strict=True) if e["sha"] != a["sha"]]
    for e, a in differing[: args.show]:
        print(f"--- record {e['i']}")
        for stream in ("search", "archive"):
            if e[stream] != a[stream]:
                print(f"  {stream} before: {e[stream]}")
                print(f"  {stream} after:  {a[stream]}")
    print(f"{len(differing)} of {count} records differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
