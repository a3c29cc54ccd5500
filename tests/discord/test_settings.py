"""`/settings` on Discord: a slash command with choices, answered only to the person who asked,
and the next job made with what they chose (probed from the file the bot uploaded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.media import probe
from bot.models import UserRef
from bot.store import UserDefaults
from bot.texts import t
from tests.clips import make_clip
from tests.discord.conftest import CHANNEL, GUILD
from tests.discord.test_local_engine import open_local_bot
from tests.fakes.discord_api import FakeDiscord

EPHEMERAL = 64  # Discord's message flag: only the person who used the command sees it


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of grainy 640x360 with sound, well over 1 MB."""
    path = make_clip(
        tmp_path_factory.mktemp("discord-settings") / "grain.mp4",
        size="640x360",
        picture_filter="noise=alls=30:allf=t",
        video=("-preset", "ultrafast", "-crf", "10"),
    )
    assert path.stat().st_size > 2_000_000
    return path


def _option(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "type": 3, "value": value}


def _ephemeral_callbacks(fake: FakeDiscord) -> list[bool]:
    """For each interaction answered: whether its answer was only for the person who asked."""
    return [
        bool((call.payload or {}).get("data", {}).get("flags", 0) & EPHEMERAL)
        for call in fake.calls
        if call.path.endswith("/callback")
    ]


async def test_settings_are_chosen_privately_and_change_the_next_job(
    fake: FakeDiscord, clip: Path, tmp_path: Path
) -> None:
    fake.keep_uploads = tmp_path / "sent"
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_local_bot(tmp_path, fake) as bot:
        chosen = [
            _option("codec", "h265"),
            _option("audio", "drop"),
            _option("custom_size", "1 MB"),
        ]
        await bot.send(
            "INTERACTION_CREATE", fake.slash_command("settings", chosen, channel=channel,
                                                     guild_id=GUILD)
        )  # fmt: skip
        menu = next(m for m in fake.messages.values() if "⚙️" in m["content"])
        assert t("settings_saved", "en") in menu["content"]
        assert "H.265" in menu["content"] and "1.0 MB" in menu["content"]
        assert _ephemeral_callbacks(fake) == [True]
        # its buttons change the menu itself: the press's answer is the pressed message
        for command in ("/settings codec", "/settings codec h265"):
            press = fake.component(f"cb:{command}", fake._public(menu), channel=channel,
                                   guild_id=GUILD)  # fmt: skip
            await bot.send("INTERACTION_CREATE", press)
            [ack] = [c for c in fake.calls if press["token"] in c.path and "callback" in c.path]
            assert ack.payload == {"type": 6}  # DEFERRED_UPDATE_MESSAGE
        assert menu["history"][-1].startswith(t("settings_pick_codec", "en"))
        assert menu["content"].startswith(t("settings_saved", "en"))
        assert [m for m in fake.messages.values() if "⚙️" in m["content"]] == [menu]
        user = UserRef("discord", str(fake.user()["id"]))
        assert await bot.store.user_defaults(user) == UserDefaults(
            target_bytes=1_000_000, codec="h265", drop_audio=True
        )

        att = fake.add_attachment("grain.mp4", clip, "video/mp4", channel_id=CHANNEL)
        options: list[dict[str, Any]] = [
            {"name": "video", "type": 11, "value": att["id"]},
            _option("instructions", "compress it"),
        ]
        await bot.send(
            "INTERACTION_CREATE",
            fake.slash_command("compress", options, attachments=(att,), channel=channel,
                               guild_id=GUILD),
            timeout=120,
        )  # fmt: skip
    assert _ephemeral_callbacks(fake) == [
        True,
        False,
        False,
        False,
    ]  # a job's answers are the channel's
    said = "\n".join(m["content"] for m in fake.messages.values())
    defaults = ", ".join(["under 1.0 MB", "H.265", t("intent_remove_audio", "en")])
    assert t("defaults_applied", "en", count=3, items=defaults, where="/settings") in said
    [sent] = [part for call in fake.calls for part in call.files]
    assert sent.path is not None
    made = await probe(sent.path)
    assert made.codec == "hevc"
    assert not made.has_audio
    assert sent.size <= 1_000_000
