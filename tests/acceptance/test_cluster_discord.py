"""Cluster mode on Discord: two `clipbridge run --workers 0` processes as shard 0 and shard 1 of
the bot, two `clipbridge worker` processes, the local engine; one worker killed with SIGKILL
mid-encode. Every chat (a guild channel on each shard, and a DM) gets its result once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    discord_env,
    http_env,
)
from tests.fakes.discord_api import FakeDiscord

pytestmark = pytest.mark.timeout(240)

OTHER_GUILD = DISCORD_GUILD + (1 << 22)  # routed to shard 1
OTHER_CHANNEL = DISCORD_CHANNEL + 1
DM_CHANNEL = 830_000_000_000_000_001


def results(fake: FakeDiscord, channel: int) -> list[dict[str, object]]:
    bot_id = fake.bot_user["id"]
    return [m for m in fake.in_channel(channel) if m["author"]["id"] == bot_id and m["attachments"]]


async def until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll what another process makes true (a file): no event crosses processes."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_two_shards_two_workers_one_killed_mid_encode_every_result_once(
    clipbridge: Newcomer, discord: FakeDiscord, clip: Callable[..., Path], database_url: str
) -> None:
    discord.guilds.append(
        discord.guild(OTHER_GUILD, channels=(discord.text_channel(OTHER_CHANNEL, OTHER_GUILD),))
    )
    video = clip("clips/a.mp4", size="320x240", duration=3)
    started = video.parent.parent / "encode-started"
    slow = video.parent.parent / "slow-ffmpeg"
    slow.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 120\n")
    slow.chmod(0o755)
    shared = {
        **discord_env(discord),
        "DATABASE_URL": database_url,
        "BACKEND": "local",
        "DISCORD_SHARD_COUNT": "2",
        "WORKER_STALLED_AFTER": "2",
        "MAX_JOBS_PER_USER": "5",  # one person in three chats
    }

    def front(n: int) -> dict[str, str]:
        return {**shared, **http_env(), "DISCORD_SHARD_IDS": str(n), "DATA_DIR": f"data/f{n}"}

    def ask(channel: int) -> dict[str, object]:
        attachment = discord.add_attachment("a.mp4", video, "video/mp4", channel_id=channel)
        return discord.message(
            "compress to under 40KB", channel_id=channel, attachments=(attachment,)
        )

    async with (
        clipbridge("run", "--workers", "0", env=front(0)) as zero,
        clipbridge("run", "--workers", "0", env=front(1)) as one,
    ):
        for program in (zero, one):
            await program.expect("clipbridge is running on Discord", timeout=60)
        doomed_env = {**shared, **http_env(), "DATA_DIR": "data/w1", "FFMPEG_PATH": str(slow)}
        async with clipbridge("worker", env=doomed_env) as doomed:
            await doomed.expect("worker is running")
            await discord.dispatch("MESSAGE_CREATE", ask(DISCORD_CHANNEL))  # shard 0's guild
            await until(started.exists)
            survivor_env = {**shared, **http_env(), "DATA_DIR": "data/w2"}
            async with clipbridge("worker", "--jobs", "2", env=survivor_env) as survivor:
                await survivor.expect("worker is running")
                await discord.dispatch("MESSAGE_CREATE", ask(OTHER_CHANNEL))  # shard 1's guild
                await discord.dispatch("MESSAGE_CREATE", ask(DM_CHANNEL))  # DMs: shard 0
                doomed.kill()
                for channel in (DISCORD_CHANNEL, OTHER_CHANNEL, DM_CHANNEL):
                    await discord.wait_for(lambda c=channel: results(discord, c), timeout=120)
                await survivor.expect("stalled", timeout=5)
    for channel in (DISCORD_CHANNEL, OTHER_CHANNEL, DM_CHANNEL):
        assert len(results(discord, channel)) == 1, (channel, discord.in_channel(channel))
