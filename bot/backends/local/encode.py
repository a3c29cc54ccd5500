"""One encode from a `Plan` to a finished file that is never over its target.

When the picture size is in doubt, evidence decides it: the encode's own pass 1 at the full size
when the plan keeps it on paper (enough when it shows bits to spare), else a sample (`sample`).
Then pass 2, and the size is checked: a little over the target, the sound takes the difference (a
rung lower, re-encoded in a moment); further over, pass 2 runs again with a corrected bitrate (the
pass-1 statistics still hold: pass 1 never runs twice at one size); far under, once more a little
higher, so the budget is used. A constant-quality encode that comes out over its cap falls back
to two-pass; one that comes out bigger than an untouched source gives the source back. Progress is
the share of the job's estimated work done (each stage weighed by what it costs per pixel, so the
ETA holds steady from the start instead of growing through a quick pass 1), at most about once a
second. Temporary files live in one directory that is removed however the encode ends,
cancellation included.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

from bot.backends.base import Progress
from bot.backends.local import plan as planning
from bot.backends.local import sample
from bot.backends.local.ffmpeg import Ffmpeg, bounded, encode_args, sound_args
from bot.backends.local.plan import Plan, Want
from bot.errors import RenderFailed
from bot.media import MediaInfo, probe

__all__ = ["MAX_ATTEMPTS", "Outcome", "encode"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
"""Pass-2 runs at most per encode; each aims lower, so the loop always ends under the target."""
UNDERFILL = 0.95
"""Below this share of the target, one more pass 2 aims higher."""
PROGRESS_INTERVAL = 1.0

# What each step costs, in units of one pixel of a pass-2 x264 `medium` frame (CPU time measured
# on a calm and a grainy 1080p clip): the weights of the progress bar, so the ETA neither grows
# through pass 1 nor jumps at pass 2. Decoding weighs by the source's bits as much as its pixels:
# a camera's 80 Mbit/s costs more to decode than pass 1 costs to encode.
COST_PASS1 = 0.6  # x264's fast first pass
COST_DECODE_PIXEL = 0.06
COST_DECODE_BIT = 0.5
COST_SAMPLE = 0.5  # a candidate, two passes `veryfast`
COST_SCORE = 1.0  # VMAF on every third frame, with the upscaling
SAMPLE_OVERHEAD = 2.0
"""The sample's cost over what its pixels say: three process starts, the VMAF model's load and
x264's warm-up spread over a second of picture (a 12 s 1080p job spent 29% of its time on the
sample where per-pixel costs gave 17%)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished output. `note` is a `bot.texts` key when something needs saying."""

    path: Path
    size: int
    width: int
    height: int
    duration: float
    plan: Plan
    attempts: int = 1
    kept_source: bool = False
    note: str | None = None


async def encode(
    ffmpeg: Ffmpeg,
    info: MediaInfo,
    want: Want,
    plan: Plan,
    out: Path,
    *,
    fill: float = planning.FILL,
    limit: float | None = None,
) -> AsyncGenerator[Progress | Outcome, None]:
    """Yields `Progress` while working and the `Outcome` last. `out` is written only whole, and
    must be absolute: ffmpeg runs inside a temporary folder beside it. Past `limit` seconds
    of running ffmpeg, the run is killed and `EncodeTimeout` raised."""
    assert out.is_absolute(), out
    tmp = out.parent / f".tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    deadline = None if limit is None else asyncio.get_running_loop().time() + limit
    try:
        job = _Job(ffmpeg, info, want, out=out, tmp=tmp, fill=fill, deadline=deadline)
        async for event in job.run(plan):
            yield event
    finally:
        await asyncio.to_thread(shutil.rmtree, tmp, True)


class _Job:
    def __init__(
        self,
        ffmpeg: Ffmpeg,
        info: MediaInfo,
        want: Want,
        *,
        out: Path,
        tmp: Path,
        fill: float,
        deadline: float | None = None,
    ) -> None:
        self.deadline = deadline
        self.ffmpeg = ffmpeg
        self.info = info
        self.want = want
        self.out = out
        self.tmp = tmp
        self.fill = fill
        self.started = time.monotonic()
        self.last_report = 0.0
        self.last_stage: str | None = None
        self.last_done = 0.0
        self.attempts = 0

    async def run(self, plan: Plan) -> AsyncIterator[Progress | Outcome]:
        if plan.mode == "keep":
            note = "engine_kept_fits" if self.want.asked is not None else "engine_kept_nothing"
            yield await self._keep_source(plan, note=note)
            return
        if plan.mode in ("crf", "copy"):
            part = self.tmp / f"single{plan.suffix}"
            async for progress in self._pass(plan, 0, part, stage="stage_encode", lo=0.0, span=1.0):
                yield progress
            size = _size(part)
            fits_as_is = plan.target is None or self.info.size <= plan.target
            if size >= self.info.size and not self.want.changes and fits_as_is:
                note = "engine_kept_smaller" if self.want.keep_quality else "engine_kept_compact"
                yield await self._keep_source(plan, note=note)
                return
            if plan.target is None or size <= plan.target:
                yield await self._finish(part, plan)
                return
            # the estimate said a single encode (or the copy) would fit: it did not
            plan = planning.plan_bitrate(self.info, self.want, fill=self.fill)
        async for event in self._two_pass(plan):
            yield event

    async def _two_pass(self, plan: Plan) -> AsyncIterator[Progress | Outcome]:
        """Pass 1, the sample when the size is in doubt, pass 2. When the plan keeps the full size
        on paper, its pass 1 runs first: over the whole clip it tells whether the full size has
        bits to spare (`sample.full_size_clear`), and then no sample is needed at all; its
        statistics serve pass 2 whenever the full size stays. The bar gives each step its share
        of what is left by its estimated cost, so it never goes back."""
        candidates = planning.sample_sizes(self.info, self.want, plan)
        doubt = len(candidates) > 1
        passlog = self.tmp / "pass"
        analysed: Plan | None = None
        at = 0.0
        if doubt and _same_size(candidates[0], plan):
            span = _share([self._pass_cost(plan, 1), self._pass_cost(plan, 2)])
            async for progress in self._pass(
                plan, 1, None, stage="stage_pass1", lo=at, span=span, passlog=passlog
            ):
                yield progress
            at, analysed = at + span, plan
            doubt = not await asyncio.to_thread(sample.full_size_clear, passlog)
        if doubt:
            costs = [self._sample_cost(candidates), self._pass_cost(plan, 2)]
            if analysed is None:
                costs.append(self._pass_cost(plan, 1))
            span = (1.0 - at) * _share(costs)
            async for event in self._sample(candidates, lo=at, span=span):
                if isinstance(event, Progress):
                    yield event
                else:
                    plan = event
            at += span
        if analysed is None or not _same_size(analysed, plan):
            passlog = self.tmp / "chosen"
            span = (1.0 - at) * _share([self._pass_cost(plan, 1), self._pass_cost(plan, 2)])
            async for progress in self._pass(
                plan, 1, None, stage="stage_pass1", lo=at, span=span, passlog=passlog
            ):
                yield progress
            at += span
        async for step in self._second_passes(plan, passlog, lo=at, span=1.0 - at):
            yield step

    async def _second_passes(
        self, plan: Plan, passlog: Path, *, lo: float, span: float
    ) -> AsyncIterator[Progress | Outcome]:
        """Pass 2 until it lands in the fill band, again on the same pass-1 statistics when it
        does not (the picture size never changes here); the fullest result under the target
        wins."""
        best: tuple[Path, Plan] | None = None
        stage = "stage_pass2"
        raised = False
        while self.attempts < MAX_ATTEMPTS:
            part = self.tmp / f"pass2-{self.attempts}{plan.suffix}"
            async for progress in self._pass(
                plan, 2, part, stage=stage, lo=lo, span=span, passlog=passlog
            ):
                yield progress
            size = _size(part)
            assert plan.target is not None
            log.info(
                "pass 2 of %s at %d bit/s: %d bytes, %.1f%% of %d",
                self.info.path.name, plan.video_bitrate, size, 100 * size / plan.target,
                plan.target,
            )  # fmt: skip
            if size <= plan.target:
                best = _fuller(best, (part, plan))
                if size >= plan.target * UNDERFILL or raised:
                    break
                raised = True  # far under: one try higher, keeping this one if that overshoots
            elif best is not None:
                break
            elif (quieter := planning.quieter(plan, size, self.want, least=UNDERFILL)) is not None:
                remuxed = await self._quieter(part, quieter)
                if plan.target * UNDERFILL <= _size(remuxed) <= plan.target:
                    best = (remuxed, quieter)
                    break
            plan = planning.correct(
                plan,
                size,
                fill=min(self.fill, planning.FILL),
                source_fps=self.info.fps,
                audio_rate=self.info.audio_rate,
            )
            stage, lo, span = "stage_retry", 0.0, 1.0
        if best is None:
            raise RenderFailed(f"still over {plan.target} bytes after {self.attempts} passes")
        yield await self._finish(*best)

    async def _quieter(self, part: Path, plan: Plan) -> Path:
        """`part`'s picture with the sound `plan` asks (a rung lower): a small overshoot taken
        from the sound instead of another pass 2."""
        out = part.with_name(f"quieter-{part.name}")
        async for _ in self._step(sound_args(plan, part, self.info.path, out), plan.duration):
            pass
        log.info(
            "sound of %s down to %d bit/s: %d bytes of %d",
            self.info.path.name, plan.audio_bitrate, _size(out), plan.target,
        )  # fmt: skip
        return out

    async def _sample(
        self, candidates: list[Plan], *, lo: float, span: float
    ) -> AsyncIterator[Progress | Plan]:
        """Run the sample, yielding progress over `span` of the bar from `lo` and the chosen
        plan last."""
        yield self._progress("stage_sample", lo)
        async with aclosing(
            sample.choose(self.ffmpeg, self.info.path, candidates, self.tmp, self._step)
        ) as steps:
            async for event in steps:
                if isinstance(event, sample.Verdict):
                    yield event.plan
                elif time.monotonic() - self.last_report >= PROGRESS_INTERVAL:
                    yield self._progress("stage_sample", lo + span * event)

    async def _step(self, args: list[str], seconds: float) -> AsyncIterator[float]:
        """One ffmpeg run besides the passes (the sample's, the sound's), under their deadline."""
        async with (
            self.ffmpeg.run(args, seconds, cwd=self.tmp) as run,
            aclosing(run.progress()) as fractions,
        ):
            async for fraction in self._bounded(fractions):
                yield fraction

    def _bounded(self, fractions: AsyncIterator[float]) -> AsyncIterator[float]:
        return bounded(fractions, self.deadline, f"{self.info.path.name}: over the encode timeout")

    def _frames(self, seconds: float, plan: Plan) -> float:
        return seconds * (plan.fps or self.info.fps or 30.0)

    def _decode_cost(self) -> float:
        """Decoding one frame of the source (and bringing it to size)."""
        info = self.info
        bits = info.size * 8 / max(info.duration, 1e-3) / max(info.fps, 1.0)
        return info.pixels * COST_DECODE_PIXEL + bits * COST_DECODE_BIT

    def _pass_cost(self, plan: Plan, pass_no: int) -> float:
        per_pixel = COST_PASS1 if pass_no == 1 else 1.0
        if plan.codec.name != "h264":
            share = plan.codec.first_pass
            per_pixel = share / (1 - share) if pass_no == 1 else 1.0
        frame = plan.width * plan.height * per_pixel + self._decode_cost()
        return self._frames(plan.duration, plan) * frame

    def _sample_cost(self, candidates: list[Plan]) -> float:
        top = candidates[0]
        scored = min(top.width * top.height, sample.METRIC_SIZE)
        frame = self._decode_cost() * 3  # for each pass over the candidates, and to score them
        frame += sum(c.width * c.height * COST_SAMPLE + scored * COST_SCORE for c in candidates)
        return self._frames(sample.sample_seconds(top.duration), top) * frame * SAMPLE_OVERHEAD

    async def _pass(
        self,
        plan: Plan,
        pass_no: int,
        part: Path | None,
        *,
        stage: str,
        lo: float,
        span: float,
        passlog: Path | None = None,
    ) -> AsyncIterator[Progress]:
        if pass_no != 1:
            self.attempts += 1
        args = encode_args(plan, self.info.path, part, pass_no=pass_no, passlog=passlog)
        yield self._progress(stage, lo)
        async with (
            self.ffmpeg.run(args, plan.duration, cwd=self.tmp) as run,
            aclosing(run.progress()) as fractions,
        ):
            async for fraction in self._bounded(fractions):
                if time.monotonic() - self.last_report >= PROGRESS_INTERVAL:
                    yield self._progress(stage, lo + span * fraction)

    def _progress(self, stage: str, done: float) -> Progress:
        now = time.monotonic()
        self.last_report = now
        if stage == self.last_stage:  # ffmpeg's clock can step back as its last packets mux
            done = max(done, self.last_done)
        self.last_stage, self.last_done = stage, done
        elapsed = now - self.started
        # no ETA from the first 5%: ffmpeg's start-up weighs too much there (11 min shown for a
        # 2.5 min job under load)
        eta = elapsed / done * (1 - done) if done > 0.05 and stage != "stage_retry" else None
        return Progress(percent=round(100 * done, 1), eta=eta, stage=stage)

    async def _finish(self, part: Path, plan: Plan) -> Outcome:
        info = await probe(part)
        await asyncio.to_thread(part.replace, self.out)
        log.info(
            "encoded %s: %s %s %dx%d, %d bytes of %s target in %d runs, %.1fs",
            self.info.path.name, plan.mode, plan.codec.name, info.width, info.height, info.size,
            plan.target, self.attempts, time.monotonic() - self.started,
        )  # fmt: skip
        note = "engine_stepped_down" if plan.stepped_down else None
        return Outcome(
            path=self.out,
            size=info.size,
            width=info.width,
            height=info.height,
            duration=info.duration,
            plan=plan,
            attempts=self.attempts,
            note=note,
        )

    async def _keep_source(self, plan: Plan, *, note: str) -> Outcome:
        part = self.tmp / "source"
        out = self.out.with_suffix(self.info.path.suffix.lower() or ".mp4")
        await asyncio.to_thread(_link_or_copy, self.info.path, part)
        await asyncio.to_thread(part.replace, out)
        log.info("kept %s as it is (%s, %d bytes)", self.info.path.name, note, self.info.size)
        return Outcome(
            path=out,
            size=self.info.size,
            width=self.info.width,
            height=self.info.height,
            duration=self.info.duration,
            plan=plan,
            attempts=self.attempts,
            kept_source=True,
            note=note,
        )


def _share(costs: list[float]) -> float:
    """The first step's share of the steps left."""
    return costs[0] / sum(costs)


def _same_size(a: Plan, b: Plan) -> bool:
    return (a.width, a.height) == (b.width, b.height)


def _size(path: Path) -> int:
    return path.stat().st_size


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        dst.hardlink_to(src)
    except OSError:
        shutil.copyfile(src, dst)


def _fuller(best: tuple[Path, Plan] | None, new: tuple[Path, Plan]) -> tuple[Path, Plan]:
    """Of two results under the target, the one that uses more of it."""
    return new if best is None or _size(new[0]) > _size(best[0]) else best
