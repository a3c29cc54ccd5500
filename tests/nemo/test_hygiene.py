"""Safe to open to strangers, on NemoVideo's side (issue 12, items 8, 9, 11): what a hostile or
broken agent or render can cost a chat, the operator's credits, and the operator's account.

Everything runs over loopback against the fake: the real core, client and HTTP server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.backends.nemo._sse import EVENT_LIMIT, EventTooLarge, frames
from bot.http import HttpServer
from bot.texts import t
from bot.turn_output import MAX_TURN_MESSAGES
from tests.core.conftest import BotFactory, open_bot, tiny_mp4
from tests.fakes.nemovideo import FakeNemo, adk_text, pause, raw

__all__ = ["open_bot", "tiny_mp4"]  # fixtures of the core suite, used here as they are

MB = 1024 * 1024


# 8. Unbounded output ----------------------------------------------------------------------------


async def test_a_huge_agent_text_posts_a_few_messages_and_a_note(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    """One 1 MB reply once became 246 Telegram messages."""
    words = "The agent keeps talking about your video. " * 25_000  # about 1 MB
    fake.script_turn(adk_text(words), pause(0.2))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "describe the video", locale="zh")
        await port.wait_text(t("output_cut", "zh"), timeout=30)
        await bot.conversation.wait_idle()
    agent = [s.text for s in port.of("text") if "The agent keeps talking" in s.text]
    assert 1 <= len(agent) <= MAX_TURN_MESSAGES
    assert all(len(text) <= port.message_limit for text in port.texts())
    assert [turn.outcome for turn in fake.turns] == ["completed"], "read to its end"


async def test_a_many_megabyte_sse_line_ends_the_turn_clearly(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    """A 20 MB line once cost 30 s of CPU, then became thousands of messages. Now the turn ends
    at the cap with the protocol error, and nothing of the line reaches the chat."""
    huge = "y" * (3 * EVENT_LIMIT)
    fake.script_turn(raw(f'data: {{"type": "text", "content": "{huge}"}}'), pause(5.0))
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "add a title")
        await port.wait_text(t("err_protocol", "en"), timeout=30)
        await bot.conversation.wait_idle()
    assert not any("yyyy" in text for text in port.texts())
    assert len(port.of("text")) <= 2  # the progress line and the answer
    assert [turn.outcome for turn in fake.turns] == ["disconnected"], "only this stream dropped"


async def test_the_sse_parser_stops_reading_at_the_cap() -> None:
    """Bounded: the parser gives up after about `limit` characters of one line, however long
    the line goes on, and never holds more than that."""
    pulled = 0

    async def endless_line() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"data: "
        while True:
            pulled += 1
            yield b"z" * 65_536

    with pytest.raises(EventTooLarge):
        async for _ in frames(endless_line(), limit=1 * MB):
            pass
    assert pulled <= 1 * MB // 65_536 + 1


async def test_an_event_over_the_cap_in_many_lines_is_refused_too() -> None:
    async def many_lines() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"data: " + b"w" * 50_000 + b"\r\n"

    with pytest.raises(EventTooLarge):
        async for _ in frames(many_lines(), limit=1 * MB):
            pass


async def test_framing_across_chunk_edges() -> None:
    """CRLF split across chunks is one line end; lines split anywhere are joined once."""

    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b"da", b"ta: one\r", b"\n", b"data: t", b"wo\r", b"\r", b": ping\n\n"):
            yield piece

    seen = [(f.data, f.comment) async for f in frames(pieces())]
    assert seen == [("one\ntwo", False), ("ping", True)]


# 9. Render hygiene ------------------------------------------------------------------------------


async def test_a_render_that_times_out_is_cancelled(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.script_render(polls=10_000)
    async with open_bot(nemo_render_timeout=0.3) as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export")
        await port.wait_text(t("err_render_timeout", "en", waited="0:00"))
        await bot.conversation.wait_idle()
    (render,) = fake.renders.values()
    assert [call.path for call in fake.calls("render_cancel")] == [
        f"/api/render/proxy/lambda/{render.render_id}/cancel"
    ]
    assert render.cancelled


async def test_export_during_a_running_render_attaches_and_delivers_once(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    """The render outlived its wait and could not be cancelled: the /export we suggest then
    follows that render instead of failing with 409 beside it."""
    fake.script_render(polls=10_000, size=200_000)
    fake.fail("render_cancel", status=500, times=None)
    async with open_bot(nemo_render_timeout=0.3) as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export")
        await port.wait_text(t("err_render_timeout", "en", waited="0:00"))
        await bot.conversation.wait_idle()
        (render,) = fake.renders.values()
        render.script = replace(render.script, polls=render.polls + 3)  # it ends soon now
        await bot.say(port, "/export", update_id="again")
        await port.wait_for(lambda sent: sent.kind == "video")
        await bot.conversation.wait_idle()
    assert len(port.of("video")) == 1
    assert list(fake.renders) == [render.render_id], "no second render"
    assert render.downloads == 1


async def test_a_409_for_a_render_we_know_attaches_to_it(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    """The service says the session renders (409), and the store knows which render: follow it."""
    fake.script_render(polls=10_000, size=200_000)
    fake.fail("render_cancel", status=500, times=None)
    async with open_bot(nemo_render_timeout=0.3) as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export")
        await port.wait_text(t("err_render_timeout", "en", waited="0:00"))
        await bot.conversation.wait_idle()
        (render,) = fake.renders.values()
        render.script = replace(render.script, polls=render.polls + 4)
        # The first look at the known render fails, so the submit goes out and meets the 409.
        fake.fail("render_poll", status=404, times=1)
        await bot.say(port, "/export", update_id="again")
        await port.wait_for(lambda sent: sent.kind == "video")
        await bot.conversation.wait_idle()
    assert [call.status for call in fake.calls("render_submit")] == [200, 409]
    assert len(port.of("video")) == 1 and render.downloads == 1


async def test_an_oversized_render_without_a_url_is_not_downloaded_whole(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    """No URL to offer, no size told: the fallback download stops at the chat's limit."""
    size = 64 * MB
    fake.script_render(polls=1, size=size, url_shape="none")
    async with open_bot() as bot:
        port = bot.port(upload_limit=1 * MB)
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/export", locale="zh")
        await port.wait_text(t("too_big_unknown", "zh", limit="1.0 MB"), timeout=30)
        await bot.conversation.wait_idle()
    (render,) = fake.renders.values()
    assert render.downloads == 1
    assert render.bytes_served < size // 4, f"served {render.bytes_served} of {size}"
    assert not port.of("video") and not port.of("link")
    assert not list(bot.settings.work_dir.glob("delivery-*")), "the partial file is removed"


