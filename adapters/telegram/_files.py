"""Files people send, as lazy streams: a Telegram file, a file on a local Bot API server's disk,
or a video link (fetched by `bot.links`, which checks where it leads).

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
from pathlib import Path

import httpx
from telegram import Bot, File

from adapters.telegram._errors import translated
from bot.backoff import DEFAULT_BACKOFF
from bot.errors import ConfigError, RetryAfter, Transient
from bot.links import LinkFetcher
from bot.models import Attachment, ByteStream

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
DISK_CHUNK = 256 * 1024
GET_FILE_TRIES = 4


class TelegramFiles:
    """Makes `Attachment`s whose `open()` streams the bytes; one httpx client for all of them."""

    def __init__(
        self, bot: Bot, client: httpx.AsyncClient, *, local_mode: bool, links: LinkFetcher
    ) -> None:
        self._bot = bot
        self._client = client
        self._local_mode = local_mode
        self._links = links

    def telegram_file(
        self, file_id: str, name: str, size: int | None, mime: str | None
    ) -> Attachment:
        # No public_url: the only URL this file has contains the bot token. The file_id holds
        # no secret and stays valid for this bot, so another process can fetch it again.
        return Attachment(
            name=name,
            size=size,
            mime=mime,
            open=lambda: self._open_telegram(file_id),
            source=file_id,
        )

    def link(self, url: str) -> Attachment:
        # Never through `self._client`: links go only where `bot.links` allows.
        return self._links.attachment(url)

    @asynccontextmanager
    async def _open_telegram(self, file_id: str) -> AsyncIterator[ByteStream]:
        tg_file = await _get_file(self._bot, file_id)
        location = tg_file.file_path or ""
        if self._local_mode and Path(location).is_absolute():
            # A local Bot API server (`--local`) answers with a path on its own disk.
            yield _read_disk(Path(location))
            return
        if self._local_mode and location.startswith(f"{self._bot.base_file_url}//"):
            # PTB keeps such a path only where it finds the file, else makes it a file URL,
            # which a local server does not serve: its disk is not mounted here.
            raise _not_on_this_disk()
        async with self._stream(location, what="telegram file") as chunks:
            yield chunks

    @asynccontextmanager
    async def _stream(self, url: str, *, what: str) -> AsyncIterator[ByteStream]:
        # httpx puts the URL in some messages (HTTPStatusError): never let one escape from here.
        # Only our own request is guarded: errors of whoever consumes the stream pass untouched.
        try:
            response = await self._client.send(self._client.build_request("GET", url), stream=True)
        except httpx.HTTPError as exc:
            raise Transient(f"{what} download failed: {type(exc).__name__}") from None
        try:
            if response.status_code != httpx.codes.OK:
                raise Transient(f"{what} download answered HTTP {response.status_code}")
            yield _relay(response, what)
        finally:
            await response.aclose()


async def _get_file(bot: Bot, file_id: str) -> File:
    """getFile, waiting out flood control and trying a network failure again (`GET_FILE_TRIES`
    in all): the person's video is behind it, and nothing was done yet that a retry repeats."""
    delays = DEFAULT_BACKOFF.delays()
    for _ in range(GET_FILE_TRIES - 1):
        try:
            with translated():
                return await bot.get_file(file_id)
        except RetryAfter as wait:
            if wait.seconds > DEFAULT_BACKOFF.longest:
                raise  # minutes of flood control: better said than waited out in silence
            pause = wait.seconds
        except Transient:
            pause = delays.next()
        log.info("getFile failed for now; trying again in %gs", pause)
        await asyncio.sleep(pause)
    with translated():
        return await bot.get_file(file_id)


def _not_on_this_disk() -> ConfigError:
    # Never the path: the server keeps each bot's files in a folder named by its token.
    return ConfigError(
        [
            "TELEGRAM_LOCAL_MODE=true, but the file the local Bot API server named is not on this "
            "machine's disk: mount the server's working directory at the same path on every "
            "process that fetches files (cluster workers too), read-only is enough."
        ]
    )


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
