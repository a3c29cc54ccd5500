"""The local backend end to end on real clips: sizes never over target, awkward inputs, refusals,
queue, cancel, exports, restarts and the disk budget."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path

import av
import pytest

from bot.backends.base import (
    ExportResult,
    Failure,
    Progress,
    ResultReady,
    Text,
    TurnContext,
    TurnEnded,
    TurnEvent,
)
from bot.backends.local import LocalBackend
from bot.errors import (
    CorruptInput,
    FileTooLarge,
    InputError,
    NoInput,
    NoResult,
    NotAVideo,
    RenderFailed,
    TargetUnreachable,
    UnclearRequest,
)
from bot.media import probe
from tests.local.conftest import (
    BackendFactory,
    Clips,
    ffmpeg,
    ffmpeg_processes_under,
    file_attachment,
)

EN = TurnContext(locale="en", upload_limit=50_000_000, chat="test:1")
ZH = TurnContext(locale="zh", upload_limit=50_000_000, chat="test:2")


async def run_turn(
    backend: LocalBackend, session: str, text: str, ctx: TurnContext = EN
) -> list[TurnEvent]:
    events: list[TurnEvent] = []
    async with asyncio.timeout(90):
        async for event in backend.turn(session, text, ctx):
            events.append(event)
    assert isinstance(events[-1], TurnEnded)
    return events


def results(events: list[TurnEvent]) -> list[ExportResult]:
    return [e.result for e in events if isinstance(e, ResultReady)]


def only_result(events: list[TurnEvent]) -> ExportResult:
    found = results(events)
    assert len(found) == 1, events
    return found[0]


async def session_with(backend: LocalBackend, *paths: Path, locale: str = "en") -> str:
    session = await backend.open_session(locale)
    for path in paths:
        await backend.upload(session, file_attachment(path))
    return session


def stream_facts(path: Path) -> tuple[str, int, bool]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return video.codec_context.pix_fmt or "", len(container.streams.audio), True


@pytest.mark.parametrize("target", [200_000, 120_000])
async def test_size_targets_are_met_and_never_exceeded(
    backend_factory: BackendFactory, clips: Clips, target: int
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        events = await run_turn(backend, session, f"compress to under {target // 1000}KB")
        result = only_result(events)
        assert result.path is not None and result.size == result.path.stat().st_size
        assert result.size <= target
        assert result.size >= target * 0.85
        info = await probe(result.path)
        assert info.codec == "h264" and info.pix_fmt == "yuv420p" and info.has_audio
        assert info.duration == pytest.approx(4.0, abs=0.15)
        assert isinstance(events[0], Text) and "KB" in events[0].text
        stages = {e.stage for e in events if isinstance(e, Progress)}
        assert {"stage_pass1", "stage_pass2"} <= stages
        assert f"{target / 1000:.1f} KB" in result.summary


async def test_overshoot_is_encoded_again_until_under(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    # aiming 10% over the budget makes the first pass 2 overshoot: the check must catch it
    async with backend_factory(fill=1.1) as backend:
        session = await session_with(backend, clips.main)
        events = await run_turn(backend, session, "under 150KB")
        assert "stage_retry" in {e.stage for e in events if isinstance(e, Progress)}
        assert only_result(events).size <= 150_000


async def test_tight_target_steps_down_the_resolution(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.long)
        events = await run_turn(backend, session, "under 110KB")
        result = only_result(events)
        assert result.size <= 110_000
        assert result.height is not None and result.height < 360 and result.height >= 240
        assert any(isinstance(e, Text) and "240p" in e.text for e in events)


async def test_grain_measured_on_a_sample_steps_the_resolution_down(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    # enough bits per pixel on paper: the full size's own pass 1 runs first and finds no bits to
    # spare, then the sample finds the grain looks better at 240p, and pass 1 runs at 240p
    async with backend_factory() as backend:
        session = await session_with(backend, clips.grainy)
        events = await run_turn(backend, session, "under 90KB")
        result = only_result(events)
        assert result.size is not None and result.size <= 90_000
        assert result.height == 240
        stages = [e.stage for e in events if isinstance(e, Progress) and e.stage != "stage_queued"]
        steps = [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
        assert steps[:4] == ["stage_pass1", "stage_sample", "stage_pass1", "stage_pass2"]
        bar = [e.percent for e in events if isinstance(e, Progress) and e.percent is not None]
        assert bar == sorted(bar)  # re-weighed as the sample adds work, never back
        assert any(isinstance(e, Text) and "240p" in e.text for e in events)
        # with room to spare it keeps the full size
        roomy = only_result(await run_turn(backend, session, "under 300KB"))
        assert roomy.height == 360


async def test_rotated_phone_video_comes_out_upright(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.rotated)
        result = only_result(await run_turn(backend, session, "under 150KB"))
        assert result.path is not None
        info = await probe(result.path)
        assert (info.width, info.height, info.rotation) == (240, 320, 0)
        assert result.size <= 150_000


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("odd", "under 100KB"),
        ("vfr", "under 100KB"),
        ("tenbit", "under 60KB"),
        ("silent", "720p, H.265"),
    ],
)
async def test_awkward_inputs_become_plain_playable_mp4(
    backend_factory: BackendFactory, clips: Clips, name: str, text: str
) -> None:
    source = await probe(getattr(clips, name))
    async with backend_factory() as backend:
        session = await session_with(backend, source.path)
        result = only_result(await run_turn(backend, session, text))
        assert result.path is not None
        info = await probe(result.path)
        assert info.width % 2 == 0 and info.height % 2 == 0
        assert info.pix_fmt == "yuv420p" and info.bit_depth == 8
        assert info.duration == pytest.approx(source.duration, abs=0.2)
        assert info.has_audio == source.has_audio
        assert info.width / info.height == pytest.approx(source.width / source.height, rel=0.02)
        if "KB" in text:
            assert result.size <= int(text.split()[1].removesuffix("KB")) * 1000


async def test_lossless_request_never_grows_the_file(
    backend_factory: BackendFactory, clips: Clips, tmp_path: Path
) -> None:
    rough = tmp_path / "rough.mp4"
    ffmpeg("-i", str(clips.main), "-c:v", "libx264", "-crf", "38", "-c:a", "copy", str(rough))
    async with backend_factory() as backend:
        session = await session_with(backend, rough)
        events = await run_turn(backend, session, "compress without losing quality")
        result = only_result(events)
        assert result.size == rough.stat().st_size
        assert result.path is not None and result.path.read_bytes() == rough.read_bytes()
        assert any(isinstance(e, Text) and "original" in e.text for e in events)


async def test_chinese_request_gets_chinese_answers(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main, locale="zh")
        events = await run_turn(backend, session, "把视频压缩到150KB以内", ZH)
        assert isinstance(events[0], Text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in events[0].text)
        result = only_result(events)
        assert result.size <= 150_000 and "目标" in result.summary


async def test_all_applies_to_every_upload(backend_factory: BackendFactory, clips: Clips) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main, clips.silent)
        latest = results(await run_turn(backend, session, "under 150KB"))
        assert [r.filename for r in latest] == ["silent-240p.mp4"]
        every = results(await run_turn(backend, session, "compress all to under 150KB"))
        assert sorted(r.filename for r in every) == ["main-240p.mp4", "silent-240p.mp4"]
        assert all(r.size is not None and r.size <= 150_000 for r in every)
        timeline = await backend.state(session)
        assert [t.name for t in timeline.tracks] == ["main.mp4", "silent.mp4"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("image", NotAVideo),
        ("text", NotAVideo),
        ("audio", NotAVideo),
        ("empty", CorruptInput),
        ("truncated", CorruptInput),
        ("headless", CorruptInput),
        ("zero", CorruptInput),
        ("absurd", CorruptInput),
    ],
)
async def test_bad_uploads_are_refused_and_leave_nothing(
    backend_factory: BackendFactory, clips: Clips, name: str, error: type[InputError]
) -> None:
    async with backend_factory() as backend:
        session = await backend.open_session("en")
        with pytest.raises(error):
            await backend.upload(session, file_attachment(getattr(clips, name), name="clip.mp4"))
        left = sorted(p.name for p in backend.workspace.dir(session).iterdir())
        assert left == ["manifest.json"]
        assert (await backend.state(session)).tracks == ()


async def test_mime_says_image_before_a_byte_is_read(backend_factory: BackendFactory) -> None:
    def never() -> contextlib.AbstractAsyncContextManager[object]:
        raise AssertionError("the stream was opened")

    from bot.models import Attachment

    async with backend_factory() as backend:
        session = await backend.open_session("en")
        attachment = Attachment(name="cat.mp4", size=10, mime="image/png", open=never)  # type: ignore[arg-type]
        with pytest.raises(NotAVideo):
            await backend.upload(session, attachment)


async def test_refusals_come_before_any_encoding(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        empty = await backend.open_session("en")
        events = await run_turn(backend, empty, "under 8MB")
        assert isinstance(events[0], Failure) and isinstance(events[0].error, NoInput)

        session = await session_with(backend, clips.main)
        events = await run_turn(backend, session, "make it nice")
        assert isinstance(events[0], Failure) and isinstance(events[0].error, UnclearRequest)
        assert events[-1] == TurnEnded(saw_text=False)

        events = await run_turn(backend, session, "under 5KB")
        assert len(events) == 2 and isinstance(events[0], Failure)
        error = events[0].error
        assert isinstance(error, TargetUnreachable)
        assert error.target == 5_000 and error.smallest > 5_000
        assert not list(backend.workspace.dir(session).glob("out-*"))

        ok = only_result(await run_turn(backend, session, f"under {error.smallest // 1000}KB"))
        assert ok.size is not None and ok.size <= error.smallest


async def test_cancel_mid_encode_kills_ffmpeg_and_removes_its_files(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.long)
        directory = backend.workspace.dir(session)
        encoding = asyncio.Event()

        async def consume() -> None:
            async for event in backend.turn(session, "under 400KB", EN):
                if isinstance(event, Progress) and event.stage == "stage_pass1":
                    encoding.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(encoding.wait(), 30)
        assert ffmpeg_processes_under(directory), "ffmpeg should be running"
        assert list(directory.glob(".tmp-*"))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ffmpeg_processes_under(directory) == []
        assert sorted(p.name for p in directory.iterdir() if not p.name.startswith("upload-")) == [
            "manifest.json"
        ]
        assert backend.pool.running == 0 and backend.pool.waiting == 0


async def test_second_encode_waits_in_line_with_its_position(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory(encode_workers=1) as backend:
        first = await session_with(backend, clips.long)
        second = await session_with(backend, clips.main)
        started = asyncio.Event()
        first_events: list[TurnEvent] = []

        async def run_first() -> None:
            async for event in backend.turn(first, "under 400KB", EN):
                first_events.append(event)
                if isinstance(event, Progress) and event.stage == "stage_pass1":
                    started.set()

        task = asyncio.create_task(run_first())
        await asyncio.wait_for(started.wait(), 30)
        second_events = await run_turn(backend, second, "under 150KB")
        await asyncio.wait_for(task, 60)
        queued = [e for e in second_events if isinstance(e, Progress) and e.queue_position]
        assert queued and queued[0].queue_position == 1 and queued[0].stage == "stage_queued"
        assert only_result(first_events).size is not None
        assert only_result(second_events).size is not None


async def export_events(backend: LocalBackend, job: str) -> list[object]:
    events: list[object] = []
    async with asyncio.timeout(60):
        async for event in backend.watch_export(job):
            events.append(event)
    return events


async def test_export_with_no_result_says_so_and_never_hands_back_the_original(
    backend_factory: BackendFactory, clips: Clips, tmp_path: Path
) -> None:
    # after a failed encode, /export handed back the untouched upload as if it were the result
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'Could not open encoder' >&2\nexit 187\n")
    broken.chmod(0o755)
    async with backend_factory(ffmpeg_path=broken) as backend:
        session = await session_with(backend, clips.main)
        events = await run_turn(backend, session, "under 150KB")
        assert [type(e.error) for e in events if isinstance(e, Failure)] == [RenderFailed]
        assert not results(events)
        job = await backend.start_export(session, "job-1", EN)
        with pytest.raises(NoResult):
            await export_events(backend, job)
        assert backend.workspace.load(session).exports == {}
    async with backend_factory() as backend:
        fresh = await session_with(backend, clips.main)  # a video, and no request yet
        with pytest.raises(NoResult):
            await export_events(backend, await backend.start_export(fresh, "job-2", EN))


async def test_export_hands_over_a_result_and_release_deletes(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        made = only_result(await run_turn(backend, session, "under 150KB"))
        result = (await export_events(backend, await backend.start_export(session, "j", EN)))[-1]
        assert isinstance(result, ExportResult) and result.path == made.path
        received = bytearray()
        async with backend.open_result(result) as stream:
            async for chunk in stream:
                received += chunk
        assert result.path is not None and bytes(received) == result.path.read_bytes()
        await backend.release(result)
        assert not result.path.exists()
        assert backend.workspace.load(session).outputs == []
        with pytest.raises(NoResult):  # sent already: nothing is made up in its place
            await export_events(backend, await backend.start_export(session, "j2", EN))


async def test_export_hands_over_a_result_a_turn_left(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        made = only_result(await run_turn(backend, session, "under 150KB"))
        job = await backend.start_export(session, "job-2", EN)
        events = [e async for e in backend.watch_export(job)]
        exported = events[-1]
        assert isinstance(exported, ExportResult) and exported.path == made.path
        assert not [e for e in events if isinstance(e, Progress)]


async def test_sessions_survive_a_restart_and_leftovers_are_cleaned(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        directory = backend.workspace.dir(session)
    (directory / ".tmp-crashed").mkdir()
    (directory / ".tmp-crashed" / "pass-0.log").write_text("x")
    (directory / "upload-half.mp4.part").write_bytes(b"x" * 100)
    async with backend_factory() as backend:
        tracks = (await backend.state(session)).tracks
        assert [t.name for t in tracks] == ["main.mp4"]
        assert not (directory / ".tmp-crashed").exists()
        assert not (directory / "upload-half.mp4.part").exists()
        assert only_result(await run_turn(backend, session, "under 150KB")).size


async def test_disk_budget_evicts_old_sessions_then_refuses(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    size = clips.main.stat().st_size
    async with backend_factory(work_disk_budget=int(size * 1.5)) as backend:
        old = await session_with(backend, clips.main)
        new = await session_with(backend, clips.main)
        assert (await backend.state(old)).tracks == ()
        assert len((await backend.state(new)).tracks) == 1
        with pytest.raises(FileTooLarge):
            await backend.upload(new, file_attachment(clips.long))
        assert len(list(backend.workspace.dir(new).glob("upload-*"))) == 1


async def test_progress_spans_both_passes_with_an_eta_about_once_a_second(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.long)
        stamped: list[tuple[float, Progress]] = []
        loop = asyncio.get_running_loop()
        async for event in backend.turn(session, "under 400KB", EN):
            if isinstance(event, Progress) and event.stage != "stage_queued":
                stamped.append((loop.time(), event))
        percents = [p.percent or 0.0 for _, p in stamped]
        assert percents == sorted(percents)
        assert percents[0] < 50.0 and percents[-1] >= 50.0
        stages = [p.stage for _, p in stamped]
        starts = [i for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
        last1 = max(i for i in starts if stages[i] == "stage_pass1")
        first2 = stages.index("stage_pass2")
        # pass 2 starts where the last pass 1's share ends: the fast first pass weighs less than
        # pass 2, so it takes less than half of what was left of the bar
        left = 100.0 - percents[last1]
        assert last1 < first2 and 0 < percents[first2] - percents[last1] < left / 2
        assert any(p.eta is not None for _, p in stamped)
        same_stage = itertools.pairwise(stamped)
        gaps = [b[0] - a[0] for a, b in same_stage if a[1].stage == b[1].stage]
        assert all(gap >= 0.9 for gap in gaps)


async def test_a_finished_export_is_handed_over_after_a_restart(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        only_result(await run_turn(backend, session, "under 150KB"))
        job = await backend.start_export(session, "job/restart 1", EN)
        first = [e async for e in backend.watch_export(job)][-1]
        assert isinstance(first, ExportResult) and first.path is not None
    async with backend_factory() as backend:
        again = [e async for e in backend.watch_export(job)][-1]
        assert isinstance(again, ExportResult)
        assert again.path == first.path and again.job_id == job
        await backend.release(again)
        assert not first.path.exists()
        assert backend.workspace.load(session).exports == {}
        with pytest.raises(Exception, match="no local export"):
            async for _ in backend.watch_export(job):
                pass


async def test_start_up_drops_directories_that_are_not_sessions(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        root = backend.workspace.root
    (root / "stray").mkdir()
    broken = root / ("ab" * 16)
    broken.mkdir()
    (broken / "manifest.json").write_text('{"id": "cut sh')
    async with backend_factory() as backend:
        assert sorted(p.name for p in root.iterdir()) == [session]
        assert len((await backend.state(session)).tracks) == 1


@pytest.mark.parametrize(("codec", "name"), [("H.265", "hevc"), ("VP9", "vp9"), ("AV1", "av1")])
async def test_other_codecs_hit_their_targets_too(
    backend_factory: BackendFactory, clips: Clips, codec: str, name: str
) -> None:
    async with backend_factory() as backend:
        session = await session_with(backend, clips.main)
        result = only_result(await run_turn(backend, session, f"under 120KB, {codec}"))
        assert result.path is not None and result.size is not None
        assert result.size <= 120_000
        info = await probe(result.path)
        assert info.codec == name and info.pix_fmt == "yuv420p"
        assert codec in result.summary
