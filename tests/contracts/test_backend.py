"""What every `Backend` must do for the core, run against each implementation in `HARNESSES`.

NemoVideo runs against its fake (tests/fakes/nemovideo.py) over loopback; the local engine runs
real ffmpeg on a small generated clip. A new backend is one more harness: until it passes every
test here, this file is its checklist. What is particular to one backend stays in its own
directory (tests/nemo, tests/local).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.backends.base import (
    Backend,
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
from bot.backends.nemo import NemoBackend
from bot.errors import ClipbridgeError, InputError, NoCredits, SessionNotFound
from bot.store import SqliteStore
from bot.streams import file_attachment
from tests.clips import make_clip
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.nemo.conftest import FAST
from tests.support.settings import make_settings, nemo_at

CTX = TurnContext(locale="en", upload_limit=50_000_000, chat="contract:1")
WAIT = 60.0  # seconds: a bound for a hung backend, not an expected duration


@dataclass
class Harness:
    """One backend, opened, with what a test needs to drive it."""

    backend: Backend
    clip: Path  # a video the backend accepts
    instruction: str  # a turn that does some work on the clip
    slow_turn: Callable[[], tuple[Path, str]]  # a clip and a turn on it long enough to cancel
    slow_export: Callable[[], None]  # the next export takes long enough to cancel
    fail_next_turn: Callable[[], type[ClipbridgeError]] | None  # a service error, mapped


OpenHarness = Callable[[Path], AbstractAsyncContextManager[Harness]]


@asynccontextmanager
async def nemo(tmp: Path) -> AsyncIterator[Harness]:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeNemo())
        store = await stack.enter_async_context(SqliteStore(tmp / "nemo.sqlite3"))
        backend = await stack.enter_async_context(
            NemoBackend(make_settings(tmp, nemo_at(fake.url)), store, **FAST)
        )

        def slow_turn() -> tuple[Path, str]:
            fake.script_turn(adk_text("Working on it", pieces=1), pause(30), adk_text("Done"))
            return clip, "make it cinematic"

        def slow_export() -> None:
            fake.script_render(polls=1000)

        def fail_next_turn() -> type[ClipbridgeError]:
            fake.fail("turn", code=2001, message="Insufficient credits")
            return NoCredits

        clip = make_clip(tmp / "clip.mp4", duration=1)
        yield Harness(
            backend, clip, "compress to under 200KB", slow_turn, slow_export, fail_next_turn
        )


@asynccontextmanager
async def local(tmp: Path) -> AsyncIterator[Harness]:
    settings = make_settings(tmp, backend="local")
    async with LocalBackend(settings) as backend:

        def slow_turn() -> tuple[Path, str]:
            return make_clip(tmp / "long.mp4", size="640x360", duration=20), "compress to 300KB"

        clip = make_clip(tmp / "clip.mp4", duration=1)
        yield Harness(backend, clip, "compress to under 200KB", slow_turn, lambda: None, None)


HARNESSES: dict[str, OpenHarness] = {"nemo": nemo, "local": local}


@pytest.fixture(params=sorted(HARNESSES))
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with HARNESSES[request.param](tmp_path) as opened:
        yield opened


async def _events(backend: Backend, session: str, text: str) -> list[TurnEvent]:
    async def run() -> list[TurnEvent]:
        return [event async for event in backend.turn(session, text, CTX)]

    return await asyncio.wait_for(run(), WAIT)


async def _with_clip(harness: Harness) -> str:
    session = await harness.backend.open_session("en")
    await harness.backend.upload(session, file_attachment(harness.clip))
    return session


# sessions and uploads --------------------------------------------------------------------------


async def test_a_session_opens_and_takes_an_upload(harness: Harness) -> None:
    backend = harness.backend
    assert backend.name in ("nemo", "local")
    session = await backend.open_session("en")
    assert session and session != await backend.open_session("zh"), "each session is new"
    assert (await backend.state(session)).tracks == ()
    uploaded = await backend.upload(session, file_attachment(harness.clip))
    assert uploaded.name == harness.clip.name and uploaded.kind == "video"
    assert (await backend.state(session)).tracks, "the upload shows on the timeline"


async def test_something_that_is_not_a_video_is_refused_before_it_is_kept(
    harness: Harness, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n" * 100)
    session = await harness.backend.open_session("en")
    with pytest.raises(InputError):
        await harness.backend.upload(session, file_attachment(text))
    assert (await harness.backend.state(session)).tracks == ()


# turns -----------------------------------------------------------------------------------------


async def test_a_turn_says_something_and_ends_with_turn_ended(harness: Harness) -> None:
    session = await _with_clip(harness)
    events = await _events(harness.backend, session, harness.instruction)
    assert events and isinstance(events[-1], TurnEnded), events
    assert [e for e in events if isinstance(e, TurnEnded)] == [events[-1]], "exactly one, last"
    assert not [e for e in events if isinstance(e, Failure)], events
    assert any(isinstance(e, Text) and e.text.strip() for e in events)
    assert events[-1].saw_text
    for event in events:
        if isinstance(event, Progress) and event.percent is not None:
            assert 0 <= event.percent <= 100


async def test_a_result_of_a_turn_can_be_read_and_released(harness: Harness) -> None:
    session = await _with_clip(harness)
    events = await _events(harness.backend, session, harness.instruction)
    for ready in (e for e in events if isinstance(e, ResultReady)):
        assert await _read(harness.backend, ready.result) > 0
        await harness.backend.release(ready.result)


async def test_a_turn_cancelled_midway_stops_and_the_backend_goes_on(harness: Harness) -> None:
    backend = harness.backend
    session = await backend.open_session("en")
    clip, slow = harness.slow_turn()
    await backend.upload(session, file_attachment(clip))
    started = asyncio.Event()

    async def run() -> None:
        async for event in backend.turn(session, slow, CTX):
            if isinstance(event, Progress | Text):
                started.set()

    task = asyncio.create_task(run())
    await asyncio.wait_for(started.wait(), WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    events = await _events(backend, await _with_clip(harness), harness.instruction)
    assert isinstance(events[-1], TurnEnded) and not any(isinstance(e, Failure) for e in events)


# exports ---------------------------------------------------------------------------------------


async def test_an_export_reports_progress_then_one_readable_result(harness: Harness) -> None:
    backend = harness.backend
    session = await _with_clip(harness)
    await _events(backend, session, harness.instruction)
    job = await backend.start_export(session, "render_contract_1", CTX)
    assert job

    async def watch() -> list[object]:
        return [event async for event in backend.watch_export(job)]

    events = await asyncio.wait_for(watch(), WAIT)
    assert events and isinstance(events[-1], ExportResult), events
    assert all(isinstance(e, Progress) for e in events[:-1]), events
    result = events[-1]
    assert isinstance(result, ExportResult) and result.filename
    assert await _read(backend, result) > 0
    await backend.release(result)


async def test_an_export_with_nothing_to_export_is_an_input_error(harness: Harness) -> None:
    backend = harness.backend
    session = await backend.open_session("en")

    async def export() -> None:
        job = await backend.start_export(session, "render_contract_2", CTX)
        async for _ in backend.watch_export(job):
            pass

    with pytest.raises(ClipbridgeError):
        await asyncio.wait_for(export(), WAIT)


async def test_a_cancelled_export_ends_its_watcher(harness: Harness) -> None:
    """Cancelled before it finished: whoever still watches it hears so, and never waits on."""
    backend = harness.backend
    session = await _with_clip(harness)
    await _events(backend, session, harness.instruction)
    harness.slow_export()
    job = await backend.start_export(session, "render_contract_3", CTX)
    await backend.cancel_export(job)

    async def watch() -> None:
        async for event in backend.watch_export(job):
            assert not isinstance(event, ExportResult), "a cancelled export delivered a result"

    with pytest.raises(ClipbridgeError):
        await asyncio.wait_for(watch(), WAIT)


# failures --------------------------------------------------------------------------------------


async def test_a_session_the_backend_does_not_know_is_session_not_found(harness: Harness) -> None:
    events: list[TurnEvent] = []
    with pytest.raises(SessionNotFound):
        async for event in harness.backend.turn("no-such-session", harness.instruction, CTX):
            events.append(event)
            if isinstance(event, Failure):
                raise event.error


async def test_a_service_error_reaches_the_core_as_its_own_error(harness: Harness) -> None:
    if harness.fail_next_turn is None:
        pytest.skip("no service behind this backend to fail")
    expected = harness.fail_next_turn()
    session = await _with_clip(harness)
    with pytest.raises(expected):
        async for event in harness.backend.turn(session, harness.instruction, CTX):
            if isinstance(event, Failure):
                raise event.error


async def _read(backend: Backend, result: ExportResult) -> int:
    size = 0
    async with backend.open_result(result) as stream:
        async for chunk in stream:
            size += len(chunk)
    return size
