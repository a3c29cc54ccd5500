"""The console chat on NemoVideo when the agent streams the way ADK does in streaming mode.

A real `clipbridge chat` in a fresh clone, default settings but for NEMO_TOKEN and NEMO_API_URL,
against the fake serving ADK's streaming shapes: the text before a tool call in partial pieces,
the call in a partial event with finishReason, then a final event repeating the whole text with
the call. A person reads each sentence once, a friendly step while the tool runs (longer than
the edit interval, as real tools do), and never the tool's name or its arguments; the stream is
read to its end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import NEMO_TOKEN, Newcomer, nemo_env
from tests.fakes.nemovideo import (
    FakeNemo,
    adk_reply,
    adk_run_error,
    adk_tool_result,
    every,
    heartbeat,
    pause,
)

PLAN = "I'll compress your video to under 8 MB."
DONE = "Done: your video is now 7.6 MB."
INTERNALS = ("compress_video", "target_mb", "h264", "adk-", "RuntimeError")


@pytest.fixture
async def streaming_nemo() -> AsyncIterator[FakeNemo]:
    async with FakeNemo(operator_token=NEMO_TOKEN) as fake:
        fake.adk_streaming = True  # whatever the client asks: a gateway may turn it on itself
        yield fake


async def test_streamed_turn_reads_once_with_a_friendly_step(
    clipbridge: Newcomer, clip: Callable[..., Path], streaming_nemo: FakeNemo
) -> None:
    clip("clips/a.mp4", size="160x120", duration=2)
    streaming_nemo.script_turn(
        adk_reply(PLAN, calls=[("compress_video", {"target_mb": 8, "codec": "h264"})], delay=0.1),
        every(0.25, heartbeat(), for_=4.0),  # longer than the default 3 s edit interval
        adk_tool_result("compress_video", {"ok": True, "size_mb": 7.6}),
        adk_reply(DONE, delay=0.1),
    )
    async with clipbridge("chat", env=nemo_env(streaming_nemo)) as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("compress to under 8MB")
        await bot.expect(r"Compressing…", timeout=30)
        await bot.expect(r"now 7\.6 MB", timeout=30)
        await bot.expect(r"Done in", timeout=30)
        await bot.close_stdin()
        assert await bot.wait() == 0

    shown = bot.text("out")
    assert shown.count(PLAN) == 1, shown
    assert shown.count(DONE) == 1, shown
    for internal in INTERNALS:
        assert internal not in bot.transcript, f"{internal!r} shown:\n{bot.transcript}"
    assert [(t.streaming, t.outcome) for t in streaming_nemo.turns] == [(True, "completed")]


async def test_an_agent_error_is_told_after_the_run_ends(
    clipbridge: Newcomer, clip: Callable[..., Path], streaming_nemo: FakeNemo
) -> None:
    clip("clips/a.mp4", size="160x120", duration=2)
    streaming_nemo.script_turn(
        adk_reply(PLAN, calls=[("compress_video", {"target_mb": 8})]),
        adk_run_error("RuntimeError: compress_video failed with {'target_mb': 8}"),
        pause(1.0),  # ADK still ending its run: a client that leaves now aborts it
    )
    async with clipbridge("chat", env=nemo_env(streaming_nemo)) as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("compress to under 8MB")
        await bot.expect(r"reported an error", timeout=30)
        await bot.close_stdin()
        assert await bot.wait() == 0

    assert bot.text("out").count(PLAN) == 1
    for internal in ("compress_video", "target_mb"):
        assert internal not in bot.transcript, f"{internal!r} shown:\n{bot.transcript}"
    assert [t.outcome for t in streaming_nemo.turns] == ["completed"]
