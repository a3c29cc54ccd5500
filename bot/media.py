"""What a video file is, and the ffmpeg that works on it: probing, thumbnails, the binary's path.

Neutral ground: the local engine uses it to read uploads, the core to describe NemoVideo results
before posting them. Probing reads the container with PyAV (in a thread, so the event loop keeps
running) and decodes one frame, which both proves the file decodes and reveals its rotation.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error
import imageio_ffmpeg

from bot.errors import CorruptInput, NotAVideo

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["MAX_SIDE", "MIN_SIDE", "MediaInfo", "ffmpeg_exe", "probe", "thumbnail"]

MAX_SIDE = 8192
"""Largest width or height accepted: past 8K a "video" is a decoding bomb, not a clip."""
MIN_SIDE = 16
MIN_DURATION = 0.1
"""Shorter than this is a still picture in a video's clothes: one or two frames."""

THUMBNAIL_LIMIT = 200_000  # Telegram refuses larger thumbnails

# Containers that hold one still picture: a PNG or JPEG renamed .mp4 opens as one of these.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe")
# Magic numbers of video containers: a file that starts like one but will not open is damaged,
# not a different kind of file.
_VIDEO_MAGIC = (b"\x1a\x45\xdf\xa3", b"RIFF", b"FLV", b"\x00\x00\x01\xba", b"OggS")


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A probed video. `width` and `height` are as displayed: after rotation and pixel aspect."""

    path: Path
    size: int
    duration: float
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int  # degrees the player turns the picture, one of 0, 90, 180, 270
    fps: float
    codec: str
    pix_fmt: str
    bit_depth: int
    has_audio: bool
    audio_codec: str | None = None
    audio_bitrate: int | None = None  # bits per second, when the container says
    audio_rate: int | None = None  # samples per second
    video_bitrate: int | None = None
    container: str = ""

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def frames(self) -> int:
        return max(1, round(self.duration * self.fps))


def ffmpeg_exe(settings: Settings | None = None) -> str:
    """The ffmpeg to run: FFMPEG_PATH when set, else the build installed with imageio-ffmpeg."""
    if settings is not None and settings.ffmpeg_path is not None:
        return str(settings.ffmpeg_path)
    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


async def probe(path: Path) -> MediaInfo:
    """Read `path` as a video. Raises `NotAVideo` (image, text, audio only) or `CorruptInput`
    (empty, truncated, undecodable, zero duration, absurd resolution)."""
    return await asyncio.to_thread(_probe, Path(path))


async def thumbnail(
    path: Path, out: Path, max_side: int = 320, *, at: float | None = None, ffmpeg: str = ""
) -> Path:
    """A JPEG poster frame of `path` at `out`, at most `max_side` pixels a side and 200 kB.

    Taken at `at` seconds (default: a quarter in, past fades from black). Rotation is applied, so
    a phone video's thumbnail stands upright like the video.
    """
    info = await probe(path)
    when = info.duration / 4 if at is None else at
    exe = ffmpeg or ffmpeg_exe()
    scale = (
        f"scale='if(gt(iw,ih),min({max_side},iw),-2)':'if(gt(iw,ih),-2,min({max_side},ih))'"
        ":flags=bicubic"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    for quality in (3, 8, 16, 31):  # mjpeg qscale: lower is better; step up until it fits
        args = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-ss", f"{when:.3f}", "-i", str(path), "-frames:v", "1", "-an",
                "-vf", f"{scale},format=yuvj420p", "-q:v", str(quality), str(out)]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        written = _size(out)
        if process.returncode != 0 or not written:
            if at is None and when > 0:  # a seek past the last keyframe: take the first frame
                return await thumbnail(path, out, max_side, at=0.0, ffmpeg=exe)
            raise CorruptInput(f"thumbnail failed: {err.decode(errors='replace')[-300:]}")
        if written <= THUMBNAIL_LIMIT:
            return out
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _probe(path: Path) -> MediaInfo:
    path = path.absolute()  # ffmpeg later runs in another directory
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptInput(f"cannot read {path.name}: {exc.strerror}") from None
    if size == 0:
        raise CorruptInput("empty file")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise (CorruptInput if _looks_like_video(path) else NotAVideo)(str(exc)) from None
    except av.error.FFmpegError as exc:
        raise CorruptInput(str(exc)) from None
    with container:
        return _describe(path, size, container)


def _describe(path: Path, size: int, container: av.container.InputContainer) -> MediaInfo:
    fmt = container.format.name
    if fmt in _IMAGE_FORMATS or fmt.endswith("_pipe"):
        raise NotAVideo(f"an image ({fmt})")
    if not container.streams.video:
        raise NotAVideo("audio only" if container.streams.audio else "no video stream")
    video = container.streams.video[0]
    ctx = video.codec_context
    if ctx.name in ("png", "mjpeg", "gif", "webp", "bmp", "tiff") and (video.frames or 0) <= 1:
        raise NotAVideo(f"a still picture ({ctx.name})")
    coded_w, coded_h = ctx.width, ctx.height
    if not (MIN_SIDE <= coded_w <= MAX_SIDE and MIN_SIDE <= coded_h <= MAX_SIDE):
        raise CorruptInput(f"absurd resolution {coded_w}x{coded_h}")

    duration = _duration(container, video)
    if duration < MIN_DURATION:
        raise CorruptInput(f"zero duration ({duration:.3f}s)")
    _check_complete(video, size)
    rotation = _first_frame_rotation(container, video)

    sar = video.sample_aspect_ratio or Fraction(1)
    shown_w = round(coded_w * float(sar)) if sar and sar > 0 else coded_w
    width, height = (coded_h, shown_w) if rotation in (90, 270) else (shown_w, coded_h)
    rate = video.average_rate or video.guessed_rate or video.base_rate
    fps = float(rate) if rate else 0.0
    if not 0 < fps <= 1000:
        fps = (video.frames / duration) if video.frames else 25.0
    pix_fmt = ctx.pix_fmt or (video.format.name if video.format else "") or ""
    audio = container.streams.audio[0] if container.streams.audio else None
    return MediaInfo(
        path=path,
        size=size,
        duration=duration,
        width=width,
        height=height,
        coded_width=coded_w,
        coded_height=coded_h,
        rotation=rotation,
        fps=round(fps, 3),
        codec=ctx.codec.canonical_name,  # "av1", not the decoder's name "libdav1d"
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        has_audio=audio is not None,
        audio_codec=audio.codec_context.codec.canonical_name if audio is not None else None,
        audio_bitrate=(audio.bit_rate or None) if audio is not None else None,
        audio_rate=(audio.codec_context.sample_rate or None) if audio is not None else None,
        video_bitrate=video.bit_rate or None,
        container=fmt,
    )


def _duration(container: av.container.InputContainer, video: av.VideoStream) -> float:
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _check_complete(video: av.VideoStream, size: int) -> None:
    """A file cut short (an interrupted download) still has its index: its last frame points
    past the end of the file."""
    entries = video.index_entries
    if entries is not None and len(entries):
        last = entries[len(entries) - 1]
        if last.pos + last.size > size:
            raise CorruptInput(f"truncated: last frame ends at {last.pos + last.size} of {size}")


def _first_frame_rotation(container: av.container.InputContainer, video: av.VideoStream) -> int:
    try:
        for frame in container.decode(video):
            return round(frame.rotation or 0) % 360
    except av.error.FFmpegError as exc:
        raise CorruptInput(f"undecodable: {exc}") from None
    raise CorruptInput("no frame decodes")


def _bit_depth(pix_fmt: str) -> int:
    for depth in (16, 14, 12, 10, 9):
        if f"p{depth}" in pix_fmt or pix_fmt.endswith(f"{depth}le") or f"{depth}be" in pix_fmt:
            return depth
    return 8


def _looks_like_video(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return True
    if head[:1] == b"\x47" and os.path.getsize(path) >= 188:  # MPEG-TS sync byte
        return True
    return head.startswith(_VIDEO_MAGIC)
