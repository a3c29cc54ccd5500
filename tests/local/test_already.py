"""Requests a video already meets do nothing, say so, and never grow the file (issue 11, #10)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest

from bot.backends.base import Text
from bot.media import probe
from tests.local.conftest import BackendFactory, Clips, ffmpeg
from tests.local.test_engine import ZH, only_result, run_turn, session_with


@pytest.fixture(scope="module")
def hd720(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1280x720, 3 s at 30 fps with a tone, compactly encoded (so a re-encode would grow it)."""
    path = tmp_path_factory.mktemp("already") / "hd720.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=3",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264",
           "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           str(path))  # fmt: skip
    return path


def video_packets(path: Path) -> str:
    """A digest of the video stream's compressed bytes: equal means copied bit for bit."""
    digest = hashlib.sha256()
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.video[0]):
            digest.update(bytes(packet))
    return digest.hexdigest()


def said(events: list[object]) -> str:
    return "\n".join(e.text for e in events if isinstance(e, Text))


@pytest.mark.parametrize(
    ("request_text", "sentence"),
    [
        ("720p", "It is already 720p."),
        ("30fps", "It is already 30 fps."),
        ("1080p", "It is 720p, already below 1080p: I don't enlarge videos"),
        ("720p, 60fps", "It is 30 fps, already under 60 fps."),
        ("convert to h264 mp4", "It is already H.264 in a .mp4 file."),
    ],
)
async def test_a_wish_already_met_hands_back_the_original_and_says_so(
    backend_factory: BackendFactory, hd720: Path, request_text: str, sentence: str
) -> None:
    # each re-encoded to a file about 10% larger, without a word
    async with backend_factory() as backend:
        session = await session_with(backend, hd720)
        events = await run_turn(backend, session, request_text)
        result = only_result(events)
        assert result.path is not None
        assert result.path.read_bytes() == hd720.read_bytes()
        assert sentence in said(events)
        assert "nothing to change" in said(events)
        assert "No size was given" not in said(events)  # no limit bounds a file handed back


async def test_already_met_is_said_in_chinese(backend_factory: BackendFactory, hd720: Path) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, hd720, locale="zh")
        events = await run_turn(backend, session, "720p", ZH)
        assert "它已经是 720p 了。" in said(events)
        assert only_result(events).size == hd720.stat().st_size


async def test_mute_copies_the_picture_and_drops_only_the_sound(
    backend_factory: BackendFactory, hd720: Path
) -> None:
    # "mute" re-encoded the picture
    async with backend_factory() as backend:
        session = await session_with(backend, hd720)
        result = only_result(await run_turn(backend, session, "mute"))
        assert result.path is not None
        info = await probe(result.path)
        assert not info.has_audio and info.codec == "h264"
        assert video_packets(result.path) == video_packets(hd720)
        assert info.size < hd720.stat().st_size


async def test_mute_on_a_silent_video_says_so(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.silent)
        events = await run_turn(backend, session, "remove the audio")
        assert "It has no sound already." in said(events)
        assert only_result(events).size == clips.silent.stat().st_size


async def test_a_real_change_never_comes_back_larger_than_the_input(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    # 540p of a starved 720p clip at the default quality outweighs it: capped at its size
    starved = tmp_path / "starved.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=3", "-c:v", "libx264",
           "-preset", "veryfast", "-crf", "44", "-pix_fmt", "yuv420p", str(starved))  # fmt: skip
    async with backend_factory() as backend:
        session = await session_with(backend, starved)
        result = only_result(await run_turn(backend, session, "540p"))
        assert result.path is not None
        info = await probe(result.path)
        assert info.height == 540 and info.size <= starved.stat().st_size
