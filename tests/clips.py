"""Real video clips for tests, made with the ffmpeg that ships with imageio-ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg


def make_clip(
    path: Path,
    *,
    size: str = "320x240",
    rate: int = 25,
    duration: float = 3,
    audio: bool = True,
    picture_filter: str = "",
    video: tuple[str, ...] = ("-preset", "ultrafast"),
    audio_codec: tuple[str, ...] = ("-c:a", "aac"),
) -> Path:
    """An H.264 MP4 of moving test pattern at `path` (with a 440 Hz tone unless `audio` is off).
    `picture_filter` is appended to the pattern (e.g. grain); `video` adds x264 options."""
    picture = f"testsrc2=size={size}:rate={rate}:duration={duration}"
    if picture_filter:
        picture += f",{picture_filter}"
    inputs = ["-f", "lavfi", "-i", picture]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={duration}"]
    sound = [*audio_codec, "-shortest"] if audio else []
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", *inputs,
         "-c:v", "libx264", *video, "-pix_fmt", "yuv420p", *sound, str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path
