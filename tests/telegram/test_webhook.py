"""Webhook mode: the adapter's handler on the bot's own aiohttp server, the secret checked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import error as tg_error

from adapters.telegram import WEBHOOK_PATH, TelegramAdapter
from bot.errors import ConfigError
from bot.http import HttpServer
from bot.models import ChatKey, Inbound
from bot.ports import Port
from tests.fakes.telegram_api import FakeTelegram
from tests.support.core import RecordingCore
from tests.telegram.conftest import LogLines, make_settings


async def ok() -> None:
    return None


class HeldCore(RecordingCore):
    """Records each inbound; one chat's `handle` then waits for `release`: the core still taking
    that update (a database that is slow, a chat under flood control)."""

    def __init__(self, held: str) -> None:
        super().__init__()
        self.held = held
        self.release = asyncio.Event()

    async def handle(self, inbound: Inbound, port: Port) -> None:
        await super().handle(inbound, port)
        if inbound.chat.chat == self.held:
            await self.release.wait()


@asynccontextmanager
async def on_webhook(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, **options: Any
) -> AsyncIterator[TelegramAdapter]:
    """A webhook-mode adapter mounted on a running server (as `run` does), not yet started."""
    base = make_settings(fake_tg, tmp_path)
    async with HttpServer(base, {"store": ok}) as server:
        settings = make_settings(fake_tg, tmp_path, telegram_mode="webhook", public_url=server.url)
        adapter = TelegramAdapter(settings, core, **options)
        for route in adapter.routes:
            server.add_route(route.method, route.path, route.handler)
        yield adapter


async def still_running(task: asyncio.Task[Any]) -> bool:
    """True if `task` has not finished within a moment (what a held answer looks like)."""
    done, _ = await asyncio.wait([task], timeout=0.3)
    return not done


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


async def test_the_webhook_answers_once_the_core_has_taken_the_update(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    core = HeldCore(held="42")
    async with on_webhook(fake_tg, tmp_path, core) as adapter, adapter:
        held = asyncio.create_task(fake_tg.push(fake_tg.message(42, text="/status")))
        await core.wait(1)
        assert await still_running(held)  # Telegram has no answer while the core is taking it
        assert fake_tg.webhook_deliveries == []
        # Another chat is not held behind it: answered as soon as the core has taken its update.
        await asyncio.wait_for(fake_tg.push(fake_tg.message(43, text="/credits")), 5)
        assert fake_tg.webhook_deliveries == [200]
        core.release.set()
        await asyncio.wait_for(held, 5)
        assert fake_tg.webhook_deliveries == [200, 200]
        # An update with nothing for the core (another bot's message) is answered at once.
        from_bot = fake_tg.message(44, text="hi")
        from_bot["message"]["from"]["is_bot"] = True
        await asyncio.wait_for(fake_tg.push(from_bot), 5)
        assert fake_tg.webhook_deliveries == [200, 200, 200]
        assert [i.chat.chat for i in await core.wait(2)] == ["42", "43"]


async def test_a_core_that_takes_too_long_gets_a_200_anyway_and_a_log_line(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    core = HeldCore(held="42")
    async with on_webhook(fake_tg, tmp_path, core, ack_wait=0.2) as adapter, adapter:
        await asyncio.wait_for(fake_tg.push(fake_tg.message(42, text="/status")), 5)
        assert fake_tg.webhook_deliveries == [200]
        assert any("not taken by the core after" in line for line in log_lines.lines)
        core.release.set()


async def test_a_stopping_adapter_hands_over_what_it_has_and_answers_503_after(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    core = HeldCore(held="42")
    async with on_webhook(fake_tg, tmp_path, core) as adapter:
        await adapter.start()
        first = asyncio.create_task(fake_tg.push(fake_tg.message(42, text="/status")))
        await core.wait(1)
        stopping = asyncio.create_task(adapter.stop())
        assert await still_running(stopping)  # waits for the update the core is taking
        # Still taking updates while it waits: this one reaches the core before the 200.
        await asyncio.wait_for(fake_tg.push(fake_tg.message(43, text="/credits")), 5)
        core.release.set()
        await asyncio.wait_for(stopping, 10)
        await asyncio.wait_for(first, 5)
        assert fake_tg.webhook_deliveries == [200, 200]
        # Stopped: Telegram is told to try again (another replica, or this one restarted).
        await asyncio.wait_for(fake_tg.push(fake_tg.message(45, text="/status")), 5)
        assert fake_tg.webhook_deliveries == [200, 200, 503]
        assert [i.chat.chat for i in await core.wait(2)] == ["42", "43"]
