"""Say back what was understood: "Understood: under 50.0 MB, keep quality, H.264."."""

from __future__ import annotations

from collections.abc import Callable

from bot.backends.local.destinations import DESTINATIONS, limit_for
from bot.backends.local.intent.request import EncodeRequest
from bot.texts import human_duration, human_size, t

_CODEC_NAMES: dict[str, str] = {"h264": "H.264", "h265": "H.265", "av1": "AV1", "vp9": "VP9"}
_CONTAINER_NAMES: dict[str, str] = {"mp4": "MP4", "webm": "WebM", "mkv": "MKV"}


def describe(
    request: EncodeRequest,
    locale: str,
    *,
    chat_limit: int | None = None,
    platform: str | None = None,
) -> str:
    """Say back what was understood, in `locale`: "Understood: under 50.0 MB, keep quality, H.264."

    `chat_limit` (bytes) names the limit that "fit the chat" stands for, when the caller knows it;
    `platform` is the chat's, so "for discord" in a Discord chat is that chat's own limit.
    """
    items: list[str] = []

    def add(key: str, **params: object) -> None:
        items.append(t(key, locale, **params))

    _describe_output(request, add)
    _describe_size(request, add, locale, chat_limit=chat_limit, platform=platform)
    _describe_picture(request, add)
    _describe_trim(request, add)
    _describe_edits(request, add)
    _describe_quality_and_sound(request, add)
    if (format_ := _format_of(request, locale)) is not None:
        items.append(format_)
    if request.apply_to_all:
        add("intent_all")
    return t("intent_understood", locale, items=t("intent_separator", locale).join(items))


def _describe_output(r: EncodeRequest, add: Callable[..., None]) -> None:
    if r.output in ("gif", "webp"):
        add(f"intent_{r.output}")
    elif r.output == "audio":
        add("intent_audio", format=(r.audio_format or "mp3").upper())


def _describe_size(
    r: EncodeRequest,
    add: Callable[..., None],
    locale: str,
    *,
    chat_limit: int | None,
    platform: str | None,
) -> None:
    if r.target_bytes is not None:
        add("intent_target", size=human_size(r.target_bytes, locale))
    if r.fit_chat and chat_limit is not None:
        add("intent_fit_chat_limit", size=human_size(chat_limit, locale))
    elif r.fit_chat:
        add("intent_fit_chat")
    if r.destination is not None:
        name = DESTINATIONS[r.destination].label
        size = limit_for(r.destination, platform=platform, chat_limit=chat_limit)
        add("intent_destination", name=name, size=human_size(size, locale))
    if r.size_fraction is not None:
        add("intent_fraction", pct=f"{r.size_fraction * 100:.0f}")
    if r.wants_compress and r.target_bytes is None and r.size_fraction is None and not r.fit_chat:
        add("intent_smaller")


def _describe_picture(r: EncodeRequest, add: Callable[..., None]) -> None:
    if r.width is not None and r.height is not None:
        add("intent_dimensions", width=r.width, height=r.height)
    elif r.height is not None:
        add("intent_height", height=r.height)
    elif r.width is not None:
        add("intent_width", width=r.width)
    if r.scale is not None:
        add("intent_scale", pct=f"{r.scale * 100:.0f}")
    if r.max_fps is not None:
        add("intent_fps", fps=f"{r.max_fps:g}")


def _describe_quality_and_sound(r: EncodeRequest, add: Callable[..., None]) -> None:
    if r.smallest:
        add("intent_smallest")
    if r.remove_audio and r.output == "video":
        add("intent_remove_audio")
    elif r.audio_bitrate is not None:
        add("intent_audio_bitrate", kbps=f"{r.audio_bitrate / 1000:g}")
    if r.keep_quality:
        add("intent_keep_quality")


def _format_of(r: EncodeRequest, locale: str) -> str | None:
    """ "H.264" (in MP4, said by no word), "VP9 in WebM"; None for a GIF or a sound file, whose
    format is said with its kind."""
    if r.output != "video":
        return None
    codec = _CODEC_NAMES[r.codec or "h264"]
    container = r.container or ("webm" if r.codec == "vp9" else "mp4")
    if container == "mp4":
        return codec
    return t("intent_codec_in", locale, codec=codec, container=_CONTAINER_NAMES[container])


def _describe_edits(r: EncodeRequest, add: Callable[..., None]) -> None:
    if r.speed:
        add("intent_speed", speed=f"{r.speed:g}")
    if r.rotate:
        add("intent_rotate", degrees=r.rotate)
    if r.hflip:
        add("intent_hflip")
    if r.vflip:
        add("intent_vflip")
    if r.aspect is not None:
        a, b = r.aspect
        add(f"intent_aspect_{r.fit}" if r.fit else "intent_aspect", a=a, b=b)
    if r.reverse:
        add("intent_reverse")


def _when(seconds: float) -> str:
    """1:05, or 0:10.5 when a tenth of a second matters."""
    whole = int(seconds)
    tenths = round((seconds - whole) * 10)
    if tenths == 10:
        whole, tenths = whole + 1, 0
    return human_duration(whole) + (f".{tenths}" if tenths else "")


def _describe_trim(r: EncodeRequest, add: Callable[..., None]) -> None:
    start, end = r.trim_start, r.trim_end
    if start is not None and start < 0:
        add("intent_trim_last", length=_when(-start))
    elif end is not None and end < 0:
        if start:
            add(
                "intent_trim_from_drop_last",
                start=_when(start),
                length=_when(-end),
            )
        else:
            add("intent_trim_drop_last", length=_when(-end))
    elif end is not None:
        if start:
            add("intent_trim_range", start=_when(start), end=_when(end))
        else:
            add("intent_trim_first", end=_when(end))
    elif start:
        add("intent_trim_from", start=_when(start))
