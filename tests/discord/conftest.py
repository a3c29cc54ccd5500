"""Fixtures: the fake Discord with the real discord.py pointed at it, and a running adapter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from adapters.discord import DiscordAdapter
from bot.config import Settings
from bot.models import Inbound
from bot.ports import Port
from tests.fakes.discord_api import FakeDiscord

GUILD = 500_000_000_000_000_001
CHANNEL = 500_000_000_000_000_002
THREAD = 500_000_000_000_000_003
DM = 500_000_000_000_000_004


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        server.guilds.append(
            server.guild(
                GUILD,
                channels=(server.text_channel(CHANNEL, GUILD),),
                threads=(server.thread_channel(THREAD, CHANNEL, GUILD),),
            )
        )
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
        )
        yield server


def make_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_bot_token": fake.token,
        "data_dir": tmp_path,
        "backend": "local",
        "http_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Recorder:
    """A stand-in for the core: records what the adapter hands over."""

    def __init__(self, react: Callable[[Inbound, Port], Awaitable[None]] | None = None) -> None:
        self.seen: list[tuple[Inbound, Port]] = []
        self.event = asyncio.Event()
        self._react = react

    async def __call__(self, inbound: Inbound, port: Port) -> None:
        self.seen.append((inbound, port))
        self.event.set()
        if self._react is not None:
            await self._react(inbound, port)

    async def next(self, timeout: float = 5.0) -> tuple[Inbound, Port]:
        await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()
        return self.seen[-1]


async def open_adapter(settings: Settings, handler: Any) -> DiscordAdapter:
    adapter = DiscordAdapter(settings, handler, guild_ready_timeout=0.05)
    return await adapter.__aenter__()
