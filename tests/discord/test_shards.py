"""Discord sharded across processes: two adapters, shard 0 and shard 1 of 2, against one fake
gateway that routes each guild's events to shard `(guild_id >> 22) % 2` and DMs to shard 0, as
Discord does. Each adapter gets its own shard's messages only, defers the interactions it got,
and only shard 0 syncs the slash commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord import PLATFORM
from adapters.discord._shards import shard_ids
from bot.config import Settings
from bot.errors import ConfigError
from bot.settings_check import load_settings
from tests.discord.conftest import (
    CHANNEL,
    DM_CHANNEL,
    GUILD,
    LogLines,
    make_settings,
    open_adapter,
)
from tests.fakes.discord_api import FakeDiscord, shard_of
from tests.support.core import RecordingCore

OTHER_GUILD = 500_000_000_004_194_305  # on shard 1 of 2
OTHER_CHANNEL = 500_000_000_004_194_306


def sharded(tmp_path: Path, ids: str) -> Settings:
    return make_settings(
        tmp_path, discord_message_content=True, discord_shard_count=2, discord_shard_ids=ids
    )


async def test_each_shard_gets_its_own_guilds_and_defers_its_own_interactions(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    assert (shard_of(GUILD, 2), shard_of(OTHER_GUILD, 2)) == (0, 1)
    fake.guilds.append(
        fake.guild(OTHER_GUILD, channels=(fake.text_channel(OTHER_CHANNEL, OTHER_GUILD),))
    )
    me = fake.bot_user

    def mention(channel: int, guild: int) -> dict[str, object]:
        return fake.message(
            f"<@{me['id']}> make it smaller", channel_id=channel, guild_id=guild, mentions=(me,)
        )

    zero, one = RecordingCore(), RecordingCore()
    async with (
        open_adapter(sharded(tmp_path, "0"), zero),
        open_adapter(sharded(tmp_path, "1"), one) as second,
    ):
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        # Each process has only its shard's guilds in its cache.
        assert [g.id for g in second.client.guilds] == [OTHER_GUILD]

        on_zero, on_one = mention(CHANNEL, GUILD), mention(OTHER_CHANNEL, OTHER_GUILD)
        await fake.dispatch("MESSAGE_CREATE", on_zero)
        await fake.dispatch("MESSAGE_CREATE", on_one)
        await fake.dispatch("MESSAGE_CREATE", fake.message("/status", channel_id=DM_CHANNEL))
        command = fake.slash_command(
            "status", channel=fake.text_channel(OTHER_CHANNEL, OTHER_GUILD), guild_id=OTHER_GUILD
        )
        await fake.dispatch("INTERACTION_CREATE", command)
        got_zero, got_one = await zero.wait(2), await one.wait(2)
        await fake.wait_for(lambda: "global" in fake.commands)

    assert [i.update_id for i in got_zero] == [on_zero["id"], got_zero[1].update_id]
    assert got_zero[1].text == "/status" and not got_zero[1].is_group  # the DM, on shard 0
    assert sorted(i.update_id for i in got_one) == sorted([on_one["id"], command["id"]])
    assert len(zero.inbound) == len(one.inbound) == 2  # nothing reached the other shard too
    # Deferred once, by the process whose shard received it.
    [defer] = [c for c in fake.calls if c.path.endswith(f"/{command['token']}/callback")]
    assert defer.payload["type"] == 5
    assert len([c for c in fake.calls if c.method == "PUT"]) == 1  # shard 0 syncs, alone


def test_shard_ids_read_lists_and_ranges() -> None:
    assert shard_ids("0,1", 4) == [0, 1]
    assert shard_ids(" 0-3 ", 4) == [0, 1, 2, 3]
    assert shard_ids("2-3,0", 4) == [2, 3, 0]
    assert shard_ids(None, 4) is None


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"discord_shard_count": 2, "discord_shard_ids": "0,2"}, "shard 2 does not exist"),
        ({"discord_shard_count": 4, "discord_shard_ids": "3-1"}, "runs backwards"),
        ({"discord_shard_count": 4, "discord_shard_ids": "one"}, "like 0,1 or 0-3"),
        ({"discord_shard_ids": "0"}, "DISCORD_SHARD_COUNT is not"),
        ({"discord_shard_count": 0}, "DISCORD_SHARD_COUNT"),
    ],
)
def test_shard_settings_are_checked_in_one_sentence(
    tmp_path: Path, values: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(None, discord_bot_token="a.b.c", data_dir=tmp_path, **values)
    [problem] = raised.value.problems
    assert words in problem, problem


def test_doctor_says_which_shards_this_process_runs(tmp_path: Path) -> None:
    settings = sharded(tmp_path, "0,1")
    assert PLATFORM.describe(settings) == "Discord (shards 0,1 of 2)"
