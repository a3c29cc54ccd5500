"""Every raw log line of a test (before any redaction), to prove a secret never reaches a logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def unredacted_log_lines(*secrets: str) -> Iterator[LogLines]:
    """Capture every line at DEBUG while open; on exit, fail if any holds one of `secrets`."""
    handler = LogLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert handler.lines, "nothing was logged: the capture is broken"
    leaked = [line for line in handler.lines if any(secret in line for secret in secrets)]
    assert leaked == [], leaked[:3]
