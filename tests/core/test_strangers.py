"""Limits and ownership belong to a person (platform and user id), whatever they call themselves."""

from __future__ import annotations

from bot.models import ChatKey, UserRef
from tests.core.conftest import BotFactory
from tests.fakes.nemovideo import FakeNemo, adk_text, pause


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
