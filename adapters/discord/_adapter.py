"""`DiscordAdapter`: the Discord bot as one `async with` resource inside our lifecycle.

Entering logs in (retried while Discord cannot be reached, see `_startup`), syncs the commands in
the background, connects the gateway in a task and waits for READY; leaving closes the gateway
(with 1000, so Discord shows the bot offline at once), the HTTP session and the CDN session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import aiohttp
import discord

from adapters.discord._client import bridge_client
from adapters.discord._port import DiscordPort
from adapters.discord._router import Router
from adapters.discord._shards import runs_shard_zero
from adapters.discord._startup import (
    RECONNECTS,
    connect_gateway,
    gateway_refused,
    log_in,
    sync_commands,
)
from bot.backoff import DEFAULT_BACKOFF, Backoff
from bot.config import Settings
from bot.models import ChatKey
from bot.ports import Core, Lifecycle, Route


class DiscordAdapter(Lifecycle):
    """Discord for the core: `platform`, `port_for`, and `async with` to run the bot.

    `core` is the `Conversation` (anything with its `handle`). `guild_ready_timeout` is how long
    discord.py waits for guild data after READY (tests make it short). `backoff`: the waits
    between start-up retries.
    """

    def __init__(
        self,
        settings: Settings,
        core: Core,
        *,
        guild_ready_timeout: float = 2.0,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._token = settings.discord_bot_token
        self._client = bridge_client(settings, guild_ready_timeout=guild_ready_timeout)
        # With several processes sharding one bot, one of them syncs the slash commands.
        self._syncs = runs_shard_zero(settings.discord_shard_count, settings.discord_shard_ids)
        self._router = Router(self._client, settings, core)
        self._client.router = self._router
        self._backoff = backoff
        self._message_content = settings.discord_message_content
        self._gateway: asyncio.Task[None] | None = None
        self._sync: asyncio.Task[None] | None = None

    @property
    def platform(self) -> str:
        return "discord"

    @property
    def client(self) -> discord.Client:
        return self._client

    def port_for(self, chat: ChatKey, hint: str | None = None) -> DiscordPort:
        return self._router.port_for(chat, hint)

    @property
    def routes(self) -> Sequence[Route]:
        return ()  # the gateway is a connection the bot opens: nothing to serve

    async def start(self) -> None:
        """Log in, connect the gateway and wait for READY; a start that fails is undone."""
        for name in RECONNECTS.LOGGERS:
            logging.getLogger(name).addFilter(RECONNECTS)
        self._router.session = aiohttp.ClientSession()
        try:
            await log_in(self._client, self._token.get_secret_value(), self._backoff)
            if self._syncs:
                self._sync = asyncio.create_task(
                    sync_commands(self._client.sync_commands, self._backoff)
                )
            self._gateway = asyncio.create_task(connect_gateway(self._client, self._backoff))
            ready = asyncio.create_task(self._client.wait_until_ready())
            await asyncio.wait({ready, self._gateway}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                gave_up = self._gateway.exception()
                if gave_up is not None:
                    raise gateway_refused(gave_up, message_content=self._message_content)
                raise ConnectionError("the Discord gateway closed before READY")
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        # The gateway task goes first: while it is reading, discord.py answers our own close
        # with a close code of 4000 (resumable), and Discord keeps showing the bot online for
        # minutes. With nobody reading, `close()` sends 1000 and the bot is offline at once.
        for task in (self._sync, self._gateway):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._client.close()
        if self._router.session is not None:
            await self._router.session.close()
        for name in RECONNECTS.LOGGERS:
            logging.getLogger(name).removeFilter(RECONNECTS)
