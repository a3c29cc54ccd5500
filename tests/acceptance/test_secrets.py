"""What an operator's log shows at its most talkative (LOG_LEVEL=DEBUG) holds no secret: not the
bot tokens, and not the short-lived ones a platform hands out per request (a Discord interaction
token lets anyone post as the bot in that channel for 15 minutes)."""

from __future__ import annotations

import signal

from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    discord_env,
    http_env,
    wait_healthy,
)
from tests.fakes.discord_api import FakeDiscord


async def test_discord_interaction_tokens_never_reach_a_log_line(
    clipbridge: Newcomer, discord: FakeDiscord
) -> None:
    env = {**discord_env(discord), **http_env(), "LOG_LEVEL": "DEBUG"}
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        await discord.identified.wait()
        channel = discord.text_channel(DISCORD_CHANNEL, DISCORD_GUILD)
        interaction = discord.slash_command("status", channel=channel, guild_id=DISCORD_GUILD)
        await discord.dispatch("INTERACTION_CREATE", interaction)
        await discord.wait_for(
            lambda: any(m.get("content") for m in discord.in_channel(DISCORD_CHANNEL)), timeout=20
        )
        bot.signal(signal.SIGTERM)
        assert await bot.wait() == 0
    assert "discord.http" in bot.transcript, "DEBUG lines of discord.py were shown"
    assert interaction["token"] not in bot.transcript
