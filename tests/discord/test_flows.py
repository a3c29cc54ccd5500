"""End to end: real discord.py against FakeDiscord, the real core, NemoBackend against FakeNemo."""

from __future__ import annotations

from pathlib import Path

from tests.discord.conftest import CHANNEL, GUILD, open_bot
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo, mp4ish_bytes

RENDER = 300_000


def _files(fake: FakeDiscord, channel: int) -> list[dict]:
    return [a for m in fake.in_channel(channel) for a in m["attachments"]]


async def test_compress_from_attachment_to_delivered_file(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: object
) -> None:
    nemo.script_render(polls=2, size=RENDER)
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("holiday.mp4", b"\x00" * 4096, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            fake.slash_command(
                "compress",
                [
                    {"name": "video", "type": 11, "value": att["id"]},
                    {"name": "instructions", "type": 3, "value": "under 5MB please"},
                ],
                attachments=(att,),
                channel=fake.text_channel(CHANNEL, GUILD),
                guild_id=GUILD,
            ),
        )
        [session] = nemo.sessions.values()
        assert session.url_uploads == [att["url"]]
        assert any("under 5MB please" in m for m in session.messages)
        await bot.send(
            "INTERACTION_CREATE",
            fake.slash_command("export", channel=fake.text_channel(CHANNEL, GUILD), guild_id=GUILD),
        )
        [delivered] = _files(fake, CHANNEL)
        expected = mp4ish_bytes(RENDER)
        import hashlib

        assert delivered["size"] == RENDER
        assert delivered["sha256"] == hashlib.sha256(expected).hexdigest()
        for m in fake.in_channel(CHANNEL):
            print(m["content"], m["history"], [c.get("components") for c in [m]])
        print([(c.method, c.path, c.status) for c in fake.calls])
