"""A person's defaults (`bot.defaults`) filled into what their request left unsaid.

An instruction always wins on its own point: "in h265" keeps H.265 whatever the default codec,
"under 20MB" keeps 20 MB. What was filled in is said back after the "Understood: …" line, so
nobody is surprised by a choice they made weeks ago.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

from bot.backends.local.intent import Codec, EncodeRequest
from bot.media import MediaInfo
from bot.store import UserDefaults
from bot.texts import human_size, t

__all__ = ["Filled", "after", "fill", "said"]

_CODEC_NAMES = {"h264": "H.264", "h265": "H.265", "av1": "AV1"}


@dataclass(frozen=True, slots=True)
class Filled:
    request: EncodeRequest
    applied: tuple[str, ...] = ()  # "target", "codec", "resolution", "audio"


def fill(request: EncodeRequest, defaults: UserDefaults | None, info: MediaInfo) -> Filled:
    """`request` with `defaults` where it is silent, for the video `info` describes."""
    if defaults is None:
        return Filled(request)
    r, applied = request, []
    sized = (
        r.target_bytes is not None
        or r.fit_chat
        or r.size_fraction is not None
        or r.destination is not None
        or r.smallest
    )
    # "make it smaller" of a video already under the default target: the engine's own smaller
    # size, not the default (which it already meets).
    smaller_already = r.wants_compress and defaults.target_bytes is not None
    smaller_already = smaller_already and info.size <= (defaults.target_bytes or 0)
    if defaults.target_bytes is not None and not sized and not smaller_already:
        r = replace(r, target_bytes=defaults.target_bytes)
        applied.append("target")
    video = r.output == "video"
    if defaults.codec in _CODEC_NAMES and r.codec is None and r.container is None and video:
        r = replace(r, codec=cast(Codec, defaults.codec))
        applied.append("codec")
    resized = r.height is not None or r.width is not None or r.scale is not None
    height = defaults.max_height
    if height is not None and not resized and video and min(info.width, info.height) > height:
        r = replace(r, height=height)
        applied.append("resolution")
    silent = not r.remove_audio and r.audio_bitrate is None
    if defaults.drop_audio and video and silent and info.has_audio:
        r = replace(r, remove_audio=True)
        applied.append("audio")
    return Filled(r, tuple(applied))


def said(
    filled: Filled, defaults: UserDefaults | None, locale: str, where: str = "/settings"
) -> str:
    """The sentence "Your defaults: H.265, at most 720p (/settings)." for what `fill` applied,
    or "" when nothing; `where` says where they are changed."""
    if not filled.applied or defaults is None:
        return ""
    items = []
    for point in filled.applied:
        if point == "target" and defaults.target_bytes is not None:
            items.append(t("intent_target", locale, size=human_size(defaults.target_bytes, locale)))
        elif point == "codec" and defaults.codec is not None:
            items.append(_CODEC_NAMES[defaults.codec])
        elif point == "resolution":
            items.append(t("defaults_at_most", locale, height=defaults.max_height))
        elif point == "audio":
            items.append(t("intent_remove_audio", locale))
    joined = t("intent_separator", locale).join(items)
    return t("defaults_applied", locale, count=len(items), items=joined, where=where)


def after(understood: str, applied: str, locale: str) -> str:
    """The "Understood: …" line with what the defaults filled in said after it, if anything."""
    return (
        t("defaults_after", locale, understood=understood, applied=applied)
        if applied
        else understood
    )
