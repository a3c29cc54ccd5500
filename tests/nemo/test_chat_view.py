"""What a person reads in the chat while the agent works: the real core on the real client, the
fake serving ADK's event shapes, watched through a recording port."""

from __future__ import annotations

import logging

import pytest

from bot.backends.nemo._tools import NEUTRAL, tool_label
from bot.texts import CATALOG, t
from tests.core.conftest import BotFactory, open_bot, tiny_mp4
from tests.fakes.nemovideo import (
    FakeNemo,
    Step,
    adk_reply,
    adk_run_error,
    adk_tool_result,
    every,
    heartbeat,
    pause,
)
from tests.recording_port import RecordingPort

__all__ = ["open_bot", "tiny_mp4"]  # fixtures of the core suite, used here as they are

PLAN = "I'll compress your video to under 8 MB."
DONE = "Done: your video is now 7.6 MB."


def _long_compress() -> list[Step]:
    """A tool that runs longer than the edit interval, as every real one does."""
    return [
        adk_reply(PLAN, calls=[("compress_video", {"target_mb": 8, "codec": "h264"})]),
        every(0.1, heartbeat(), for_=0.6),
        adk_tool_result("compress_video", {"ok": True, "size_mb": 7.6}),
        adk_reply(DONE),
    ]


def _assert_no_internals(port: RecordingPort) -> None:
    for text in port.texts():
        for internal in ("compress_video", "target_mb", "h264", "adk-"):
            assert internal not in text, f"{internal!r} shown to a person: {text!r}"


@pytest.mark.parametrize(("locale", "label"), [("en", "⏳ Compressing…"), ("zh", "⏳ 正在压缩…")])
async def test_the_progress_line_names_the_step_not_the_tool(
    locale: str, label: str, fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(*_long_compress())
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "compress to under 8MB", locale=locale)
        await port.wait_text(DONE)
        await bot.conversation.wait_idle()
    assert label in [sent.text for sent in port.of("edit")]
    _assert_no_internals(port)


async def test_streamed_text_is_shown_once(fake: FakeNemo, open_bot: BotFactory) -> None:
    fake.adk_streaming = True
    fake.script_turn(*_long_compress())
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "compress to under 8MB")
        await port.wait_text(DONE)
        await bot.conversation.wait_idle()
    said = [sent.text for sent in port.of("text")]
    assert said.count(PLAN) == 1 and said.count(DONE) == 1
    assert "⏳ Compressing…" in [sent.text for sent in port.of("edit")]
    _assert_no_internals(port)
    assert [turn.outcome for turn in fake.turns] == ["completed"]


async def test_an_agent_error_does_not_cut_the_run_short(
    fake: FakeNemo, open_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.adk_streaming = True
    fake.script_turn(
        adk_reply(PLAN, calls=["compress_video"]),
        adk_run_error("RuntimeError: compress_video failed: {'target_mb': 8}"),
        pause(0.5),  # ADK is still ending the run: a client that leaves now aborts it
    )
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "compress to under 8MB")
        await port.wait_text(t("err_turn_failed", "en"))
        await bot.conversation.wait_idle()
    assert [turn.outcome for turn in fake.turns] == ["completed"]
    _assert_no_internals(port)
    assert "agent reported RuntimeError" in caplog.text  # the operator still learns what
    assert "compress_video" not in caplog.text and "target_mb" not in caplog.text


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("compress_video", "tool_compressing"),
        ("compressVideo", "tool_compressing"),
        ("add_bgm", "tool_adding_music"),
        ("add_background_music_track", "tool_adding_music"),
        ("trim_video", "tool_trimming"),
        ("cut_segment", "tool_trimming"),
        ("add_subtitles", "tool_adding_text"),
        ("generate_video_with_seedance", "tool_generating"),
        ("edit_multitrack", "tool_editing"),
        ("resize_video", "tool_resizing"),
        ("convert_format", "tool_converting"),
        ("change_speed", "tool_speed"),
        ("mute_audio", "tool_sound"),
        ("apply_filter", "tool_effects"),
        ("render", "tool_rendering"),
        ("analyze_video", "tool_analyzing"),
        ("get_weather", NEUTRAL),
        ("tool", NEUTRAL),
        ("", NEUTRAL),
    ],
)
def test_tool_names_map_onto_friendly_labels(name: str, label: str) -> None:
    assert tool_label(name) == label
    assert label in CATALOG
