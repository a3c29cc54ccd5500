"""One Discord bot run as two `clipbridge run` processes, shard 0 and shard 1 of 2, the way an
operator splits a large bot: each answers the guilds Discord routes to its shard (and shard 0 the
DMs), each defers its own slash commands, shard 0 alone syncs them, and both leave with a 1000
close so Discord shows the bot offline at once."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from bot.texts import t
from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    Program,
    discord_env,
    http_env,
)
from tests.fakes.discord_api import FakeDiscord, shard_of

OTHER_GUILD = DISCORD_GUILD + (1 << 22)  # the next shard
OTHER_CHANNEL = DISCORD_CHANNEL + 1
DM_CHANNEL = 830_000_000_000_000_001


def _answers(fake: FakeDiscord, channel: int) -> list[str]:
    bot_id = fake.bot_user["id"]
    # Without the deferred responses still "thinking" (empty until the answer replaces them).
    said = (m["content"] for m in fake.in_channel(channel) if m["author"]["id"] == bot_id)
    return [content for content in said if content]


async def _stop(program: Program) -> None:
    assert program.returncode is None, program.transcript[-3000:]
    program.signal(signal.SIGTERM)
    assert await program.wait() == 0
    assert "Traceback" not in program.transcript, program.transcript[-3000:]


async def test_two_processes_share_the_bot_by_shard(
    clipbridge: Newcomer, discord: FakeDiscord, clip: Callable[..., Path]
) -> None:
    assert (shard_of(DISCORD_GUILD, 2), shard_of(OTHER_GUILD, 2)) == (0, 1)
    discord.guilds.append(
        discord.guild(OTHER_GUILD, channels=(discord.text_channel(OTHER_CHANNEL, OTHER_GUILD),))
    )
    video = clip("clips/a.mp4")

    def shard(n: int) -> dict[str, str]:
        # Two processes on one machine: a DATA_DIR each (each cleans its work folder at start).
        return {
            **discord_env(discord),
            **http_env(),
            "DISCORD_SHARD_COUNT": "2",
            "DISCORD_SHARD_IDS": str(n),
            "DATA_DIR": f"data{n}",
        }

    async with clipbridge("run", env=shard(0)) as zero, clipbridge("run", env=shard(1)) as one:
        for program in (zero, one):  # logged once the gateway said READY
            await program.expect("clipbridge is running on Discord", timeout=60)
        assert sorted(i["shard"] for i in discord.identifies) == [[0, 2], [1, 2]]

        for guild, channel in ((DISCORD_GUILD, DISCORD_CHANNEL), (OTHER_GUILD, OTHER_CHANNEL)):
            where = discord.text_channel(channel, guild)
            payload = discord.slash_command("status", channel=where, guild_id=guild)
            await discord.dispatch("INTERACTION_CREATE", payload)
        await discord.wait_for(lambda: _answers(discord, DISCORD_CHANNEL), timeout=20)
        await discord.wait_for(lambda: _answers(discord, OTHER_CHANNEL), timeout=20)
        for channel in (DISCORD_CHANNEL, OTHER_CHANNEL):
            assert _answers(discord, channel) == [t("discord_no_session_guild", "en")]

        attachment = discord.add_attachment("a.mp4", video, "video/mp4", channel_id=DM_CHANNEL)
        message = discord.message(
            "compress to under 200KB", channel_id=DM_CHANNEL, attachments=(attachment,)
        )
        await discord.dispatch("MESSAGE_CREATE", message)  # a DM: shard 0's
        await discord.wait_for(
            lambda: any(m["attachments"] for m in discord.in_channel(DM_CHANNEL)), timeout=90
        )
        await discord.wait_for(lambda: "global" in discord.commands, timeout=20)
        await _stop(one)
        await _stop(zero)

    callbacks = [c for c in discord.calls if c.path.endswith("/callback")]
    assert len(callbacks) == 2  # each interaction deferred once, by the shard that got it
    assert len([c for c in discord.calls if c.method == "PUT"]) == 1  # shard 0 synced, alone
    assert sorted(c or 0 for c in discord.gateway_closes) == [1000, 1000]
