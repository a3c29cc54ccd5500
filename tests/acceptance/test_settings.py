"""Per-person defaults survive a restart: chosen with `/settings` in one run of the real
`clipbridge chat`, applied (and said) in the next run in the same folder, undone by a reset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.media import probe
from tests.acceptance.conftest import Newcomer


async def test_defaults_chosen_in_one_run_shape_the_next_runs_job(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", duration=3)
    async with clipbridge("chat") as bot:
        await bot.send("/settings codec h265")
        await bot.expect(r"Codec: H\.265")
        await bot.send("/settings audio drop")
        await bot.expect(r"Audio: drop")
        await bot.close_stdin()
        assert await bot.wait(30) == 0, bot.transcript

    async with clipbridge("chat") as again:
        await again.send("/settings")
        await again.expect(r"Codec: H\.265")  # kept in data/, read back at start
        await again.send("clips/a.mp4")
        await again.expect(r"Received a\.mp4", timeout=60)
        await again.send("compress to under 150KB")
        await again.expect(r"Your defaults: H\.265, no audio \(/settings\)\.", timeout=60)
        done = await again.expect(r"🎬 (\S+\.mp4)", timeout=120)
        await again.send("/settings reset")
        await again.expect(r"Back to the bot's defaults")
        await again.close_stdin()
        assert await again.wait(30) == 0, again.transcript
    assert "Traceback" not in again.transcript
    made_path = Path(done.group(1))
    made = await probe(made_path if made_path.is_absolute() else clone / made_path)
    assert made.codec == "hevc" and not made.has_audio
    assert made.size <= 150_000

    async with clipbridge("chat") as third:  # reset is kept too
        await third.send("/settings")
        await third.expect(r"Codec: H\.264")
        await third.expect(r"Audio: keep")
        await third.close_stdin()
        assert await third.wait(30) == 0, third.transcript
