"""The sound of a video as an audio file: MP3, M4A (AAC) or Opus, under a size when one is asked.

Bit rates are what each format needs to sound transparent on speech and music played on a phone:
MP3 192 kbit/s, AAC 160, Opus 128 (stereo). A target lowers the rate to what fits (the
container's few KB set aside), never below each format's floor of intelligible speech (MP3 and
AAC 32 kbit/s, Opus 12, in mono below 64); a target under that floor is refused with the
smallest size that can be met. Audio encoders hold their rate closely, so one run suffices; a
miss is run once more at the rate scaled by how far it missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path

from bot.backends.base import Progress
from bot.backends.local.edits import Edits, audio_chain
from bot.backends.local.ffmpeg import COMMON_ARGS, Ffmpeg
from bot.backends.local.intent import AudioFormat
from bot.errors import TargetUnreachable
from bot.media import MediaInfo

__all__ = ["FORMATS", "Sound", "extract"]


@dataclass(frozen=True, slots=True)
class Format:
    label: str
    suffix: str
    encoder: str
    muxer: str
    bitrate: int  # bits per second, the default
    least: int
    mime: str


FORMATS: dict[str, Format] = {
    "mp3": Format("MP3", ".mp3", "libmp3lame", "mp3", 192_000, 32_000, "audio/mpeg"),
    "m4a": Format("M4A (AAC)", ".m4a", "aac", "ipod", 160_000, 32_000, "audio/mp4"),
    "opus": Format("Opus", ".opus", "libopus", "ogg", 128_000, 12_000, "audio/ogg"),
}
OVERHEAD = 8_192
"""Bytes of headers and tags an audio file carries whatever its length."""
FILL = 0.97


@dataclass(frozen=True, slots=True)
class Sound:
    path: Path
    size: int
    duration: float
    bitrate: int
    format: Format


def _rate_for(fmt: Format, target: int | None, length: float, asked: int | None) -> int:
    rate = asked or fmt.bitrate
    if target is not None:
        fits = int((target - OVERHEAD) * 8 / max(length, 1e-3) * FILL)
        rate = min(rate, fits)
    return rate // 1000 * 1000  # whole kbit/s, as encoders and people count them


async def extract(
    ffmpeg: Ffmpeg,
    info: MediaInfo,
    edits: Edits | None,
    *,
    start: float,
    duration: float,
    out: Path,
    fmt: AudioFormat,
    target: int | None,
    bitrate: int | None = None,
) -> AsyncGenerator[Progress | Sound, None]:
    """Yields progress, then the `Sound` at `out` (whose suffix it sets)."""
    spec = FORMATS[fmt]
    length = duration / ((edits.speed if edits else None) or 1.0)
    rate = _rate_for(spec, target, length, bitrate)
    if rate < spec.least:
        smallest = OVERHEAD + spec.least * length / 8 / FILL
        raise TargetUnreachable(target=target or 0, smallest=int(smallest) + 1)
    out = out.with_suffix(spec.suffix)
    for _ in range(3):
        args = [*COMMON_ARGS, "-y"]
        if start > 0:
            args += ["-ss", f"{start:.3f}"]
        args += ["-t", f"{duration:.3f}", "-i", str(info.path), "-map", "0:a:0", "-vn"]
        chain = audio_chain(edits)
        if chain:
            args += ["-af", ",".join(chain)]
        channels = "2" if rate >= 64_000 else "1"
        args += ["-c:a", spec.encoder, "-b:a", str(rate), "-ac", channels]
        args += ["-map_metadata", "-1", "-f", spec.muxer, str(out)]
        async with ffmpeg.run(args, length, cwd=out.parent) as run:
            async for fraction in run.progress():
                yield Progress(percent=round(100 * fraction, 1), stage="stage_audio")
        size = (await asyncio.to_thread(out.stat)).st_size
        if target is None or size <= target:
            yield Sound(out, size, length, rate, spec)
            return
        rate = int(rate * (target - OVERHEAD) / max(1, size - OVERHEAD) * FILL) // 1000 * 1000
        if rate < spec.least:
            break
    await asyncio.to_thread(out.unlink, True)
    assert target is not None
    raise TargetUnreachable(target=target, smallest=int(OVERHEAD + spec.least * length / 8) + 1)
