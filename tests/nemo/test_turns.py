"""`/run_sse` turns: each payload and heartbeat form, partial text, errors, cuts, time bounds."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from aiohttp import web

from bot.backends.base import (
    Failure,
    Heartbeat,
    Text,
    ToolActivity,
    TurnContext,
    TurnEnded,
    TurnEvent,
)
from bot.backends.nemo import NemoBackend, NemoClient
from bot.errors import Transient, TurnFailed
from bot.store import SqliteStore
from tests.fakes.nemovideo import (
    FakeNemo,
    adk_error,
    adk_text,
    adk_thought,
    adk_tool_call,
    adk_tool_result,
    change_draft,
    cut,
    error_event,
    event,
    every,
    heartbeat,
    pause,
    raw,
    temporary_issue,
    typed_text,
    typed_tool_call,
    typed_tool_result,
)
from tests.nemo.conftest import FAST, ClientFactory, make_settings


async def _run(
    client: NemoClient, fake: FakeNemo, *steps: object, text: str = "go"
) -> list[TurnEvent]:
    session = (await client.create_session("en")).session_id
    fake.script_turn(*steps)  # type: ignore[arg-type]
    return [event async for event in client.turn(session, text)]


def _texts(events: list[TurnEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Text)]


async def test_adk_turn_with_tool_call_and_partial_text(client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(
        client,
        fake,
        adk_tool_call("compress_video", {"target_mb": 50}),
        adk_tool_result("compress_video", {"ok": True}),
        adk_text("Your video is compressed to 48 MB.", pieces=3),
    )
    assert events == [
        ToolActivity("compress_video", "tool_compressing"),
        Text("Your video is compressed to 48 MB."),
        TurnEnded(saw_text=True),
    ]
    body = fake.calls("turn")[0].json
    assert body == {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": fake.turns[0].session_id,
        "new_message": {"parts": [{"text": "go"}]},
    }
    assert fake.calls("turn")[0].headers["Accept"] == "text/event-stream"


async def test_partials_without_a_final_event_are_joined(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(client, fake, adk_text("Half and half.", pieces=4, final=False))
    assert _texts(events) == ["Half and half."]


async def test_two_messages_stay_two(client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(
        client, fake, adk_text("First.", pieces=2), adk_tool_call("x"), adk_text("Second.")
    )
    assert _texts(events) == ["First.", "Second."]


async def test_typed_events(client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(
        client,
        fake,
        typed_tool_call("generate_video_with_seedance", {"prompt": "city"}),
        heartbeat("typed"),
        typed_tool_result("generate_video_with_seedance", {"ok": True}),
        typed_text("Here is your video."),
    )
    assert events == [
        ToolActivity("generate_video_with_seedance", "tool_generating"),
        Heartbeat(),
        Text("Here is your video."),
        TurnEnded(saw_text=True),
    ]


@pytest.mark.parametrize("kind", ["comment", "empty", "typed"])
async def test_each_heartbeat_form(kind: str, client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(client, fake, heartbeat(kind), heartbeat(kind), adk_text("ok"))  # type: ignore[arg-type]
    assert events == [Heartbeat(), Heartbeat(), Text("ok"), TurnEnded(saw_text=True)]


async def test_thoughts_and_user_role_text_are_not_shown(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(
        client,
        fake,
        adk_thought("let me think"),
        event({"content": {"parts": [{"text": "echo"}], "role": "user"}, "author": "user"}),
        adk_text("Shown."),
    )
    assert _texts(events) == ["Shown."]


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (error_event("quota exceeded in compress_video"), "an error"),
        (error_event("RuntimeError: compress_video({'target_mb': 8})"), "RuntimeError"),
        (adk_error("MALFORMED_FUNCTION_CALL", "quota exceeded in compress_video"), "MALFORMED"),
    ],
    ids=["error-key", "error-exception", "adk-errorCode"],
)
async def test_error_events(step: object, kind: str, client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(client, fake, adk_tool_call("x"), step)
    failures = [e for e in events if isinstance(e, Failure)]
    assert len(failures) == 1
    assert isinstance(failures[0].error, TurnFailed)
    assert kind in failures[0].error.detail
    # The agent's message names tools and arguments: it never reaches a log line people read.
    assert "compress_video" not in failures[0].error.detail
    assert not failures[0].stream_broken
    assert events[-1] == TurnEnded(saw_text=False)


async def test_trailing_temporary_issue_after_work_is_dropped(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(
        client,
        fake,
        adk_tool_call("edit_multitrack"),
        adk_text("Added the music."),
        temporary_issue(),
        heartbeat(),
    )
    assert _texts(events) == ["Added the music."]
    assert events[-1] == TurnEnded(saw_text=True)


async def test_trailing_temporary_issue_after_silent_work_is_dropped(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(
        client, fake, adk_tool_call("edit_multitrack"), adk_tool_result("edit_multitrack"),
        temporary_issue("typed"),
    )  # fmt: skip
    assert _texts(events) == []
    assert events[-1] == TurnEnded(saw_text=False)


async def test_temporary_issue_alone_is_shown(client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(client, fake, temporary_issue())
    assert len(_texts(events)) == 1
    assert events[-1] == TurnEnded(saw_text=True)


async def test_temporary_issue_followed_by_work_is_shown(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(
        client, fake, adk_text("Working."), temporary_issue(), adk_tool_call("retry"),
        adk_text("Done."),
    )  # fmt: skip
    assert len(_texts(events)) == 3


async def test_silent_turn_changes_the_draft(client: NemoClient, fake: FakeNemo) -> None:
    draft = {"t": [{"tt": 1, "sg": [{"s": 0, "d": 10000}], "m": {"name": "Lo-fi"}}]}
    events = await _run(
        client, fake, adk_tool_call("edit_multitrack"), adk_tool_result("edit_multitrack"),
        change_draft(draft),
    )  # fmt: skip
    assert events == [ToolActivity("edit_multitrack", "tool_editing"), TurnEnded(saw_text=False)]
    state = await client.state(fake.turns[0].session_id)
    assert state.raw_draft == draft


async def test_cut_stream_is_a_broken_failure_and_never_resent(
    client: NemoClient, fake: FakeNemo
) -> None:
    events = await _run(client, fake, adk_tool_call("compress"), adk_text("Half", pieces=2,
                        final=False), cut())  # fmt: skip
    assert events[:2] == [ToolActivity("compress", "tool_compressing"), Text("Half")]
    failure = events[2]
    assert isinstance(failure, Failure) and failure.stream_broken
    assert isinstance(failure.error, Transient)
    assert events[3] == TurnEnded(saw_text=True)
    await fake.wait_turns(1, outcome="cut")
    assert len(fake.calls("turn")) == 1


async def test_server_gone_before_answer_is_a_broken_turn(
    client: NemoClient, fake: FakeNemo
) -> None:
    session = (await client.create_session("en")).session_id
    fake.script_turn(cut())  # headers sent, then the connection dropped at once
    events = [e async for e in client.turn(session, "go")]
    assert isinstance(events[0], Failure) and events[0].stream_broken
    assert events[-1] == TurnEnded(saw_text=False)
    assert len(fake.calls("turn")) == 1


async def test_connection_dropped_before_any_answer_is_a_broken_turn(store: SqliteStore) -> None:
    received: list[bytes] = []

    async def drop(request: web.Request) -> web.Response:
        received.append(await request.read())  # the message arrived...
        assert request.transport is not None
        request.transport.abort()  # ...and the connection died before an answer
        return web.Response()

    app = web.Application()
    app.router.add_post("/run_sse", drop)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    settings = make_settings(f"http://{host}:{port}", nemo_token="nmv_usr_op")
    try:
        async with NemoClient(settings, store, **FAST) as client:
            events = [e async for e in client.turn("1", "go")]
    finally:
        await runner.cleanup()
    assert isinstance(events[0], Failure) and events[0].stream_broken
    assert events[-1] == TurnEnded(saw_text=False)
    assert len(received) == 1  # and it was not sent again


async def test_heartbeat_only_turn_is_given_up(open_client: ClientFactory, fake: FakeNemo) -> None:
    async with open_client(nemo_heartbeat_timeout=0.4) as client:
        started = time.monotonic()
        events = await _run(
            client, fake, adk_tool_call("render"), every(0.05, heartbeat("comment"), for_=5.0)
        )
        elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 3.0
    assert events[0] == ToolActivity("render", "tool_rendering")
    assert Heartbeat() in events
    failure = events[-2]
    assert isinstance(failure, Failure) and failure.stream_broken
    assert "only heartbeats" in failure.error.detail
    assert events[-1] == TurnEnded(saw_text=False)
    await fake.wait_turns(1, outcome="disconnected")
    assert len(fake.calls("turn")) == 1


async def test_heartbeats_between_work_do_not_time_out(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    async with open_client(nemo_heartbeat_timeout=0.5) as client:
        events = await _run(
            client,
            fake,
            every(0.1, heartbeat("empty"), for_=0.3),
            adk_tool_call("a"),
            every(0.1, heartbeat("empty"), for_=0.3),
            adk_tool_call("b"),
            every(0.1, heartbeat("empty"), for_=0.3),
            adk_text("done"),
        )
    assert not [e for e in events if isinstance(e, Failure)]
    assert _texts(events) == ["done"]


async def test_whole_turn_is_bounded(open_client: ClientFactory, fake: FakeNemo) -> None:
    async with open_client(nemo_turn_timeout=0.5, nemo_heartbeat_timeout=5.0) as client:
        events = await _run(client, fake, every(0.05, adk_tool_call("step"), for_=5.0))
    failure = events[-2]
    assert isinstance(failure, Failure) and failure.stream_broken
    assert "turn still running" in failure.error.detail


async def test_silence_without_heartbeats_is_bounded(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    async with open_client(nemo_heartbeat_timeout=0.3) as client:
        events = await _run(client, fake, pause(5.0), adk_text("too late"))
    assert isinstance(events[-2], Failure)
    assert _texts(events) == []


async def test_sse_framing_edge_cases(client: NemoClient, fake: FakeNemo) -> None:
    events = await _run(
        client,
        fake,
        raw('data: {"type": "text", "content": "CRLF"}', end="\r\n\r\n"),
        raw('data: {"type": "text",\ndata:  "content": "two lines"}'),
        raw('event: message\nid: 7\ndata: {"type": "text", "content": "line\u2028sep"}'),
        raw("retry: 1000"),
        raw("data: not json at all"),
        event(["a", "list"]),
        adk_text("中文也可以"),
    )
    assert _texts(events) == ["CRLF", "two lines", "line\u2028sep", "中文也可以"]


async def test_unknown_events_are_logged_once(
    client: NemoClient, fake: FakeNemo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.backends.nemo")
    events = await _run(
        client,
        fake,
        event({"weird": 1, "shape": 2}),
        event({"weird": 3, "shape": 4}),
        adk_text("fine"),
    )
    assert _texts(events) == ["fine"]
    warnings = [r.getMessage() for r in caplog.records if "unknown shape" in r.getMessage()]
    assert len(warnings) == 1
    assert "'shape', 'weird'" in warnings[0]


async def test_cancelling_the_consumer_closes_the_stream(
    client: NemoClient, fake: FakeNemo
) -> None:
    session = (await client.create_session("en")).session_id
    fake.script_turn(adk_tool_call("long"), every(0.05, heartbeat(), for_=10.0))
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.turn(session, "go"):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    turns = await fake.wait_turns(1, outcome="disconnected")
    assert len(turns) == 1


async def test_backend_turn_is_the_client_turn(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await backend.open_session("en")
    fake.script_turn(adk_tool_call("compress_video"), adk_text("Done: 48 MB.", pieces=2))
    ctx = TurnContext(locale="en", upload_limit=50_000_000, chat="telegram:1")
    events = [event async for event in backend.turn(session, "compress to 50MB", ctx)]
    assert events == [
        ToolActivity("compress_video", "tool_compressing"),
        Text("Done: 48 MB."),
        TurnEnded(True),
    ]
    assert fake.sessions[session].messages == ["compress to 50MB"]
