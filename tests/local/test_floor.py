"""Refusals name the real floor, and every target from it up is met: real clips (issue 11, #6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.backends.base import Failure
from bot.errors import TargetUnreachable
from bot.media import probe
from tests.local.conftest import BackendFactory, ffmpeg
from tests.local.test_engine import only_result, run_turn, session_with


@pytest.fixture(scope="module")
def hour_64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """64x64, an hour at 2 fps, a near-silent 8 kHz AAC track: about 8 MB."""
    path = tmp_path_factory.mktemp("floor") / "hour64.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=2:duration=3600",
           "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "3600",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "8k", str(path))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def full_hd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1920x1080, 10 s at 30 fps with a tone."""
    path = tmp_path_factory.mktemp("floor") / "hd.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=10",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=10", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           str(path))  # fmt: skip
    return path


async def test_a_tiny_hour_long_clip_is_compressed_not_refused(
    backend_factory: BackendFactory, hour_64: Path
) -> None:
    # was refused as needing 27 MB: 24 kbit/s of video and 32 kbit/s of audio for any picture
    async with backend_factory() as backend:
        session = await session_with(backend, hour_64)
        result = only_result(await run_turn(backend, session, "under 2MB"))
        assert result.path is not None
        info = await probe(result.path)
        assert info.size <= 2_000_000 and (info.width, info.height) == (64, 64)
        assert info.duration == pytest.approx(3600, abs=1) and info.has_audio


async def test_the_floor_named_in_a_refusal_can_be_reached(
    backend_factory: BackendFactory, hour_64: Path
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, hour_64)
        events = await run_turn(backend, session, "under 100KB")
        assert isinstance(events[0], Failure)
        error = events[0].error
        assert isinstance(error, TargetUnreachable) and error.smallest < 2_000_000
        result = only_result(await run_turn(backend, session, f"under {error.smallest // 1000}KB"))
        assert result.size is not None and result.size <= error.smallest


async def test_a_full_hd_clip_meets_a_target_between_floor_and_full_size(
    backend_factory: BackendFactory, full_hd: Path
) -> None:
    # 400 KB for 10 s of 1080p is 2 MB for 50 s: the 720p rung passed the pre-check but not the
    # floor, and the target was refused as below "about 100 KB"
    async with backend_factory() as backend:
        session = await session_with(backend, full_hd)
        result = only_result(await run_turn(backend, session, "under 400KB"))
        assert result.path is not None
        info = await probe(result.path)
        assert info.size <= 400_000 and 240 <= info.height < 1080
