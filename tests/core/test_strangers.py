"""Limits and ownership belong to a person (platform and user id), whatever they call themselves."""

from __future__ import annotations

from bot.models import ChatKey, UserRef
from bot.texts import t
from tests.core.conftest import BotFactory
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.recording_port import RecordingPort


async def test_renaming_oneself_does_not_lift_the_per_user_limit(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(pause(0.5), adk_text("one"))
    async with open_bot(max_jobs_per_user=1) as bot:
        first, second = bot.port("1"), bot.port("2")
        await bot.say(first, "first", user=UserRef("test", "someone", "Ada"))
        await bot.say(second, "second", user=UserRef("test", "someone", "Not Ada"))
        await second.wait_text("already have 1 request")
        await bot.conversation.wait_idle()
    assert [turn.message for turn in fake.turns] == ["first"]


def test_a_members_chat_key_reads_back_and_posts_to_the_group() -> None:
    keys = [
        ChatKey("telegram", "-100777"),
        ChatKey("telegram", "-100777", "5"),
        ChatKey("telegram", "-100777", None, "42"),
        ChatKey("telegram", "-100777", "5", "42"),
        ChatKey("discord", "500", "600", "43"),
    ]
    assert [str(key) for key in keys] == [
        "telegram:-100777",  # keys stored before members existed keep their meaning
        "telegram:-100777:5",
        "telegram:-100777::42",
        "telegram:-100777:5:42",
        "discord:500:600:43",
    ]
    assert [ChatKey.parse(str(key)) for key in keys] == keys
    assert len({str(key) for key in keys}) == len(keys)
    assert ChatKey("telegram", "-100777", "5", "42").place == ChatKey("telegram", "-100777", "5")
    assert ChatKey("telegram", "-100777", "5").of("42").member == "42"


async def test_the_bots_admins_may_cancel_any_members_work_in_a_group(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(pause(30), adk_text("never"))
    group = ChatKey("test", "g")
    async with open_bot(admins=["test:boss"]) as bot:
        ada = RecordingPort(chat=group.of("ada"))
        boss = RecordingPort(chat=group.of("boss"))
        await bot.say(ada, "slow one", user=UserRef("test", "ada"), is_group=True)
        await fake.wait_calls("turn")
        # No platform answer needed (no `moderator`): the bot's own ADMINS may.
        await bot.say(boss, "/cancel all", user=UserRef("test", "boss"), is_group=True)
        await boss.wait_text(t("cancelled_all", "en", n=1))
        await bot.conversation.wait_idle()
    [turn] = fake.turns
    assert turn.outcome != "completed"
