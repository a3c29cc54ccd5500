"""`clipbridge compress` from the shell: the same engine, progress on stderr, one summary line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.media import probe
from tests.local.conftest import Clips

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def clipbridge(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "compress", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **env},
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


def test_a_bad_setting_is_one_sentence_naming_it(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "under 1MB", cwd=tmp_path, DEFAULT_TARGET="lots")
    assert done.returncode == 2
    assert "DEFAULT_TARGET is not valid" in done.stderr
    assert "Traceback" not in done.stderr
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


def test_a_failed_encode_reads_as_the_chat_says_it(clips: Clips, tmp_path: Path) -> None:
    """`compress` explains failures with the chat's own sentences (bot.core.explain), not with
    an exception's name."""
    done = clipbridge(str(clips.main), "under 100KB", cwd=tmp_path, FFMPEG_PATH="/bin/false")
    assert done.returncode == 1
    assert "Encoding failed on this bot's computer" in done.stderr
    assert "RenderFailed" not in done.stderr
    assert done.stdout == ""


def test_missing_input(tmp_path: Path) -> None:
    done = clipbridge(str(tmp_path / "nope.mp4"), "under 1MB", cwd=tmp_path)
    assert done.returncode == 2 and "No such file" in done.stderr


# --- issue 12, item 12 ------------------------------------------------------------------------
def test_output_folder_gets_the_default_name_inside_it(clips: Clips, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    done = clipbridge(str(clips.main), "under 150KB", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out.mp4").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["main-compressed.mp4"]


def test_an_output_ending_in_a_slash_is_a_new_folder(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "under 150KB", "-o", "made/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "made").iterdir()] == ["main-compressed.mp4"]


def test_a_work_folder_of_the_same_name_is_left_alone(clips: Clips, tmp_path: Path) -> None:
    mine = tmp_path / ".small.mp4.work"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    done = clipbridge(str(clips.main), "under 150KB", "-o", "small.mp4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (mine / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".small.mp4.work", "small.mp4"]


def test_a_kept_original_is_a_file_of_its_own(clips: Clips, tmp_path: Path) -> None:
    source = tmp_path / "a.mp4"
    source.write_bytes(clips.main.read_bytes())
    done = clipbridge("a.mp4", "under 50MB", "-o", "b.mp4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    kept = tmp_path / "b.mp4"
    assert kept.read_bytes() == source.read_bytes()
    assert kept.stat().st_ino != source.stat().st_ino and source.stat().st_nlink == 1
    with kept.open("r+b") as f:  # editing the copy leaves the original as it was
        f.write(b"\0\0\0\0")
    assert source.read_bytes() == clips.main.read_bytes()


def test_a_path_longer_than_the_system_allows_is_one_sentence(tmp_path: Path) -> None:
    done = clipbridge("x" * 300 + ".mp4", "under 1MB", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "longer than this system allows" in done.stderr
    done = clipbridge("y" * 300 + ".mp4", "under 1MB", "--lang", "zh", cwd=tmp_path)
    assert "Traceback" not in done.stderr and "超出了系统允许的长度" in done.stderr


def test_an_output_name_too_long_is_one_sentence(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "under 150KB", "-o", "z" * 300 + ".mp4", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "longer than this system allows" in done.stderr


async def test_the_output_name_says_what_to_make(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.main), "from 0:01 to 0:03", "-o", "clip.gif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "clip.gif").read_bytes()[:6] == b"GIF89a"
    done = clipbridge(str(clips.main), "under 50KB", "-o", "talk.mp3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "talk.mp3").stat().st_size <= 50_000
    assert "the sound only, as MP3, under 50.0 KB" in done.stderr


def test_an_edit_refused_says_why_and_writes_nothing(clips: Clips, tmp_path: Path) -> None:
    done = clipbridge(str(clips.silent), "extract the audio", cwd=tmp_path)
    assert done.returncode == 2
    assert "no sound" in done.stderr
    assert list(tmp_path.iterdir()) == []


async def test_defaults_come_from_flags_then_settings_and_the_instruction_wins(
    clips: Clips, tmp_path: Path
) -> None:
    out = tmp_path / "flags.mp4"
    done = clipbridge(str(clips.main), "compress to 150KB", "-o", str(out), "--codec", "h265",
                      "--audio", "drop", cwd=tmp_path, DEFAULT_CODEC="av1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = await probe(out)
    assert made.codec == "hevc" and not made.has_audio  # the flag over DEFAULT_CODEC
    assert out.stat().st_size <= 150_000
    assert "Your defaults: H.265, no audio (--target/--codec/--max-height/--audio)." in done.stderr
    out = tmp_path / "settings.mp4"
    done = clipbridge(str(clips.main), "in h264", "-o", str(out), cwd=tmp_path,
                      DEFAULT_TARGET="120KB", DEFAULT_CODEC="av1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = await probe(out)
    assert made.codec == "h264" and out.stat().st_size <= 120_000  # "in h264" wins; size applies
    assert "Your default: under 120.0 KB" in done.stderr
    refused = clipbridge(str(clips.main), "720p", "--target", "5", cwd=tmp_path)
    assert refused.returncode == 2 and "--target 8MB" in refused.stderr
