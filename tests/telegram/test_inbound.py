"""What the adapter hands the core, driven through the real python-telegram-bot and the fake
Bot API: private chats, groups, topics, albums, links, size limits, buttons, commands."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from aiohttp import web

from adapters.telegram import TelegramAdapter
from bot.errors import LinkRefused
from bot.models import ChatKey
from bot.ports import Button
from tests.fakes.base import serving
from tests.fakes.telegram_api import MB, FailureKind, FakeTelegram, pattern_bytes
from tests.support.core import RecordingCore
from tests.telegram.conftest import TOKEN, LogLines, make_settings


async def read_all(attachment_open: object) -> bytes:
    chunks = []
    async with attachment_open() as stream:  # type: ignore[operator]
        async for chunk in stream:
            chunks.append(chunk)
    return b"".join(chunks)


async def test_private_video_streams_from_the_file_url(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    video = fake_tg.video(3 * MB, name="holiday.mp4")
    update_id = await fake_tg.push(
        fake_tg.message(42, text="compress to 1MB", language_code="zh-hans", video=video)
    )
    [inbound] = await core.wait(1)
    assert inbound.chat == ChatKey("telegram", "42", None)
    assert inbound.user.id == "42"
    assert inbound.text == "compress to 1MB"
    assert inbound.locale == "zh-hans"
    assert inbound.update_id == str(update_id)
    assert not inbound.is_group
    [attachment] = inbound.attachments
    assert (attachment.name, attachment.size, attachment.mime) == (
        "holiday.mp4",
        3 * MB,
        "video/mp4",
    )
    assert attachment.public_url is None  # the only URL contains the token
    assert fake_tg.downloads == 0  # lazy: nothing fetched until the core opens it
    data = await read_all(attachment.open)
    assert len(data) == 3 * MB
    assert data[:1000] == pattern_bytes(0, 1000)
    assert data[-10:] == pattern_bytes(3 * MB - 10, 10)
    assert fake_tg.downloaded_bytes == 3 * MB
    assert len(fake_tg.calls_of("getFile")) == 1


@pytest.mark.parametrize("kind", ["flood", "server"])
async def test_a_get_file_refused_for_now_is_tried_again(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore, kind: FailureKind
) -> None:
    video = fake_tg.video(1 * MB, name="holiday.mp4")
    await fake_tg.push(fake_tg.message(42, text="compress to 1MB", video=video))
    [inbound] = await core.wait(1)
    fake_tg.fail("getFile", kind, times=1, retry_after=1, status=502)
    data = await read_all(inbound.attachments[0].open)
    assert len(data) == 1 * MB
    assert len(fake_tg.calls_of("getFile")) == 2


async def test_every_video_kind_is_accepted_and_other_files_get_an_answer(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    doc = fake_tg.document(MB, name="clip.mov", mime="video/quicktime")
    anim = fake_tg.document(MB, name="loop.mp4", mime="video/mp4")
    note = fake_tg.document(MB, name="x.mp4", mime="video/mp4")
    note = {"file_id": note["file_id"], "file_unique_id": "n", "length": 240, "duration": 3}
    await fake_tg.push(fake_tg.message(42, document=doc))
    await fake_tg.push(
        fake_tg.message(42, animation={**anim, "width": 1, "height": 1, "duration": 1})
    )
    await fake_tg.push(fake_tg.message(42, video_note=note))
    pdf = fake_tg.document(MB, name="paper.pdf", mime="application/pdf")
    await fake_tg.push(fake_tg.message(42, document=pdf, language_code="zh"))
    got = await core.wait(3)
    assert [a.name for i in got for a in i.attachments][:2] == ["clip.mov", "loop.mp4"]
    assert got[2].attachments[0].name.startswith("video_note_")
    await fake_tg.wait_for(lambda: len(fake_tg.sent(42)) == 1)
    assert "视频" in fake_tg.sent(42)[0]["text"]
    assert len(core.inbound) == 3


async def test_a_file_over_the_cloud_limit_is_refused_before_any_fetch(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    video = fake_tg.video(21 * MB)
    await fake_tg.push(fake_tg.message(42, text="make it smaller", video=video))
    await fake_tg.wait_for(lambda: len(fake_tg.sent(42)) == 1)
    text = fake_tg.sent(42)[0]["text"]
    assert "21.0 MB" in text and "20.0 MB" in text
    assert "link" in text and "operator" in text
    assert fake_tg.calls_of("getFile") == []
    assert fake_tg.downloads == 0 and fake_tg.downloaded_bytes == 0
    assert core.inbound == []

    await fake_tg.push(fake_tg.message(42, video=fake_tg.video(21 * MB), language_code="zh"))
    await fake_tg.wait_for(lambda: len(fake_tg.sent(42)) == 2)
    assert "链接" in fake_tg.sent(42)[1]["text"]


async def test_local_mode_reads_large_files_from_disk(
    tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    async with FakeTelegram(TOKEN, local_mode=True, local_dir=tmp_path) as fake:
        settings = make_settings(fake, tmp_path, telegram_local_mode=True)
        async with TelegramAdapter(settings, core, poll_timeout=1.0) as adapter:
            video = fake.video(25 * MB)
            await fake.push(fake.message(42, text="fit discord", video=video))
            [inbound] = await core.wait(1)
            [attachment] = inbound.attachments
            total = 0
            async with attachment.open() as stream:
                async for chunk in stream:
                    total += len(chunk)
                    assert len(chunk) <= 1024 * 1024
            assert total == 25 * MB
            assert fake.downloads == 0  # read from the server's disk, not over HTTP
            assert core.inbound[0][1].upload_limit == 2000 * MB
            assert adapter.port_for(inbound.chat).upload_limit == 2000 * MB


async def test_groups_handle_only_what_is_addressed_to_the_bot(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    group = -100123
    say = lambda **kw: fake_tg.message(group, chat_type="supergroup", **kw)  # noqa: E731
    await fake_tg.push(say(text="just chatting"))
    await fake_tg.push(say(text="a video for friends", video=fake_tg.video(MB)))
    await fake_tg.push(say(text="/status@some_other_bot"))
    await fake_tg.push(say(text="@clipbridge_bot make it 720p", video=fake_tg.video(MB)))
    await fake_tg.push(say(text="/export@clipbridge_bot"))
    await fake_tg.push(say(text="/credits"))
    await fake_tg.push(say(text="and remove the audio", reply_to_bot=7))
    got = await core.wait(4)  # updates are handled in order: the ignored ones came first
    assert [i.text for i in got] == ["make it 720p", "/export", "/credits", "and remove the audio"]
    # Each member of a group has a key of their own (user 42 here); posting ignores it.
    assert all(i.is_group and i.chat == ChatKey("telegram", str(group), None, "42") for i in got)
    assert all(i.chat.place == ChatKey("telegram", str(group)) for i in got)
    assert len(got[0].attachments) == 1
    # In a group the bot replies to the message it answers.
    assert core.inbound[0][1].hint == "4"  # the 4th message in the group


async def test_forum_topics_are_separate_chats(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    group = -100777
    for thread in (11, 22):
        await fake_tg.push(
            fake_tg.message(
                group, chat_type="supergroup", thread_id=thread, text="/status@clipbridge_bot"
            )
        )
    got = await core.wait(2)
    assert [i.chat for i in got] == [
        ChatKey("telegram", str(group), "11", "42"),
        ChatKey("telegram", str(group), "22", "42"),
    ]
    for _, port in core.inbound:
        await port.send_text(f"status of {port.chat.thread}")
        await port.typing("upload_video")
    sent = fake_tg.sent(group)
    bot_messages = [m for m in sent if m["from"]["is_bot"]]
    assert [(m["text"], m["message_thread_id"]) for m in bot_messages] == [
        ("status of 11", 11),
        ("status of 22", 22),
    ]
    actions = fake_tg.calls_of("sendChatAction")
    assert [(c.params["action"], c.params["message_thread_id"]) for c in actions] == [
        ("upload_video", 11),
        ("upload_video", 22),
    ]


async def test_an_album_is_one_inbound_with_every_video(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    await fake_tg.push(fake_tg.message(42, media_group_id="g1", video=fake_tg.video(MB)))
    await fake_tg.push(
        fake_tg.message(42, media_group_id="g1", text="join these", video=fake_tg.video(MB))
    )
    await fake_tg.push(fake_tg.message(42, media_group_id="g1", video=fake_tg.video(MB)))
    await fake_tg.push(fake_tg.message(42, text="and make it 720p"))  # typed right after
    first, second = await core.wait(2)
    assert first.text == "join these"
    assert len(first.attachments) == 3
    assert second.text == "and make it 720p"  # held back until the album was handed over


async def test_a_video_link_in_text_is_a_public_attachment(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    body = pattern_bytes(0, 300_000)
    asked: list[str] = []

    async def clip(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(body=body, content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/media/clip.mp4", clip)
    async with serving(app) as base:
        url = f"{base}/media/clip.mp4"
        await fake_tg.push(fake_tg.message(42, text=f"compress {url} to 5MB"))
        await fake_tg.push(fake_tg.message(42, text="read https://example.com/article please"))
        first, second = await core.wait(2)
        assert first.text == "compress to 5MB"
        [link] = first.attachments
        assert (link.name, link.public_url) == ("clip.mp4", url)
        # Fetched through bot.links: a loopback server is not a public one (LINK_ALLOWED_NETWORKS
        # would let it through; tests/acceptance/test_links.py runs that path end to end).
        with pytest.raises(LinkRefused, match="loopback"):
            await read_all(link.open)
        assert asked == []
        assert second.attachments == ()
        assert second.text == "read https://example.com/article please"


async def test_buttons_come_back_as_commands_and_are_answered(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    port = adapter.port_for(ChatKey("telegram", "42"))
    buttons = [
        Button("Export", command="/export"),
        Button("Status", command="/status"),
        Button("Credits", command="/credits"),
        Button("Cancel", command="/cancel"),
    ]
    ref = await port.send_text("Your video is ready to export.", buttons)
    [message] = fake_tg.sent(42)
    rows = message["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in rows for b in row] == [
        "/export",
        "/status",
        "/credits",
        "/cancel",
    ]
    await fake_tg.push(fake_tg.callback(42, int(ref.id), "/export", language_code="zh"))
    [inbound] = await core.wait(1)
    assert (inbound.text, inbound.locale, inbound.chat) == (
        "/export",
        "zh",
        ChatKey("telegram", "42"),
    )
    await fake_tg.wait_for(lambda: len(fake_tg.calls_of("answerCallbackQuery")) == 1)

    link = await port.send_link("Too big to post: 80 MB", "https://cdn.example/v.mp4", "Download")
    assert fake_tg.messages[42][int(link.id)]["reply_markup"]["inline_keyboard"] == [
        [{"text": "Download", "url": "https://cdn.example/v.mp4"}]
    ]


async def test_commands_are_published_in_english_and_chinese(
    adapter: TelegramAdapter, fake_tg: FakeTelegram
) -> None:
    await fake_tg.wait_for(lambda: set(fake_tg.commands) == {"", "zh"})  # in the background
    names = [c["command"] for c in fake_tg.commands[""]]
    assert names == ["start", "help", "export", "status", "credits", "cancel", "new", "lang",
                     "settings"]  # fmt: skip
    assert [c["command"] for c in fake_tg.commands["zh"]] == names
    assert fake_tg.commands["zh"][2]["description"] == "导出视频"


async def test_the_download_is_streamed_not_buffered(
    adapter: TelegramAdapter, fake_tg: FakeTelegram, core: RecordingCore
) -> None:
    await fake_tg.push(fake_tg.message(42, video=fake_tg.video(19 * MB)))
    [inbound] = await core.wait(1)
    tracemalloc.start()
    try:
        total = 0
        async with inbound.attachments[0].open() as stream:
            async for chunk in stream:
                total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 19 * MB
    assert peak < 4 * MB  # the fake and the client together, for a 19 MB file
