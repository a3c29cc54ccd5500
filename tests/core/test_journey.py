"""The seed's whole journey and its variants, through the real NemoVideo client and fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import delivery
from bot.streams import file_attachment
from tests.core.conftest import BotFactory
from tests.fakes.nemovideo import (
    FakeNemo,
    adk_text,
    adk_tool_call,
    adk_tool_result,
    change_draft,
    every,
    heartbeat,
    pause,
)

INSTRUCTION = "compress this video to under 50MB without losing quality"


async def test_upload_instruction_export_delivers_the_video(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_turn(
        adk_tool_call("compress_video", {"target_mb": 50}),
        every(0.15, heartbeat("comment"), for_=0.6),
        adk_tool_result("compress_video", {"ok": True}),
        adk_text(
            "Your video is compressed to 48 MB. Click the Export button to download.", pieces=3
        ),
    )
    fake.script_render(polls=3, size=300_000, url_shape="data.outputUrl", envelope="success")
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        received = await port.wait_text("Received clip.mp4")
        receiving = [s for s in port.of("text") if s.text.startswith("📥 Receiving")]
        # one message: the "Receiving…" line became the acknowledgement, or a quick upload
        # was acknowledged at once, with no "Receiving…" posted at all
        assert received.kind == "edit" if receiving else received.kind == "text"

        await bot.say(port, INSTRUCTION)
        answer = await port.wait_text("compressed to 48 MB")
        assert "Click the Export button" not in answer.text
        assert "Press ⬇️ Export below" in answer.text
        offer = await port.wait_text("export to get the video")
        assert any(button.command == "/export" for button in offer.buttons)
        await bot.conversation.wait_idle()

        await bot.say(port, "/export", update_id="u-export")
        video = await port.wait_for(lambda s: s.kind == "video")
        await bot.conversation.wait_idle()

    assert video.video_size == 300_000
    assert "300.0 KB" in video.text
    assert fake.sessions[next(iter(fake.sessions))].messages == [INSTRUCTION]
    assert fake.header_violations == []
    progress_posts = [s for s in port.of("text") if s.text.startswith(("⏳", "📥"))]
    assert len(progress_posts) == 3  # receiving, the turn, the export: one message each
    assert port.of("edit"), "progress is edited in place"
    async with open_bot() as bot:
        assert await bot.store.active_jobs() == []


async def test_result_over_the_chat_limit_arrives_as_a_link(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=1, size=2_000_000, url_shape="output.url")
    async with open_bot() as bot:
        port = bot.port(upload_limit=1_000_000)
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "export")
        link = await port.wait_for(lambda s: s.kind == "link")
        await bot.conversation.wait_idle()
    assert "2.0 MB" in link.text and "1.0 MB" in link.text
    assert link.url is not None and link.url.startswith(fake.url)
    assert not port.of("video")
    assert not fake.calls("render_download"), "a result too big for the chat is never downloaded"


async def test_chinese_journey_speaks_chinese(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_turn(adk_text("已压缩到 18 MB。"))
    async with open_bot() as bot:
        port = bot.port()
        clip = (file_attachment(tiny_mp4),)
        await bot.say(port, "把视频压缩到20MB以内", attachments=clip, locale="zh-CN")
        await port.wait_text("已收到 clip.mp4")
        await port.wait_text("已压缩到 18 MB")
        await bot.conversation.wait_idle()
        await bot.say(port, "导出", locale="zh-CN")
        video = await port.wait_for(lambda s: s.kind == "video")
        await bot.conversation.wait_idle()
    assert "这是你的视频" in video.text


async def test_silent_turn_is_reported_as_a_timeline_change(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        session = fake.sessions[next(iter(fake.sessions))]
        draft = dict(session.draft)
        bgm = {"tt": 1, "sg": [{"s": 0, "d": 2000, "m": {"name": "Lo-fi"}}], "m": {"volume": 0.35}}
        fake.script_turn(
            adk_tool_call("edit_multitrack", {}),
            change_draft({**draft, "t": [*draft["t"], bgm]}),
            adk_tool_result("edit_multitrack", {"ok": True}),
        )
        await bot.say(port, "add some lo-fi background music")
        changed = await port.wait_text("What changed")
        await bot.conversation.wait_idle()
    assert "added a BGM track" in changed.text


async def test_silent_turn_without_change_says_so(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        fake.script_turn(adk_tool_call("think", {}), adk_tool_result("think", {}))
        await bot.say(port, "make it pretty")
        await port.wait_text("without changing the timeline")
        await bot.conversation.wait_idle()


async def test_a_broken_stream_is_not_resent_and_the_state_is_shown(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    from tests.fakes.nemovideo import cut

    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        fake.script_turn(adk_tool_call("compress_video", {}), cut())
        await bot.say(port, INSTRUCTION)
        await port.wait_text("connection to the video service dropped")
        shown = await port.wait_text("Where things stand now")
        await bot.conversation.wait_idle()
    assert "Timeline (1 track):" in shown.text  # one track, not "1 tracks"
    assert not [text for text in port.texts() if text.startswith("✅")], "no claim of success"
    assert len(fake.calls("turn")) == 1


async def test_still_working_while_only_heartbeats_arrive(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_turn(every(0.1, heartbeat("empty"), for_=1.2), adk_text("Done at last."))
    async with open_bot(still_working_interval=0.4) as bot:
        port = bot.port()
        await bot.say(port, "make a short intro")
        still = await port.wait_text("Still working...")
        await port.wait_text("Done at last.")
        await bot.conversation.wait_idle()
    assert still.kind == "edit"
    assert "elapsed" in still.text
    assert port.of("typing"), "the typing indicator is kept alive"


async def test_first_reaction_comes_before_the_backend_answers(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    fake.script_turn(pause(1.5), adk_text("Slow answer."))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "a slow request")
        first = await port.wait_for(lambda s: s.kind == "text", timeout=1.0)
        assert first.text.startswith("⏳")
        await port.wait_text("Slow answer.")
        await bot.conversation.wait_idle()


async def test_a_download_that_breaks_mid_file_is_fetched_again(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "RETRIES", (0.01, 0.01))
    fake.script_render(polls=1, size=300_000, cut_download_at=1000)
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export")
        video = await port.wait_for(lambda s: s.kind == "video")
        await bot.conversation.wait_idle()
    assert video.video_size == 300_000
    [render] = fake.renders.values()
    assert render.downloads == 2
    assert len(fake.calls("render_submit")) == 1


async def test_a_few_failed_render_polls_are_waited_out(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=2, size=300_000)
    async with open_bot() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        fake.fail("render_poll", status=503, times=6)
        await bot.say(port, "/export")
        video = await port.wait_for(lambda s: s.kind == "video", timeout=20)
        await bot.conversation.wait_idle()
    assert video.video_size == 300_000
    assert len(fake.calls("render_poll")) > 6
    assert not [text for text in port.texts() if "📡" in text], port.texts()
