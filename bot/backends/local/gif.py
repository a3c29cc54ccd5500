"""Animated GIF and WebP from a window of a video, under a size, looping forever.

A GIF has no rate control: its size follows its pixels and frames. So the first try is at most
480 pixels on the long side and 15 fps (what chat apps show an animation at), and each try over
the target shrinks the width by the square root of how far it missed (a little more, so it
converges) down to 160 pixels, then the frame rate down to 6 fps, then the palette to 64 and 32
colours; still over, it is refused with the smallest size it reached. The GIF's colours come from
one palette computed for the whole clip (palettegen, then paletteuse with Bayer dithering, which
compresses far better than error diffusion). WebP (libwebp, lossy) has a quality knob that is
lowered first, then the same shrinking.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.backends.base import Progress
from bot.backends.local.edits import EditRefused, Edits, video_graph
from bot.backends.local.ffmpeg import COMMON_ARGS, Ffmpeg
from bot.media import MediaInfo
from bot.texts import human_size

__all__ = ["LONGEST", "Animation", "make"]

LONGEST = 60.0
"""Seconds an animation may last: a longer one is a video, and a GIF of it weighs hundreds of MB."""
FIRST_SIDE = 480
FIRST_FPS = 15.0
LEAST_SIDE = 160
LEAST_FPS = 6.0
MAX_TRIES = 10
COLOURS = (128, 64, 32)
"""Palette sizes tried in turn once the picture and the frame rate are at their least."""
WEBP_QUALITY = (75, 55, 40)


@dataclass(frozen=True, slots=True)
class Animation:
    path: Path
    size: int
    width: int
    height: int
    fps: float
    duration: float
    tries: int


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


async def make(
    ffmpeg: Ffmpeg,
    info: MediaInfo,
    edits: Edits | None,
    *,
    start: float,
    duration: float,
    out: Path,
    kind: Literal["gif", "webp"],
    target: int,
    out_width: int,
    out_height: int,
    max_side: int | None = None,
    max_fps: float | None = None,
) -> AsyncGenerator[Progress | Animation, None]:
    """Yields progress, then the `Animation` written to `out`. `out_width` × `out_height` is the
    picture after the edits. Raises `EditRefused` when even the smallest try is over."""
    long_side = max(out_width, out_height)
    side = float(min(long_side, FIRST_SIDE, max_side or long_side))
    fps = min(FIRST_FPS, max_fps or FIRST_FPS, info.fps)
    length = duration / ((edits.speed if edits else None) or 1.0)  # as played
    quality = 0
    colours = 0
    tries = 0
    smallest: int | None = None
    while tries < MAX_TRIES:
        tries += 1
        width = _even(out_width * side / long_side)
        height = _even(out_height * side / long_side)
        shot = _Try(kind, width, height, fps, WEBP_QUALITY[quality], COLOURS[colours])
        args = _args(info, edits, (start, duration), out, shot)
        async with ffmpeg.run(args, length, cwd=out.parent) as run:
            async for fraction in run.progress():
                done = (tries - 1 + fraction) / MAX_TRIES
                yield Progress(percent=round(100 * done, 1), stage="stage_animation")
        size = (await asyncio.to_thread(out.stat)).st_size
        if size <= target:
            yield Animation(out, size, width, height, fps, length, tries)
            return
        smallest = size if smallest is None else min(smallest, size)
        if kind == "webp" and quality + 1 < len(WEBP_QUALITY):
            quality += 1
            continue
        shrink = math.sqrt(target / size) * 0.92
        if side > LEAST_SIDE:
            side = max(LEAST_SIDE, side * shrink)
        elif fps > LEAST_FPS:
            fps = max(LEAST_FPS, fps * shrink * shrink)
        elif kind == "gif" and colours + 1 < len(COLOURS):
            colours += 1
        else:
            break
    await asyncio.to_thread(out.unlink, True)
    raise EditRefused("edit_animation_unreachable", target=human_size(target),
                      smallest=human_size(smallest or target), side=LEAST_SIDE,
                      fps=f"{LEAST_FPS:g}")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Try:
    kind: str
    width: int
    height: int
    fps: float
    quality: int  # WebP's -q:v
    colours: int  # GIF's palette


def _args(
    info: MediaInfo, edits: Edits | None, span: tuple[float, float], out: Path, shot: _Try
) -> list[str]:
    start, duration = span
    graph = video_graph(info, edits or Edits())
    size = f"fps={shot.fps:g},scale={shot.width}:{shot.height}:flags=lanczos"
    if shot.kind == "gif":
        graph += (
            f";[ev]{size},split[a][b];[a]palettegen=max_colors={shot.colours}:stats_mode=diff[p];"
            "[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle[out]"
        )
        codec = ["-f", "gif"]
    else:
        graph += f";[ev]{size}[out]"
        codec = ["-c:v", "libwebp_anim", "-lossless", "0", "-compression_level", "5",
                 "-q:v", str(shot.quality), "-f", "webp"]  # fmt: skip
    args = [*COMMON_ARGS, "-y"]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    args += ["-t", f"{duration:.3f}", "-i", str(info.path), "-filter_complex", graph]
    return [*args, "-map", "[out]", "-an", "-loop", "0", *codec, str(out)]
