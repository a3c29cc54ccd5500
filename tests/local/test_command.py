"""`clipbridge compress` from the shell: the same engine, progress on stderr, one summary line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.media import probe
from tests.local.conftest import Clips

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def clipbridge(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "compress", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


async def test_compress_writes_the_output_and_says_the_sizes(clips: Clips, tmp_path: Path) -> None:
    out = tmp_path / "small.mp4"
    done = clipbridge(str(clips.main), "under 150KB", "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size <= 150_000
    assert (await probe(out)).duration > 3.5
    line = done.stdout.strip()
    assert "main.mp4" in line and str(out) in line and "KB" in line
    assert "%" in done.stderr  # progress went to stderr
    assert not list(tmp_path.glob(".*.work"))


def test_bad_input_exits_non_zero_with_a_clear_message(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.text), "under 1MB", cwd=tmp_path)
    assert done.returncode == 2
    assert "doesn't look like a video" in done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_unreachable_target_exits_non_zero_before_encoding(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "压缩到5KB以内", "--lang", "zh", "-o", "x.mp4", cwd=tmp_path)
    assert done.returncode == 2
    assert "无法压缩到 5.0 KB" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_unclear_instruction_gets_examples(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "make it pop", cwd=tmp_path)
    assert done.returncode == 2
    assert "under 20MB" in done.stderr


def test_missing_input(tmp_path: Path) -> None:
    done = clipbridge(str(tmp_path / "nope.mp4"), "under 1MB", cwd=tmp_path)
    assert done.returncode == 2 and "No such file" in done.stderr
