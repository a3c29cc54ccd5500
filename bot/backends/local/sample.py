"""Choosing the picture size on evidence: a few seconds of the clip encoded at each candidate size.

A bits-per-pixel rule cannot tell a talking head from handheld footage: at the same budget the
first looks better at full size and the second one rung down. So before a two-pass H.264 encode
whose size is in doubt (`plan.sample_sizes`), stretches from the start, middle and end of the
clip are joined into a near-lossless reference at the largest candidate size; each candidate is
encoded from it at the planned bitrate and scored against it (VMAF, SSIM when this ffmpeg lacks
libvmaf). A smaller picture must win by a clear margin: the full size is what a plain two-pass
delivers, and the engine must never look worse than that. Most of the time goes to the scores,
so when the sample's first pass already shows the full size with bits to spare (`CLEAR_QP`), the
full size is kept without them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from bot.backends.local.ffmpeg import (
    Ffmpeg,
    Segment,
    sample_encode_args,
    score_args,
)
from bot.backends.local.plan import Plan

__all__ = [
    "CLEAR_QP",
    "FULL_CLEAR_QP",
    "MARGIN",
    "METRIC_SIZE",
    "Verdict",
    "choose",
    "first_pass_qp",
    "full_size_clear",
    "keyframes",
    "sample_seconds",
    "segments",
]

log = logging.getLogger(__name__)

SHORT = 4.0
"""Clips up to this long are sampled in one stretch from their start."""
POINTS = (0.2, 0.5, 0.8)
"""Where the stretches start, as shares of the clip: content changes along a video."""
MARGIN = {"vmaf": 1.0, "ssim": 0.002}
"""How much better a smaller picture must score to be chosen: beyond the metric's own noise
between two runs, so near ties keep the full size."""
FIRST_SHARE = 0.25
ENCODE_SHARE = 0.65
"""The encoding runs' shares of the sampling time, to the end of pass 1 and of pass 2 (the
scoring run takes the rest)."""
CLEAR_QP = 40.0
"""The mean quantiser of the sample's first pass at the full size at or under which the full size
is kept without scoring: x264 still has bits to spare there, and every smaller picture scored
lower on the benchmark's corpus (full size at QP 28-39 won by 1.8 to 6 VMAF; the first step down
won only from QP 42, and a calm clip kept its full size at 45, which is why a higher QP is a
question for the scores, not an answer)."""
FULL_CLEAR_QP = 36.0
"""The same question asked of the encode's own pass 1 over the whole clip (x264's fast first pass
of `medium`), asked first when the plan keeps the full size on paper. Its quantisers run lower
than the sample's (one keyframe in hundreds of frames, a longer lookahead), so its bar is lower:
on 5 s clips of four kinds at 480p, 720p and 1080p, encoded whole two-pass at the full size and
one rung down, the full size won by 2.7 to 6.5 VMAF wherever this pass 1 was at 36 or under; at
37-40 it mostly still won, by 0.8 to 2.9 (the benchmark's long grainy 480p clip at 37.5 did not);
from 42 the smaller picture won or tied. Over the bar, the sample decides as before."""
METRIC_SIZE = 1920 * 1080
"""Scores are taken at the largest candidate's size, at most this many pixels (VMAF's model is
trained for 1080p, and a 4K score costs four times as much for the same ranking)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The size chosen, and each candidate's short side and score, largest first. `metric` "qp"
    means the first pass decided alone: the scores are its mean quantisers (lower is better)."""

    plan: Plan
    metric: str
    sizes: tuple[int, ...]
    scores: tuple[float, ...]


def segments(start: float, duration: float, keyframes: list[float] | None = None) -> list[Segment]:
    """The stretches sampled from a window of the clip: 8% of it (0.8 to 3.6 s in all), in one
    stretch from the start of a short clip, else three. With the source's `keyframes` (seconds,
    sorted), each stretch starts at the first keyframe from its point on: a seek to a keyframe
    decodes nothing it does not use, where a seek between two decodes the whole group of
    pictures before it. Stretches on the same keyframe merge into one as long as they were."""
    total = min(duration, 3.6, max(0.8, duration * 0.08))
    if duration <= SHORT:  # from its start: a keyframe when the clip is not trimmed
        return [(start, total)]
    length = total / len(POINTS)
    end = start + duration
    points = [start + duration * p for p in POINTS]
    if keyframes is not None:
        inside = [k for k in keyframes if start <= k < end - length]
        points = [next((k for k in inside if k >= point), inside[-1] if inside else start)
                  for point in points]  # fmt: skip
    merged: dict[float, float] = {}
    for point in points:
        merged[point] = merged.get(point, 0.0) + length
    return [(point, min(seconds, end - point)) for point, seconds in merged.items()]


def keyframes(path: Path, points: list[float]) -> list[float]:
    """For each of `points` (seconds on ffmpeg's timeline), the first keyframe of the video at or
    after it, found by seeking and reading packets, never decoding. Blocking: run in a thread."""
    found: list[float] = []
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        base = float(video.time_base or 0)
        offset = (container.start_time or 0) / 1e6  # ffmpeg's -ss counts from the file's start
        for point in points:
            container.seek(int((point + offset) * 1e6), backward=True)
            for packet in container.demux(video):
                if packet.pts is None or not packet.is_keyframe:
                    continue
                at = packet.pts * base - offset
                if at >= point - 1e-3:
                    found.append(math.ceil(at * 1e6) / 1e6)  # -ss at or after the keyframe
                    break
    return sorted(set(found))


def sample_seconds(duration: float) -> float:
    """How much picture a sample of a window this long holds, keyframes aside."""
    return sum(seconds for _, seconds in segments(0.0, duration))


Step = Callable[[list[str], float], AsyncIterator[float]]
"""Runs one ffmpeg command over so many seconds of picture, yielding the fraction done."""


async def choose(
    ffmpeg: Ffmpeg, source: Path, candidates: list[Plan], tmp: Path, step: Step
) -> AsyncGenerator[float | Verdict, None]:
    """Yields the share of the sampling done, then the `Verdict`. `step` runs each command (the
    caller owns progress, deadlines and cancellation). Three ffmpeg runs whatever the number of
    candidates: pass 1 and pass 2 of them all, then the scores of them all; only the first when
    its statistics already say the full size is clear (`CLEAR_QP`)."""
    top = candidates[0]
    points = [top.start + top.duration * p for p in POINTS]
    try:
        found: list[float] | None = await asyncio.to_thread(keyframes, source, points)
    except (av.error.FFmpegError, IndexError, ValueError) as error:
        log.info("no keyframe index for %s (%s): sampling at fixed points", source.name, error)
        found = None
    parts = segments(top.start, top.duration, found)
    seconds = sum(s for _, s in parts)
    metric = "vmaf" if await ffmpeg.has_filter("libvmaf") else "ssim"
    encoded = [tmp / f"sample-{i}.mkv" for i in range(len(candidates))]
    logs = [tmp / f"sample-pass-{i}" for i in range(len(candidates))]
    sizes = tuple(c.short_side for c in candidates)
    qps: tuple[float, ...] = ()
    for pass_no, lo, span in ((1, 0.0, FIRST_SHARE), (2, FIRST_SHARE, ENCODE_SHARE - FIRST_SHARE)):
        args = sample_encode_args(
            candidates, source, parts, encoded, pass_no=pass_no, passlogs=logs
        )
        async for fraction in step(args, seconds):
            yield lo + fraction * span
        if pass_no == 1:
            qps = tuple(await asyncio.to_thread(lambda: [first_pass_qp(p) for p in logs]))
            if qps[0] <= CLEAR_QP:
                # the full size has bits to spare on this footage: no smaller picture beats it,
                # and the encodes and scores that would say so (two thirds of the sample) are
                # skipped
                log.info("sampled %s: full size clear (qp %s)", source.name, _listed(sizes, qps))
                yield Verdict(top, "qp", sizes, qps)
                return
    scale = min(1.0, (METRIC_SIZE / (top.width * top.height)) ** 0.5)
    size = (max(2, int(top.width * scale) // 2 * 2), max(2, int(top.height * scale) // 2 * 2))
    names = [f"sample-{i}.{metric}" for i in range(len(candidates))]
    args = score_args(encoded, top, source, parts, size=size, logs=names, vmaf=metric == "vmaf")
    async for fraction in step(args, seconds):
        yield ENCODE_SHARE + fraction * (1 - ENCODE_SHARE)
    scores = [_read_score(tmp / name, metric) for name in names]
    chosen = 0
    for i in range(1, len(candidates)):
        if scores[i] > scores[chosen] + MARGIN[metric]:
            chosen = i
    log.info(
        "sampled %s: qp %s; %s %s, chose %dp", source.name, _listed(sizes, qps), metric,
        _listed(sizes, scores), candidates[chosen].short_side,
    )  # fmt: skip
    yield Verdict(candidates[chosen], metric, sizes, tuple(scores))


def _listed(sizes: tuple[int, ...], values: Sequence[float]) -> str:
    return ", ".join(f"{size}p {value:.2f}" for size, value in zip(sizes, values, strict=True))


def full_size_clear(passlog: Path) -> bool:
    """Whether the encode's own first pass at the full size (`passlog`) shows bits to spare.
    Blocking: run in a thread."""
    return first_pass_qp(passlog) <= FULL_CLEAR_QP


def first_pass_qp(passlog: Path) -> float:
    """The mean quantiser x264's first pass used (its stats file, `<passlog>-<stream>.log`:
    ffmpeg numbers it by the output stream, so the sample's candidates get -0, -1...)."""
    (found,) = passlog.parent.glob(f"{passlog.name}-*.log")
    text = found.read_text(errors="replace")
    values = [float(m) for m in re.findall(r" q:([0-9.]+)", text)]
    return sum(values) / len(values) if values else 0.0


def _read_score(path: Path, metric: str) -> float:
    text = path.read_text(errors="replace")
    if metric == "vmaf":
        return float(json.loads(text)["pooled_metrics"]["vmaf"]["mean"])
    values = [float(field.split(":")[1]) for line in text.splitlines()
              for field in line.split() if field.startswith("All:")]  # fmt: skip
    return sum(values) / len(values)
