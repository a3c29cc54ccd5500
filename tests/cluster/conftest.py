"""Cluster mode in one test process: several "processes" (each its own store pool, queue,
backend and conversation, as `clipbridge run` or `clipbridge worker` opens them) on one
throwaway PostgreSQL, with the "test" platform (tests/cluster/platform.py) as their chats."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import ports
from bot.app import Services, open_core, working
from bot.config import Settings
from bot.models import ChatKey, Inbound, UserRef
from tests.clips import make_clip
from tests.cluster import platform
from tests.core.conftest import make_settings
from tests.fakes.nemovideo import FakeNemo
from tests.recording_port import RecordingPort


@dataclass
class Node:
    """One process of the cluster: a front when it has no workers, a worker when it has."""

    core: Services
    settings: Settings

    async def say(self, chat: RecordingPort, text: str = "", **fields: Any) -> None:
        user = fields.pop("user", UserRef("test", "u" + chat.chat.chat, "Ada"))
        await self.core.conversation.handle(Inbound(chat.chat, user, text, **fields), chat)

    async def settled(self, chat: RecordingPort, timeout: float = 10.0) -> None:
        """Until the chat has no job running or waiting in the queue (the queue offers no
        event for it, so it is asked every 50 ms)."""
        assert self.core.queue is not None
        async with asyncio.timeout(timeout):
            while await self.core.queue.busy(chat.chat):
                await asyncio.sleep(0.05)


NodeFactory = Callable[..., AbstractAsyncContextManager[Node]]


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2-second 160x120 H.264 clip with audio."""
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", size="160x120", duration=2)


@pytest.fixture
async def fake() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


@pytest.fixture
def chat() -> Callable[[str], RecordingPort]:
    """The "test" chat `name`, as every node sees it."""
    return lambda name: platform.port(ChatKey(platform.NAME, name))


@pytest.fixture
def node(
    fake: FakeNemo, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> NodeFactory:
    """`async with node(workers=N, **settings) as n:` one more process on the same database."""
    monkeypatch.setitem(ports._registry, platform.NAME, platform.PLATFORM)
    platform.PORTS.clear()
    numbers = itertools.count(1)

    @asynccontextmanager
    async def opened(*, workers: int = 0, **overrides: Any) -> AsyncIterator[Node]:
        values: dict[str, Any] = {"database_url": database_url, "shutdown_grace": 0.5}
        values.update(overrides)
        settings = make_settings(fake, tmp_path / f"node{next(numbers)}", **values)
        async with open_core(settings, shared_queue=True) as core, working(core, settings, workers):
            try:
                yield Node(core, settings)
            finally:
                await core.conversation.close(grace=0)

    return opened
