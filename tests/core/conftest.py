"""The conversation core against the NemoVideo fake, watched through a recording port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_core
from bot.backends.local import LocalBackend
from bot.backends.nemo import NemoBackend
from bot.config import Settings
from bot.conversation import Conversation
from bot.models import ChatKey, Inbound, UserRef
from bot.store import SqliteStore
from bot.streams import file_attachment
from tests.clips import make_clip
from tests.fakes.nemovideo import FakeNemo
from tests.recording_port import RecordingPort
from tests.support import settings as support


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2-second 160x120 H.264 clip with audio."""
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    return make_clip(path, size="160x120", rate=15, duration=2)


@pytest.fixture
async def fake() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


def make_settings(fake: FakeNemo, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "nemo_api_url": fake.url,
        "nemo_web_url": "https://web.example",
        "data_dir": data_dir,
        "backend": "nemo",
        "edit_interval": 0.05,
        "still_working_interval": 0.4,
        "nemo_render_poll_interval": 0.02,
        "nemo_heartbeat_timeout": 3.0,
        "nemo_turn_timeout": 20.0,
        "nemo_request_timeout": 5.0,
    }
    values.update(overrides)
    return support.make_settings(None, values)


@dataclass
class Bot:
    """A running core: its conversation, store, backend, and a port per chat."""

    conversation: Conversation
    store: SqliteStore
    backend: NemoBackend
    settings: Settings

    def port(self, chat: str = "1", **options: Any) -> RecordingPort:
        return RecordingPort(chat=ChatKey("test", chat), **options)

    async def say(self, port: RecordingPort, text: str = "", **fields: Any) -> None:
        user = fields.pop("user", UserRef("test", "u" + port.chat.chat, "Ada"))
        inbound = Inbound(port.chat, user, text, **fields)
        await self.conversation.handle(inbound, port)

    async def send_file(self, port: RecordingPort, path: Path, caption: str = "") -> None:
        await self.say(port, caption, attachments=(file_attachment(path),))


BotFactory = Callable[..., AbstractAsyncContextManager[Bot]]


@pytest.fixture
def open_bot(fake: FakeNemo, tmp_path: Path) -> BotFactory:
    """`async with open_bot(**settings) as bot:` a core on the fake; reopening it (same database)
    is a restart."""

    @asynccontextmanager
    async def opened(**overrides: Any) -> AsyncIterator[Bot]:
        settings = make_settings(fake, tmp_path, **overrides)
        async with (
            SqliteStore(settings.database) as store,
            NemoBackend(settings, store, retries=1, backoff=0.01, rate_limit_wait=0.05) as backend,
        ):
            conversation = Conversation(settings, store, backend)
            try:
                yield Bot(conversation, store, backend, settings)
            finally:
                await conversation.close(grace=0)

    return opened


@dataclass
class LocalBot:
    """A running core on the local ffmpeg engine, with a port per chat."""

    conversation: Conversation
    store: SqliteStore
    backend: LocalBackend
    settings: Settings

    def port(self, chat: str = "1", **options: Any) -> RecordingPort:
        return RecordingPort(chat=ChatKey("test", chat), **options)

    async def say(self, port: RecordingPort, text: str = "", **fields: Any) -> None:
        user = fields.pop("user", UserRef("test", "u" + port.chat.chat, "Ada"))
        await self.conversation.handle(Inbound(port.chat, user, text, **fields), port)

    async def send_file(self, port: RecordingPort, path: Path, caption: str = "") -> None:
        await self.say(port, caption, attachments=(file_attachment(path),))


LocalBotFactory = Callable[..., AbstractAsyncContextManager[LocalBot]]


def fake_ffmpeg(folder: Path, script: str) -> Path:
    """An executable standing in for ffmpeg (FFMPEG_PATH): `script` is its shell body."""
    path = folder / "ffmpeg"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def open_local(tmp_path: Path) -> LocalBotFactory:
    """`async with open_local(**settings) as bot:` a core on the local engine; reopening it
    (same data folder) is a restart."""

    @asynccontextmanager
    async def opened(**overrides: Any) -> AsyncIterator[LocalBot]:
        values: dict[str, Any] = {
            "backend": "local",
            "data_dir": tmp_path / "data",
            "edit_interval": 0.05,
            "still_working_interval": 5.0,
        }
        values.update(overrides)
        settings = support.make_settings(None, values)
        async with open_core(settings) as core:  # the wiring `clipbridge run` uses
            assert isinstance(core.backend, LocalBackend)
            yield LocalBot(core.conversation, core.store, core.backend, settings)

    return opened
