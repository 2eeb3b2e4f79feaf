"""Run the real Firehose processor handler in-process, the way Lambda would, for the local run.

The handler is imported from ``functions/processor`` (on ``sys.path`` in the project venv) and called with
a Lambda context object. Its Powertools log lines and EMF metrics go to a log file instead of the
terminal, and the counts it publishes as metrics (:class:`logpipe.stats.BatchStats`) are observed so the
run's summary shows exactly what CloudWatch would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from logpipe.stats import BatchStats

FUNCTION_NAME = "logpipe-processor"


class HandlerInvoker:
    """Firehose -> processor invocation; :attr:`last_stats` holds the counts of the last invocation."""

    def __init__(self, module: Any, context_factory: Callable[[str], Any]) -> None:
        self._module = module
        self._context_factory = context_factory
        self.last_stats: BatchStats | None = None

    lambda_arn = f"arn:aws:lambda:local:000000000000:function:{FUNCTION_NAME}"

    def __call__(self, event: dict[str, Any]) -> Any:
        self.last_stats = None
        return self._module.handler(event, self._context_factory(FUNCTION_NAME))


def _stdout_handlers() -> list[logging.StreamHandler[Any]]:
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    return [
        handler
        for lg in loggers
        for handler in lg.handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__)
    ]


@contextlib.contextmanager
def processor_handler(
    environment: str, log_path: Path | None, context_factory: Callable[[str], Any]
) -> Iterator[HandlerInvoker]:
    """The real handler, configured for ``environment``, its logs in ``log_path`` (``None``: discarded)."""
    saved_env = {k: os.environ.get(k) for k in ("LOGPIPE_ENVIRONMENT", "POWERTOOLS_METRICS_NAMESPACE")}
    os.environ["LOGPIPE_ENVIRONMENT"] = environment
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "logpipe")
    import firehose_processor
    from logpipe.pipeline import default_processor

    default_processor.cache_clear()  # the environment is read when the processor is built
    invoker = HandlerInvoker(firehose_processor, context_factory)
    # The handler publishes each batch's BatchStats through emit_metrics(stats, stream); observing that call
    # gives the summary the exact counts CloudWatch would get. Without it the runner derives the counts
    # from the responses (no drop-rule or mask breakdown).
    original_emit = getattr(firehose_processor, "emit_metrics", None)

    def observe(stats: BatchStats, stream: Any) -> None:
        invoker.last_stats = stats
        if original_emit is not None:
            original_emit(stats, stream)

    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    sink: TextIO = log_path.open("a", encoding="utf-8") if log_path is not None else open(os.devnull, "w")  # noqa: SIM115
    pipeline_log = logging.getLogger("logpipe")
    file_handler = logging.StreamHandler(sink)
    pipeline_log.addHandler(file_handler)
    saved_propagate = pipeline_log.propagate
    pipeline_log.propagate = False  # per-record warnings go to the log file, not the terminal
    retargeted = [(h, h.setStream(sink)) for h in _stdout_handlers()]
    if original_emit is not None:
        firehose_processor.emit_metrics = observe
    try:
        with contextlib.redirect_stdout(sink):
            yield invoker
    finally:
        if original_emit is not None:
            firehose_processor.emit_metrics = original_emit
        for handler, stream in retargeted:
            handler.setStream(stream)
        pipeline_log.removeHandler(file_handler)
        pipeline_log.propagate = saved_propagate
        sink.close()
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        default_processor.cache_clear()
