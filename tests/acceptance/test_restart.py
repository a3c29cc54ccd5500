"""Stopping the bot in the middle of work, then starting it again in the same folder, as people do:
SIGTERM (past SHUTDOWN_GRACE), Ctrl-C in the chat, or kill -9 while a local encode or a NemoVideo
turn runs. The next start must start (not exit 1), tell the chat what happened to the interrupted
job, and deliver an export that was in flight exactly once. (In the console chat a first Ctrl-C
cancels the job and says so, a second quits: then nothing is owed and the next start is quiet.)
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import (
    NEMO_TOKEN,
    Newcomer,
    Program,
    http_env,
    nemo_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.fakes.telegram_api import FakeTelegram

EXPORTING, TALKING = 5101, 5102
STOPS = {
    "SIGTERM": lambda program: program.signal(signal.SIGTERM),
    "kill -9": lambda program: program.kill(),
}


@pytest.mark.parametrize("stop", list(STOPS))
async def test_console_stopped_mid_encode_starts_again_and_says_so(
    clipbridge: Newcomer, clip: Callable[..., Path], stop: str
) -> None:
    # big enough that a two-pass encode to 300 KB takes several seconds on a busy machine
    clip("clips/long.mp4", size="960x540", duration=12, video=("-preset", "ultrafast", "-crf", "8"))
    async with clipbridge("chat") as bot:
        await bot.send("clips/long.mp4")
        await bot.expect(r"Received long\.mp4", timeout=60)
        await bot.send("compress this video to under 300KB")
        await bot.expect(r"\d+%", timeout=60)  # the encode is under way
        STOPS[stop](bot)
        await bot.wait(30)
    assert "Here is your video" not in bot.transcript, "stopped before it finished"

    async with clipbridge("chat") as again:
        await again.expect("clipbridge chat")  # the greeting first, then the news
        said = await again.expect(r"I was restarted while encoding your video[^\n]*", timeout=60)
        await again.expect("compress this video to under 300KB")  # which request it was
        await again.close_stdin()
        assert await again.wait(60) == 0, again.transcript
    assert "Traceback" not in again.transcript
    assert "send your request again" in said.group(0) or "send your request again" in (
        again.transcript
    )

    async with clipbridge("chat") as third:  # said once: the job is closed
        await third.close_stdin()
        assert await third.wait(60) == 0
    assert "I was restarted" not in third.transcript


async def test_console_ctrl_c_twice_mid_encode_cancels_quits_and_starts_again_quietly(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    clip("clips/long.mp4", size="960x540", duration=12, video=("-preset", "ultrafast", "-crf", "8"))
    async with clipbridge("chat") as bot:
        await bot.send("clips/long.mp4")
        await bot.expect(r"Received long\.mp4", timeout=60)
        await bot.send("compress this video to under 300KB")
        await bot.expect(r"\d+%", timeout=60)
        bot.interrupt()
        await bot.expect("Cancelled the encode", timeout=30)
        bot.interrupt()
        assert await bot.wait(30) == 0, bot.transcript

    async with clipbridge("chat") as again:  # the person cancelled: nothing to report
        await again.close_stdin()
        assert await again.wait(60) == 0, again.transcript
    assert "I was restarted" not in again.transcript
    assert "Traceback" not in again.transcript


async def _until(
    telegram: FakeTelegram, predicate: Callable[[], bool], program: Program, timeout: float = 30
) -> None:
    """Wait for what the fake Telegram saw; on a timeout, show the chats and the program."""
    try:
        await telegram.wait_for(predicate, timeout=timeout)
    except TimeoutError:
        chats = {chat: _texts(telegram, chat) for chat in (EXPORTING, TALKING)}
        raise AssertionError(
            f"not seen in {timeout} s; chats: {chats}\n{program.transcript[-3000:]}"
        ) from None


@pytest.fixture
async def nemo() -> AsyncIterator[FakeNemo]:
    """The NemoVideo fake that knows the operator's NEMO_TOKEN that `nemo_env` configures."""
    async with FakeNemo(operator_token=NEMO_TOKEN) as fake:
        yield fake


def _texts(telegram: FakeTelegram, chat: int) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in telegram.sent(chat)]


def _videos(telegram: FakeTelegram, chat: int) -> int:
    calls = telegram.calls_of("sendVideo")
    return sum(int(call.params.get("chat_id", 0)) == chat for call in calls)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
async def test_run_stopped_mid_turn_and_mid_export_reports_and_delivers_once(
    clipbridge: Newcomer, telegram: FakeTelegram, nemo: FakeNemo, stop: signal.Signals
) -> None:
    env = {**telegram_env(telegram), **nemo_env(nemo), **http_env(), "SHUTDOWN_GRACE": "1"}
    nemo.script_render(polls=60, size=150_000)  # about 6 s of polling at 0.1 s
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        await telegram.push(telegram.message(EXPORTING, video=telegram.video(200_000)))
        await _until(
            telegram, lambda: any("Received" in x for x in _texts(telegram, EXPORTING)), bot
        )
        await telegram.push(telegram.message(EXPORTING, text="/export"))
        await nemo.wait_calls("render_poll", 2, timeout=30)

        nemo.script_turn(pause(120), adk_text("far too late"))
        await telegram.push(telegram.message(TALKING, text="add a title that says Hello"))
        await nemo.wait_turns(1, timeout=30)
        bot.process.send_signal(stop)
        await bot.wait(30)
    assert _videos(telegram, EXPORTING) == 0, "stopped before the render was done"

    async with clipbridge("run", env=env) as again:
        await wait_healthy(again)
        await _until(telegram, lambda: _videos(telegram, EXPORTING) >= 1, again, timeout=60)
        await _until(
            telegram, lambda: any("I was restarted" in x for x in _texts(telegram, TALKING)), again
        )
        again.signal(signal.SIGTERM)
        assert await again.wait(30) == 0, again.transcript

    async with clipbridge("run", env=env) as third:  # nothing is owed any more
        await wait_healthy(third)
        third.signal(signal.SIGTERM)
        assert await third.wait(30) == 0, third.transcript

    assert _videos(telegram, EXPORTING) == 1, "delivered exactly once"
    assert len(nemo.calls("render_submit")) == 1, "polled again after the restart, not resubmitted"
    restarted = [text for text in _texts(telegram, TALKING) if "I was restarted" in text]
    assert len(restarted) == 1, restarted
    assert "add a title that says Hello" in restarted[0]
    assert not _videos(telegram, TALKING)
