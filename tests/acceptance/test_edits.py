"""The edits of issue 15 as people ask for them: the real `clipbridge compress` and `clipbridge
chat` in a fresh clone, results probed (GIF under a size from a window, audio only, vertical
without sound, "for discord" in the terminal, and what the local engine cannot do)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av

from tests.acceptance.conftest import Newcomer

MIB = 2**20


def facts(path: Path) -> tuple[str, str | None, str | None, int, int, float]:
    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        return (
            c.format.name,
            v.codec_context.name if v else None,
            a.codec_context.name.removesuffix("float") if a else None,
            v.codec_context.width if v else 0,
            v.codec_context.height if v else 0,
            (c.duration or 0) / 1e6,
        )


async def test_compress_makes_a_gif_under_a_size_from_a_window(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", rate=30, duration=8)
    async with clipbridge("compress", "clips/a.mp4", "gif under 1MB from 0:02 to 0:06") as run:
        assert await run.wait(180) == 0, run.transcript
    assert "Understood: an animated GIF (loops), under 1.0 MB, from 0:02 to 0:06." in run.err
    gif = clone / "clips/a.gif"
    fmt, _, sound, width, _, seconds = facts(gif)
    assert fmt == "gif" and sound is None and width <= 480
    assert abs(seconds - 4) < 0.3 and gif.stat().st_size <= 1_000_000
    assert b"NETSCAPE2.0" in gif.read_bytes()


async def test_compress_extracts_the_sound_in_chinese(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="320x240", duration=5)
    async with clipbridge("compress", "clips/a.mp4", "只要音频，mp3", "--lang", "zh") as run:
        assert await run.wait(120) == 0, run.transcript
    assert "只要音频（MP3）" in run.err
    assert facts(clone / "clips/a.mp3")[1:3] == (None, "mp3")


async def test_for_discord_in_the_terminal_is_discords_ten_mib(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="320x240", duration=3)
    async with clipbridge("compress", "clips/a.mp4", "for discord") as run:
        assert await run.wait(120) == 0, run.transcript
    assert "Understood: fits Discord (10.5 MB), H.264." in run.err


async def test_chat_vertical_no_audio_and_what_it_cannot_do(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", rate=30, duration=4)
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4")
        await bot.expect("Received a.mp4", timeout=30)
        await bot.send("9:16 720p no audio")
        await bot.expect("blurred copy of itself", timeout=30)
        found = await bot.expect(r"🎬 (\S+\.mp4)", timeout=120)
        await bot.send("add subtitles")
        await bot.expect("I can't add subtitles", timeout=30)
        await bot.send("加字幕")
        await bot.expect("这里不能加字幕", timeout=30)
        await bot.close_stdin()
        assert await bot.wait() == 0, bot.transcript
    _, codec, sound, width, height, _ = facts(clone / found[1])
    assert codec == "h264" and sound is None
    assert abs(width * 16 - height * 9) <= 32
