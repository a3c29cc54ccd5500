"""The engine's choice of picture size on evidence, its corrections and the never-over rule.

Real ffmpeg on small generated clips; the only seam is a recording `Ffmpeg` that notes each
command line it runs. Quality and time figures live in `benchmarks/local_engine.py`, not here.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import pytest

from bot.backends.local import plan as planning
from bot.backends.local import sample
from bot.backends.local.encode import Outcome, encode
from bot.backends.local.ffmpeg import Ffmpeg, FfmpegRun
from bot.backends.local.plan import Want
from bot.errors import TargetUnreachable
from bot.media import MediaInfo, probe
from tests.local.conftest import FFMPEG, Clips, ffmpeg
from tests.local.test_plan import video


class Recording(Ffmpeg):
    """The real ffmpeg, with every command line it was asked to run kept in order."""

    def __init__(self) -> None:
        super().__init__(FFMPEG)
        self.runs: list[list[str]] = []

    def run(self, args: list[str], duration: float, *, cwd: Path | None = None) -> FfmpegRun:
        self.runs.append(args)
        return super().run(args, duration, cwd=cwd)

    def passes(self, number: int) -> list[list[str]]:
        """The runs of the encode's own pass `number` (the sample's passes join its stretches in
        a filter graph)."""
        own = [a for a in self.runs if "-pass" in a and "-filter_complex" not in a]
        return [a for a in own if a[a.index("-pass") + 1] == str(number)]

    def sampled(self) -> bool:
        return any("libvmaf" in " ".join(a) or "ssim=" in " ".join(a) for a in self.runs)


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """1080p, 2 s: a calm scene (bars, one small moving window, faint grain) and a grainy one
    where everything moves."""
    root = tmp_path_factory.mktemp("footage")
    calm, noisy = root / "calm.mp4", root / "noisy.mp4"
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p"]
    ffmpeg("-f", "lavfi", "-i", "smptehdbars=size=1920x1080:rate=30:duration=2",
           "-f", "lavfi", "-i", "testsrc2=size=384x216:rate=30:duration=2",
           "-filter_complex", "[0:v][1:v]overlay=24:24,noise=alls=2:allf=t", *x264,
           str(calm))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=2,noise=alls=14:allf=t+u",
           *x264, str(noisy))  # fmt: skip
    return {"calm": calm, "noisy": noisy}


async def run_encode(
    ffmpeg_: Ffmpeg, info: MediaInfo, want: Want, out: Path, *, fill: float = planning.FILL
) -> Outcome:
    plan = planning.plan(info, want, fill=fill)
    outcome = None
    async with aclosing(encode(ffmpeg_, info, want, plan, out, fill=fill)) as events:
        async for event in events:
            if isinstance(event, Outcome):
                outcome = event
    assert outcome is not None
    return outcome


async def verdict(info: MediaInfo, want: Want, tmp: Path) -> sample.Verdict:
    """The sample's verdict on the sizes the planner puts in doubt for `want`."""
    candidates = planning.sample_sizes(info, want, planning.plan(info, want))
    assert len(candidates) > 1, "nothing in doubt: the test would prove nothing"

    async def step(args: list[str], seconds: float) -> AsyncIterator[float]:
        async with Ffmpeg(FFMPEG).run(args, seconds, cwd=tmp) as run:
            async for fraction in run.progress():
                yield fraction

    found = None
    async for event in sample.choose(Ffmpeg(FFMPEG), info.path, candidates, tmp, step):
        if isinstance(event, sample.Verdict):
            found = event
    assert found is not None
    return found


TIGHT = Want(target=120_000, target_asked=True, shrink=True)
"""120 kB for 2 s of 1080p: 450 kbit/s, too few bits per pixel for the full size at first
sight, and exactly where calm and grainy footage part ways."""


