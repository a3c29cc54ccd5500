"""`clipbridge chat` as a newcomer meets it (`bash scripts/dev.sh run` starts it): the real program
in a fresh clone, default settings, relative paths, typed into a pipe or a terminal (a pty)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.acceptance.conftest import Newcomer

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (?:DEBUG|INFO|WARNING|ERROR)")
# A progress edit redrawn in place: up to the message's first row (CPL), clear below (ED).
REDRAW = "\x1b[1F\x1b[J"


async def test_a_second_session_in_the_same_folder_answers_its_first_line(
    clipbridge: Newcomer,
) -> None:
    for session in ("first", "second"):
        async with clipbridge("chat") as bot:
            await bot.send("/status")
            await bot.expect("No project yet", timeout=20)  # ignored, in the second, before
            await bot.close_stdin()
            assert await bot.wait() == 0, f"{session}: {bot.transcript}"


async def test_a_typo_d_path_gets_no_such_file_and_makes_nothing(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path
) -> None:
    clip("clips/a.mp4", size="320x240", duration=2)
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4 compress to under 60KB")
        await bot.expect("Here is your video", timeout=60)
        await bot.send("nothere.mp4")
        await bot.expect(r"No such file: nothere\.mp4")
        await bot.close_stdin()
        assert await bot.wait() == 0
        after_typo = bot.transcript.split("nothere.mp4", 1)[1]
    assert "Working on it" not in after_typo, "the typo re-edited the previous video"
    assert len(list((data / "out").iterdir())) == 1


async def test_a_path_with_spaces_as_typed(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path
) -> None:
    clip("my clips/holiday video.mp4", size="320x240", duration=2)
    async with clipbridge("chat") as bot:
        await bot.send("my clips/holiday video.mp4")
        await bot.expect(r"Received holiday video\.mp4")
        await bot.send("under 60KB")
        await bot.expect("Here is your video", timeout=60)
        await bot.close_stdin()
        assert await bot.wait() == 0
    assert len(list((data / "out").iterdir())) == 1


async def test_the_log_goes_to_a_file_and_the_chat_shows_a_one_line_notice(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path, clone: Path
) -> None:
    clip("clips/a.mp4", size="320x240", duration=2)
    broken = clone / "broken-ffmpeg"  # a failure of this computer's: a warning for the operator
    broken.write_text("#!/bin/sh\necho 'Error while opening encoder: out of luck' >&2\nexit 1\n")
    broken.chmod(0o755)
    async with clipbridge("chat", env={"FFMPEG_PATH": str(broken)}) as bot:
        await bot.expect(r"the log is written to data/clipbridge\.log")
        await bot.send("clips/a.mp4 compress to under 60KB")
        await bot.expect("Encoding failed", timeout=60)
        await bot.send("make it look artsy")  # the person's own mistake: no second notice
        await bot.expect("I didn't understand")
        await bot.close_stdin()
        assert await bot.wait() == 0
    assert not LOG_LINE.search(bot.transcript), bot.transcript
    assert "out of luck" not in bot.transcript, "ffmpeg's words stay in the log"
    notices = [line for line in bot.out.splitlines() if "ⓘ" in line]
    assert len(notices) == 1 and "data/clipbridge.log" in notices[0], bot.out
    log = (data / "clipbridge.log").read_text()
    assert "out of luck" in log and "UnclearRequest" in log, log


async def test_on_a_terminal_progress_is_edited_in_place(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    clip("clips/a.mp4", size="320x240", duration=2)
    async with clipbridge("chat", tty=True) as bot:
        await bot.send("clips/a.mp4")
        received = await bot.expect(r"Received a\.mp4")
        shown = bot.transcript[: received.start()]
        assert shown.endswith(REDRAW + "bot> 📥 "), repr(shown[-200:])
        assert "↻" not in bot.transcript
        await bot.close_stdin()  # Ctrl-D
        assert await bot.wait() == 0


async def test_on_a_terminal_ctrl_c_cancels_at_once_and_a_second_quits(
    clipbridge: Newcomer, clip: Callable[..., Path], data: Path
) -> None:
    clip("clips/long.mp4", size="1280x720", duration=20, video=("-preset", "ultrafast", "-qp", "5"))
    async with clipbridge("chat", tty=True) as bot:
        await bot.send("clips/long.mp4 compress to under 1MB")
        await bot.expect("Understood", timeout=60)
        bot.interrupt()
        await bot.expect("Cancelled", timeout=10)
        await bot.expect(r"Press Ctrl-C again or Ctrl-D to quit")
        assert bot.returncode is None, "one Ctrl-C cancels, it does not quit"
        bot.interrupt()
        assert await bot.wait(10) == 0, "quits at once, without waiting for Enter"
    assert not (data / "out").exists() or not list((data / "out").iterdir())
