"""TelegramPort against the fake Bot API: limits, streamed uploads, flood control."""

from __future__ import annotations

import datetime as dtm
import os
import tracemalloc
from pathlib import Path

import pytest
from aiohttp import web
from telegram import error as tg_error

from adapters.telegram import TelegramAdapter
from adapters.telegram._errors import retry_seconds
from bot.errors import FileTooLarge, RetryAfter
from bot.models import ChatKey
from bot.ports import MessageRef, OutboundVideo
from tests.fakes.base import serving
from tests.fakes.telegram_api import MB, FakeTelegram
from tests.support.core import RecordingCore
from tests.telegram.conftest import LogLines, make_settings

CHAT = ChatKey("telegram", "42")


def write(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        for _ in range(size // MB):
            out.write(os.urandom(MB))
        out.write(os.urandom(size % MB))
    return path


async def test_send_video_streams_from_disk_with_what_makes_it_playable(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    path = write(tmp_path / "out.mp4", 12 * MB)
    thumb = write(tmp_path / "out.jpg", 20_000)
    video = OutboundVideo(
        path, 12 * MB, "out.mp4", duration=12.4, width=1280, height=720, thumbnail=thumb
    )
    port = adapter.port_for(CHAT)
    ref = await port.send_video(video, "x" * 3000)
    message = fake_tg.messages[42][int(ref.id)]
    assert message["video"]["file_size"] == 12 * MB
    assert (
        message["video"]["duration"],
        message["video"]["width"],
        message["video"]["height"],
    ) == (12, 1280, 720)
    assert message["video"]["thumbnail"]["file_size"] == 20_000
    assert message["supports_streaming"] is True
    assert len(message["caption"]) == 1024 and message["caption"].endswith("…")
    [upload] = [u for u in fake_tg.uploads if u.field == "video"]
    assert upload.size == 12 * MB and upload.chunks > 10  # arrived as a stream


async def test_limits_are_telegrams(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    port = adapter.port_for(CHAT)
    assert (port.message_limit, port.caption_limit, port.upload_limit) == (4096, 1024, 50 * MB)
    ref = await port.send_text("y" * 5000)
    assert len(fake_tg.messages[42][int(ref.id)]["text"]) == 4096
    big = OutboundVideo(tmp_path / "none.mp4", 51 * MB, "big.mp4")
    with pytest.raises(FileTooLarge) as raised:
        await port.send_video(big, "")
    assert raised.value.limit == 50 * MB
    assert fake_tg.calls_of("sendVideo") == []


async def test_flood_control_surfaces_as_retry_after(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, log_lines: LogLines
) -> None:
    port = adapter.port_for(CHAT)
    ref = await port.send_text("10%")
    fake_tg.fail_next("editMessageText", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await port.edit_text(ref, "20%")
    assert raised.value.seconds == 7
    await port.edit_text(ref, "20%")
    await port.edit_text(ref, "20%")  # unchanged: Telegram says "not modified", nothing to do
    assert fake_tg.messages[42][int(ref.id)]["text"] == "20%"
    fake_tg.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter):
        await port.send_text("done")
    with pytest.raises(tg_error.BadRequest):
        await port.edit_text(MessageRef("999"), "gone")
    # Passing a 429 on is the plan, not an error worth a traceback in the log.
    assert not [line for line in log_lines.lines if " ERROR " in line]


def test_retry_after_may_be_seconds_or_a_timedelta() -> None:
    assert retry_seconds(tg_error.RetryAfter(5)) == 5.0
    assert retry_seconds(tg_error.RetryAfter(dtm.timedelta(seconds=2.5))) == 2.5


async def test_url_fetch_lets_telegram_fetch_small_public_results(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    body = os.urandom(2 * MB)

    async def result(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/r/out.mp4", result)
    path = tmp_path / "out.mp4"
    path.write_bytes(body)
    settings = make_settings(fake_tg, tmp_path)
    async with (
        serving(app) as base,
        TelegramAdapter(settings, RecordingCore(), url_fetch=True) as adapter,
    ):
        url = f"{base}/r/out.mp4"
        port = adapter.port_for(CHAT)
        ref = await port.send_video(
            OutboundVideo(path, len(body), "out.mp4", source_url=url), "done"
        )
        assert fake_tg.messages[42][int(ref.id)]["fetched_from_url"] is True
        assert fake_tg.uploads == []  # no byte went through the bot
        # A URL Telegram cannot fetch: the port uploads the file itself.
        broken = OutboundVideo(path, len(body), "out.mp4", source_url=url + ".missing")
        ref = await port.send_video(broken, "done")
        assert fake_tg.messages[42][int(ref.id)]["video"]["file_size"] == len(body)
        assert [u.size for u in fake_tg.uploads] == [len(body)]


async def test_the_upload_is_streamed_from_disk(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    path = write(tmp_path / "big.mp4", 40 * MB)
    port = adapter.port_for(CHAT)
    tracemalloc.start()
    try:
        await port.send_video(OutboundVideo(path, 40 * MB, "big.mp4", duration=5), "")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [u.size for u in fake_tg.uploads] == [40 * MB]
    assert peak < 6 * MB  # client and fake together, for a 40 MB file


@pytest.mark.parametrize(
    ("name", "mime", "method", "field"),
    [
        ("out.mp3", "audio/mpeg", "sendAudio", "audio"),
        ("out.gif", "image/gif", "sendAnimation", "animation"),
        ("out.webp", "image/webp", "sendDocument", "document"),
    ],
)
async def test_sound_goes_as_audio_and_a_gif_as_an_animation(
    adapter: TelegramAdapter,
    fake_tg: FakeTelegram,
    tmp_path: Path,
    name: str,
    mime: str,
    method: str,
    field: str,
) -> None:
    path = write(tmp_path / name, 300_000)
    port = adapter.port_for(CHAT)
    result = OutboundVideo(path, 300_000, name, duration=4.0, width=320, height=240, mime=mime)
    ref = await port.send_video(result, "done")
    message = fake_tg.messages[42][int(ref.id)]
    assert message[field]["file_size"] == 300_000
    assert message[field]["file_name"] == name
    assert len(fake_tg.calls_of(method)) == 1 and fake_tg.calls_of("sendVideo") == []
    if field == "audio":
        assert message["audio"]["duration"] == 4
