"""Processor benchmark: a deterministic reference corpus, Firehose event packing and measurement.

Kept out of the per-record path: nothing in the processor imports this package. ``logpipe bench`` (in
``logpipe_cli.bench``) drives it; the subprocess probes (cold start, peak memory, ``--pure``) run
:mod:`logpipe.benchmark.probe` in a fresh interpreter so they measure what a new Lambda container pays.
"""
