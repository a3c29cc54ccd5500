"""A `Port` for core tests: records what the core says, lets tests wait for it and script 429s.

This is the core's own seam (no wire exists between the core and an adapter), so a recording port
is the honest way to watch the core; adapters are tested against their platforms' fakes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import RetryAfter
from bot.models import ChatKey
from bot.ports import Button, ChatAction, MessageRef, OutboundVideo


@dataclass
class Sent:
    kind: str  # "text", "edit", "video", "link", "typing"
    text: str = ""
    ref: str = ""
    buttons: tuple[Button, ...] = ()
    at: float = 0.0
    video_size: int | None = None
    video: OutboundVideo | None = None
    url: str | None = None


@dataclass
class RecordingPort:
    chat: ChatKey = field(default_factory=lambda: ChatKey("test", "1"))
    upload_limit: int = 50_000_000
    message_limit: int = 4096
    caption_limit: int = 1024
    hint: str | None = None
    # In order, for each edit: a retry-after in seconds, or an error to raise.
    edit_failures: list[float | Exception] = field(default_factory=list)
    video_failures: list[Exception] = field(default_factory=list)  # raised by the next posts
    results_dir: Path | None = None
    log: list[Sent] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _record(self, sent: Sent) -> None:
        sent.at = time.monotonic()
        async with self._changed:
            self.log.append(sent)
            self._changed.notify_all()

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        ref = str(next(self._ids))
        await self._record(Sent("text", text, ref, tuple(buttons)))
        return MessageRef(ref)

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        if self.edit_failures:
            failure = self.edit_failures.pop(0)
            await self._record(Sent("edit-refused", text, ref.id))
            raise failure if isinstance(failure, Exception) else RetryAfter(failure)
        await self._record(Sent("edit", text, ref.id, tuple(buttons)))

    async def typing(self, action: ChatAction = "typing") -> None:
        await self._record(Sent("typing", action))

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        if self.video_failures:
            await self._record(Sent("video-refused", caption))
            raise self.video_failures.pop(0)
        ref = str(next(self._ids))
        size = video.path.stat().st_size  # the file is removed after delivery: measure now
        if self.results_dir is not None:
            self.results_dir.mkdir(parents=True, exist_ok=True)
            (self.results_dir / f"{ref}-{video.filename}").write_bytes(video.path.read_bytes())
        await self._record(Sent("video", caption, ref, video_size=size, video=video))
        return MessageRef(ref)

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        ref = str(next(self._ids))
        await self._record(Sent("link", text, ref, url=url))
        return MessageRef(ref)

    # For tests ---------------------------------------------------------------------------------

    def of(self, *kinds: str) -> list[Sent]:
        return [sent for sent in self.log if sent.kind in kinds]

    def texts(self) -> list[str]:
        return [sent.text for sent in self.log if sent.kind in ("text", "edit", "video", "link")]

    async def wait_for(self, predicate: Callable[[Sent], bool], timeout: float = 10.0) -> Sent:
        """The first recorded call matching `predicate`, waiting for it if need be."""

        async def find() -> Sent:
            async with self._changed:
                while True:
                    for sent in self.log:
                        if predicate(sent):
                            return sent
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    async def wait_text(self, needle: str, timeout: float = 10.0) -> Sent:
        return await self.wait_for(
            lambda s: s.kind in ("text", "edit", "video", "link") and needle in s.text, timeout
        )
