"""A session's timeline as people read it: tracks, a one-line summary, and what changed.

Backends build a `Timeline` from their own state (NemoVideo from its short-key draft); the core
shows `summary()` for "status" and `diff()` after a silent turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.texts import t

TrackKind = Literal["video", "audio", "text", "other"]


@dataclass(frozen=True, slots=True)
class Track:
    kind: TrackKind
    name: str = ""
    start: float = 0.0  # seconds
    end: float = 0.0  # seconds
    volume: float | None = None  # 0.0-1.0, audio only
    segments: int = 0

    def span(self) -> str:
        return f"{_num(self.start)}-{_num(self.end)}s"


@dataclass(frozen=True, slots=True)
class Timeline:
    tracks: tuple[Track, ...] = ()

    @property
    def exportable(self) -> bool:
        """True when some track has segments: there is something to render."""
        return any(track.segments for track in self.tracks)

    def summary(self, locale: str | None = None) -> str:
        """`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) ...`"""
        if not self.tracks:
            return t("timeline_empty", locale)
        items = " ".join(
            f"{i}. {_describe(track, locale)}" for i, track in enumerate(self.tracks, 1)
        )
        return t("timeline_summary", locale, count=len(self.tracks), items=items)


def diff(old: Timeline, new: Timeline, locale: str | None = None) -> list[str]:
    """What changed from `old` to `new`, one short sentence each ("added a BGM track")."""
    changes: list[str] = []
    for i in range(max(len(old.tracks), len(new.tracks))):
        before = old.tracks[i] if i < len(old.tracks) else None
        after = new.tracks[i] if i < len(new.tracks) else None
        if before == after:
            continue
        if before is None and after is not None:
            changes.append(t("diff_added", locale, what=_label(after, locale)))
        elif after is None and before is not None:
            changes.append(t("diff_removed", locale, what=_label(before, locale)))
        elif before is not None and after is not None:
            what = _label(after, locale)
            if before.kind != after.kind or before.name != after.name:
                changes.append(t("diff_replaced", locale, old=_label(before, locale), what=what))
            if (before.start, before.end) != (after.start, after.end):
                changes.append(t("diff_trimmed", locale, what=what, span=after.span()))
            if before.volume != after.volume and after.volume is not None:
                changes.append(t("diff_volume", locale, what=what, pct=_pct(after.volume)))
            if before.segments != after.segments and before.kind == after.kind:
                changes.append(t("diff_segments", locale, what=what, n=after.segments))
    return changes


def _label(track: Track, locale: str | None) -> str:
    return t(f"track_{track.kind}", locale)


def _describe(track: Track, locale: str | None) -> str:
    label = _label(track, locale)
    name = f'"{track.name}"' if track.kind == "text" and track.name else track.name
    detail = track.span()
    if track.volume is not None:
        detail += f", {_pct(track.volume)}"
    return f"{label}: {name} ({detail})" if name else f"{label} ({detail})"


def _num(seconds: float) -> str:
    return f"{seconds:g}" if seconds != int(seconds) else str(int(seconds))


def _pct(volume: float) -> str:
    return f"{round(volume * 100)}%"
