"""A bot stopped in the middle of work starts again: what it left in flight is picked up (exports)
or reported to its chat (turns, local encodes), and no job record, however damaged, stops a start.

A stop is `Conversation.close(grace=0)`, what SIGTERM past SHUTDOWN_GRACE and Ctrl-C come to: the
running job's record stays as it was, like after a kill -9.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.models import ChatKey, UserRef
from bot.ports import Port
from bot.store import Job
from bot.texts import t
from tests.core.conftest import BotFactory, LocalBotFactory, fake_ffmpeg
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.recording_port import RecordingPort


class Chats:
    """The `Adapter` a restarted core asks for the port of a chat it owes something to."""

    platform = "test"

    def __init__(self, *ports: RecordingPort) -> None:
        self.ports = {port.chat: port for port in ports}

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Port:
        return self.ports[chat]


async def _stopped_mid_turn(fake: FakeNemo, open_bot: BotFactory) -> RecordingPort:
    """A bot stopped while the agent works on "add a title that says Hello"; its chat's port."""
    fake.script_turn(pause(30), adk_text("too late"))
    async with open_bot() as first:
        port = first.port()
        await first.say(port, "add a title that says Hello")
        await fake.wait_turns(1)
        await first.conversation.close(grace=0)
    return port


async def test_a_restart_after_an_interrupted_turn_starts_and_says_what_happened(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    await _stopped_mid_turn(fake, open_bot)

    async with open_bot() as second:
        assert len(await second.store.active_jobs()) == 1, "the turn was left in flight"
        again = second.port()
        second.conversation.add_adapter(Chats(again))
        await second.conversation.resume()  # used to raise UnboundLocalError: every start failed
        said = await again.wait_text("I was restarted")
        await second.conversation.wait_idle()
        assert await second.store.active_jobs() == [], "the interrupted turn is closed"
    assert "add a title that says Hello" in said.text, "the person learns which request it was"
    assert "send your request again" in said.text


async def test_work_taken_in_the_first_seconds_is_not_taken_for_a_leftover(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    port = await _stopped_mid_turn(fake, open_bot)

    fake.script_turn(pause(0.5), adk_text("Done: the title is on."))
    async with open_bot() as second:
        left = await second.conversation.left_behind()  # as `serve` does, before the platforms
        newcomer = second.port("2")
        second.conversation.add_adapter(Chats(port, newcomer))
        await second.say(newcomer, "make it black and white")  # before the resume pass
        await fake.wait_turns(2)
        await second.conversation.resume(left)
        await port.wait_text("I was restarted")
        await newcomer.wait_text("the title is on")
        await second.conversation.wait_idle()
    assert not [text for text in newcomer.texts() if "restarted" in text], newcomer.texts()


async def test_an_export_and_a_turn_in_flight_the_export_is_delivered_once(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=15, size=120_000)
    async with open_bot() as first:
        exporting, talking = first.port("1"), first.port("2")
        await first.send_file(exporting, tiny_mp4)
        await first.conversation.wait_idle()
        await first.say(exporting, "/export")
        await fake.wait_calls("render_poll", 2)
        fake.script_turn(pause(30), adk_text("too late"))
        await first.say(talking, "make it black and white")
        await fake.wait_turns(1)
        await first.conversation.close(grace=0)

    async with open_bot() as second:
        second.conversation.add_adapter(Chats(exporting, talking))
        await second.conversation.resume()
        await exporting.wait_for(lambda s: s.kind == "video", timeout=15)
        await talking.wait_text("I was restarted")
        await second.conversation.wait_idle()
        assert await second.store.active_jobs() == []
    assert len(exporting.of("video")) == 1
    assert not talking.of("video")
    assert len(fake.calls("render_submit")) == 1, "the render is polled again, not resubmitted"


async def test_a_bad_job_record_never_stops_a_start(
    fake: FakeNemo, open_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    port = RecordingPort(chat=ChatKey("test", "7"))
    user = UserRef("test", "u7", "Ada")
    async with open_bot() as bot:
        good = Job("turn_ok", port.chat, user, "turn", "nemo", "s1", state="running",
                   extra={"request": "make it shorter"})  # fmt: skip
        await bot.store.add_job(good)
        await bot.store.add_job(Job("odd_kind", port.chat, user, "turn", "nemo", "s1", "running"))
        await bot.store.add_job(Job("no_chat", port.chat, user, "turn", "nemo", "s1", "running"))
        await bot.store.add_job(Job("bad_json", port.chat, user, "turn", "nemo", "s1", "running"))
        db = bot.store.db
        await db.execute("UPDATE jobs SET kind = 'transcode' WHERE id = 'odd_kind'")
        await db.execute("UPDATE jobs SET chat = 'garbage' WHERE id = 'no_chat'")
        await db.execute("UPDATE jobs SET extra = '{not json' WHERE id = 'bad_json'")
        await db.commit()

    caplog.set_level(logging.WARNING)
    async with open_bot() as bot:
        bot.conversation.add_adapter(Chats(port))
        await bot.conversation.resume()
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == [], "every record is closed, readable or not"
        async with bot.store.db.execute("SELECT id, state FROM jobs") as cursor:
            states = {row[0]: row[1] async for row in cursor}
    assert set(states.values()) == {"failed"}, states
    texts = port.texts()
    assert sum("I was restarted" in text for text in texts) == 3, texts  # the chat is told each
    assert any(t("restart_job_lost", "en") in text for text in texts), "the odd one too"
    assert "no_chat" in caplog.text, "the unreadable record is logged"


async def test_an_interrupted_local_encode_is_reported_and_not_rerun(
    open_local: LocalBotFactory, tiny_mp4: Path, tmp_path: Path
) -> None:
    slow = fake_ffmpeg(tmp_path, "exec sleep 60")
    async with open_local(ffmpeg_path=slow) as first:
        port = first.port()
        await first.send_file(port, tiny_mp4)
        await first.conversation.wait_idle()
        await first.say(port, "compress to under 40KB")
        await port.wait_text("40")  # what was understood is said before the encode starts
        await _until(lambda: first.backend.pool.running > 0)
        await first.conversation.close(grace=0)

    async with open_local(ffmpeg_path=slow) as second:
        again = second.port()
        second.conversation.add_adapter(Chats(again))
        await second.conversation.resume()
        said = await again.wait_text("I was restarted")
        await second.conversation.wait_idle()
        assert await second.store.active_jobs() == []
        assert second.backend.pool.running == 0, "the encode is not started again on its own"
    assert said.text.startswith(t("restarted_during_encode", "en"))
    assert "compress to under 40KB" in said.text


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_an_interrupted_encode_whose_video_is_gone_asks_for_it_again(
    open_local: LocalBotFactory, tiny_mp4: Path, tmp_path: Path, locale: str
) -> None:
    slow = fake_ffmpeg(tmp_path, "exec sleep 60")
    async with open_local(ffmpeg_path=slow) as first:
        port = first.port()
        await first.store.set_language(UserRef("test", "u1"), locale)
        await first.send_file(port, tiny_mp4)
        await first.conversation.wait_idle()
        await first.say(port, "compress to under 40KB")
        await _until(lambda: first.backend.pool.running > 0)
        await first.conversation.close(grace=0)
    shutil.rmtree(first.settings.work_dir)  # the work folder was cleared meanwhile

    async with open_local(ffmpeg_path=slow) as second:
        again = second.port()
        second.conversation.add_adapter(Chats(again))
        await second.conversation.resume()
        await second.conversation.wait_idle()
    assert t("restarted_during_encode_gone", locale) in again.texts()[0]


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition of the engine that has no event to wait on (its worker pool)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_stop_while_waiting_for_the_work_leaves_the_job_for_the_next_start(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    """Ctrl-C in a piped chat cancels the wait for the work, not the work: the job is left for
    `close()` to keep, so the next start can report it."""
    fake.script_turn(pause(30), adk_text("too late"))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "add a title")
        await fake.wait_turns(1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.conversation.wait_idle(), 0.3)  # the waiter is cancelled
        assert [job.state for job in await bot.store.active_jobs()] == ["running"]
        await bot.conversation.close(grace=0)
        assert [job.state for job in await bot.store.active_jobs()] == ["running"]
    assert not [text for text in port.texts() if "Cancelled" in text], port.texts()


async def test_a_job_cancelled_as_the_bot_stops_stays_cancelled(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    """Ctrl-C twice in the console: /cancel and the shutdown race. The person cancelled, so the
    next start must not report the job as interrupted."""
    fake.script_turn(pause(30), adk_text("too late"))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "add a title")
        await fake.wait_turns(1)
        await bot.say(port, "/cancel")  # the job may still be unwinding when the stop comes
        await bot.conversation.close(grace=0)
        assert await bot.store.active_jobs() == [], "closed as cancelled, not left for resume"
    assert any("Cancelled the current request" in text for text in port.texts())
