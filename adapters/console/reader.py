"""Lines from the keyboard or a pipe, read without ever holding up the event loop or the exit.

`asyncio.to_thread(readline)` would do the reading in the loop's default executor, whose threads
are joined when the loop closes: a person quitting with Ctrl-C would wait for them to press Enter.
Here a daemon thread reads the raw file descriptor (no buffered-reader lock to trip over at exit)
and hands whole lines to the loop; the process exits whenever it wants to.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import threading
from typing import TextIO

_CHUNK = 65536


class LineReader:
    """`await reader.next()`: the next line without its newline, None at the end of input."""

    def __init__(self, source: TextIO) -> None:
        self._source = source
        self._fd = _fileno(source)
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._started = False

    @property
    def interactive(self) -> bool:
        """A person typing, not a script: lines are taken as they come, not one job at a time."""
        try:
            return self._source.isatty()
        except ValueError:
            return False

    async def next(self) -> str | None:
        if self._fd is None:  # an in-memory source (tests): reading never blocks
            line = self._source.readline()
            return line.rstrip("\r\n") if line else None
        if not self._started:
            self._started = True
            loop = asyncio.get_running_loop()
            threading.Thread(
                target=self._pump, args=(loop,), name="console-input", daemon=True
            ).start()
        return await self._queue.get()

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._fd is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(self._fd, _CHUNK)
            except OSError:
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                self._deliver(loop, line.rstrip("\r"))
            if not chunk:
                if pending:
                    self._deliver(loop, pending)
                self._deliver(loop, None)
                return

    def _deliver(self, loop: asyncio.AbstractEventLoop, line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens any more
            loop.call_soon_threadsafe(self._queue.put_nowait, line)


def _fileno(source: TextIO) -> int | None:
    try:
        return source.fileno()
    except (OSError, ValueError, AttributeError):  # io.StringIO raises UnsupportedOperation
        return None
