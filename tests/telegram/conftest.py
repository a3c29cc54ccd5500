"""Fixtures for the Telegram tests: the fake Bot API, settings pointing at it, a recording core,
and a log capture that fails the test if the bot token ever appears in a log line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter
from bot.config import Settings
from bot.models import Inbound, UserRef
from bot.ports import Port
from bot.texts import normalize_locale
from tests.fakes.telegram_api import FakeTelegram
from tests.log_capture import LogLines, unredacted_log_lines

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw3"


class RecordingCore:
    """Stands in for the conversation core where a test is about the adapter alone."""

    def __init__(self) -> None:
        self.inbound: list[tuple[Inbound, Port]] = []
        self._arrived = asyncio.Condition()

    async def handle(self, inbound: Inbound, port: Port) -> None:
        async with self._arrived:
            self.inbound.append((inbound, port))
            self._arrived.notify_all()

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """No `/lang` choices here: the platform's language, as the core maps it."""
        return normalize_locale(platform_locale)

    async def wait(self, n: int = 1, timeout: float = 10.0) -> list[Inbound]:
        async def _wait() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.inbound) >= n)

        await asyncio.wait_for(_wait(), timeout)
        return [inbound for inbound, _ in self.inbound]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every log line of the test, at DEBUG; none may contain the token."""
    with unredacted_log_lines(TOKEN, TOKEN.split(":")[1]) as lines:
        yield lines


@pytest.fixture
async def fake_tg(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


def make_settings(fake: FakeTelegram, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "data_dir": tmp_path / "data",
        "edit_interval": 0.05,
        "http_port": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def core() -> RecordingCore:
    return RecordingCore()


@pytest.fixture
async def adapter(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> AsyncIterator[TelegramAdapter]:
    settings = make_settings(fake_tg, tmp_path)
    async with TelegramAdapter(settings, core, poll_timeout=1.0, album_window=0.3) as running:
        yield running
