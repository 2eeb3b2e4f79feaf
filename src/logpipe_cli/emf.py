"""Keep Lambda's log and EMF metric lines off stdout when a handler runs locally (stdout is for results)."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator


def _retarget_stdout_handlers() -> None:
    """Point every logging handler that writes to stdout (Powertools binds it at import) at stderr."""
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    for lg in loggers:
        for handler in lg.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                handler.setStream(sys.stderr)


@contextlib.contextmanager
def capture_stdout_metrics() -> Iterator[None]:
    """Send whatever the handler prints (Powertools logs and EMF lines) to stderr."""
    _retarget_stdout_handlers()
    with contextlib.redirect_stdout(sys.stderr):
        yield
