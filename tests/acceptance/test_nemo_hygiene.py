"""NemoVideo's costs kept bounded, seen from outside (issue 12, items 8 and 9).

`clipbridge run` with its HTTP port: a burst of /readyz probes costs NemoVideo a credits call or
two, not one each. `clipbridge chat`: a render that outlives NEMO_RENDER_TIMEOUT is cancelled on
the service and the person is told to export again; a runaway agent reply prints a few messages
and a note, not hundreds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.acceptance.conftest import (
    Newcomer,
    http_env,
    nemo_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.fakes.telegram_api import FakeTelegram

PROBES = 300


async def test_readyz_probes_share_a_cached_credits_call(
    clipbridge: Newcomer, telegram: FakeTelegram, nemo: FakeNemo
) -> None:
    env = {**telegram_env(telegram), **nemo_env(nemo), **http_env()}
    async with clipbridge("run", env=env) as bot:
        await wait_healthy(bot)
        url = f"http://127.0.0.1:{bot.env['HTTP_PORT']}/readyz"
        async with httpx.AsyncClient() as http:
            for _ in range(PROBES // 50):
                answers = await asyncio.gather(*(http.get(url) for _ in range(50)))
                assert {a.status_code for a in answers} == {200}, answers[0].text
    assert 1 <= len(nemo.calls("credits")) <= 2, len(nemo.calls("credits"))


async def test_a_render_past_its_time_is_cancelled_and_export_is_offered_again(
    clipbridge: Newcomer, clip: Callable[..., Path], nemo: FakeNemo
) -> None:
    clip("clips/a.mp4", size="160x120", duration=2)
    nemo.script_render(polls=100_000)
    env = {**nemo_env(nemo), "NEMO_RENDER_TIMEOUT": "1"}
    async with clipbridge("chat", env=env) as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("/export")
        await bot.expect(r"wasn.t done after 0:01, so I stopped it\. Send /export", timeout=30)
        await nemo.wait_calls("render_cancel", timeout=5)
        await bot.close_stdin()
        assert await bot.wait() == 0
    (render,) = nemo.renders.values()
    assert render.cancelled, "the orphan render would go on burning credits"


async def test_a_runaway_reply_prints_a_few_messages_and_a_note(
    clipbridge: Newcomer, clip: Callable[..., Path], nemo: FakeNemo
) -> None:
    clip("clips/a.mp4", size="160x120", duration=2)
    nemo.script_turn(adk_text("Here is more about your video. " * 33_000), pause(0.3))  # ~1 MB
    async with clipbridge("chat", env=nemo_env(nemo)) as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("tell me everything")
        await bot.expect(r"too long for this chat, so the rest was left out", timeout=60)
        await bot.close_stdin()
        assert await bot.wait() == 0
    shown = bot.text("out").count("Here is more about your video.")
    assert 0 < shown <= 4 * 4096 // len("Here is more about your video. ") + 4
    assert [turn.outcome for turn in nemo.turns] == ["completed"]
