"""The terminal as a chat window: messages are printed, progress edits redraw in place.

On a terminal (a TTY) an edit to the message printed last erases it and prints the new text in
its place, so a job's progress stays one message; an edit to an older message prints the new text
below, where the next edits then redraw it. Anything else (a pipe, a file, a test's buffer) gets
plain lines: one per message and one per edit, marked `↻`, so a transcript reads in order.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.models import ChatKey
from bot.ports import Button, ChatAction, MessageRef, OutboundVideo

NEW = "bot> "
EDIT = "  ↻ "
INDENT = "     "
# Up to the first row of the block, to the start of that row (CPL), then clear to the end (ED).
_UP_AND_CLEAR = "\x1b[{rows}F\x1b[J"


@dataclass(frozen=True, slots=True)
class _Shown:
    ref: str
    prefix: str
    rows: int


class Screen:
    """Writes messages to `out`; thread-safe, since log notices may come from any thread."""

    def __init__(self, out: TextIO, tty: bool | None = None) -> None:
        self._out = out
        self.tty = _isatty(out) if tty is None else tty
        self._lock = threading.RLock()
        self._last: _Shown | None = None  # the block at the bottom of the screen, if it is ours
        self._fresh_line = False  # the cursor is after "^C" or typed text: start a new line

    def show(self, text: str, ref: str | None = None, prefix: str = NEW) -> None:
        """Print a message below everything else."""
        with self._lock:
            block = _block(prefix, text)
            lead = "\n" if self._fresh_line else ""
            self._fresh_line = False
            self._out.write(lead + block + "\n")
            self._out.flush()
            self._last = _Shown(ref, prefix, self._rows(block)) if ref is not None else None

    def replace(self, ref: str, text: str) -> None:
        """Show `text` as the new content of message `ref`: in place when it is the last one."""
        with self._lock:
            last = self._last
            if self.tty and last is not None and last.ref == ref and not self._fresh_line:
                self._out.write(_UP_AND_CLEAR.format(rows=last.rows))
                self.show(text, ref, last.prefix)
            else:
                self.show(text, ref, EDIT)

    def moved(self) -> None:
        """Something we did not write moved the cursor (typed input, an echoed ^C)."""
        with self._lock:
            self._last = None

    def interrupted(self) -> None:
        """The terminal echoed ^C where the cursor was: what comes next starts a new line."""
        with self._lock:
            self._last = None
            self._fresh_line = self.tty

    def close(self) -> None:
        """The chat is over: leave the cursor at the start of a line (after an echoed ^C)."""
        with self._lock:
            if self._fresh_line:
                self._out.write("\n")
                self._out.flush()
            self._fresh_line = False

    def _rows(self, block: str) -> int:
        """How many terminal rows `block` takes, long lines wrapping."""
        columns = max(1, shutil.get_terminal_size().columns)
        return sum(max(1, -(-_width(line) // columns)) for line in block.split("\n"))


class ConsolePort:
    """One chat, one person: messages go to the `Screen`, videos are copied into `results`."""

    def __init__(self, screen: Screen, chat: ChatKey, results: Path, upload_limit: int) -> None:
        self._screen = screen
        self._chat = chat
        self._results = results
        self._upload_limit = upload_limit
        # Only the edits of this process refer to these ids (no message outlives the process).
        self._ids = itertools.count(1)

    @property
    def chat(self) -> ChatKey:
        return self._chat

    @property
    def hint(self) -> str | None:
        return None

    @property
    def message_limit(self) -> int:
        return 4096

    @property
    def caption_limit(self) -> int:
        return 1024

    @property
    def upload_limit(self) -> int:
        return self._upload_limit

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        ref = MessageRef(str(next(self._ids)))
        self._screen.show(_with_buttons(text, buttons), ref.id)
        return ref

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        self._screen.replace(ref.id, _with_buttons(text, buttons))

    async def typing(self, action: ChatAction = "typing") -> None:
        return None

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        self._results.mkdir(parents=True, exist_ok=True)
        target = _free_name(self._results / Path(video.filename).name)
        await asyncio.to_thread(_copy, video.path, target)
        return await self.send_text(f"{caption}\n🎬 {target}")

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        return await self.send_text(f"{text}\n🔗 {url}")


def _with_buttons(text: str, buttons: Sequence[Button]) -> str:
    """Buttons are commands (or links) the person can type: listed under the text."""
    commands = [c for b in buttons if (c := b.command or b.url)]
    return text + ("\n[" + "  ".join(commands) + "]" if commands else "")


def _block(prefix: str, text: str) -> str:
    return "\n".join(
        (INDENT + line if line else "") if n else prefix + line
        for n, line in enumerate(text.split("\n"))
    )


def _width(line: str) -> int:
    """Columns `line` takes: wide (CJK, most emoji) characters take two, combining marks none."""
    width = 0
    for char in line:
        if unicodedata.combining(char) or char in "\ufe0f\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except ValueError:  # closed
        return False


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
