"""What a video file is, and the ffmpeg that works on it: probing, thumbnails, the binary's path.

Neutral ground: the local engine uses it to read uploads, the core to describe NemoVideo results
before posting them. Probing reads the container with PyAV (in a thread, so the event loop keeps
running) and decodes one frame, which both proves the file decodes and reveals its rotation.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error
import imageio_ffmpeg

from bot.errors import CorruptInput, NotAVideo, TooShort

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "MAX_SIDE",
    "MIN_SIDE",
    "MediaInfo",
    "clean_leftovers",
    "die_with_parent",
    "ffmpeg_exe",
    "forget_run",
    "probe",
    "record_run",
    "thumbnail",
]

log = logging.getLogger(__name__)

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
            *args,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=die_with_parent(),
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
    if duration <= 0:
        raise CorruptInput("zero duration")
    if duration < MIN_DURATION:
        raise TooShort(duration)
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


# --- crash safety: no ffmpeg outlives the bot, no work file outlives a restart ------------------
_PR_SET_PDEATHSIG = 1
RUN_PREFIX = ".ffmpeg-"
"""Files `<work_dir>/.ffmpeg-<pid>` name each running ffmpeg (its own process group)."""
LEFTOVERS = ("delivery-*", "poster-*", ".tmp-*", "*.part")
"""Work files only a running job uses: after a restart nothing is using them."""


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel SIGKILL the child when this process dies, even by
    SIGKILL (Linux's PR_SET_PDEATHSIG); None elsewhere. Everything is looked up before the fork:
    in the child it makes two system calls (prctl, getppid) and allocates nothing of its own."""
    if not sys.platform.startswith("linux"):
        return None
    _hold_ctrl_c_across_fork()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong)  # fmt: skip
    parent = os.getpid()
    args = (_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    getppid, exit_now = os.getppid, os._exit

    def preexec() -> None:
        prctl(*args)
        if getppid() != parent:  # the parent died before the prctl: it would never fire
            exit_now(1)

    return preexec


_held = threading.local()


@functools.cache
def _hold_ctrl_c_across_fork() -> None:
    """Block SIGINT in the forking thread for the fork itself (with a `preexec_fn` Python runs
    these hooks). Without it, a Ctrl-C (sent to the whole foreground group) that lands while the
    child is still Python between fork and exec runs the inherited handler there, which writes to
    the event loop's wakeup socket the child shares with us: the bot saw one Ctrl-C twice and
    quit instead of cancelling. Blocked, the parent gets it once when the fork returns; the child
    starts with nothing pending and keeps SIGINT blocked through exec (ffmpeg is stopped with
    SIGKILL, never SIGINT)."""

    def block() -> None:
        _held.mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def restore() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, _held.mask)

    os.register_at_fork(before=block, after_in_parent=restore)


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: with the pid, a unique name."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def record_run(folder: Path, pid: int) -> Path | None:
    """Note a running ffmpeg (leader of its own group) so a restart after a crash can stop it."""
    started = _started(pid)
    if started is None:
        return None
    path = folder / f"{RUN_PREFIX}{pid}"
    with contextlib.suppress(OSError):
        path.write_text(f"{pid} {started}\n")
        return path
    return None


def forget_run(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def _reap(record: Path) -> None:
    """Kill the group a record names if it is still that ffmpeg: same pid, same start time,
    an ffmpeg binary. A pid since reused by anything else is left alone."""
    try:
        pid_text, started = record.read_text().split()
        pid = int(pid_text)
        exe = os.readlink(f"/proc/{pid}/exe")
    except (OSError, ValueError):
        return
    if _started(pid) == started and "ffmpeg" in Path(exe).name:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
            log.warning("stopped ffmpeg %d left running by an earlier crash", pid)


def clean_leftovers(work_dir: Path) -> None:
    """At start, before any job: stop the ffmpeg runs a crash left behind, and remove the work
    files of jobs that are no longer in flight (deliveries, posters, temporary folders, half
    downloads). Blocking: call it in a thread."""
    if not work_dir.is_dir():
        return
    for record in work_dir.glob(f"{RUN_PREFIX}*"):
        _reap(record)
        record.unlink(missing_ok=True)
    for pattern in LEFTOVERS:
        for leftover in work_dir.glob(pattern):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
