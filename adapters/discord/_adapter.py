"""`DiscordAdapter`: the Discord bot as one `async with` resource inside our lifecycle.

Entering logs in (which registers and syncs the commands), connects the gateway in a task and
waits for READY; leaving closes the gateway, the HTTP session and the CDN session, in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

import aiohttp
import discord
import yarl

from adapters.discord._client import BridgeClient
from adapters.discord._port import DiscordPort
from adapters.discord._router import Core, Router
from bot.config import Settings
from bot.models import ChatKey


class DiscordAdapter:
    """Discord for the core: `platform`, `port_for`, and `async with` to run the bot.

    `core` is the `Conversation` (anything with its `handle`). `guild_ready_timeout` is how long
    discord.py waits for guild data after READY (tests make it short).
    """

    def __init__(self, settings: Settings, core: Core, *, guild_ready_timeout: float = 2.0) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._token = settings.discord_bot_token
        _point_at(settings.discord_api_url, settings.discord_gateway_url)
        self._client = BridgeClient(
            message_content=settings.discord_message_content,
            guild_id=settings.discord_guild_id,
            guild_ready_timeout=guild_ready_timeout,
        )
        self._router = Router(self._client, settings, core)
        self._client.router = self._router
        self._gateway: asyncio.Task[None] | None = None

    @property
    def platform(self) -> str:
        return "discord"

    @property
    def client(self) -> BridgeClient:
        return self._client

    def port_for(self, chat: ChatKey, reply_to: str | None = None) -> DiscordPort:
        return self._router.port_for(chat, reply_to)

    async def __aenter__(self) -> Self:
        self._router.session = aiohttp.ClientSession()
        try:
            await self._client.login(self._token.get_secret_value())
            self._gateway = asyncio.create_task(self._client.connect(reconnect=True))
            ready = asyncio.create_task(self._client.wait_until_ready())
            await asyncio.wait({ready, self._gateway}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                self._gateway.result()  # the gateway gave up: raise why
                raise ConnectionError("the Discord gateway closed before READY")
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        await self._client.close()
        if self._gateway is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._gateway
        if self._router.session is not None:
            await self._router.session.close()


def _point_at(api_url: str | None, gateway_url: str | None) -> None:
    """Send discord.py to another REST API and gateway (a proxy); discord.py keeps both as class
    attributes, so this holds for the whole process, which only ever runs one Discord bot."""
    if api_url:
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
