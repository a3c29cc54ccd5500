"""The console chat on the embedded defaults (SQLite, local engine): the README's run command,
and the whole chat journey through the core with the local backend."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import chat
from bot.config import Settings
from bot.media import probe
from tests.clips import make_clip
from tests.support.settings import make_settings


@pytest.fixture(scope="module")
def phone_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of moving 480x360 picture with audio: big enough that a size target means work."""
    return make_clip(
        tmp_path_factory.mktemp("console") / "holiday.mp4",
        size="480x360",
        duration=4,
        video=("-preset", "ultrafast", "-qp", "10"),
        audio_codec=("-c:a", "aac", "-b:a", "128k"),
    )


def local_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, backend="local", edit_interval=0.2)


async def test_console_chat_compresses_to_a_size_with_the_local_engine(
    tmp_path: Path, phone_clip: Path
) -> None:
    target_kb = phone_clip.stat().st_size // 3000
    lines = io.StringIO(
        f"{phone_clip}\ncompress this video to under {target_kb}KB without losing quality\n"
    )
    out = io.StringIO()
    results = tmp_path / "results"
    await chat(local_settings(tmp_path), lines, out, results, limit=50_000_000)
    transcript = out.getvalue()
    assert "Received holiday.mp4" in transcript, transcript
    assert "Understood" in transcript, "what was understood is said back"
    (result,) = results.iterdir()
    assert result.stat().st_size <= target_kb * 1000, "never over the target"
    info = await probe(result)
    assert (info.width, info.height) == (480, 360) or info.height < 360
    assert str(result) in transcript


async def test_console_chat_explains_an_unclear_instruction_in_chinese(
    tmp_path: Path, phone_clip: Path
) -> None:
    lines = io.StringIO(f"/lang zh\n{phone_clip}\n让它看起来更有艺术感\n/status\n")
    out = io.StringIO()
    await chat(local_settings(tmp_path), lines, out, tmp_path / "results", limit=50_000_000)
    transcript = out.getvalue()
    assert "我没看懂" in transcript, transcript
    assert "时间线（1 条轨道）" in transcript
    assert not (tmp_path / "results").exists(), "nothing was made from a guess"


async def test_console_chat_refuses_a_file_that_is_not_a_video(tmp_path: Path) -> None:
    fake_video = tmp_path / "notes.mp4"
    fake_video.write_text("these are my notes, not a video")
    out = io.StringIO()
    await chat(local_settings(tmp_path), io.StringIO(f"{fake_video}\n"), out, tmp_path, 10**9)
    assert "doesn't look like a video" in out.getvalue() or "can't read" in out.getvalue()
    leftovers = [p for p in (tmp_path / "data" / "work").rglob("*") if p.is_file()]
    assert not [p for p in leftovers if p.suffix == ".mp4"], leftovers


def test_the_run_command_starts_the_console_chat(tmp_path: Path) -> None:
    """`clipbridge chat` as the README runs it: a real process, stdin closed at once."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--out", str(tmp_path / "out")],
        input="/help\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data"), "BACKEND": "local"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "clipbridge chat (local ffmpeg)" in done.stdout
    assert "/export" in done.stdout


async def test_delivery_leaves_no_work_files_behind(tmp_path: Path, phone_clip: Path) -> None:
    lines = io.StringIO(f"{phone_clip} compress to under 300KB\n")
    await chat(local_settings(tmp_path), lines, io.StringIO(), tmp_path / "results", 10**9)
    work = tmp_path / "data" / "work"
    posters = [p for p in work.rglob("*.jpg")] + [p for p in work.rglob("delivery-*")]
    assert posters == [], "thumbnails and downloads are removed once the video is posted"
    assert len(list((tmp_path / "results").iterdir())) == 1
