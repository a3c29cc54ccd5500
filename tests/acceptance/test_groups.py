"""`clipbridge run` in shared chats: two members of a Telegram group each keep their own work (one's
/cancel leaves the other's job running, and its result still reaches its owner), and a video
named `@everyone.mp4` in a Discord server channel pings nobody."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.texts import t
from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    Program,
    discord_env,
    http_env,
    nemo_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.fakes.telegram_api import MB, FakeTelegram

GROUP = -100424242
ADA, BOB = 7, 8


async def _stop(program: Program) -> None:
    program.signal(signal.SIGTERM)
    assert await program.wait() == 0
    assert "Traceback" not in program.transcript, program.transcript[-3000:]


def _in_group(telegram: FakeTelegram) -> list[dict[str, Any]]:
    return [m for m in telegram.sent(GROUP) if m["from"]["is_bot"]]


async def test_one_members_cancel_leaves_anothers_job_running_in_a_telegram_group(
    clipbridge: Newcomer, telegram: FakeTelegram, nemo: FakeNemo
) -> None:
    nemo.script_turn(pause(3), adk_text("Brighter now."))
    env = {**telegram_env(telegram), **nemo_env(nemo), **http_env()}
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        ada = telegram.message(GROUP, chat_type="supergroup", user_id=ADA,
                               text="@clipbridge_bot make it brighter",
                               video=telegram.video(MB, name="mine.mp4"))  # fmt: skip
        await telegram.push(ada)
        await nemo.wait_calls("turn", timeout=30)
        await telegram.push(telegram.message(GROUP, chat_type="supergroup", user_id=BOB,
                                             text="/cancel"))  # fmt: skip
        yours = t("nothing_to_cancel_yours", "en")
        await telegram.wait_for(lambda: any(m.get("text") == yours for m in _in_group(telegram)))
        await telegram.wait_for(
            lambda: any(m.get("text") == "Brighter now." for m in _in_group(telegram)), timeout=30
        )
        [turn] = await nemo.wait_turns(1)
        assert turn.outcome == "completed", turn
        answer = next(m for m in _in_group(telegram) if m.get("text") == "Brighter now.")
        assert answer["reply_to_message_id"] == ada["message"]["message_id"]  # Ada's, visibly
        assert not any(t("err_cancelled", "en") in m.get("text", "") for m in _in_group(telegram))
        await _stop(bot)


async def test_a_video_named_at_everyone_pings_nobody_in_a_discord_channel(
    clipbridge: Newcomer, discord: FakeDiscord, clip: Callable[..., Path]
) -> None:
    video = clip("clips/a.mp4")
    env = {**discord_env(discord), **http_env(), "DISCORD_MESSAGE_CONTENT": "true"}
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        await discord.identified.wait()
        attachment = discord.add_attachment(
            "@everyone.mp4", video, "video/mp4", channel_id=DISCORD_CHANNEL
        )
        me = discord.bot_user
        message = discord.message(
            f"<@{me['id']}> compress to under 200KB", channel_id=DISCORD_CHANNEL,
            guild_id=DISCORD_GUILD, attachments=(attachment,), mentions=(me,),
        )  # fmt: skip
        await discord.dispatch("MESSAGE_CREATE", message)
        await discord.wait_for(
            lambda: any(m["attachments"] for m in discord.in_channel(DISCORD_CHANNEL)
                        if m["author"]["id"] == me["id"]),
            timeout=90,
        )  # fmt: skip
        await _stop(bot)
    said = [m["content"] for m in discord.in_channel(DISCORD_CHANNEL) if m["author"] == me]
    assert any("@everyone" in text for text in said), said  # the name was posted as it is
    where = f"/channels/{DISCORD_CHANNEL}/messages"
    posts = [c.payload for c in discord.calls if c.method == "POST" and c.path == where]
    replied = {str(p.get("message_reference", {}).get("message_id")) for p in posts}
    assert posts and replied == {message["id"]}  # each post replies to the requester's message
    rules = discord.mention_rules()
    assert rules
    for path, rule in rules:
        assert rule is not None and rule.get("parse") == [], (path, rule)
        assert not rule.get("users") and not rule.get("roles"), (path, rule)
