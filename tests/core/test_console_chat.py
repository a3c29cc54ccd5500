"""The console chat as a newcomer meets it: returning in the same folder, typing paths the way
terminals write them (typos, spaces, drag and drop), /help, and a screen that reads like a chat."""

from __future__ import annotations

import io
import logging
import sys
import threading
from pathlib import Path

import pytest

from adapters.console import chat, log_file
from adapters.console.screen import ConsolePort, Screen
from bot.config import Settings
from bot.logs import setup_logging
from bot.models import ChatKey
from bot.texts import t
from tests.clips import make_clip
from tests.core.conftest import fake_ffmpeg
from tests.support.settings import make_settings


@pytest.fixture(scope="module")
def folder_with_spaces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip the way people name them: `my clips/holiday video.mp4`."""
    folder = tmp_path_factory.mktemp("console") / "my clips"
    folder.mkdir()
    make_clip(folder / "holiday video.mp4", size="160x120", rate=15, duration=2)
    return folder


def settings_in(data_dir: Path) -> Settings:
    return make_settings(data_dir=data_dir, backend="local", edit_interval=0.2)


async def converse(settings: Settings, *lines: str, results: Path | None = None) -> str:
    out = io.StringIO()
    typed = io.StringIO("".join(f"{line}\n" for line in lines))
    await chat(settings, typed, out, results or settings.data_dir / "out", limit=10**9)
    return out.getvalue()


async def test_a_second_session_answers_its_first_line(tmp_path: Path) -> None:
    """Update ids used to restart at line-1 each session: the store had seen them, so a returning
    person's first lines were dropped without a word."""
    settings = settings_in(tmp_path / "data")
    first = await converse(settings, "/status", "/lang zh")
    assert "No project yet" in first, first
    second = await converse(settings, "/status", "/lang en")
    assert "这个聊天还没有项目" in second, "the second session's first line was ignored"
    third = await converse(settings, "/status")
    assert "No project yet" in third, "and the third's (after /lang en, its second line)"


async def test_a_typo_d_path_is_no_such_file_and_never_a_job(
    tmp_path: Path, folder_with_spaces: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder_with_spaces)
    settings = settings_in(tmp_path / "data")
    results = tmp_path / "results"
    transcript = await converse(
        settings, "holiday video.mp4 under 30KB", "nothere.mp4", results=results
    )
    assert "Here is your video" in transcript, transcript
    after_typo = transcript.split("nothere.mp4", 1)[1]
    assert after_typo.startswith(" (looked in "), transcript
    assert "No such file: nothere.mp4" in transcript
    assert "Working on it" not in after_typo, "a typo must not re-edit the previous video"
    assert len(list(results.iterdir())) == 1, "nothing was made from the typo"


async def test_no_such_file_speaks_the_persons_language(tmp_path: Path) -> None:
    transcript = await converse(settings_in(tmp_path / "data"), "/lang zh", "clips/nothere.mp4")
    assert "没有这个文件：clips/nothere.mp4" in transcript, transcript
    assert "⏳" not in transcript


async def test_a_folder_is_not_an_instruction(tmp_path: Path, folder_with_spaces: Path) -> None:
    transcript = await converse(settings_in(tmp_path / "data"), str(folder_with_spaces))
    assert "is a folder" in transcript, transcript
    assert "⏳" not in transcript


