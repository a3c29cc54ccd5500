"""The local engine's limits as people meet them, with the real `clipbridge` process in a fresh
clone (issue 12: item 2 disk budget, 5 decode bombs, 10 crash leftovers, 12 the command)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.acceptance.conftest import Newcomer


# --- item 12: the compress command --------------------------------------------------------------
async def test_compress_into_a_folder_beside_a_work_folder_keeping_a_copy(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", duration=2)
    (clone / "results").mkdir()
    theirs = clone / "results" / ".a-compressed.mp4.work"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("not yours")

    async with clipbridge("compress", "clips/a.mp4", "4k", "-o", "results") as run:
        assert await run.wait(120) == 0, run.transcript
        await run.expect(r"I don't enlarge videos")
    kept = clone / "results" / "a-compressed.mp4"
    assert not (clone / "results.mp4").exists()
    assert kept.read_bytes() == (clone / "clips/a.mp4").read_bytes()
    assert kept.stat().st_ino != (clone / "clips/a.mp4").stat().st_ino  # a copy, not a link
    assert (theirs / "keep.txt").read_text() == "not yours"

    async with clipbridge("compress", "clips/" + "n" * 300 + ".mp4", "under 1MB") as run:
        assert await run.wait(60) == 2
        await run.expect(r"longer than this system allows")
        assert "Traceback" not in run.transcript
