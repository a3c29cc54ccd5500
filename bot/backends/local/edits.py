"""Edits that reshape a video before it is sized: speed, rotation, flips, a new aspect, reversal.

Each edit is an ffmpeg filter; `video_graph` and `audio_chain` are the one place they are
written, shared by the three outputs. A video is edited into a near-lossless intermediate
(`render`) that the size planner then treats as its source, so every size rule (targets, ladder,
never over) applies to the edited picture unchanged; a GIF or an audio file applies the same
filters in its own single run.

Decisions where people are silent:
- A new aspect is reached by a centre crop when the crop keeps at least half the picture (4:3 to
  16:9, 16:9 to square), else by padding the whole picture over a blurred, enlarged copy of itself
  (16:9 to 9:16 would keep under a third): the reply says which, and "crop" / "pad" / "black bars"
  choose. Padding keeps the pixel count of the source, so nothing is enlarged for nothing.
- Speed keeps the frame rate (frames are dropped or repeated) and the pitch (atempo).
- Reverse holds every frame of the window in memory: refused above `REVERSE_BUDGET` bytes of
  decoded pictures, with the longest window this video allows.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from pathlib import Path

from bot.backends.base import Progress
from bot.backends.local.ffmpeg import COMMON_ARGS, Ffmpeg
from bot.backends.local.intent import EncodeRequest, Fit
from bot.errors import EditRefused
from bot.media import MediaInfo

__all__ = [
    "REVERSE_BUDGET",
    "EditRefused",
    "Edits",
    "Shape",
    "as_source",
    "audio_chain",
    "check",
    "edits_of",
    "render",
    "same_shape",
    "shape",
    "video_graph",
    "window",
]

REVERSE_BUDGET = 768 * 2**20
"""Bytes of decoded 8-bit 4:2:0 pictures `reverse` may hold at once."""
CROP_KEEPS = 0.5
"""A crop that keeps at least this share of the picture is chosen over padding."""


@dataclass(frozen=True, slots=True)
class Edits:
    speed: float | None = None
    rotate: int = 0
    hflip: bool = False
    vflip: bool = False
    aspect: tuple[int, int] | None = None
    fit: Fit | None = None
    reverse: bool = False


def edits_of(request: EncodeRequest) -> Edits | None:
    if not request.edits:
        return None
    return Edits(request.speed, request.rotate, request.hflip, request.vflip, request.aspect,
                 request.fit, request.reverse)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Shape:
    """What the edits make of a window of a video: its picture and length, and how a new aspect
    was reached (None when none was asked)."""

    width: int
    height: int
    duration: float
    fit: Fit | None


def window(info: MediaInfo, start: float | None, end: float | None) -> tuple[float, float]:
    """Start and length in the source of a trim as the parser reads it (negative counts back
    from the end); the whole video when the trim is empty or outside it."""
    s = start or 0.0
    if s < 0:
        s = max(0.0, info.duration + s)
    e = info.duration if end is None else min(end, info.duration)
    if end is not None and end < 0:
        e = info.duration + end
    s = min(s, info.duration)
    if e <= s:
        return 0.0, info.duration
    return s, e - s


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def _even_down(x: float) -> int:
    return max(2, int(x) // 2 * 2)


def _turned(info: MediaInfo, edits: Edits) -> tuple[int, int]:
    if edits.rotate in (90, 270):
        return info.height, info.width
    return info.width, info.height


def _fit_and_canvas(w: int, h: int, edits: Edits) -> tuple[Fit | None, int, int]:
    if edits.aspect is None:
        return None, w, h
    a, b = edits.aspect
    if a * h == b * w:
        return None, w, h  # already that shape
    if w * b > h * a:  # wider than asked: the crop keeps the full height
        cw, ch = h * a / b, float(h)
    else:
        cw, ch = float(w), w * b / a
    fit = edits.fit or ("crop" if cw * ch >= CROP_KEEPS * w * h else "blur")
    if fit == "crop":  # to the nearest even size, never past the picture's edge (321x241)
        return fit, min(_even(cw), _even_down(w)), min(_even(ch), _even_down(h))
    # padded: a canvas of that shape with the source's pixel count
    side = math.sqrt(w * h / (a * b))
    return fit, _even(side * a), _even(side * b)


def same_shape(info: MediaInfo, request: EncodeRequest) -> bool:
    """Whether the picture, turned as asked, already has the aspect asked (within a pixel)."""
    assert request.aspect is not None
    w, h = _turned(info, Edits(rotate=request.rotate))
    a, b = request.aspect
    return abs(w * b - h * a) <= max(a, b) * 2


def shape(info: MediaInfo, edits: Edits, duration: float) -> Shape:
    w, h = _turned(info, edits)
    fit, cw, ch = _fit_and_canvas(w, h, edits)
    return Shape(cw, ch, duration / (edits.speed or 1.0), fit)


def check(info: MediaInfo, edits: Edits, duration: float) -> None:
    """Refuse what cannot be done before any work starts."""
    if edits.reverse:
        frame = info.width * info.height * 1.5
        longest = REVERSE_BUDGET / (frame * max(info.fps, 1.0))
        if duration > longest:
            raise EditRefused("edit_reverse_too_long", length=f"{duration:.0f}",
                              longest=f"{max(1, math.floor(longest)):.0f}")  # fmt: skip


def video_graph(info: MediaInfo, edits: Edits, source: str = "0:v", out: str = "ev") -> str:
    """A filtergraph from the `source` pad to one labelled `out`, the picture as the edits make
    it (upright, as ffmpeg's autorotate already shows it)."""
    chain: list[str] = []
    if edits.reverse:
        chain.append("reverse")
    if edits.speed:
        chain += [f"setpts=PTS/{edits.speed:g}", f"fps={info.fps:.6g}"]
    chain += {90: ["transpose=clock"], 180: ["hflip", "vflip"], 270: ["transpose=cclock"]}.get(
        edits.rotate, []
    )
    if edits.hflip:
        chain.append("hflip")
    if edits.vflip:
        chain.append("vflip")
    w, h = _turned(info, edits)
    fit, cw, ch = _fit_and_canvas(w, h, edits)
    head = ",".join([*chain, "setsar=1"]) if chain else "setsar=1"
    if fit is None:
        return f"[{source}]{head}[{out}]"
    if fit == "crop":
        return f"[{source}]{head},crop={cw}:{ch}[{out}]"
    inside = f"scale={cw}:{ch}:force_original_aspect_ratio=decrease,setsar=1"
    if fit == "bars":
        pad = f"pad={cw}:{ch}:(ow-iw)/2:(oh-ih)/2:black"
        return f"[{source}]{head},{inside},{pad}[{out}]"
    radius = max(2, min(cw, ch) // 24)
    return (
        f"[{source}]{head},split=2[bg][fg];"
        f"[bg]scale={cw}:{ch}:force_original_aspect_ratio=increase,crop={cw}:{ch},"
        f"boxblur={radius}:2,setsar=1[bgb];"
        f"[fg]{inside}[fgs];[bgb][fgs]overlay=(W-w)/2:(H-h)/2:shortest=1[{out}]"
    )


def audio_chain(edits: Edits | None) -> list[str]:
    """Audio filters for the edits: reversal, and tempo in steps atempo takes (0.5 to 2 each)."""
    if edits is None:
        return []
    chain = ["areverse"] if edits.reverse else []
    speed = edits.speed or 1.0
    while speed > 2.0:
        chain.append("atempo=2")
        speed /= 2.0
    while speed < 0.5:
        chain.append("atempo=0.5")
        speed /= 0.5
    if abs(speed - 1.0) > 1e-6:
        chain.append(f"atempo={speed:.6g}")
    return chain


async def render(
    ffmpeg: Ffmpeg,
    info: MediaInfo,
    edits: Edits,
    *,
    start: float,
    duration: float,
    out: Path,
    keep_audio: bool,
) -> AsyncGenerator[Progress, None]:
    """The window, edited, as a near-lossless Matroska file at `out` (x264 CRF 10, FLAC): the
    source of the encode that sizes it. Yields progress as the share of this run done."""
    graph = video_graph(info, edits)
    args = [*COMMON_ARGS, "-y"]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    args += ["-t", f"{duration:.3f}", "-i", str(info.path), "-filter_complex", graph]
    args += ["-map", "[ev]", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10"]
    args += ["-pix_fmt", "yuv420p"]
    if keep_audio and info.has_audio:
        sound = audio_chain(edits)
        args += ["-map", "0:a:0", "-c:a", "flac"]
        if sound:
            args += ["-af", ",".join(sound)]
    else:
        args += ["-an"]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-f", "matroska", str(out)]
    result = shape(info, edits, duration)
    async with ffmpeg.run(args, result.duration, cwd=out.parent) as run:
        async for fraction in run.progress():
            yield Progress(percent=round(100 * fraction, 1), stage="stage_edit")


def as_source(edited: MediaInfo, original: MediaInfo) -> MediaInfo:
    """The edited intermediate as the planner should weigh it: its picture, length and path,
    with the original's bits per pixel per second (the intermediate is near-lossless, so its own
    size would make any "no bigger than the input" meaningless)."""
    seconds = max(original.duration, 1e-3)
    pixels = edited.pixels / max(1, original.pixels)
    rate = original.size / seconds * pixels
    return replace(
        edited,
        size=max(1, round(rate * edited.duration)),
        audio_bitrate=original.audio_bitrate,
    )