async def test_readiness_is_cached_and_single_flight(fake: FakeNemo, open_bot: BotFactory) -> None:
    """300 probes of /readyz (a public port in webhook mode) make at most a few credits calls
    with the operator's token."""
    async with open_bot(http_port=0) as bot:
        checks = {"store": bot.store.ping, "backend": bot.backend.credits}
        async with HttpServer(bot.settings, checks) as server, httpx.AsyncClient() as http:
            for _ in range(3):
                answers = await asyncio.gather(
                    *(http.get(f"{server.url}/readyz") for _ in range(50))
                )
                assert {answer.status_code for answer in answers} == {200}
            for _ in range(150):
                assert (await http.get(f"{server.url}/readyz")).status_code == 200
    assert 1 <= len(fake.calls("credits")) <= 2


async def test_readiness_sees_a_failure_after_its_cache_ends(
    fake: FakeNemo, open_bot: BotFactory
) -> None:
    async with open_bot(http_port=0) as bot:
        checks = {"backend": bot.backend.credits}
        server = HttpServer(bot.settings, checks, readiness_ttl=0.2)
        async with server, httpx.AsyncClient() as http:
            assert (await http.get(f"{server.url}/readyz")).status_code == 200
            fake.fail("credits", status=500, times=None)
            assert (await http.get(f"{server.url}/readyz")).status_code == 200  # cached
            await asyncio.sleep(0.25)  # the cache's own lifetime, not a wait for an event
            assert (await http.get(f"{server.url}/readyz")).status_code == 503


# 11. The bind link never reaches a log line -----------------------------------------------------


async def test_out_of_credits_logs_no_bind_link(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_bot(admins=["test:u1"]) as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        fake.fail("render_submit", code=2001)
        await bot.say(port, "/export")
        await bot.conversation.wait_idle()
    link = bot.backend.bind_link()
    assert link and "bind=" in link
    assert any(link in text for text in port.texts()), "the admin gets it in the chat"
    assert "out of credits" in caplog.text
    assert "bind=" not in caplog.text and link not in caplog.text


async def test_admins_get_the_bind_link_with_credits_in_private_only(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    async with open_bot(admins=["test:u1", "test:u2"]) as bot:
        private, group = bot.port("1"), bot.port("2")
        await bot.send_file(private, tiny_mp4)  # the anonymous account's user id is known now
        await bot.conversation.wait_idle()
        await bot.say(private, "/credits")
        await bot.say(group, "/credits", is_group=True)
        await bot.conversation.wait_idle()
        link = bot.backend.bind_link()
    assert link and any(link in text for text in private.texts())
    assert not any("bind=" in text for text in group.texts())
    assert any("25000" in text for text in group.texts()), "the balance is still told"
