"""The README's main job, as a newcomer does it: default settings, relative paths, a second session.

`bash scripts/dev.sh run` starts `clipbridge chat` in the clone; a clip is given by a path relative
to the folder the person is in, and the result must land, playable and under the target, in
`data/out/` of that folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.media import probe
from tests.acceptance.conftest import Newcomer


async def test_compress_in_the_chat_with_default_settings_and_a_relative_path(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path
) -> None:
    clip("clips/a.mp4", size="640x360", duration=4, video=("-crf", "8"))
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("compress this video to under 200KB")
        await bot.expect(r"Here is your video", timeout=60)
        await bot.close_stdin()
        assert await bot.wait() == 0

    results = list((data / "out").iterdir())
    assert len(results) == 1, results
    info = await probe(results[0])
    assert 0 < info.size <= 200_000
    assert info.duration > 3.5 and (info.width, info.height) == (640, 360)


async def test_compress_command_with_relative_paths_in_the_clips_folder(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", duration=4, video=("-crf", "8"))
    clipbridge.folder = clone / "clips"  # the person is in the clip's own folder
    async with clipbridge("compress", "a.mp4", "under 300KB", "-o", "small/x.mp4") as run:
        assert await run.wait(60) == 0, run.transcript
    info = await probe(clone / "clips" / "small" / "x.mp4")
    assert 0 < info.size <= 300_000


async def test_a_persons_own_mistakes_raise_no_warning_for_the_operator(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path
) -> None:
    clip("clips/a.mp4", size="320x240", duration=2)
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")
        await bot.send("make it blue")
        await bot.expect("didn't understand")
        await bot.send("/export")
        await bot.expect("no result to send yet")
        await bot.close_stdin()
        assert await bot.wait() == 0
    assert "Something was logged" not in bot.transcript
    assert " WARNING " not in (data / "clipbridge.log").read_text()


async def test_the_chat_reads_in_the_order_things_happened(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    """A terminal has no flood control: the edit that says the file is in comes before the
    answer to the request that came with it."""
    clip("clips/a.mp4", size="640x360", duration=4, video=("-crf", "8"))
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4 compress this video to under 200KB")
        await bot.expect(r"Here is your video", timeout=60)
        await bot.close_stdin()
        assert await bot.wait() == 0
    said = bot.transcript
    assert said.index("Received a.mp4") < said.index("Understood"), said
