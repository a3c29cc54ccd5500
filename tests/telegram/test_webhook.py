"""Webhook mode: the adapter's handler on the bot's own aiohttp server, the secret checked."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from telegram import error as tg_error

from adapters.telegram import WEBHOOK_PATH, TelegramAdapter
from bot.errors import ConfigError
from bot.http import HttpServer
from bot.models import ChatKey
from tests.fakes.telegram_api import FakeTelegram
from tests.support.core import RecordingCore
from tests.telegram.conftest import LogLines, make_settings


async def ok() -> None:
    return None


async def test_webhook_refuses_a_wrong_secret_and_handles_the_right_one(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    base = make_settings(fake_tg, tmp_path)
    async with HttpServer(base, {"store": ok}) as server:
        settings = make_settings(
            fake_tg,
            tmp_path,
            telegram_mode="webhook",
            public_url=server.url,
            telegram_webhook_secret="s3cret-Token_42",
        )
        adapter = TelegramAdapter(settings, core)
        [route] = adapter.routes  # mounted before start() registers the webhook, as run does
        assert (route.method, route.path) == ("POST", WEBHOOK_PATH)
        server.add_route(route.method, route.path, route.handler)
        assert TelegramAdapter(base, core).routes == ()  # polling serves nothing
        async with adapter:
            assert fake_tg.webhook == {
                "url": server.url + WEBHOOK_PATH,
                "secret_token": "s3cret-Token_42",
            }
            assert fake_tg.calls_of("getUpdates") == []
            forged = {"update_id": 1, **fake_tg.message(42, text="/credits")}
            async with httpx.AsyncClient() as client:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    answer = await client.post(
                        server.url + WEBHOOK_PATH, json=forged, headers=headers
                    )
                    assert answer.status_code == 403
            await fake_tg.push(fake_tg.message(42, text="/status"))  # Telegram, right secret
            [inbound] = await core.wait(1)
            assert inbound.text == "/status"
            assert fake_tg.webhook_deliveries == [200]
            assert len(core.inbound) == 1  # the forged update never reached the core


async def test_a_refused_start_leaves_nothing_running(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    settings = make_settings(
        fake_tg, tmp_path, telegram_mode="webhook", public_url="ftp://not-https.example"
    )
    adapter = TelegramAdapter(settings, core)
    with pytest.raises(tg_error.BadRequest, match=r"(?i)bad webhook"):
        async with adapter:
            pass
    assert fake_tg.webhook is None
    with pytest.raises(RuntimeError):
        adapter.port_for(ChatKey("telegram", "42"))
    with pytest.raises(ConfigError):
        TelegramAdapter(make_settings(fake_tg, tmp_path, telegram_bot_token=None), core)
