"""The discord.py client: intents, the command tree, and start-up (translate, register, sync)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord._buttons import CommandButton
from adapters.discord._commands import install
from adapters.discord._port import NO_PINGS
from adapters.discord._router import Router
from adapters.discord._translator import CatalogTranslator

# discord.py waits out rate limits up to this long itself; longer ones raise RateLimited, which
# the port turns into RetryAfter. 30 s is the smallest value discord.py accepts.
MAX_RATELIMIT_WAIT = 30.0


def intents(message_content: bool) -> discord.Intents:
    """Guilds (channels, threads, boost tier) and DMs always; channel messages and their content
    only when the operator enabled the privileged message-content intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    wanted.guild_messages = message_content
    wanted.message_content = message_content
    return wanted


class BridgeClient(discord.Client):
    router: Router

    def __init__(
        self, *, message_content: bool, guild_id: str | None, guild_ready_timeout: float
    ) -> None:
        # The bot never joins voice: discord.py's warnings that voice libraries are missing
        # would be two WARNING lines at every start for an operator to wonder about.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(message_content),
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            allowed_mentions=NO_PINGS,
        )
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self)
        self._guild = discord.Object(int(guild_id)) if guild_id else None

    async def setup_hook(self) -> None:
        """Runs inside `login()`: the commands are set up before the gateway connects (syncing
        them with Discord is `sync_commands`, which the adapter runs in the background)."""
        await self.tree.set_translator(CatalogTranslator())
        install(self.tree, self.router)
        self.add_dynamic_items(CommandButton)
        if self._guild is not None:
            self.tree.copy_global_to(guild=self._guild)

    async def sync_commands(self) -> None:
        await self.tree.sync(guild=self._guild)

    async def on_message(self, message: discord.Message) -> None:
        await self.router.message(message)
