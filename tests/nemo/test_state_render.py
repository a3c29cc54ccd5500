"""State as a timeline (summary, diff, unknown keys kept), renders of every shape, links."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.backends.base import ExportResult, Progress, TurnContext
from bot.backends.nemo import NemoBackend
from bot.backends.nemo._payloads import Draft
from bot.errors import NoInput, RenderFailed
from bot.timeline import diff
from tests.fakes.nemovideo import FakeNemo, mp4ish_bytes
from tests.nemo.conftest import BackendFactory

CTX = TurnContext(locale="en", upload_limit=50_000_000)

SEED_DRAFT: dict[str, Any] = {
    "t": [
        {"tt": 0, "sg": [{"s": 0, "d": 10000, "m": {"name": "city timelapse"}}], "d": 10000},
        {"tt": 1, "sg": [{"s": 0, "d": 10000}], "m": {"name": "Lo-fi", "volume": 35}},
        {"tt": 7, "sg": [{"s": 0, "d": 3000}], "m": {"text": "Urban Dreams"}, "style": {"x": 1}},
    ],
    "d": 10000,
    "m": {"title": "project", "width": 1920, "height": 1080},
    "canvas": {"bg": "#000"},
}


async def _session_with(backend: NemoBackend, fake: FakeNemo, draft: Any) -> str:
    session = await backend.open_session("en")
    fake.set_draft(session, draft)
    return session


async def test_summary_in_the_seed_format(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    timeline = await backend.state(session)
    assert timeline.summary("en") == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )
    assert timeline.summary("zh").startswith("时间线（3 条轨道）：1. 视频: city timelapse (0-10s)")
    assert timeline.exportable
    assert [t.segments for t in timeline.tracks] == [1, 1, 1]


def test_draft_model_keeps_unknown_keys() -> None:
    draft = Draft.model_validate(SEED_DRAFT)
    assert [track.tt for track in draft.t] == [0, 1, 7]
    assert draft.exportable
    assert draft.model_dump(exclude_unset=True) == SEED_DRAFT


async def test_draft_at_data_level(backend: NemoBackend, fake: FakeNemo) -> None:
    fake.draft_at = "data"
    session = await _session_with(backend, fake, SEED_DRAFT)
    assert len((await backend.state(session)).tracks) == 3


async def test_diff_after_a_silent_turn(backend: NemoBackend, fake: FakeNemo) -> None:
    video = {"tt": 0, "sg": [{"s": 0, "d": 30000, "m": {"name": "clip"}}]}
    session = await _session_with(backend, fake, {"t": [video]})
    before = await backend.state(session)
    trimmed = {"tt": 0, "sg": [{"s": 0, "d": 10000, "m": {"name": "clip"}}]}
    bgm = {"tt": 1, "sg": [{"s": 0, "d": 10000}], "m": {"name": "Lo-fi", "volume": 0.35}}
    fake.set_draft(session, {"t": [trimmed, bgm]})
    after = await backend.state(session)
    assert diff(before, after, "en") == ["trimmed Video to 0-10s", "added a BGM track"]


async def test_empty_and_odd_drafts(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, {"t": [], "d": 0})
    empty = await backend.state(session)
    assert not empty.exportable
    assert empty.summary("en") == "The timeline is empty: send a video to start."
    odd = {"t": [{"tt": 42, "d": 5000, "m": {"title": "fx"}, "future": [1]}], "novel": True}
    fake.set_draft(session, odd)
    (track,) = (await backend.state(session)).tracks
    assert (track.kind, track.name, track.end, track.segments) == ("other", "fx", 5.0, 0)


async def test_export_sends_the_draft_back_unchanged(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=0)
    render_id = await backend.start_export(session, "render_job1", CTX)
    assert render_id == "render_job1"
    render = fake.renders["render_job1"]
    assert render.draft == SEED_DRAFT  # unknown keys ("canvas", "style") survive
    assert render.output == {"format": "mp4", "quality": "high"}
    submit = fake.calls("render_submit")[0].json
    assert submit["sessionId"] == session and "session_id" not in submit


async def test_nothing_to_export(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, {"t": [{"tt": 0, "sg": []}]})
    with pytest.raises(NoInput):
        await backend.start_export(session, "render_none", CTX)
    assert fake.calls("render_submit") == []


@pytest.mark.parametrize("envelope", ["bare", "success"])
@pytest.mark.parametrize("shape", ["output.url", "outputUrl", "data.outputUrl", "data.output.url"])
async def test_render_completes_with_each_url_shape(
    shape: str, envelope: str, backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=3, url_shape=shape, envelope=envelope, size=150_000)  # type: ignore[arg-type]
    render_id = await backend.start_export(session, "render_a", CTX)
    events = [event async for event in backend.watch_export(render_id)]

    *progress, result = events
    assert all(isinstance(p, Progress) for p in progress)
    percents = [p.percent for p in progress if isinstance(p, Progress)]
    assert percents == sorted(percents) and len(percents) >= 2
    assert isinstance(result, ExportResult)
    assert result.url == f"{fake.url}/render-result/render_a.mp4"
    assert result.filename == "render_a.mp4"
    if shape.endswith("output.url"):
        assert (result.size, result.duration) == (150_000, 10.0)
    async with backend.open_result(result) as stream:
        body = b"".join([chunk async for chunk in stream])
    assert body == mp4ish_bytes(150_000)
    assert fake.renders["render_a"].downloads == 1


@pytest.mark.parametrize("envelope", ["bare", "success"])
@pytest.mark.parametrize("error_at", ["error", "data.error"])
async def test_render_fails(
    envelope: str, error_at: str, backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    options: dict[str, Any] = {"envelope": envelope, "error_at": error_at}
    fake.script_render(polls=1, outcome="failed", error="GPU on fire", **options)
    render_id = await backend.start_export(session, "render_f", CTX)
    with pytest.raises(RenderFailed) as caught:
        async for _ in backend.watch_export(render_id):
            pass
    assert "GPU on fire" in caught.value.detail


async def test_duplicate_render_id_is_retried_once_with_a_new_id(
    backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=0, duplicate_id_first=True)
    render_id = await backend.start_export(session, "render_dup", CTX)
    assert render_id != "render_dup" and render_id.startswith("render_dup-")
    assert list(fake.renders) == [render_id]
    assert len(fake.calls("render_submit")) == 2
    events = [e async for e in backend.watch_export(render_id)]
    assert isinstance(events[-1], ExportResult)


async def test_fallback_download_route(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=0, size=70_000)
    render_id = await backend.start_export(session, "render_fb", CTX)
    [result] = [e async for e in backend.watch_export(render_id)]
    assert isinstance(result, ExportResult)
    without_url = ExportResult(job_id=result.job_id, filename=result.filename)
    async with backend.open_result(without_url) as stream:
        sizes = [len(chunk) async for chunk in stream]
    assert sum(sizes) == 70_000
    assert fake.calls("render_download")[-1].path == f"/api/render/proxy/{render_id}/download"


async def test_download_is_streamed_in_bounded_chunks(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=0, size=5_000_000)
    render_id = await backend.start_export(session, "render_big", CTX)
    [result] = [e async for e in backend.watch_export(render_id)]
    assert isinstance(result, ExportResult)
    async with backend.open_result(result) as stream:
        sizes = [len(chunk) async for chunk in stream]
    assert sum(sizes) == 5_000_000
    assert max(sizes) <= 256 * 1024 and len(sizes) > 10


async def test_cancel(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=50)
    render_id = await backend.start_export(session, "render_c", CTX)
    await backend.cancel_export(render_id)
    assert fake.renders[render_id].cancelled
    with pytest.raises(RenderFailed, match="cancelled"):
        async for _ in backend.watch_export(render_id):
            pass


async def test_poll_interval_is_configurable(open_backend: BackendFactory, fake: FakeNemo) -> None:
    async with open_backend(nemo_render_poll_interval=0.15) as backend:
        session = await _session_with(backend, fake, SEED_DRAFT)
        fake.script_render(polls=2)
        render_id = await backend.start_export(session, "render_p", CTX)
        started = time.monotonic()
        events = [e async for e in backend.watch_export(render_id)]
        elapsed = time.monotonic() - started
    assert fake.renders[render_id].polls == 3
    assert elapsed >= 0.3  # two waits between three polls
    assert isinstance(events[-1], ExportResult)


async def test_render_watch_is_bounded(open_backend: BackendFactory, fake: FakeNemo) -> None:
    async with open_backend(nemo_render_timeout=0.2) as backend:
        session = await _session_with(backend, fake, SEED_DRAFT)
        fake.script_render(polls=10_000)
        render_id = await backend.start_export(session, "render_slow", CTX)
        with pytest.raises(RenderFailed, match="not done"):
            async for _ in backend.watch_export(render_id):
                pass


async def test_unknown_render_status_is_logged_once_and_waited_on(
    backend: NemoBackend, fake: FakeNemo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.backends.nemo")
    session = await _session_with(backend, fake, SEED_DRAFT)
    fake.script_render(polls=0)
    render_id = await backend.start_export(session, "render_u", CTX)
    fake.fail("render_poll", body={"status": "warming_up", "progress": 1}, times=3)
    events = [e async for e in backend.watch_export(render_id)]
    assert isinstance(events[-1], ExportResult)
    warnings = [r for r in caplog.records if "warming_up" in r.getMessage()]
    assert len(warnings) == 1


async def test_language_credits_and_links(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await backend.open_session("zh")
    assert fake.sessions[session].language == "zh-CN"
    credits = await backend.credits()
    assert (credits.available, credits.frozen, credits.total) == (25000, 40, 25040)
    fake.credits = {"available": 10, "frozen": 5}
    assert (await backend.credits()).total == 15
    link = await backend.claim_link(session)
    assert link.startswith("https://web.example/workspace/claim?ct=clm_")
    assert fake.calls("claim")[0].json == {
        "task_id": fake.sessions[session].task_id,
        "session_id": session,
    }
    assert (
        backend.bind_link() == f"https://web.example/register?bind={fake.sessions[session].user_id}"
    )
