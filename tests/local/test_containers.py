"""Containers follow codecs, and an output name's type is honoured (issue 11, item 11)."""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import pytest

from bot.backends.base import Failure
from bot.backends.local.command import EXIT_INPUT, compress
from bot.errors import FormatMismatch
from tests.local.conftest import BackendFactory, Clips, settings_for
from tests.local.test_engine import only_result, run_turn, session_with


def streams(path: Path) -> tuple[str, list[str]]:
    """The container's format name and its streams' codecs, as read back from the file."""
    with av.open(str(path)) as container:
        return container.format.name, [s.codec_context.name for s in container.streams]


async def test_convert_to_webm_gives_vp9_and_opus_in_a_webm(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    # VP9 came back inside an .mp4
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        result = only_result(await run_turn(backend, session, "convert to webm"))
        assert result.path is not None and result.path.suffix == ".webm"
        assert result.filename.endswith(".webm")
        assert streams(result.path) == ("matroska,webm", ["vp9", "opus"])


async def test_h265_goes_in_an_mp4(backend_factory: BackendFactory, clips: Clips) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        result = only_result(await run_turn(backend, session, "h265"))
        assert result.path is not None and result.filename.endswith(".mp4")
        assert streams(result.path) == ("mov,mp4,m4a,3gp,3g2,mj2", ["hevc", "aac"])


async def test_a_codec_the_container_cannot_hold_is_refused_before_encoding(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        events = await run_turn(backend, session, "h264 in a webm")
        assert len(events) == 2 and isinstance(events[0], Failure)
        assert isinstance(events[0].error, FormatMismatch)
        assert not list(backend.workspace.dir(session).glob("out-*"))


def command(source: Path, instruction: str, output: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(input=source, instruction=instruction, output=output, limit=50.0,
                              lang="en")  # fmt: skip


async def test_the_output_name_decides_the_container(clips: Clips, tmp_path: Path) -> None:
    # `-o want.webm` silently wrote want.mp4 in H.264
    want = tmp_path / "want.webm"
    code = await compress(command(clips.main, "under 150KB", want), settings_for(tmp_path))
    assert code == 0 and want.exists() and not (tmp_path / "want.mp4").exists()
    assert streams(want) == ("matroska,webm", ["vp9", "opus"])
    assert want.stat().st_size <= 150_000


async def test_a_remux_to_mkv_copies_the_streams(clips: Clips, tmp_path: Path) -> None:
    out = tmp_path / "same.mkv"
    assert await compress(command(clips.main, "720p", out), settings_for(tmp_path)) == 0
    assert streams(out) == ("matroska,webm", ["h264", "aac"])


@pytest.mark.parametrize(
    ("instruction", "name", "message"),
    [
        ("h264 under 1MB", "want.webm", "H.264 can't go in a .webm file"),
        ("under 1MB", "want.avi", "not “.avi”"),
    ],
)
async def test_an_output_name_that_cannot_be_honoured_is_refused(
    clips: Clips,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instruction: str,
    name: str,
    message: str,
) -> None:
    code = await compress(command(clips.main, instruction, tmp_path / name), settings_for(tmp_path))
    assert code == EXIT_INPUT and message in capsys.readouterr().err
    assert list(tmp_path.glob("want*")) == []


async def test_the_default_output_name_follows_the_codec(clips: Clips, tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(clips.main.read_bytes())
    assert await compress(command(source, "vp9 under 150KB"), settings_for(tmp_path)) == 0
    assert streams(tmp_path / "clip-compressed.webm")[1] == ["vp9", "opus"]
    assert not (tmp_path / "clip-compressed.mp4").exists()
