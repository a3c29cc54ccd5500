"""How far "make it smaller" and "as small as possible but watchable" go: two quality floors.

Both are bits per pixel per frame of H.264 (scaled by the codec's efficiency), the measure the
planner's ladder already uses:
- GOOD (0.06): "make it smaller" / "压缩一下" / "compress it" with no size named aims at the larger
  of half the file and this floor at the video's own resolution (1280×720 at 30 fps is about
  1.7 Mbit/s), so the result is smaller and still looks like the source. A file already at or
  under the floor (within a tenth) is left alone, and the person is told so with the numbers.
- WATCHABLE (0.04) at 480p and 30 fps at most, with 64 kbit/s of sound: "as small as possible".
  Below this, text blurs and motion smears on ordinary phone footage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.backends.local import plan as planning
from bot.backends.local.plan import Want
from bot.media import MediaInfo

__all__ = ["GOOD_BPP", "WATCHABLE_BPP", "Compact", "smaller", "smallest"]

GOOD_BPP = 0.06
WATCHABLE_BPP = 0.04
WATCHABLE_HEIGHT = 480
WATCHABLE_FPS = 30.0
WATCHABLE_AUDIO = 64_000
GOOD_AUDIO = 96_000
CLOSE_ENOUGH = 0.9
"""A target above this share of the file saves too little to be worth a generation of loss."""


@dataclass(frozen=True, slots=True)
class Compact:
    """A want with its target, or why there is none: `floor` bytes is the least this quality
    allows, `kbps` the video's own bit rate, both for the sentence."""

    want: Want | None
    floor: int
    kbps: float


def _bits(pixels: float, fps: float, bpp: float, codec: str) -> float:
    return pixels * min(fps, WATCHABLE_FPS) * bpp * planning.CODECS[codec].efficiency


def smaller(info: MediaInfo, want: Want, duration: float) -> Compact:
    """`want` with a target for "make it smaller": the larger of half the size and the GOOD
    floor; `want` None when the file is already at that floor."""
    w, h = info.width, info.height
    audio = GOOD_AUDIO if info.has_audio and not want.remove_audio else 0
    floor = (_bits(w * h, info.fps, GOOD_BPP, want.codec) + audio) * duration / 8
    share = duration / max(info.duration, 1e-3)
    half = info.size * share / 2
    kbps = info.size * 8 / max(info.duration, 1e-3) / 1000
    if floor >= info.size * share * CLOSE_ENOUGH:
        return Compact(None, round(floor), kbps)
    target = round(max(half, floor))
    return Compact(
        replace(want, target=target, target_asked=True, asked=target), round(floor), kbps
    )


def smallest(info: MediaInfo, want: Want, duration: float) -> Compact:
    """`want` for "as small as possible but watchable": at most 480p and 30 fps, 64 kbit/s of
    sound, and a target at the WATCHABLE floor (or the size asked, if smaller)."""
    short = min(info.width, info.height)
    height = want.height
    if short > WATCHABLE_HEIGHT and (height is None or height > WATCHABLE_HEIGHT):
        height = WATCHABLE_HEIGHT
    fps = want.max_fps
    if info.fps > WATCHABLE_FPS and (fps is None or fps > WATCHABLE_FPS):
        fps = WATCHABLE_FPS
    scale = min(1.0, (height or short) / short)
    pixels = info.width * info.height * scale * scale
    audio = 0
    if info.has_audio and not want.remove_audio:
        audio = min(want.audio_bitrate or WATCHABLE_AUDIO, WATCHABLE_AUDIO)
    floor = round(
        (_bits(pixels, fps or info.fps, WATCHABLE_BPP, want.codec) + audio) * duration / 8
    )
    kbps = info.size * 8 / max(info.duration, 1e-3) / 1000
    share = duration / max(info.duration, 1e-3)
    if want.target is not None and want.target_asked and want.target < floor:
        floor = want.target
    if floor >= info.size * share * CLOSE_ENOUGH and not want.changes:
        return Compact(None, floor, kbps)
    shaped = replace(want, height=height if height != short else want.height, max_fps=fps,
                     audio_bitrate=audio or None, target=floor, target_asked=True,
                     asked=floor)  # fmt: skip
    return Compact(shaped, floor, kbps)
