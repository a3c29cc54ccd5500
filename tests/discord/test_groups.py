"""Two members of one Discord server channel: a session each, `/cancel` and `/export` act on one's
own work, a member with Manage Messages may `/cancel everyone`; and nothing the bot posts pings
anyone (file names and the agent's text are untrusted). Real discord.py against FakeDiscord, the
real core, NemoBackend against FakeNemo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.texts import t
from tests.discord.conftest import CHANNEL, DM_CHANNEL, GUILD, Bot, open_bot
from tests.fakes.discord_api import MANAGE_MESSAGES, FakeDiscord
from tests.fakes.nemovideo import FakeNemo, adk_text, pause

CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4084
MOD = 44


def _contents(fake: FakeDiscord) -> list[str]:
    return [
        m["content"] for m in fake.in_channel(CHANNEL) if m["author"]["id"] == fake.bot_user["id"]
    ]


def _compress(fake: FakeDiscord, user: dict[str, Any], name: str = "a.mp4") -> dict[str, Any]:
    att = fake.add_attachment(name, CLIP, "video/mp4", channel_id=CHANNEL)
    return fake.slash_command(
        "compress",
        [{"name": "video", "type": 11, "value": att["id"]},
         {"name": "instructions", "type": 3, "value": "make it brighter"}],
        attachments=(att,), channel=fake.text_channel(CHANNEL, GUILD), user=user, guild_id=GUILD,
        permissions=0,
    )  # fmt: skip


def _command(
    fake: FakeDiscord, name: str, user: dict[str, Any], permissions: int = 0, **options: Any
) -> dict[str, Any]:
    given = [{"name": k, "type": 5, "value": v} for k, v in options.items()]
    return fake.slash_command(
        name, given, channel=fake.text_channel(CHANNEL, GUILD), user=user, guild_id=GUILD,
        permissions=permissions,
    )  # fmt: skip


async def _dispatch(bot: Bot, payload: dict[str, Any]) -> None:
    """Hand an event over and wait until the core took it, not until its work is done."""
    expected = bot.core.handled + 1
    await bot.fake.dispatch("INTERACTION_CREATE", payload)
    await bot.core.wait_handled(expected, 10)


async def test_a_member_cannot_cancel_or_export_anothers_work(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path
) -> None:
    ada, bob = fake.user(42, "ada"), fake.user(43, "bob")
    nemo.script_turn(pause(1.5), adk_text("Brighter now."))
    async with open_bot(tmp_path, fake, nemo) as bot:
        await _dispatch(bot, _compress(fake, ada))
        await nemo.wait_calls("turn")
        await _dispatch(bot, _command(fake, "cancel", bob))
        await _dispatch(bot, _command(fake, "export", bob))
        [turn] = await nemo.wait_turns(1)
        await bot.conversation.wait_idle()
        assert turn.outcome == "completed", turn
        texts = _contents(fake)
        assert t("discord_nothing_to_cancel_yours_guild", "en") in texts, texts
        assert any("Brighter now." in text for text in texts), texts
        assert not any(a for m in fake.in_channel(CHANNEL) for a in m["attachments"])
        assert nemo.calls("render_submit") == []  # Bob's /export touched nobody's session
        await bot.send("INTERACTION_CREATE", _compress(fake, bob))
    assert sorted(len(s.url_uploads) for s in nemo.sessions.values()) == [1, 1]  # one each


async def test_a_moderator_can_cancel_everyone_and_a_member_cannot(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path
) -> None:
    ada, bob, mod = fake.user(42, "ada"), fake.user(43, "bob"), fake.user(MOD, "mod")
    nemo.script_turn(pause(30), adk_text("never"))
    async with open_bot(tmp_path, fake, nemo, grace=0) as bot:
        await _dispatch(bot, _compress(fake, ada))
        await nemo.wait_calls("turn")
        await _dispatch(bot, _command(fake, "cancel", bob, everyone=True))
        assert t("discord_cancel_all_denied_guild", "en") in _contents(fake)
        assert not any(t("err_cancelled", "en") in text for text in _contents(fake))
        await _dispatch(bot, _command(fake, "cancel", mod, MANAGE_MESSAGES, everyone=True))
        await bot.conversation.wait_idle()
        texts = _contents(fake)
        assert t("cancelled_all", "en", n=1) in texts, texts
        assert any(t("err_cancelled", "en") in text for text in texts), texts


async def test_nothing_the_bot_posts_pings_anyone(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path
) -> None:
    nemo.script_turn(adk_text("Done <@&123>, @everyone and <@42> will love it."))
    async with open_bot(tmp_path, fake, nemo) as bot:
        await bot.send("INTERACTION_CREATE", _compress(fake, fake.user(42), "@everyone.mp4"))
        txt = fake.add_attachment("@here.txt", b"hello", "text/plain", channel_id=DM_CHANNEL)
        await fake.dispatch(
            "MESSAGE_CREATE", fake.message("", channel_id=DM_CHANNEL, attachments=(txt,))
        )
        await fake.wait_for(
            lambda: [m for m in fake.in_channel(DM_CHANNEL) if "@here" in m["content"]]
        )
    assert any("<@&123>" in text for text in _contents(fake))  # the text went out as it was
    rules = fake.mention_rules()
    assert len(rules) >= 4, rules  # the upload, the agent's answer, edits, the DM answer
    for path, rule in rules:
        assert rule is not None, path
        assert rule.get("parse") == [], (path, rule)
        assert not rule.get("users") and not rule.get("roles"), (path, rule)