async def test_calm_footage_at_a_tight_target_keeps_its_full_size(
    footage: dict[str, Path], tmp_path: Path
) -> None:
    info = await probe(footage["calm"])
    first_sight = planning.plan(info, TIGHT)
    assert first_sight.short_side < 1080  # what a bits-per-pixel rule alone would deliver
    found = await verdict(info, TIGHT, tmp_path)
    assert found.plan.short_side == 1080 and found.sizes[0] == 1080
    assert found.scores[0] == max(found.scores)  # kept because it scored best
    recording = Recording()
    outcome = await run_encode(recording, info, TIGHT, tmp_path / "calm-out.mp4")
    assert outcome.height == 1080 and outcome.size <= TIGHT.target  # type: ignore[operator]
    assert outcome.note is None  # nothing to say about a smaller picture


async def test_grainy_footage_at_the_same_target_steps_down(
    footage: dict[str, Path], tmp_path: Path
) -> None:
    info = await probe(footage["noisy"])
    found = await verdict(info, TIGHT, tmp_path)
    assert found.plan.short_side < 1080
    chosen = found.sizes.index(found.plan.short_side)
    assert found.scores[chosen] > found.scores[0] + sample.MARGIN[found.metric]
    recording = Recording()
    outcome = await run_encode(recording, info, TIGHT, tmp_path / "noisy-out.mp4")
    assert recording.sampled()
    assert outcome.height == found.plan.short_side
    assert outcome.size <= TIGHT.target  # type: ignore[operator]
    assert outcome.note == "engine_stepped_down"
    # pass 1 ran once, at the size the sample chose: never analysed at one size, then another
    (first,) = recording.passes(1)
    assert f"scale={outcome.width}:{outcome.height}" in " ".join(first)


async def test_a_clear_first_pass_keeps_the_full_size_without_a_sample(
    footage: dict[str, Path], tmp_path: Path
) -> None:
    # 2.4 Mbit/s for calm 1080p: in doubt on paper (under SURE_BPP) but planned at the full size,
    # so the encode's own pass 1 runs first; it finds bits to spare, and nothing is sampled
    info = await probe(footage["calm"])
    want = Want(target=600_000, target_asked=True, shrink=True)
    planned = planning.plan(info, want)
    assert len(planning.sample_sizes(info, want, planned)) > 1 and planned.short_side == 1080
    found = await verdict(info, want, tmp_path)  # the sample, had it run, agrees
    assert found.metric == "qp" and found.plan.short_side == 1080
    recording = Recording()
    outcome = await run_encode(recording, info, want, tmp_path / "out.mp4")
    assert outcome.height == 1080 and outcome.size <= 600_000
    assert not any("-filter_complex" in a for a in recording.runs)  # no sample at all
    (first,) = recording.passes(1)
    assert "scale=1920:1080" in " ".join(first)
    logs = {a[a.index("-passlogfile") + 1] for a in recording.passes(1) + recording.passes(2)}
    assert len(logs) == 1


async def test_a_doubtful_first_pass_asks_the_sample_and_steps_down(
    footage: dict[str, Path], tmp_path: Path
) -> None:
    # 1 Mbit/s for grainy 1080p: still planned at the full size, but its pass 1 finds no bits to
    # spare; the sample picks a smaller picture, and pass 2 runs on a pass 1 at that size
    info = await probe(footage["noisy"])
    want = Want(target=250_000, target_asked=True, shrink=True)
    assert planning.plan(info, want).short_side == 1080
    recording = Recording()
    outcome = await run_encode(recording, info, want, tmp_path / "out.mp4")
    assert recording.sampled()
    assert outcome.height < 1080 and outcome.size <= 250_000
    full, chosen = recording.passes(1)
    assert "scale=1920:1080" in " ".join(full)
    assert f"scale={outcome.width}:{outcome.height}" in " ".join(chosen)
    log = chosen[chosen.index("-passlogfile") + 1]
    assert {a[a.index("-passlogfile") + 1] for a in recording.passes(2)} == {log}


