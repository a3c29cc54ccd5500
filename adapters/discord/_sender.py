"""`DiscordSender`: Discord for a cluster worker, which sends but receives no events.

    async with PLATFORM.sender(settings) as discord_:       # login over REST, no gateway
        port = discord_.port_for(chat, hint)                 # the stored delivery hint
        async with discord_.attachment(ref).open() as chunks:  # the CDN URL a front wrote down
            ...

A plain discord.py `Client` that logs in (`GET /users/@me`) and never connects the gateway, so
it takes no shard and receives nothing. Ports are the gateway adapter's (`restored_port`):
through the interaction webhook while its token is fresh (the shard that received the
interaction deferred it), then in the channel. Attachments stream from the CDN URL the front
stored as the attachment's `source`, in the same bounded chunks as the adapter's.
"""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord._inbound import cdn_attachment
from adapters.discord._port import DiscordPort
from adapters.discord._rest import client_options, restored_port
from adapters.discord._startup import log_in
from bot.backoff import DEFAULT_BACKOFF, Backoff
from bot.config import Settings
from bot.core.requests import AttachmentRef
from bot.errors import ConfigError
from bot.models import Attachment, ChatKey
from bot.ports import Lifecycle


class DiscordSender(Lifecycle):
    """Send-only Discord (`bot.ports.Sender`)."""

    platform = "discord"

    def __init__(self, settings: Settings, *, backoff: Backoff = DEFAULT_BACKOFF) -> None:
        if settings.discord_bot_token is None:
            raise ConfigError(["DISCORD_BOT_TOKEN is not set: the token of your Discord bot"])
        self._token = settings.discord_bot_token
        self._backoff = backoff
        # No intents: they only matter to a gateway connection, which a sender never opens.
        self._client = discord.Client(intents=discord.Intents.none(), **client_options(settings))
        self._cdn: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._cdn = aiohttp.ClientSession()
        try:
            await log_in(self._client, self._token.get_secret_value(), self._backoff)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        try:
            await self._client.close()
        finally:
            if self._cdn is not None:
                await self._cdn.close()
                self._cdn = None

    def port_for(self, chat: ChatKey, hint: str | None = None) -> DiscordPort:
        return restored_port(self._client, chat, hint)

    def attachment(self, ref: AttachmentRef) -> Attachment:
        if ref.source is None:
            raise ValueError(f"attachment {ref.name!r} has no Discord CDN URL to fetch it from")
        if self._cdn is None:
            raise RuntimeError("the Discord sender is not open")
        return cdn_attachment(ref.name, ref.size, ref.mime, ref.source, self._cdn)
