"""Limits and ownership belong to a person (platform and user id), whatever they call themselves."""

from __future__ import annotations

from bot.models import UserRef
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
