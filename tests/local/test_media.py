"""Probing and thumbnails on real files: what the engine believes about a video, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import CorruptInput, NotAVideo, TooShort
from bot.media import probe, thumbnail
from tests.local.conftest import Clips


async def test_probe_reads_a_plain_clip(clips: Clips) -> None:
    info = await probe(clips.main)
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.duration == pytest.approx(4.0, abs=0.1)
    assert info.fps == pytest.approx(25)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p" and info.bit_depth == 8
    assert info.has_audio and info.audio_codec == "aac"
    assert info.audio_bitrate is not None and 90_000 < info.audio_bitrate < 160_000
    assert info.size == clips.main.stat().st_size
    assert info.path.is_absolute()


async def test_rotation_swaps_the_displayed_size(clips: Clips) -> None:
    info = await probe(clips.rotated)
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (240, 320)
    assert (info.coded_width, info.coded_height) == (320, 240)


async def test_ten_bit_odd_vfr_and_silent_inputs(clips: Clips) -> None:
    tenbit = await probe(clips.tenbit)
    assert tenbit.bit_depth == 10 and tenbit.codec == "hevc"
    odd = await probe(clips.odd)
    assert (odd.width, odd.height) == (321, 241)
    vfr = await probe(clips.vfr)
    assert 10 < vfr.fps < 30
    wide = await probe(clips.anamorphic)
    assert (wide.width, wide.height, wide.coded_width) == (427, 240, 320)
    silent = await probe(clips.silent)
    assert not silent.has_audio and silent.audio_bitrate is None


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("image", NotAVideo),
        ("text", NotAVideo),
        ("audio", NotAVideo),
        ("empty", CorruptInput),
        ("truncated", CorruptInput),
        ("headless", CorruptInput),
        ("zero", CorruptInput),
        ("still", TooShort),  # a frame: said as too short, not as damaged
        ("absurd", CorruptInput),
    ],
)
async def test_bad_inputs_get_the_right_error(clips: Clips, name: str, error: type) -> None:
    with pytest.raises(error):
        await probe(getattr(clips, name))


async def test_missing_file_is_corrupt_input(tmp_path: Path) -> None:
    with pytest.raises(CorruptInput):
        await probe(tmp_path / "nothing.mp4")


async def test_thumbnail_is_a_small_upright_jpeg(clips: Clips, tmp_path: Path) -> None:
    out = await thumbnail(clips.rotated, tmp_path / "thumb.jpg")
    data = out.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert 0 < len(data) <= 200_000
    import av

    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    assert max(width, height) <= 320
    assert height > width  # the phone video's poster stands upright too


async def test_thumbnail_respects_max_side(clips: Clips, tmp_path: Path) -> None:
    out = await thumbnail(clips.long, tmp_path / "t.jpg", max_side=100)
    import av

    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert max(stream.codec_context.width, stream.codec_context.height) == 100
