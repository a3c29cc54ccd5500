"""What Discord sends, as the core's neutral types: chat keys, people and attachments.

Chat keys: a channel (or DM channel) is `ChatKey("discord", channel_id)`; a thread, which Discord
treats as a channel of its own, is `ChatKey("discord", parent_channel_id, thread_id)`, so every
thread has its own session and the parent channel keeps its own.

Attachments are not fetched here: `open()` streams the CDN URL in bounded chunks when the backend
asks for the bytes. Discord CDN links carry no bot secret (they are signed per file and expire),
so the same URL is offered as `public_url` for backends that can fetch it themselves, and as
`source` for a cluster worker to fetch it again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord

from bot import formats
from bot.errors import Transient
from bot.models import Attachment, ByteStream, ChatKey, StreamOpener, UserRef

PLATFORM = "discord"
CHUNK = 256 * 1024
_THREADS = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def chat_key(channel: object, channel_id: int) -> ChatKey:
    """The chat a message or interaction in `channel` belongs to (see the module docstring)."""
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return ChatKey(PLATFORM, str(channel.parent_id), str(channel.id))
    if getattr(channel, "type", None) in _THREADS:
        parent = getattr(channel, "parent_id", None)
        if parent is not None:
            return ChatKey(PLATFORM, str(parent), str(channel_id))
    return ChatKey(PLATFORM, str(channel_id))


def target_channel(chat: ChatKey) -> int:
    """The Discord channel id to post in for `chat`: the thread when there is one."""
    return int(chat.thread or chat.chat)


def user_ref(user: discord.abc.User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.global_name or user.name)


def is_video(attachment: discord.Attachment) -> bool:
    """Whether to pass the file on as a video: the rule every platform follows (`bot.formats`)."""
    return formats.offered_as_video(attachment.filename, attachment.content_type)


def to_attachment(attachment: discord.Attachment, session: aiohttp.ClientSession) -> Attachment:
    mime = (attachment.content_type or "").split(";")[0].strip() or None
    if mime in (None, "application/octet-stream"):
        mime = formats.mime_of(attachment.filename) or mime
    return cdn_attachment(attachment.filename, attachment.size, mime, attachment.url, session)


def cdn_attachment(
    name: str, size: int | None, mime: str | None, url: str, session: aiohttp.ClientSession
) -> Attachment:
    """A file on Discord's CDN, streamed from `url` over `session` when opened. The URL is also
    its `source`: a cluster worker fetches it again from there (`DiscordSender.attachment`)."""
    return Attachment(
        name=name, size=size, mime=mime, open=_opener(url, session), public_url=url, source=url
    )


def _opener(url: str, session: aiohttp.ClientSession) -> StreamOpener:
    @asynccontextmanager
    async def open_stream() -> AsyncIterator[ByteStream]:
        try:
            async with session.get(url) as response:
                if response.status != 200:
                    # The URL is public but names the file: keep it out of the error anyway.
                    raise Transient(f"discord cdn answered {response.status}")
                yield response.content.iter_chunked(CHUNK)
        except aiohttp.ClientError as exc:
            raise Transient(f"discord cdn: {type(exc).__name__}") from exc

    return open_stream
