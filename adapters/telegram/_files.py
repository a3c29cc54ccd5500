"""Files people send, as lazy streams: a Telegram file, a file on a local Bot API server's disk,
or a video link.

Telegram's own `File.download_*` reads a whole file into memory, so videos never go through it:
`getFile` gives the path, and the bytes are streamed in chunks through the adapter's httpx client
(cloud) or read from disk (local mode). The file URL contains the bot token: it lives only inside
`_open_telegram`, is never logged, and errors raised here never carry it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx
from telegram import Bot

from adapters.telegram._errors import translated
from bot.errors import NotAVideo, Transient
from bot.models import Attachment, ByteStream

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
DISK_CHUNK = 256 * 1024
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gif", ".3gp"})


def is_video_link(url: str) -> bool:
    """A direct http(s) link to a video file (by its extension), not a page about one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return PurePosixPath(unquote(parts.path)).suffix.lower() in VIDEO_EXTENSIONS


class TelegramFiles:
    """Makes `Attachment`s whose `open()` streams the bytes; one httpx client for all of them."""

    def __init__(self, bot: Bot, client: httpx.AsyncClient, *, local_mode: bool) -> None:
        self._bot = bot
        self._client = client
        self._local_mode = local_mode

    def telegram_file(
        self, file_id: str, name: str, size: int | None, mime: str | None
    ) -> Attachment:
        # No public_url: the only URL this file has contains the bot token.
        return Attachment(
            name=name, size=size, mime=mime, open=lambda: self._open_telegram(file_id)
        )

    def link(self, url: str) -> Attachment:
        name = PurePosixPath(unquote(urlsplit(url).path)).name or "video.mp4"
        return Attachment(
            name=name, size=None, mime=None, open=lambda: self._open_url(url), public_url=url
        )

    @asynccontextmanager
    async def _open_telegram(self, file_id: str) -> AsyncIterator[ByteStream]:
        with translated():
            tg_file = await self._bot.get_file(file_id)
        location = tg_file.file_path or ""
        if self._local_mode and Path(location).is_absolute():
            # A local Bot API server (`--local`) answers with a path on its own disk.
            yield _read_disk(Path(location))
            return
        async with self._stream(location, what="telegram file") as chunks:
            yield chunks

    @asynccontextmanager
    async def _open_url(self, url: str) -> AsyncIterator[ByteStream]:
        async with self._stream(url, what="video link", check_type=True) as chunks:
            yield chunks

    @asynccontextmanager
    async def _stream(
        self, url: str, *, what: str, check_type: bool = False
    ) -> AsyncIterator[ByteStream]:
        # httpx puts the URL in some messages (HTTPStatusError): never let one escape from here.
        # Only our own request is guarded: errors of whoever consumes the stream pass untouched.
        try:
            response = await self._client.send(self._client.build_request("GET", url), stream=True)
        except httpx.HTTPError as exc:
            raise Transient(f"{what} download failed: {type(exc).__name__}") from None
        try:
            if response.status_code != httpx.codes.OK:
                raise Transient(f"{what} download answered HTTP {response.status_code}")
            ctype = response.headers.get("content-type", "")
            if check_type and ctype.startswith(("text/", "application/json")):
                raise NotAVideo(f"{what} is {ctype.split(';')[0]}")
            yield _relay(response, what)
        finally:
            await response.aclose()


async def _relay(response: httpx.Response, what: str) -> ByteStream:
    try:
        async for chunk in response.aiter_bytes(CHUNK):
            yield chunk
    except httpx.HTTPError as exc:
        raise Transient(f"{what} download broke: {type(exc).__name__}") from None


async def _read_disk(path: Path) -> ByteStream:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, DISK_CHUNK):
            yield chunk
    finally:
        handle.close()