async def test_plenty_of_bits_needs_no_sample(clips: Clips, tmp_path: Path) -> None:
    info = await probe(clips.main)
    want = Want(target=400_000, target_asked=True, shrink=True)
    recording = Recording()
    outcome = await run_encode(recording, info, want, tmp_path / "out.mp4")
    assert outcome.height == 240 and outcome.size <= 400_000
    assert not recording.sampled()
    assert recording.runs == recording.passes(1) + recording.passes(2)


async def test_a_correction_reuses_the_statistics_of_pass_one(clips: Clips, tmp_path: Path) -> None:
    # aiming 10% over the budget makes the first pass 2 overshoot: the correction must run pass 2
    # again on the same pass-1 log, never pass 1 again
    info = await probe(clips.main)
    want = Want(target=150_000, target_asked=True, shrink=True)
    recording = Recording()
    outcome = await run_encode(recording, info, want, tmp_path / "out.mp4", fill=1.1)
    assert outcome.size <= 150_000
    firsts, seconds = recording.passes(1), recording.passes(2)
    assert len(firsts) == 1 and len(seconds) >= 2
    logs = {a[a.index("-passlogfile") + 1] for a in firsts + seconds}
    assert len(logs) == 1
    rates = [int(a[a.index("-b:v") + 1]) for a in seconds]
    assert rates[1] < rates[0]  # the correction aimed lower
    assert outcome.attempts == len(seconds)


async def test_a_small_overshoot_is_taken_from_the_sound_not_another_pass(
    tmp_path: Path,
) -> None:
    # aiming 2.5% over makes pass 2 land a percent or so over: one rung less of sound (128k to
    # 96k, 24 kB on 6 s) brings it under, so the picture is kept and only the sound is encoded
    # again
    loud = tmp_path / "loud.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=6,noise=alls=8:allf=t+u",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
           "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-crf", "16",
           "-c:a", "aac", "-b:a", "160k", "-shortest", str(loud))  # fmt: skip
    info = await probe(loud)
    want = Want(target=1_000_000, target_asked=True, shrink=True)
    assert planning.plan(info, want, fill=1.025).audio_bitrate == 128_000
    recording = Recording()
    outcome = await run_encode(recording, info, want, tmp_path / "out.mp4", fill=1.025)
    assert 950_000 <= outcome.size <= 1_000_000
    assert len(recording.passes(2)) == 1
    sound = [a for a in recording.runs if "-pass" not in a and "-filter_complex" not in a]
    assert len(sound) == 1 and "copy" in sound[0][sound[0].index("-c:v") + 1]
    assert outcome.plan.audio_bitrate == 96_000 and outcome.attempts == 1
    delivered = await probe(outcome.path)
    assert delivered.audio_bitrate is not None and delivered.audio_bitrate < 110_000
    assert abs(delivered.duration - info.duration) < 0.1


def test_the_sound_takes_only_a_small_overshoot() -> None:
    info = video(duration=30.0)
    plan = planning.plan(info, Want(target=8_000_000, target_asked=True))
    assert plan.audio_bitrate == 128_000
    saved = 32_000 * 30 / 8  # 120 kB
    over = int(8_000_000 + saved / 2)
    assert planning.quieter(plan, over, Want(target=8_000_000), least=0.95) is not None
    # the sound asked for is never touched; a miss larger than the saving needs a new pass 2
    asked = Want(target=8_000_000, audio_bitrate=128_000)
    assert planning.quieter(plan, over, asked, least=0.95) is None
    assert planning.quieter(plan, int(8_000_000 + saved * 2), Want(), least=0.95) is None
    # a saving that would leave the file under the fill band is better spent on the picture
    assert planning.quieter(plan, 8_000_001, Want(), least=0.99) is None
    # never under 64 kbit/s
    low = planning.plan(info, Want(target=1_500_000, target_asked=True))
    assert low.audio_bitrate <= 64_000
    assert planning.quieter(low, 1_500_100, Want(), least=0.9) is None


