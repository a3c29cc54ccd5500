"""Running ffmpeg: the command lines a `Plan` needs, and one process at a time under control.

`Ffmpeg` is the engine's only subprocess seam. Each run gets its own process group, so cancelling
kills ffmpeg and anything it spawned; `-progress pipe:1` is read line by line into the fraction of
the clip done; stderr is kept to its last lines for the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from bot.backends.local.plan import Plan, x264_preset
from bot.errors import DiskFull, EncodeTimeout, RenderFailed
from bot.media import die_with_parent, forget_run, record_run

__all__ = [
    "COMMON_ARGS",
    "Ffmpeg",
    "FfmpegRun",
    "Segment",
    "bounded",
    "encode_args",
    "sample_encode_args",
    "score_args",
    "sound_args",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

COMMON_ARGS = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1"]
"""What every ffmpeg run here starts with: no keyboard, errors only, progress on stdout."""


def encode_args(
    plan: Plan, src: Path, out: Path | None, *, pass_no: int = 0, passlog: Path | None = None
) -> list[str]:
    """ffmpeg's arguments (without the program) for one pass of `plan`.

    `pass_no` 0 is a single encode (constant quality, or a stream copy), 1 and 2 the two passes;
    pass 1 writes no file (`out` is ignored) and no audio.
    """
    if plan.mode == "copy":
        assert out is not None
        return _copy_args(plan, src, out)
    args = [*COMMON_ARGS, "-y"]
    if plan.start > 0:
        args += ["-ss", f"{plan.start:.3f}"]
    args += ["-t", f"{plan.duration:.3f}", "-i", str(src)]
    args += ["-map", "0:v:0"]
    if pass_no != 1 and plan.audio_bitrate:
        args += ["-map", "0:a:0"]
    args += ["-vf", _filters(plan), "-c:v", plan.codec.encoder]
    args += _video_rate(plan, pass_no, passlog)
    if plan.container == "mp4" and plan.codec.encoder in _MP4_TAGS:
        args += ["-tag:v", _MP4_TAGS[plan.codec.encoder]]  # what Apple's players look for
    if pass_no == 1:
        return [*args, "-an", "-f", "null", os.devnull]
    assert out is not None
    return [*args, *_audio(plan), *_output(plan, out)]


def sound_args(plan: Plan, video: Path, src: Path, out: Path) -> list[str]:
    """The picture of an encode (`video`) as it is, with the sound of `src` encoded again as
    `plan` says, over the same stretch."""
    args = [*COMMON_ARGS, "-y", "-i", str(video)]
    if plan.start > 0:
        args += ["-ss", f"{plan.start:.3f}"]
    args += ["-t", f"{plan.duration:.3f}", "-i", str(src), "-map", "0:v:0", "-map", "1:a:0"]
    if plan.container == "mp4" and plan.codec.encoder in _MP4_TAGS:
        args += ["-tag:v", _MP4_TAGS[plan.codec.encoder]]
    return [*args, "-c:v", "copy", *_audio(plan), *_output(plan, out)]


def _copy_args(plan: Plan, src: Path, out: Path) -> list[str]:
    """The picture as it is, bit for bit; only the sound (or the container) changes."""
    args = [*COMMON_ARGS, "-y", "-i", str(src), "-map", "0:v:0"]
    if plan.audio_bitrate:
        args += ["-map", "0:a:0"]
    return [*args, "-c:v", "copy", *_audio(plan), *_output(plan, out)]


def _audio(plan: Plan) -> list[str]:
    if not plan.audio_bitrate:
        return ["-an"]
    if plan.copy_audio:
        return ["-c:a", "copy"]
    encoder = "libopus" if plan.container == "webm" else "aac"
    return ["-c:a", encoder, "-b:a", str(plan.audio_bitrate), "-ac", str(plan.audio_channels)]


def _output(plan: Plan, out: Path) -> list[str]:
    # the source's metadata (and its rotation flag, now applied to the pixels) stays behind
    args = ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"]
    return [*args, *_MUXERS[plan.container], str(out)]


_MUXERS = {
    "mp4": ["-movflags", "+faststart", "-f", "mp4"],
    "webm": ["-f", "webm"],
    "mkv": ["-f", "matroska"],
}
_MP4_TAGS = {"libx264": "avc1", "libx265": "hvc1"}


def _filters(plan: Plan) -> str:
    # ffmpeg has already turned the picture upright (autorotate); `plan` sizes are as displayed
    chain = [f"scale={plan.width}:{plan.height}:flags=lanczos", "setsar=1"]
    if plan.fps:
        chain.append(f"fps={plan.fps:g}")
    chain.append("format=yuv420p")
    return ",".join(chain)


def _video_rate(plan: Plan, pass_no: int, passlog: Path | None) -> list[str]:
    encoder = plan.codec.encoder
    if pass_no == 0:
        assert plan.crf is not None
        quality = {
            "libx264": ["-preset", "medium", "-crf", str(plan.crf)],
            "libx265": ["-preset", "medium", "-crf", str(plan.crf),
                        "-x265-params", "log-level=error"],
            "libvpx-vp9": ["-crf", str(plan.crf), "-b:v", "0", "-row-mt", "1",
                           "-deadline", "good", "-cpu-used", "3"],
            "libsvtav1": ["-preset", "8", "-crf", str(plan.crf), "-svtav1-params", "verbosity=0"],
        }  # fmt: skip
        return quality[encoder]
    assert passlog is not None
    rate = ["-b:v", str(plan.video_bitrate)]
    if encoder == "libx264":
        # x264's fast first pass (ffmpeg's default, and the textbook two-pass's): pass 2 reads
        # only its frame costs, and the full-effort pass 1 cost about half again its time. A
        # loose VBV cap in pass 2 keeps playback smooth and the rate close to what was asked
        # (grainy 1080p: 2% over it against 8.6% uncapped, and 0.8 VMAF better). Pass 1 without
        # it gave the same size and VMAF (753 kB and 84.7 against 751 kB and 84.8) a tenth faster.
        bps = plan.video_bitrate
        vbv = ["-maxrate", str(bps * 3 // 2), "-bufsize", str(bps * 2)] if pass_no == 2 else []
        return [*rate, *vbv, "-preset", x264_preset(plan),
                "-pass", str(pass_no), "-passlogfile", str(passlog)]  # fmt: skip
    if encoder == "libx265":
        return [*rate, "-preset", "medium",
                "-x265-params", f"pass={pass_no}:stats={passlog}.x265:log-level=error"]  # fmt: skip
    if encoder == "libvpx-vp9":
        return [*rate, "-row-mt", "1", "-deadline", "good", "-cpu-used", "3",
                "-pass", str(pass_no), "-passlogfile", str(passlog)]  # fmt: skip
    return [*rate, "-preset", "8", "-svtav1-params", "verbosity=0",
            "-pass", str(pass_no), "-passlogfile", str(passlog)]  # fmt: skip


Segment = tuple[float, float]
"""A stretch of the source, (start, seconds)."""


def sample_encode_args(
    candidates: list[Plan],
    src: Path,
    segments: list[Segment],
    outs: list[Path],
    *,
    pass_no: int,
    passlogs: list[Path],
) -> list[str]:
    """One pass of the sampled stretches of `src`, joined, encoded at every candidate's size and
    bitrate in one process (the source is decoded once). Two passes, as the real encode: on a
    second or two of picture one-pass ABR leaves a small picture far under its bitrate (a third
    under at 240p, measured), which would rank sizes by rate control rather than by what they
    show. `veryfast` ranks sizes as `medium` does, in a third of the time."""
    n = len(candidates)
    graph = f"{_joined(segments)},split={n}" + "".join(f"[j{i}]" for i in range(n))
    args = [*COMMON_ARGS, "-y", *_segment_inputs(src, segments)]
    chains = [f"[j{i}]{_filters(c)}[c{i}]" for i, c in enumerate(candidates)]
    args += ["-filter_complex", ";".join([graph, *chains])]
    for i, (candidate, out, log) in enumerate(zip(candidates, outs, passlogs, strict=True)):
        args += ["-map", f"[c{i}]", "-c:v", "libx264", "-preset", "veryfast",
                 "-b:v", str(candidate.video_bitrate), "-pass", str(pass_no),
                 "-passlogfile", str(log), "-an"]  # fmt: skip
        args += ["-f", "null", os.devnull] if pass_no == 1 else ["-f", "matroska", str(out)]
    return args


def score_args(
    encoded: list[Path],
    top: Plan,
    src: Path,
    segments: list[Segment],
    *,
    size: tuple[int, int],
    logs: list[str],
    vmaf: bool,
) -> list[str]:
    """Each encoded sample scored against the same stretches of the source brought to `top`'s
    picture, both at `size` (as a player would upscale a smaller one): VMAF on every core, every
    third frame, or SSIM when this ffmpeg has no libvmaf. `logs` are file names in the run's
    folder (no path: a filter argument takes no escaping then)."""
    w, h = size
    n = len(encoded)
    to_size = f"scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p"
    args = [*COMMON_ARGS, "-y"]
    for path in encoded:
        args += ["-i", str(path)]
    args += _segment_inputs(src, segments)  # after the samples: inputs n, n + 1, ...
    graph = [
        _joined(segments, _filters(top), first=n) + f",{to_size},split={n}"
        + "".join(f"[r{i}]" for i in range(n))
    ]  # fmt: skip
    threads = os.cpu_count() or 1
    for i, log in enumerate(logs):
        if vmaf:
            metric = f"libvmaf=log_fmt=json:log_path={log}:n_threads={threads}:n_subsample=3"
        else:
            metric = f"ssim=stats_file={log}"
        graph.append(f"[{i}:v:0]{to_size}[d{i}];[d{i}][r{i}]{metric}[o{i}]")
    args += ["-filter_complex", ";".join(graph)]
    for i in range(n):
        args += ["-map", f"[o{i}]", "-f", "null", os.devnull]
    return args


def _segment_inputs(src: Path, segments: list[Segment]) -> list[str]:
    args: list[str] = []
    for start, seconds in segments:
        args += ["-ss", f"{start:.3f}", "-t", f"{seconds:.3f}", "-i", str(src)]
    return args


def _joined(segments: list[Segment], chain: str = "", *, first: int = 0) -> str:
    """A filter graph joining the pictures of inputs `first`, `first + 1`... (one a segment),
    each through `chain` first; it ends open, for the caller to go on."""
    chain = f"{chain}," if chain else ""
    parts = [f"[{first + i}:v:0]{chain}setpts=PTS-STARTPTS[s{i}]" for i in range(len(segments))]
    joined = "".join(f"[s{i}]" for i in range(len(segments)))
    return ";".join([*parts, f"{joined}concat=n={len(segments)}:v=1:a=0"])


_FILTERS: dict[str, frozenset[str]] = {}
"""The filters each ffmpeg binary has, by its path."""


class Ffmpeg:
    """The ffmpeg binary. `run(args, duration)` opens one `FfmpegRun`; with `records`, each
    run is noted in that folder while it lives (see `bot.media.clean_leftovers`)."""

    def __init__(self, exe: str, *, records: Path | None = None) -> None:
        self.exe = exe
        self.records = records

    async def has_filter(self, name: str) -> bool:
        """Whether this build of ffmpeg has the filter `name` (asked once a binary, then
        remembered)."""
        if self.exe not in _FILTERS:
            process = await asyncio.create_subprocess_exec(
                self.exe, "-hide_banner", "-filters",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            listing, _ = await process.communicate()
            found = (line.split()[1] for line in listing.decode(errors="replace").splitlines()
                     if len(line.split()) > 2)  # fmt: skip
            _FILTERS[self.exe] = frozenset(found)
        return name in _FILTERS[self.exe]

    def run(self, args: list[str], duration: float, *, cwd: Path | None = None) -> FfmpegRun:
        return FfmpegRun([self.exe, *args], duration, cwd=cwd, records=self.records)


class FfmpegRun:
    """One ffmpeg process, used as `async with run: async for fraction in run.progress()`.

    Leaving the block early (an exception, a cancelled task) kills the whole process group; a
    run that ends with a non-zero status raises `RenderFailed` with the tail of stderr.
    """

    def __init__(
        self,
        argv: list[str],
        duration: float,
        *,
        cwd: Path | None = None,
        records: Path | None = None,
    ) -> None:
        self.argv = argv
        self.records = records
        self._record: Path | None = None
        self.duration = max(duration, 1e-3)
        self.cwd = cwd
        self.speed: float | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=self.cwd,
            start_new_session=True,  # its own process group: one kill stops it all
            preexec_fn=die_with_parent(),  # and the kernel stops it if the bot is killed
        )
        if self.records is not None:
            self._record = await asyncio.to_thread(record_run, self.records, self._process.pid)
        self._stderr_task = asyncio.create_task(self._drain_stderr())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            self._kill_group()
            await asyncio.shield(process.wait())
        elif exc_type is None:
            self._kill_group()  # a child that outlived ffmpeg in its group, if any
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._stderr_task)
        forget_run(self._record)

    async def progress(self) -> AsyncGenerator[float, None]:
        """The fraction of the clip done (0-1) as ffmpeg reports it, about twice a second;
        returns when ffmpeg exits successfully."""
        process = self._process
        assert process is not None and process.stdout is not None
        async for raw in process.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                yield min(1.0, max(0.0, int(value) / 1e6 / self.duration))
            elif key == "speed" and value.endswith("x"):
                with contextlib.suppress(ValueError):
                    self.speed = float(value[:-1])
        code = await process.wait()
        if self._stderr_task is not None:
            await self._stderr_task
        if code != 0:
            tail = " | ".join(self._stderr)[-600:]
            if "No space left on device" in tail:  # strerror(ENOSPC), as ffmpeg prints it
                raise DiskFull(f"ffmpeg exited with {code}: {tail}")
            raise RenderFailed(f"ffmpeg exited with {code}: {tail}")

    async def wait(self) -> None:
        """Run to the end without looking at progress."""
        async for _ in self.progress():
            pass

    def _kill_group(self) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)

    async def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        async for raw in self._process.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self._stderr.append(line)


async def bounded(items: AsyncIterator[T], deadline: float | None, over: str) -> AsyncIterator[T]:
    """`items` until the loop's clock passes `deadline`, then `EncodeTimeout(over)`. The
    deadline bounds only the waiting for the next item (ffmpeg), never the time spent at a
    yield."""
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                item = await anext(items)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise EncodeTimeout(over) from None
        yield item
