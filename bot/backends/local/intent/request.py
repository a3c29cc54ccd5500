"""The request as understood: what the engine is asked to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Codec = Literal["h264", "h265", "av1", "vp9"]
Container = Literal["mp4", "webm", "mkv"]
Output = Literal["video", "gif", "webp", "audio"]
AudioFormat = Literal["mp3", "m4a", "opus"]
Fit = Literal["crop", "blur", "bars"]


@dataclass(frozen=True, slots=True)
class EncodeRequest:
    """One understood request. None / False means "not asked": the engine picks."""

    target_bytes: int | None = None  # an absolute size target in bytes
    fit_chat: bool = False  # fit the chat's upload limit
    size_fraction: float | None = None  # 0.5 = half the source's size
    height: int | None = None
    width: int | None = None
    scale: float | None = None  # 0.5 = half the source's width and height
    codec: Codec | None = None  # None = engine default (H.264)
    container: Container | None = None  # None = the codec's own (VP9 in WebM, else MP4)
    max_fps: float | None = None
    remove_audio: bool = False
    audio_bitrate: int | None = None  # bits per second
    trim_start: float | None = None  # seconds; negative counts back from the end
    trim_end: float | None = None  # seconds; negative counts back from the end
    keep_quality: bool = False
    apply_to_all: bool = False
    wants_compress: bool = False
    # edits (see `edits`): what the picture and sound become, before any size is reckoned
    output: Output = "video"
    audio_format: AudioFormat | None = None  # for output "audio"; None = MP3
    speed: float | None = None  # 2.0 = twice as fast; 0.25 to 4
    rotate: int = 0  # degrees clockwise: 0, 90, 180, 270
    hflip: bool = False  # mirrored left to right
    vflip: bool = False
    aspect: tuple[int, int] | None = None  # (9, 16): width to height
    fit: Fit | None = None  # how a new aspect is reached; None = the engine picks
    reverse: bool = False
    smallest: bool = False  # "as small as possible but watchable"
    destination: str | None = None  # a key of `destinations.DESTINATIONS`

    @property
    def edits(self) -> bool:
        """Anything that reshapes the picture or its time: rendered before sizing."""
        return bool(self.speed or self.rotate or self.hflip or self.vflip or self.aspect
                    or self.reverse)  # fmt: skip
