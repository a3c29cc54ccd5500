"""NemoVideo's short-key draft read as a `bot.timeline.Timeline`.

Track type `tt` 0, 1, 7 are video, audio (BGM), text (title). A track's span comes from its
segments (start and duration in ms, under the keys the service uses) or else from its `d`; its
name and volume from `m`, its own or its first segment's. Volume may be given as 0-1 or 0-100.
"""

from __future__ import annotations

from typing import Any

from bot.timeline import Timeline, Track, TrackKind

from ._payloads import Draft, DraftTrack

KINDS: dict[int, TrackKind] = {0: "video", 1: "audio", 7: "text"}
_START_KEYS = ("st", "s", "start", "ts", "begin")
_LENGTH_KEYS = ("d", "dur", "duration")
_END_KEYS = ("e", "et", "end")
_NAME_KEYS = ("name", "title", "text", "content", "filename")


def timeline_from_draft(draft: Draft | None) -> Timeline:
    if draft is None:
        return Timeline()
    return Timeline(tuple(_track(track) for track in draft.t))


def _track(track: DraftTrack) -> Track:
    kind = KINDS.get(track.tt, "other") if track.tt is not None else "other"
    spans = [span for segment in track.sg if (span := _span(segment)) is not None]
    if spans:
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
    else:
        start, end = 0.0, _ms(track.d) or 0.0
    first = track.sg[0] if track.sg else {}
    meta: dict[str, Any] = first["m"] if isinstance(first.get("m"), dict) else {}
    name = _first_str(track.m, _NAME_KEYS) or _first_str(meta, _NAME_KEYS)
    name = name or _first_str(first, _NAME_KEYS)
    volume = _volume(track.m.get("volume", meta.get("volume", first.get("volume"))))
    return Track(
        kind=kind,
        name=name,
        start=start,
        end=end,
        volume=volume,
        segments=len(track.sg),
    )


def _span(segment: dict[str, Any]) -> tuple[float, float] | None:
    start = _ms(_first_num(segment, _START_KEYS))
    length = _ms(_first_num(segment, _LENGTH_KEYS))
    end = _ms(_first_num(segment, _END_KEYS))
    if start is None and length is None and end is None:
        return None
    start = start or 0.0
    if end is None:
        end = start + (length or 0.0)
    return start, end


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value / 1000.0, 3)


def _first_num(data: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _first_str(data: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _volume(value: Any) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return round(value / 100.0, 4) if value > 1 else float(value)
