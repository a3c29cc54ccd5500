"""ADK's real event shapes on `/run_sse`, in both of its modes, through the real client.

Without `"streaming": true` an LLM agent sends one event per model response (its text and its
tool calls together). With it, the text comes in `partial` pieces, the calls in a partial event
of their own, then a `"partial": false` event repeats everything: that repeat is never a second
message nor a second tool call. And the stream is always read to its end: closing it early
aborts the agent's run.
"""

from __future__ import annotations

import pytest

from bot.backends.base import Failure, Text, ToolActivity, TurnEnded, TurnEvent
from bot.backends.nemo import NemoClient
from bot.errors import TurnFailed
from tests.fakes.nemovideo import (
    FakeNemo,
    Step,
    adk_reply,
    adk_run_error,
    adk_tool_result,
    event,
    pause,
)

MODES = pytest.mark.parametrize("streaming", [True, False], ids=["streaming", "one-event"])
PLAN = "I'll compress your video to under 8 MB."
DONE = "Done: your video is now 7.6 MB."


async def _run(client: NemoClient, fake: FakeNemo, *steps: Step) -> list[TurnEvent]:
    session = (await client.create_session("en")).session_id
    fake.script_turn(*steps)
    return [e async for e in client.turn(session, "compress to 8MB")]


def _texts(events: list[TurnEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Text)]


def _tools(events: list[TurnEvent]) -> list[ToolActivity]:
    return [e for e in events if isinstance(e, ToolActivity)]


@MODES
async def test_text_before_a_tool_call_is_shown_once(
    streaming: bool, client: NemoClient, fake: FakeNemo
) -> None:
    fake.adk_streaming = streaming
    events = await _run(
        client,
        fake,
        adk_reply(PLAN, calls=[("compress_video", {"target_mb": 8})]),
        adk_tool_result("compress_video", {"ok": True, "size_mb": 7.6}),
        adk_reply(DONE),
        pause(0.3),  # the run ends a moment after its last event: the client is still there
    )
    assert _texts(events) == [PLAN, DONE]
    assert _tools(events) == [ToolActivity("compress_video", "tool_compressing")]
    assert events[-1] == TurnEnded(saw_text=True)
    assert [(t.streaming, t.outcome) for t in fake.turns] == [(streaming, "completed")]


@MODES
async def test_each_call_is_reported_once_even_with_the_same_name(
    streaming: bool, client: NemoClient, fake: FakeNemo
) -> None:
    fake.adk_streaming = streaming
    events = await _run(
        client,
        fake,
        adk_reply("Cutting both parts.", calls=["trim_video", "trim_video", "add_bgm"]),
        adk_reply(calls=["mystery_tool"], long_running=True),
        adk_reply(DONE),
    )
    assert [(t.name, t.label) for t in _tools(events)] == [
        ("trim_video", "tool_trimming"),
        ("trim_video", "tool_trimming"),
        ("add_bgm", "tool_adding_music"),
        ("mystery_tool", "tool_working"),
    ]
    assert _texts(events) == ["Cutting both parts.", DONE]


def _adk(parts: list[dict[str, object]], **fields: object) -> Step:
    return event({"content": {"parts": parts, "role": "model"}, "author": "nemo_agent", **fields})


async def test_a_partial_run_without_call_ids_is_still_one_message_and_one_call(
    client: NemoClient, fake: FakeNemo
) -> None:
    call = {"functionCall": {"name": "compress_video", "args": {}}}  # a gateway dropped the ids
    events = await _run(
        client,
        fake,
        _adk([{"text": "I'll "}], partial=True),
        _adk([{"text": "compress it."}], partial=True),
        _adk([call], partial=True, finishReason="STOP"),
        _adk([{"text": "I'll compress it."}, call], partial=False, finishReason="STOP"),
        _adk([{"thought": True, "text": "hm"}], partial=True),
        _adk([{"text": "All "}], partial=True),
        _adk([{"text": "done."}], partial=True, finishReason="STOP"),
        _adk([{"thought": True, "text": "hm"}, {"text": "All done."}], partial=False),
    )
    assert _texts(events) == ["I'll compress it.", "All done."]
    assert _tools(events) == [ToolActivity("compress_video", "tool_compressing")]


async def test_a_call_inside_a_partial_run_does_not_split_its_message(
    client: NemoClient, fake: FakeNemo
) -> None:
    call = {"functionCall": {"id": "adk-1", "name": "edit_multitrack", "args": {}}}
    events = await _run(
        client,
        fake,
        _adk([{"text": "Adding the "}], partial=True),
        _adk([call], partial=True),
        _adk([{"text": "title now."}], partial=True, finishReason="STOP"),
        _adk([{"text": "Adding the title now."}, call], partial=False),
    )
    assert _texts(events) == ["Adding the title now."]
    assert _tools(events) == [ToolActivity("edit_multitrack", "tool_editing")]


@MODES
async def test_an_error_after_the_stream_started_is_told_at_its_end(
    streaming: bool, client: NemoClient, fake: FakeNemo
) -> None:
    fake.adk_streaming = streaming
    events = await _run(
        client,
        fake,
        adk_reply(PLAN, calls=["compress_video"]),
        adk_run_error("RuntimeError: the encoder crashed"),
        pause(0.3),  # the server is slow to close: the client waits for it
    )
    assert _texts(events) == [PLAN]
    assert len(_tools(events)) == 1
    failure, ended = events[-2:]
    assert isinstance(failure, Failure) and not failure.stream_broken
    assert isinstance(failure.error, TurnFailed)
    assert "RuntimeError" in failure.error.detail
    assert ended == TurnEnded(saw_text=True)
    assert [t.outcome for t in await fake.wait_turns(outcome="completed")] == ["completed"]


async def test_the_client_asks_for_no_streaming(client: NemoClient, fake: FakeNemo) -> None:
    """Partial pieces would only be joined again before anyone reads them (a chat shows whole
    messages), and the documented NemoVideo body has no `streaming`: the client leaves it out
    and reads either mode."""
    await _run(client, fake, adk_reply(DONE))
    body = fake.calls("turn")[0].json
    assert "streaming" not in body
    assert fake.turns[0].requested_streaming is None