@pytest.mark.parametrize(
    "typed",
    [
        "my clips/holiday video.mp4",
        "'my clips/holiday video.mp4'",
        '"my clips/holiday video.mp4" ',
        r"my\ clips/holiday\ video.mp4",
        "{uri}",
        "'{absolute}' ",  # what GNOME Terminal types when a file is dropped on it
    ],
    ids=["as-typed", "single-quoted", "double-quoted", "backslashes", "file-uri", "dropped"],
)
async def test_a_path_with_spaces_however_the_terminal_writes_it(
    tmp_path: Path, folder_with_spaces: Path, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    monkeypatch.chdir(folder_with_spaces.parent)
    clip = folder_with_spaces / "holiday video.mp4"
    line = typed.format(uri=clip.as_uri(), absolute=clip)
    transcript = await converse(settings_in(tmp_path / "data"), line)
    assert "Received holiday video.mp4" in transcript, transcript
    assert "Working on it" not in transcript, "the path is not an instruction"


async def test_an_unquoted_path_with_spaces_then_the_instruction(
    tmp_path: Path, folder_with_spaces: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder_with_spaces.parent)
    results = tmp_path / "results"
    transcript = await converse(
        settings_in(tmp_path / "data"), "my clips/holiday video.mp4 mute", results=results
    )
    assert "Received holiday video.mp4" in transcript, transcript
    assert len(list(results.iterdir())) == 1, transcript


async def test_help_lists_only_what_the_console_does(tmp_path: Path) -> None:
    transcript = await converse(settings_in(tmp_path / "data"), "/help", "/nosuch")
    assert "link" not in transcript.lower(), "the console cannot take a link"
    assert "/credits" not in transcript, "nothing to top up on the local engine"
    for promise in ("/export", "/status", "/cancel", "/lang", "/quit", "Ctrl-C", "drag"):
        assert promise in transcript, promise
    assert "I don't know the command /nosuch" in transcript
    assert transcript.count("Ctrl-C cancels the running job") == 2, "unknown: the same help"


async def test_a_warning_is_one_line_in_the_chat_pointing_to_the_log(
    tmp_path: Path, tiny_mp4: Path
) -> None:
    broken = fake_ffmpeg(tmp_path, "echo 'Error while opening encoder' >&2; exit 1")
    settings = settings_in(tmp_path / "data").model_copy(update={"ffmpeg_path": broken})
    transcript = await converse(settings, str(tiny_mp4), "make it look artsy", "under 40KB")
    (notice,) = [line for line in transcript.splitlines() if "ⓘ" in line]
    assert str(log_file(settings)) in notice or "clipbridge.log" in notice, notice
    assert "WARNING" in notice
    assert "opening encoder" not in transcript, "the log record itself stays in the log"
    assert "I didn't understand" in transcript, "a person's own mistake is no warning"
    assert transcript.index("I didn't understand") < transcript.index("ⓘ")


def test_the_log_goes_to_its_file_not_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_in(tmp_path / "data")
    root = logging.getLogger()
    level, hooks = root.level, (sys.excepthook, threading.excepthook)
    handler = setup_logging(settings, path=log_file(settings))
    try:
        logging.getLogger("bot.test").warning("ffmpeg said something long")
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)
        sys.excepthook, threading.excepthook = hooks
    assert "ffmpeg said something long" in log_file(settings).read_text()
    captured = capsys.readouterr()
    assert "ffmpeg said something long" not in captured.err + captured.out


async def test_progress_edits_redraw_in_place_on_a_terminal(tmp_path: Path) -> None:
    out = io.StringIO()
    port = ConsolePort(Screen(out, tty=True), ChatKey("console", "local"), tmp_path, 10**9)
    progress = await port.send_text("⏳ Working on it…")
    await port.edit_text(progress, "⏳ Encoding: 40%")
    await port.edit_text(progress, "⏳ Encoding: 80%")
    shown = out.getvalue()
    assert shown.count("\x1b[1F\x1b[J") == 2, repr(shown)
    assert "↻" not in shown
    await port.send_text("Understood: under 8 MB.")
    await port.edit_text(progress, "✅ Done in 0:03.")  # no longer the last message: below it
    await port.edit_text(progress, "✅ Done in 0:04.")  # and there, in place again
    tail = out.getvalue()[len(shown) :]
    assert tail.count("\x1b[1F\x1b[J") == 1, repr(tail)
    assert tail.endswith("  ↻ ✅ Done in 0:04.\n"), repr(tail)


async def test_progress_edits_are_plain_lines_when_not_a_terminal(tmp_path: Path) -> None:
    out = io.StringIO()
    port = ConsolePort(Screen(out), ChatKey("console", "local"), tmp_path, 10**9)
    progress = await port.send_text("⏳ Working on it…")
    await port.edit_text(progress, "⏳ Encoding: 40%")
    assert out.getvalue() == "bot> ⏳ Working on it…\n  ↻ ⏳ Encoding: 40%\n"


async def test_a_request_typed_in_chinese_is_answered_in_chinese(tmp_path: Path) -> None:
    """The terminal's LANG says little about the person: the words they type say more."""
    settings = settings_in(tmp_path / "data")
    transcript = await converse(settings, "压缩到5MB以内", "compress to under 5MB")
    assert t("err_no_input", "zh") in transcript, transcript
    assert t("err_no_input", "en") in transcript, "English words keep English answers"
