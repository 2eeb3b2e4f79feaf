"""Recognise a stack trace inside a log record and pull out ``error.type`` / ``error.message``.

Fluent Bit's multiline parsers have already joined the trace into one record, either after the log
message (``"Request failed\\njava.lang.X: boom\\n\\tat ..."``) or in its own field (``stack_trace``,
``exception``). Operators search and alert by exception type, so it is extracted for:

- Java / Kotlin / Scala: ``pkg.Type: message`` followed by ``at`` frames (``Caused by:`` kept in the trace;
  the outermost exception is the one reported, as ECS and logback do);
- Python: ``Traceback (most recent call last):`` ... the last unindented ``Type: message`` line;
- Go: ``panic: message`` (or ``fatal error:``) with a ``goroutine N [...]`` dump;
- Node.js: ``TypeError: message`` followed by ``    at`` frames;
- .NET: ``System.X: message ---> inner`` followed by ``   at`` frames.

Everything here runs only on records that contain a newline, behind literal guards.
"""

from __future__ import annotations

from logpipe.parsing.text import lazy_pattern  # compiled on the first trace

_FRAME_MARKERS = ("\n\tat ", "\n    at ", "\n   at ", "\n  at ", "\n at ")
_JAVA_HEADER = lazy_pattern(
    r"^\s*(?:Exception in thread (?:\"[^\"]*\"|\S+)\s+|Caused by:\s+|Unhandled exception\.\s+)?"
    r"(?P<type>[A-Za-z_$][\w$]*(?:[.$/][\w$]+)*(?:`\d+)?(?:\[[^\]]*\])?)(?::\s*(?P<msg>.*))?$"
)
# "Logger: SomeException: message" (java.util.logging puts the logger before the exception)
_INNER_EXCEPTION = lazy_pattern(r"(?P<type>[\w$.]*(?:Exception|Error|Throwable)): ?(?P<msg>.*)")
_PY_LAST = lazy_pattern(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<msg>.*))?$")
_GO_PANIC = lazy_pattern(r"(?m)^(?:.*?: )?(?P<type>panic|fatal error)(?: serving \S+)?: (?P<msg>.*)$")


def looks_like_trace(text: str) -> bool:
    """Cheap test: does ``text`` (holding a newline) contain a stack trace we know?"""
    if "Traceback (most recent call last)" in text:
        return True
    if "goroutine " in text and ("panic" in text or "fatal error" in text):
        return True
    return any(marker in text for marker in _FRAME_MARKERS)


def extract_error(trace: str) -> tuple[str, str] | None:
    """``(error.type, error.message)`` from a stack trace text, or ``None`` when none is recognised."""
    if "Traceback (most recent call last)" in trace:
        return _python(trace)
    if "goroutine " in trace:
        m = _GO_PANIC().search(trace)
        if m:
            return m.group("type"), m.group("msg").strip()
    return _framed(trace)


def _python(trace: str) -> tuple[str, str] | None:
    for line in reversed(trace.rstrip().split("\n")):
        if not line or line[0] in " \t":
            continue
        if line.startswith(("Traceback ", "During handling", "The above exception")):
            return None
        m = _PY_LAST().match(line.rstrip())
        if m and (":" in line or m.group("type")[0].isupper()):
            return m.group("type"), (m.group("msg") or "").strip()
        return None
    return None


def _framed(trace: str) -> tuple[str, str] | None:
    """Java, Node and .NET: the exception header is the last non-frame line before the first ``at`` frame."""
    lines = trace.split("\n")
    first_frame = -1
    for i, line in enumerate(lines):
        if line.lstrip().startswith("at ") and i > 0:
            first_frame = i
            break
    if first_frame < 0:
        return None
    for line in lines[:first_frame]:
        m = _JAVA_HEADER().match(line.rstrip())
        if m is None:
            continue
        kind = m.group("type")
        if not _plausible_type(kind):
            continue
        message = (m.group("msg") or "").strip()
        if not kind.endswith(("Error", "Exception", "Throwable")):
            inner = _INNER_EXCEPTION().match(message)
            if inner is not None:
                kind, message = inner.group("type"), inner.group("msg").strip()
        if " ---> " in message:  # .NET inner exception on the same line
            message = message.split(" ---> ", 1)[0].strip()
        return kind, message
    return None


def split_message(text: str) -> tuple[str, str | None]:
    """Split a multi-line message into (first line, stack trace) when the rest is a trace.

    ``"Request failed\\njava.lang.X: boom\\n\\tat a.b(C.java:1)"`` -> ``("Request failed", "java.lang.X...")``.
    A message that *is* the trace (its first line is the exception header) keeps that line as message and
    the whole text as the trace. Text that is not a trace is returned unchanged with ``None``.
    """
    first, _, tail = text.partition("\n")
    if not tail or not looks_like_trace(text):
        return text, None
    stripped_first = first.strip()
    if stripped_first.startswith("Traceback (most recent call last)") or _is_exception_header(stripped_first, tail):
        return stripped_first, text
    return first.rstrip(), tail.strip("\n")


def _plausible_type(kind: str) -> bool:
    return "." in kind or kind.endswith(("Error", "Exception", "Throwable"))


def _is_exception_header(first: str, tail: str) -> bool:
    """Is the first line of a multi-line message the exception itself (not a log message before it)?"""
    if first.startswith(("panic: ", "fatal error: ")):
        return True
    m = _JAVA_HEADER().match(first)
    if m is None or not _plausible_type(m.group("type")):
        return False
    return any(marker in "\n" + tail for marker in _FRAME_MARKERS)
