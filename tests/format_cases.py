"""The same files for every platform's tests: each platform must take, or refuse, each of them the
same way (`bot.formats` decides for all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4072)
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + bytes(4076)
TEXT = b"these are my notes, not a video\n" * 128

Outcome = Literal["taken", "refused by its content", "refused by its type"]


@dataclass(frozen=True)
class Case:
    name: str
    mime: str | None  # None: the platform declared no type
    content: bytes
    outcome: Outcome

    def __str__(self) -> str:
        return f"{self.name}:{self.mime}"


CASES = (
    Case("clip.mp4", "application/octet-stream", MP4, "taken"),
    Case("clip.mov", "video/quicktime", MOV, "taken"),
    Case("clip.mov", None, MOV, "taken"),
    # A text file renamed .mp4: let through by its name, refused at its first bytes.
    Case("notes.mp4", "application/octet-stream", TEXT, "refused by its content"),
    Case("notes.txt", "text/plain", TEXT, "refused by its type"),
)
