"""Files as streams: bytes move in bounded chunks, never as a whole file in memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot import formats
from bot.models import Attachment, ByteStream

CHUNK = 1024 * 1024


@asynccontextmanager
async def open_file(path: Path, chunk: int = CHUNK) -> AsyncIterator[ByteStream]:
    """Stream a local file; reads happen in a thread so the event loop keeps running."""
    handle = await asyncio.to_thread(path.open, "rb")

    async def chunks() -> ByteStream:
        while block := await asyncio.to_thread(handle.read, chunk):
            yield block

    try:
        yield chunks()
    finally:
        await asyncio.to_thread(handle.close)


def file_attachment(path: Path) -> Attachment:
    """A file on this machine as an `Attachment` (console chat, Telegram local mode)."""
    path = path.expanduser().resolve()
    return Attachment(
        name=path.name,
        size=path.stat().st_size,
        mime=formats.mime_of(path.name),
        open=lambda: open_file(path),
        local_path=path,
    )
