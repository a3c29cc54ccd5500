"""The discord.py client: intents, the command tree, and start-up (translate, register, sync)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord._buttons import CommandButton
from adapters.discord._commands import install
from adapters.discord._rest import client_options
from adapters.discord._router import Router
from adapters.discord._shards import shard_ids
from adapters.discord._translator import CatalogTranslator
from bot.config import Settings


def intents(message_content: bool) -> discord.Intents:
    """Guilds (channels, threads, boost tier) and DMs always; channel messages and their content
    only when the operator enabled the privileged message-content intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    wanted.guild_messages = message_content
    wanted.message_content = message_content
    return wanted


class _Bridge(discord.Client):
    """The bot's client: its intents and options, the command tree, and the router that takes
    what arrives. `BridgeClient` runs it on one gateway connection, `ShardedBridgeClient` on
    the shards this process runs."""

    router: Router

    def __init__(
        self,
        settings: Settings,
        *,
        guild_ready_timeout: float,
        **shards: Any,
    ) -> None:
        super().__init__(
            intents=intents(settings.discord_message_content),
            guild_ready_timeout=guild_ready_timeout,
            **client_options(settings),
            **shards,
        )
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self)
        guild_id = settings.discord_guild_id
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


class BridgeClient(_Bridge):
    """One gateway connection for every guild (no DISCORD_SHARD_COUNT)."""


class ShardedBridgeClient(_Bridge, discord.AutoShardedClient):
    """The shards DISCORD_SHARD_IDS names, of DISCORD_SHARD_COUNT (every one without IDS)."""


def bridge_client(settings: Settings, *, guild_ready_timeout: float) -> _Bridge:
    """discord.py's `AutoShardedClient` when the settings shard the bot, the plain `Client`
    otherwise."""
    count = settings.discord_shard_count
    if count is None:
        return BridgeClient(settings, guild_ready_timeout=guild_ready_timeout)
    return ShardedBridgeClient(
        settings,
        guild_ready_timeout=guild_ready_timeout,
        shard_count=count,
        shard_ids=shard_ids(settings.discord_shard_ids, count),
    )
