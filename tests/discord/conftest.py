"""Fixtures: the fake Discord with the real discord.py pointed at it, and the whole bot on it.

`open_bot` runs the real pieces together: `DiscordAdapter` -> `Conversation` -> `NemoBackend`,
against `FakeDiscord` and `FakeNemo`, on loopback. `RecordingCore` stands in for the core where a
test is about the adapter alone. `log_lines` fails the test if the bot token reaches a log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from adapters.discord import DiscordAdapter
from bot.backends.nemo import NemoBackend
from bot.config import Settings
from bot.conversation import Conversation
from bot.models import Inbound, UserRef
from bot.ports import Port
from bot.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo
from tests.log_capture import LogLines, unredacted_log_lines
from tests.support import settings as support
from tests.support.secrets import DISCORD_TOKEN as TOKEN

GUILD = 500_000_000_000_000_001
CHANNEL = 500_000_000_000_000_002
THREAD = 500_000_000_000_000_003
DM_CHANNEL = 500_000_000_000_000_004
FAST_NEMO = {"retries": 2, "backoff": 0.01, "rate_limit_wait": 0.05, "max_retry_after": 2.0}


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every log line of the test, at DEBUG; none may contain the bot token or its secret part."""
    with unredacted_log_lines(TOKEN, TOKEN.rsplit(".", 1)[1]) as lines:
        yield lines


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as server:
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


@pytest.fixture
async def nemo() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


def make_settings(
    tmp_path: Path, nemo_url: str = "http://127.0.0.1:9", **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "discord_bot_token": TOKEN,
        "backend": "nemo",
        "http_enabled": False,
        "edit_interval": 0.05,
        # The fake CDN is on loopback, standing in for Discord's public one: allowed, as an
        # operator allows an intranet, so its links are handed to NemoVideo as Discord's are.
        "link_allowed_networks": "127.0.0.0/8",
    }
    values.update(overrides)
    return support.make_settings(tmp_path, support.nemo_at(nemo_url), values)


@asynccontextmanager
async def open_adapter(settings: Settings, core: Any) -> AsyncIterator[DiscordAdapter]:
    async with DiscordAdapter(settings, core, guild_ready_timeout=0.05) as adapter:
        yield adapter


class CountingCore:
    """The real core, counting the updates it finished taking, so tests wait on that."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.handled = 0
        self._done = asyncio.Condition()

    async def handle(self, inbound: Inbound, port: Port) -> None:
        try:
            await self.conversation.handle(inbound, port)
        finally:
            async with self._done:
                self.handled += 1
                self._done.notify_all()

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        return await self.conversation.language(user, platform_locale)

    async def wait_handled(self, n: int, timeout: float) -> None:
        async def _wait() -> None:
            async with self._done:
                await self._done.wait_for(lambda: self.handled >= n)

        await asyncio.wait_for(_wait(), timeout)


@dataclass
class Bot:
    fake: FakeDiscord
    nemo: FakeNemo
    core: CountingCore
    adapter: DiscordAdapter
    store: SqliteStore

    @property
    def conversation(self) -> Conversation:
        return self.core.conversation

    async def send(self, event: str, payload: dict[str, Any], timeout: float = 20.0) -> None:
        """Dispatch an event, wait until the core took it, then until all its work is done."""
        expected = self.core.handled + 1
        await self.fake.dispatch(event, payload)
        await self.core.wait_handled(expected, timeout)
        await asyncio.wait_for(self.conversation.wait_idle(), timeout)


@asynccontextmanager
async def open_bot(
    tmp_path: Path, fake: FakeDiscord, nemo: FakeNemo, *, grace: float = 1.0, **overrides: Any
) -> AsyncIterator[Bot]:
    settings = make_settings(tmp_path, nemo.url, **overrides)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with (
        SqliteStore(settings.database) as store,
        NemoBackend(settings, store, **FAST_NEMO) as backend,
    ):
        conversation = Conversation(settings, store, backend)
        core = CountingCore(conversation)
        try:
            async with open_adapter(settings, core) as adapter:
                conversation.add_adapter(adapter)
                yield Bot(fake, nemo, core, adapter, store)
                await conversation.close(grace=grace)
        finally:
            await conversation.close(grace=0)