@pytest.mark.parametrize("seed", range(3))
async def test_never_over_any_target(clips: Clips, tmp_path: Path, seed: int) -> None:
    """Property: whatever the target (from the floor to past the source) and however far the
    first aim is off, the output is at or under the target, or the target is refused before
    any encoding."""
    rng = random.Random(seed)
    info = await probe(clips.main)
    floor = planning.smallest_reachable(info, Want(target=1, target_asked=True))
    for i in range(4):
        target = rng.randint(floor // 2, info.size * 2)
        fill = rng.choice([0.9, planning.FILL, 1.05, 1.15])
        want, _ = planning.settle(info, Want(target=target, target_asked=True, shrink=True))
        try:
            outcome = await run_encode(Ffmpeg(FFMPEG), info, want, tmp_path / f"{i}.mp4", fill=fill)
        except TargetUnreachable as refused:
            assert target < refused.smallest
            continue
        assert outcome.size <= target, (target, fill, outcome)
        assert outcome.path.stat().st_size == outcome.size


@pytest.mark.parametrize("seed", range(5))
def test_every_plan_and_correction_stays_under_its_target(seed: int) -> None:
    """Property, the arithmetic alone over hundreds of generated sources and targets: a bitrate
    plan's video, audio and index fit its target (or it is refused, naming a size above it), and
    a correction after any overshoot always aims lower than the pass that overshot."""
    rng = random.Random(seed)
    for _ in range(300):
        width = rng.choice([426, 640, 1280, 1920, 3840])
        info = video(width, width * 9 // 16, rng.uniform(1.0, 900.0),
                     fps=rng.choice([24.0, 30.0, 60.0]), size=rng.randint(1, 900) * 1_000_000,
                     audio_bitrate=rng.choice([64_000, 128_000, 192_000]))  # fmt: skip
        target = rng.randint(50_000, 60_000_000)
        want = Want(target=target, target_asked=True, shrink=True)
        try:
            plan = planning.plan_bitrate(info, want)
        except TargetUnreachable as refused:
            assert refused.smallest > target
            continue
        fps = plan.fps or info.fps
        index = planning.muxing_overhead(plan.duration, fps, plan.audio_bitrate > 0)
        media = (plan.video_bitrate + plan.audio_bitrate) * plan.duration / 8
        assert media + index <= target, (info, target, plan)
        for over in (1.0001, 1.01, 1.2, 3.0):
            lower = planning.correct(plan, int(target * over) + 1, source_fps=info.fps)
            at_floor = plan.video_bitrate <= max(planning.MIN_VIDEO, planning.MIN_FRAME_BITS * fps)
            assert lower.video_bitrate < plan.video_bitrate or at_floor


def test_sample_stretches_start_on_keyframes_and_stay_inside() -> None:
    # the points are 22, 40 and 58 s: each stretch starts at the next keyframe from there
    parts = sample.segments(10.0, 60.0, keyframes=[0.0, 10.0, 22.5, 41.0, 58.0, 69.5])
    assert [start for start, _ in parts] == [22.5, 41.0, 58.0]
    assert all(s >= 10.0 and s + d <= 70.0 for s, d in parts)
    # one keyframe in reach: the three stretches become one of the same total length
    merged = sample.segments(0.0, 30.0, keyframes=[0.0])
    assert merged == [(0.0, pytest.approx(sum(d for _, d in sample.segments(0.0, 30.0))))]
    assert sample.segments(0.0, 2.0) == [(0.0, 0.8)]


def test_sizes_in_doubt_bracket_the_plan() -> None:
    info = video(1920, 1080, 30.0)
    roomy = planning.plan(info, Want(target=25_000_000, target_asked=True))
    assert planning.sample_sizes(info, Want(target=25_000_000, target_asked=True), roomy) == [roomy]
    tight = Want(target=2_000_000, target_asked=True)
    planned = planning.plan(info, tight)
    sizes = [p.short_side for p in planning.sample_sizes(info, tight, planned)]
    assert planned.short_side in sizes and sizes == sorted(sizes, reverse=True)
    assert sizes[0] > planned.short_side  # the full size gets its chance back
    asked = Want(target=2_000_000, target_asked=True, height=720)
    assert len(planning.sample_sizes(info, asked, planning.plan(info, asked))) == 1
