"""One job per chat, queues and cancel, restarts, duplicates, many chats, and pacing."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bot.models import UserRef
from tests.core.conftest import BotFactory
from tests.fakes.nemovideo import FakeNemo, adk_text, adk_tool_call, every, heartbeat, pause


async def test_a_message_during_a_turn_is_queued_with_its_position(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(pause(0.6), adk_text("First answer."))
    fake.script_turn(adk_text("Second answer."))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "first request")
        await fake.wait_turns(1)
        await bot.say(port, "second request")
        queued = await port.wait_text("number 1 in line", timeout=1.0)
        await bot.conversation.wait_idle()
    texts = port.texts()
    assert texts.index("First answer.") < texts.index("Second answer.")
    second = next(sent for sent in port.log if sent.text == "Second answer.")
    assert queued.at < second.at
    assert [turn.message for turn in fake.turns] == ["first request", "second request"]


async def test_a_full_line_is_answered_busy(fake: FakeNemo, open_bot: BotFactory) -> None:
    fake.script_turn(pause(0.8), adk_text("Done."))
    async with open_bot(max_jobs_per_user=10) as bot:
        port = bot.port()
        await bot.say(port, "request 0")
        await fake.wait_turns(1)
        for n in range(1, 5):
            await bot.say(port, f"request {n}")
        await port.wait_text("the line is full", timeout=1.0)
        await bot.conversation.wait_idle()
    assert len(fake.turns) == 4  # the one running and the three that fitted in line


async def test_cancel_during_a_turn_stops_it_and_frees_the_slot(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(every(0.1, heartbeat(), for_=30))
    fake.script_turn(adk_text("Next one runs."))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "a very long request")
        await fake.wait_turns(1)
        await bot.say(port, "/cancel")
        await port.wait_text("Cancelled the current request")
        await fake.wait_turns(1, outcome="disconnected")
        await bot.say(port, "next")
        await port.wait_text("Next one runs.")
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == []
    assert any(text == "✖️ Cancelled." for text in port.texts()), "the progress line says so"


async def test_cancel_during_an_export_cancels_the_render(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=10_000)
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export")
        await fake.wait_calls("render_poll", 2)
        await bot.say(port, "/cancel")
        await port.wait_text("Cancelled the export")
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == []
    assert len(fake.calls("render_cancel")) == 1
    assert next(iter(fake.renders.values())).cancelled


async def test_restart_mid_export_delivers_exactly_once(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=12, size=150_000)
    async with open_bot() as first:
        port = first.port()
        first.conversation.add_adapter(_Adapter(port))
        await first.send_file(port, tiny_mp4)
        await first.conversation.wait_idle()
        await first.say(port, "/export")
        await fake.wait_calls("render_poll", 3)
        await first.conversation.close(grace=0)  # the process dies mid-export
    assert not port.of("video")

    async with open_bot() as second:
        second.conversation.add_adapter(_Adapter(port))
        await second.conversation.resume()
        await port.wait_for(lambda s: s.kind == "video")
        await second.conversation.wait_idle()
        assert await second.store.active_jobs() == []
        await second.conversation.resume()  # a second resume finds nothing left to do
        await second.conversation.wait_idle()
    assert len(port.of("video")) == 1
    assert len(fake.calls("render_submit")) == 1, "the render is polled again, not resubmitted"


async def test_the_same_update_twice_is_handled_once(fake: FakeNemo, open_bot: BotFactory) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "hello there", update_id="42")
        await bot.say(port, "hello there", update_id="42")
        await bot.conversation.wait_idle()
    assert len(fake.turns) == 1


async def test_fifty_chats_each_get_only_their_own_replies(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    async with open_bot() as bot:
        ports = [bot.port(str(n)) for n in range(50)]
        for n, port in enumerate(ports):
            session = fake.add_session()
            await bot.store.set_session(port.chat, "nemo", session.session_id)
            fake.script_turn(
                pause(0.2), adk_text(f"reply for chat {n}", pieces=2), session=session.session_id
            )
        await asyncio.gather(*(bot.say(port, f"hi from {n}") for n, port in enumerate(ports)))
        await bot.conversation.wait_idle()
    for n, port in enumerate(ports):
        replies = [text for text in port.texts() if text.startswith("reply for chat")]
        assert replies == [f"reply for chat {n}"]


async def test_progress_edits_keep_the_pace_and_honour_retry_after(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    steps = []
    for n in range(30):
        steps += [adk_tool_call(f"step_{n}", {}), pause(0.02)]
    fake.script_turn(*steps, adk_text("Finished."))
    async with open_bot(edit_interval=0.2) as bot:
        port = bot.port(edit_failures=[0.5])
        await bot.say(port, "many steps")
        await port.wait_text("Finished.")
        await bot.conversation.wait_idle()
    attempts = port.of("edit", "edit-refused")
    gaps = [b.at - a.at for a, b in itertools.pairwise(attempts)]
    assert all(gap >= 0.19 for gap in gaps), gaps
    refused = port.of("edit-refused")[0]
    after = [s for s in port.log if s.at > refused.at and s.kind in ("edit", "typing")]
    assert after and after[0].at - refused.at >= 0.49, "nothing is sent before the retry-after"
    assert port.of("edit")[-1].text.startswith("✅"), "the last word on the progress line lands"


async def test_quota_of_running_jobs_per_user(fake: FakeNemo, open_bot: BotFactory) -> None:
    fake.script_turn(pause(0.5), adk_text("one"))
    async with open_bot(max_jobs_per_user=1) as bot:
        first, second = bot.port("1"), bot.port("2")
        same_user = UserRef("test", "someone")
        await bot.say(first, "first", user=same_user)
        await bot.say(second, "second", user=same_user)
        await second.wait_text("already have 1 request")
        await bot.conversation.wait_idle()


class _Adapter:
    """Gives a restarted core the port of the chat it owes a delivery to."""

    platform = "test"

    def __init__(self, port: object) -> None:
        self._port = port

    def port_for(self, chat: object, hint: str | None = None) -> object:
        return self._port


async def test_allowlists_and_the_daily_limit(fake: FakeNemo, open_bot: BotFactory) -> None:
    async with open_bot(allowed_users="test:friend", max_jobs_per_day=1) as bot:
        stranger, friend = bot.port("1"), bot.port("2")
        await bot.say(stranger, "hello", user=UserRef("test", "stranger"))
        await stranger.wait_text("This bot is private")
        await bot.say(friend, "first", user=UserRef("test", "friend"))
        await bot.conversation.wait_idle()
        await bot.say(friend, "second", user=UserRef("test", "friend"))
        await friend.wait_text("today's limit of 1")
        await bot.conversation.wait_idle()
    assert [turn.message for turn in fake.turns] == ["first"]
