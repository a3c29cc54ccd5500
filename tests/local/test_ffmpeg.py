"""The ffmpeg runner: progress read from `-progress pipe:1`, failures, and killing the group."""

from __future__ import annotations

import asyncio
import os

import imageio_ffmpeg
import pytest

from bot.backends.local.ffmpeg import Ffmpeg
from bot.errors import RenderFailed
from tests.local.conftest import Clips

FF = Ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
QUIET = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1"]


async def test_progress_climbs_to_the_end(clips: Clips) -> None:
    # read at 8x real time so the 10 s clip takes over a second and reports several times
    args = [*QUIET, "-readrate", "8", "-i", str(clips.long), "-f", "null", os.devnull]
    fractions = []
    async with FF.run(args, 10.0) as run:
        async for fraction in run.progress():
            fractions.append(fraction)
    assert len(fractions) >= 2
    assert fractions == sorted(fractions)
    assert 0.0 <= fractions[0] < 0.9 and fractions[-1] == pytest.approx(1.0, abs=0.05)
    assert run.speed is not None and run.speed > 0


async def test_failure_carries_the_stderr_tail(tmp_path: object) -> None:
    args = [*QUIET, "-i", "/nonexistent/input.mp4", "-f", "null", os.devnull]
    with pytest.raises(RenderFailed, match="nonexistent"):
        async with FF.run(args, 1.0) as run:
            await run.wait()


async def test_leaving_early_kills_the_process_group(clips: Clips) -> None:
    args = [*QUIET, "-readrate", "1", "-i", str(clips.long), "-f", "null", os.devnull]
    async with FF.run(args, 10.0) as run:
        pid = run.pid
        assert pid is not None
        os.kill(pid, 0)  # alive
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await run.wait()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
