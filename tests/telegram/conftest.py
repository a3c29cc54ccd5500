"""Fixtures for the Telegram tests: the fake Bot API, settings pointing at it, a recording core,
and a log capture that fails the test if the bot token ever appears in a log line."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter
from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.log_capture import LogLines, unredacted_log_lines
from tests.support import settings as support
from tests.support.core import RecordingCore
from tests.support.secrets import TELEGRAM_TOKEN as TOKEN


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
    return support.make_settings(None, values)


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
