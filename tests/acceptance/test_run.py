"""`clipbridge run` as an operator starts it: tokens in the environment, nothing else set.

The platforms are the fakes, reached through the operator settings (TELEGRAM_BASE_URL,
DISCORD_API_URL, ...); the engine is the default one (local, since no NEMO_TOKEN is set).
"""

from __future__ import annotations

import signal

from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    discord_env,
    http_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

CHAT = 4242


async def test_telegram_and_discord_answer_help_then_sigterm_stops_cleanly(
    clipbridge: Newcomer, telegram: FakeTelegram, discord: FakeDiscord
) -> None:
    env = {**telegram_env(telegram), **discord_env(discord), **http_env()}
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        await telegram.push(telegram.message(CHAT, text="/help"))
        await telegram.wait_for(lambda: any("/export" in m["text"] for m in telegram.sent(CHAT)))

        await discord.identified.wait()
        channel = discord.text_channel(DISCORD_CHANNEL, DISCORD_GUILD)
        await discord.dispatch(
            "INTERACTION_CREATE",
            discord.slash_command("status", channel=channel, guild_id=DISCORD_GUILD),
        )
        await discord.wait_for(
            lambda: any(m.get("content") for m in discord.in_channel(DISCORD_CHANNEL)), timeout=20
        )

        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0
