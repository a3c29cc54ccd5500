"""Everyday requests through the real console chat, each result probed: `docs/requests.md`.

    .venv/bin/python scripts/try_requests.py [OUT.md]

Makes two clips in a fresh folder (a 640x360, 8 s, 30 fps clip with a 440 Hz tone, encoded
generously as a phone would; and a lean one), then for each request starts `clipbridge chat`
there, sends the clip and the request, and reads what came back: the reply, and the file it
names, probed with PyAV. A check per request says whether the file is what was asked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
CLIPBRIDGE = ROOT / ".venv" / "bin" / "clipbridge"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
MIB = 2**20

Facts = dict[str, object]
Check = Callable[[Facts], bool]


def video(w: int, h: int, *, audio: bool = True, at_most: int | None = None) -> Check:
    def check(f: Facts) -> bool:
        ok = f["video"] == "h264" and (f["width"], f["height"]) == (w, h)
        ok = ok and (f["audio"] is not None) == audio
        return ok and (at_most is None or int(f["size"]) <= at_most)  # type: ignore[call-overload]

    return check


def length(seconds: float, base: Check) -> Check:
    return lambda f: base(f) and abs(float(f["duration"]) - seconds) < 0.3  # type: ignore[arg-type]


def smaller_than(size: int, base: Check) -> Check:
    return lambda f: base(f) and int(f["size"]) < size  # type: ignore[call-overload]


def kind(fmt: str, at_most: int | None = None, seconds: float | None = None) -> Check:
    def check(f: Facts) -> bool:
        ok = str(f["format"]).startswith(fmt) or f["audio"] == fmt
        ok = ok and (at_most is None or int(f["size"]) <= at_most)  # type: ignore[call-overload]
        return ok and (seconds is None or abs(float(f["duration"]) - seconds) < 0.3)  # type: ignore[arg-type]

    return check


def under(size: int) -> Check:
    return lambda f: int(f["size"]) <= size  # type: ignore[call-overload]


def hevc_at_most(size: int) -> Check:
    return lambda f: f["video"] == "hevc" and int(f["size"]) <= size  # type: ignore[call-overload]


def square_gif(f: Facts) -> bool:
    return kind("gif", 10**6, 4)(f) and square(f)


def square(f: Facts) -> bool:
    return f["width"] == f["height"]


def vertical(f: Facts) -> bool:
    return abs(int(f["width"]) * 16 - int(f["height"]) * 9) <= 32  # type: ignore[call-overload]


SOURCE = 0  # filled in once the clip is made


@dataclass
class Case:
    text: str
    check: Check | None  # None: an answer without a file is what is right
    clip: str = "clips/phone.mp4"


def cases(source: int) -> list[Case]:
    full = video(640, 360)
    return [
        Case("compress to under 1MB", video(640, 360, at_most=10**6)),
        Case("压缩到1MB以内", video(640, 360, at_most=10**6)),
        Case("make it smaller", smaller_than(source // 2 + 1, full)),
        Case("压缩一下", smaller_than(source // 2 + 1, full)),
        Case("compress it", smaller_than(source // 2 + 1, full)),
        Case("make it smaller", None, clip="clips/lean.mp4"),
        Case("压缩一下", None, clip="clips/lean.mp4"),
        Case("as small as possible but watchable", smaller_than(source // 4, full)),
        Case("尽量小", smaller_than(source // 4, full)),
        Case("for discord", under(10 * MIB)),
        Case("适合Discord", under(10 * MIB)),
        Case("fits this chat", under(2000 * 10**6)),
        Case("small enough to email", under(18 * 10**6)),
        Case("for discord nitro, 720p", full),
        Case("convert to gif", kind("gif", seconds=8)),
        Case("导出为gif", kind("gif", seconds=8)),
        Case("gif under 2MB from 0:02 to 0:06", kind("gif", 2 * 10**6, 4)),
        Case("from 0:02 to 0:06 as a square gif under 1MB", square_gif),
        Case("把前5秒做成动图", kind("gif", seconds=5)),
        Case("animated webp", kind("webp")),
        Case("extract the audio as mp3", kind("mp3", seconds=8)),
        Case("只要音频", kind("mp3", seconds=8)),
        Case("audio only as m4a under 100KB", kind("aac", 100_000, 8)),
        Case("提取音频，opus", kind("opus", seconds=8)),
        Case("2x speed", length(4, full)),
        Case("slow motion 0.5x", length(16, full)),
        Case("加速2倍", length(4, full)),
        Case("慢放0.5倍", length(16, full)),
        Case("speed up 10x", None),
        Case("rotate 90 degrees", video(360, 640)),
        Case("旋转90度", video(360, 640)),
        Case("rotate 45 degrees", None),
        Case("upside down", full),
        Case("mirror it", full),
        Case("上下翻转", full),
        Case("make it vertical 9:16 for tiktok", lambda f: vertical(f) and f["audio"] == "aac"),
        Case("square", lambda f: square(f) and f["audio"] == "aac"),
        Case("竖屏，不要裁剪", vertical),
        Case("16:9", full),
        Case("crop to 4:5", lambda f: abs(int(f["width"]) * 5 - int(f["height"]) * 4) <= 10),  # type: ignore[call-overload]
        Case("reverse it", length(8, full)),
        Case("倒放", length(8, full)),
        Case("9:16 720p no audio", lambda f: vertical(f) and f["audio"] is None),
        Case("720p, 30fps, remove the audio", video(640, 360, audio=False)),
        Case("first 5 seconds, mute", length(5, video(640, 360, audio=False))),
        Case("前5秒，2倍速", length(2.5, full)),
        Case("half the size, h265", hevc_at_most(source // 2)),
        Case("压缩到原来的30%", smaller_than(int(source * 0.3) + 1, full)),
        Case("add subtitles", None),
        Case("加字幕", None),
        Case("remove the background", None),
        Case("make it look better", None),
        Case("让画面变清晰", None),
        Case("asdfgh", None),
    ]


def make_clips(folder: Path) -> None:
    (folder / "clips").mkdir()
    run = [FFMPEG, "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run([*run, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=8",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-b:a", "128k", "-shortest", str(folder / "clips/phone.mp4")],
                   check=True)  # fmt: skip
    subprocess.run([*run, "-f", "lavfi", "-i", "color=c=gray:size=640x360:rate=30:duration=8",
                    "-c:v", "libx264", "-crf", "40", "-pix_fmt", "yuv420p",
                    str(folder / "clips/lean.mp4")], check=True)  # fmt: skip


def webp(path: Path) -> Facts:
    """An animated WebP, read from its chunks (FFmpeg's demuxer sees only one still)."""
    data = path.read_bytes()
    at = data.index(b"VP8X") + 8
    width = 1 + int.from_bytes(data[at + 4 : at + 7], "little")
    height = 1 + int.from_bytes(data[at + 7 : at + 10], "little")
    frames = data.count(b"ANMF")
    return {
        "format": "webp (animated)",
        "video": "webp",
        "width": width,
        "height": height,
        "fps": None,
        "audio": None,
        "duration": f"{frames} frames",
        "size": len(data),
    }


def probe(path: Path) -> Facts:
    if path.suffix == ".webp":
        return webp(path)
    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        return {
            "format": c.format.name.split(",")[0],
            "video": v.codec_context.name if v else None,
            "width": v.codec_context.width if v else None,
            "height": v.codec_context.height if v else None,
            "fps": round(float(v.average_rate or 0), 2) if v else None,
            "audio": a.codec_context.name.removesuffix("float") if a else None,
            "duration": round((c.duration or 0) / 1e6, 2),
            "size": path.stat().st_size,
        }


def ask(folder: Path, case: Case) -> tuple[str, Facts | None]:
    env = {**os.environ, "NO_COLOR": "1"}
    lines = f"{case.clip}\n{case.text}\n"
    done = subprocess.run([str(CLIPBRIDGE), "chat"], input=lines, capture_output=True, text=True,
                          cwd=folder, env=env, timeout=600, check=False)  # fmt: skip
    transcript = done.stdout + done.stderr
    reply = transcript.split("bot> ⏳", 1)[-1]  # after the upload's acknowledgement
    files = re.findall(r"🎬 (\S+)", reply)
    facts = probe(Path(files[-1])) if files else None
    return reply, facts


def sentence(reply: str) -> str:
    keep = []
    for raw in reply.splitlines():
        line = raw.strip().removeprefix("↻ ").removeprefix("bot> ")
        if not line or line.startswith(("🎬", "✅ Done", "✅ 完成")) or "⏳" in line:
            continue
        if line.endswith("…") or "Working on it" in line:
            continue
        keep.append(line)
    return " ".join(keep)


def describe(f: Facts) -> str:
    rate = f" {f['fps']}fps" if f["fps"] else ""
    picture = f"{f['video']} {f['width']}x{f['height']}{rate}" if f["video"] else "no video"
    sound = f"audio {f['audio']}" if f["audio"] else "no audio"
    length = f"{f['duration']}s" if isinstance(f["duration"], float) else f["duration"]
    return f"{f['format']}, {picture}, {sound}, {length}, {f['size']:,} B"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    folder = Path(tempfile.mkdtemp(prefix="requests-"))
    make_clips(folder)
    source = (folder / "clips/phone.mp4").stat().st_size
    rows, counts = [], Counter[str]()
    for case in cases(source):
        started = time.monotonic()
        reply, facts = ask(folder, case)
        said = sentence(reply)
        if facts is not None:
            outcome = "done, checked" if case.check and case.check(facts) else "WRONG RESULT"
            if case.check is None:
                outcome = "WRONG: a file where an answer was due"
        elif "didn't understand" in said or "没看懂" in said:
            outcome = "generic fallback" if case.check is None else "WRONG: not understood"
        else:
            outcome = "specific answer" if case.check is None else "WRONG: no file"
        counts[outcome] += 1
        result = describe(facts) if facts else "—"
        seconds = time.monotonic() - started
        rows.append((case.text, case.clip, outcome, result, said[:400], seconds))
        sys.stdout.write(f"{outcome:14} {case.text} -> {result} ({seconds:.0f}s)\n")
        sys.stdout.flush()
    lines = [
        f"Source: `clips/phone.mp4` 640x360, 30 fps, 8 s, H.264 + AAC, {source:,} bytes; "
        "`clips/lean.mp4` 640x360 grey, 8 s, CRF 40, no audio.",
        "",
        "| # | request | outcome | result (probed) | what the chat said |",
        "|---|---|---|---|---|",
    ]
    for n, (text, clip, outcome, result, said, _) in enumerate(rows, 1):
        on = "" if clip.endswith("phone.mp4") else f" (on `{clip}`)"
        cell = said.replace("|", "\\|")
        lines.append(f"| {n} | {text}{on} | {outcome} | {result} | {cell} |")
    lines += ["", "| outcome | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in counts.most_common()]
    table = "\n".join(lines)
    if out is not None:
        out.write_text(table + "\n")
    sys.stdout.write(table + "\n")


if __name__ == "__main__":
    main()
