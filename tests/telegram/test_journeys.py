"""End to end: the real python-telegram-bot against the fake Bot API, the real conversation core,
and a real backend (NemoVideo client against the NemoVideo fake, or the local ffmpeg engine).

Every test here also runs under the `log_lines` check: the bot token never appears in a log line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram import TelegramAdapter
from bot import formats
from bot.backends.base import Backend
from bot.backends.local import LocalBackend
from bot.backends.nemo import NemoBackend
from bot.backoff import DEFAULT_BACKOFF, Backoff
from bot.conversation import Conversation
from bot.store import SqliteStore
from bot.texts import t
from tests.clips import make_clip
from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import MB, FailureKind, FakeTelegram
from tests.format_cases import CASES, TEXT, Case
from tests.telegram.conftest import TOKEN, LogLines, make_settings

CHAT = 42


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 3-second 320x240 H.264 clip with audio."""
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@dataclass
class Stack:
    tg: FakeTelegram
    nemo: FakeNemo | None
    conversation: Conversation
    adapter: TelegramAdapter

    async def idle(self) -> None:
        await self.conversation.wait_idle()

    def texts(self, chat: int = CHAT) -> list[str]:
        return [m.get("text") or m.get("caption", "") for m in self.tg.sent(chat)
                if m["from"]["is_bot"]]  # fmt: skip


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
async def nemo() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


@pytest.fixture
def open_stack(
    fake_tg: FakeTelegram, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> StackFactory:
    """`async with open_stack(backend="nemo"|"local", **settings) as stack:`."""

    @asynccontextmanager
    async def opened(
        backend: str = "nemo",
        tg: FakeTelegram | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        **overrides: Any,
    ) -> AsyncIterator[Stack]:
        tg = tg or fake_tg
        settings = make_settings(
            tg, tmp_path, backend=backend, nemo_api_url=nemo.url,
            nemo_web_url="https://web.example", nemo_render_poll_interval=0.02,
            still_working_interval=5.0, **overrides,
        )  # fmt: skip
        async with SqliteStore(settings.database) as store:
            chosen: Backend
            if backend == "nemo":
                chosen = NemoBackend(settings, store, retries=1, backoff=0.01)
            else:
                chosen = LocalBackend(settings)
            async with chosen:
                conversation = Conversation(settings, store, chosen)
                async with TelegramAdapter(
                    settings, conversation, poll_timeout=1.0, album_window=0.3, backoff=backoff
                ) as adapter:
                    conversation.add_adapter(adapter)
                    try:
                        yield Stack(tg, nemo if backend == "nemo" else None, conversation,
                                    adapter)  # fmt: skip
                    finally:
                        await conversation.close(grace=5)
        if backend == "nemo":
            assert_no_token_sent(nemo)

    return opened


def assert_no_token_sent(nemo: FakeNemo) -> None:
    """Nothing the bot sent to NemoVideo carries the bot token: paths, queries, headers, bodies."""
    secret = TOKEN.split(":")[1]
    for rec in nemo.requests:
        seen = json.dumps([rec.path, rec.query, dict(rec.headers), rec.json], default=str)
        assert secret not in seen, rec.endpoint
        assert "/file/bot" not in seen, rec.endpoint


async def test_private_journey_from_video_to_delivered_video(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo, clip: Path
) -> None:
    async with open_stack() as stack:
        size = clip.stat().st_size
        video = fake_tg.video(size, name="clip.mp4", disk_path=clip)
        await fake_tg.push(fake_tg.message(CHAT, text="make it brighter", video=video))
        await nemo.wait_turns(1)
        await stack.idle()
        [upload] = nemo.calls("upload")
        assert [f.size for f in upload.files] == [size]  # relayed whole, as a stream
        assert fake_tg.downloaded_bytes == size
        assert nemo.turns[0].message == "make it brighter"
        await fake_tg.push(fake_tg.message(CHAT, text="/export"))
        await nemo.wait_calls("render_submit")
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendVideo")) == 1)
        await stack.idle()
        delivered = [m for m in fake_tg.sent(CHAT) if "video" in m]
        assert len(delivered) == 1
        assert delivered[0]["video"]["file_size"] == nemo.default_render.size
        assert delivered[0]["supports_streaming"] is True
        assert any("200.0 KB" in text for text in stack.texts())
        assert len(fake_tg.calls_of("sendChatAction")) >= 1


async def test_local_engine_result_is_a_playable_video(
    open_stack: StackFactory, fake_tg: FakeTelegram, clip: Path
) -> None:
    async with open_stack(backend="local") as stack:
        size = clip.stat().st_size
        video = fake_tg.video(size, name="clip.mp4", disk_path=clip)
        await fake_tg.push(fake_tg.message(CHAT, text="compress to 100KB", video=video))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendVideo")) == 1, timeout=60)
        await stack.idle()
        [message] = [m for m in fake_tg.sent(CHAT) if "video" in m]
        sent = message["video"]
        assert sent["file_size"] <= 100_000
        assert (sent["duration"], sent["width"], sent["height"]) == (3, 320, 240)
        assert sent["thumbnail"]["file_size"] > 0
        assert message["supports_streaming"] is True


async def test_local_gif_and_sound_arrive_as_an_animation_and_as_audio(
    open_stack: StackFactory, fake_tg: FakeTelegram, clip: Path
) -> None:
    async with open_stack(backend="local") as stack:
        video = fake_tg.video(clip.stat().st_size, name="clip.mp4", disk_path=clip)
        await fake_tg.push(fake_tg.message(CHAT, text="convert to gif under 300KB", video=video))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendAnimation")) == 1, timeout=60)
        await fake_tg.push(fake_tg.message(CHAT, text="只要音频"))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendAudio")) == 1, timeout=60)
        await stack.idle()
        [gif] = [m["animation"] for m in fake_tg.sent(CHAT) if "animation" in m]
        assert gif["file_name"] == "clip.gif" and 0 < gif["file_size"] <= 300_000
        assert abs(gif["width"] * 3 - gif["height"] * 4) <= 8  # 4:3 kept, made small enough
        [message] = [m for m in fake_tg.sent(CHAT) if "audio" in m]
        assert message["audio"]["file_name"] == "clip.mp3" and message["audio"]["duration"] == 3
        assert "Here is your audio" in message["caption"]
        assert fake_tg.calls_of("sendVideo") == []


async def test_a_result_too_big_to_upload_is_a_link(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo
) -> None:
    nemo.script_render(polls=1, size=60 * MB)
    async with open_stack() as stack:
        video = fake_tg.video(2 * MB)
        await fake_tg.push(fake_tg.message(CHAT, video=video))
        await nemo.wait_calls("upload")
        await stack.idle()
        await fake_tg.push(fake_tg.message(CHAT, text="/export"))
        await nemo.wait_calls("render_submit")
        await fake_tg.wait_for(
            lambda: any("url" in str(m.get("reply_markup")) for m in fake_tg.sent(CHAT))
        )
        await stack.idle()
        assert fake_tg.calls_of("sendVideo") == []
        [link] = [m for m in fake_tg.sent(CHAT) if "url" in str(m.get("reply_markup"))]
        [[button]] = link["reply_markup"]["inline_keyboard"]
        assert button["url"].startswith(nemo.url) and "60.0 MB" in button["text"]
        assert "60.0 MB" in link["text"] and "50.0 MB" in link["text"]
        assert fake_tg.uploads == []


async def test_flood_control_on_edits_loses_no_message(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo
) -> None:
    nemo.script_render(polls=6, size=300_000)
    async with open_stack() as stack:
        await fake_tg.push(fake_tg.message(CHAT, video=fake_tg.video(MB)))
        await nemo.wait_calls("upload")
        await stack.idle()
        fake_tg.fail_next("editMessageText", retry_after=1, times=3)
        fake_tg.fail_next("sendMessage", retry_after=1)
        await fake_tg.push(fake_tg.message(CHAT, text="/export"))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendVideo")) == 1, timeout=20)
        await stack.idle()
        assert fake_tg.unused_failures("editMessageText") == 0  # all three 429s were served
        assert fake_tg.unused_failures("sendMessage") == 0
        progress = [m for m in fake_tg.sent(CHAT) if m.get("text", "").startswith("✅ Done in")]
        assert progress, stack.texts()  # the progress message reached its final state
        assert len([m for m in fake_tg.sent(CHAT) if "video" in m]) == 1
        sends = fake_tg.calls_of("sendMessage")
        stored = [m for m in fake_tg.sent(CHAT) if m["from"]["is_bot"] and "text" in m]
        assert len(sends) == len(stored) + 1  # the one flooded send was retried, not dropped


@pytest.mark.parametrize("kind", ["flood", "server", "unsupported"])
async def test_optional_calls_failing_at_start_and_later_never_hold_back_the_work(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo, kind: FailureKind
) -> None:
    fake_tg.fail("setMyCommands", kind, times=None, retry_after=1)
    async with open_stack(backoff=Backoff(first=0.05, longest=0.1)) as stack:
        for method in ("sendChatAction", "answerCallbackQuery"):
            fake_tg.fail(method, kind, times=None, retry_after=1)
        await fake_tg.push(fake_tg.message(CHAT, text="make it brighter", video=fake_tg.video(MB)))
        await nemo.wait_turns(1)
        await stack.idle()
        await fake_tg.push(fake_tg.message(CHAT, text="/export"))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendVideo")) == 1, timeout=20)
        await stack.idle()
        assert fake_tg.calls_of("sendChatAction"), "the chat actions were tried, and refused"
        assert any("200.0 KB" in text for text in stack.texts())


async def test_two_forum_topics_get_separate_sessions(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo
) -> None:
    group = -100555
    async with open_stack() as stack:
        for thread in (11, 22):
            await fake_tg.push(
                fake_tg.message(group, chat_type="supergroup", thread_id=thread,
                                text="@clipbridge_bot trim it", video=fake_tg.video(MB))
            )  # fmt: skip
        await nemo.wait_turns(2)
        await stack.idle()
        assert len(nemo.sessions) == 2
        assert sorted(len(s.uploads) for s in nemo.sessions.values()) == [1, 1]
        threads = {m.get("message_thread_id") for m in fake_tg.sent(group) if m["from"]["is_bot"]}
        assert threads == {11, 22}


async def test_in_a_group_only_the_addressed_video_is_taken(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo
) -> None:
    group = -100999
    async with open_stack() as stack:
        await fake_tg.push(
            fake_tg.message(
                group, chat_type="group", user_id=7, text="look at my cat", video=fake_tg.video(MB)
            )
        )
        addressed = fake_tg.message(group, chat_type="group", user_id=8,
                                    text="@clipbridge_bot under 5MB please",
                                    video=fake_tg.video(2 * MB))  # fmt: skip
        await fake_tg.push(addressed)
        await nemo.wait_turns(1)
        await stack.idle()
        [upload] = nemo.calls("upload")
        assert [f.size for f in upload.files] == [2 * MB]
        assert nemo.turns[0].message == "under 5MB please"
        assert fake_tg.downloaded_bytes == 2 * MB  # the other video was never fetched
        replies = [m for m in fake_tg.sent(group) if m["from"]["is_bot"]]
        assert replies
        assert {m.get("reply_to_message_id") for m in replies} == {
            addressed["message"]["message_id"]
        }


async def test_buttons_drive_the_core(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo
) -> None:
    async with open_stack() as stack:
        await fake_tg.push(fake_tg.message(CHAT, text="/start", language_code="zh"))
        await fake_tg.wait_for(lambda: len(stack.texts()) == 1)
        [welcome] = fake_tg.sent(CHAT)
        commands = [b["callback_data"] for row in welcome["reply_markup"]["inline_keyboard"]
                    for b in row]  # fmt: skip
        assert commands[:3] == ["/export", "/status", "/credits"]
        await fake_tg.push(fake_tg.callback(CHAT, welcome["message_id"], "/credits",
                                            language_code="zh"))  # fmt: skip
        await fake_tg.wait_for(lambda: len(stack.texts()) == 2)
        await stack.idle()
        assert len(fake_tg.calls_of("answerCallbackQuery")) == 1
        assert nemo.calls("credits")
        assert stack.texts()[1] == t("credits_ok", "zh")  # answered in the presser's language


async def test_a_video_link_goes_to_nemovideo_as_a_url(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo, dns: dict[str, list[str]]
) -> None:
    url = "https://videos.example.org/clips/launch.mp4"
    async with open_stack() as stack:
        await fake_tg.push(fake_tg.message(CHAT, text=f"{url} cut the first second"))
        await nemo.wait_turns(1)
        await stack.idle()
        [upload] = nemo.calls("upload")
        assert upload.json == {"urls": [url], "source_type": "url"}
        assert nemo.turns[0].message == "cut the first second"


async def test_local_mode_relays_a_large_file_from_disk(
    open_stack: StackFactory, nemo: FakeNemo, tmp_path: Path
) -> None:
    async with (
        FakeTelegram(TOKEN, local_mode=True, local_dir=tmp_path) as local,
        open_stack(tg=local, telegram_local_mode=True) as stack,
    ):
        await local.push(local.message(CHAT, video=local.video(30 * MB)))
        await nemo.wait_calls("upload")
        await stack.idle()
        [upload] = nemo.calls("upload")
        assert [f.size for f in upload.files] == [30 * MB]
        assert local.downloads == 0 and local.calls_of("getFile")


async def test_a_chat_under_flood_control_does_not_hold_up_another(
    open_stack: StackFactory, fake_tg: FakeTelegram
) -> None:
    async with open_stack() as stack:
        fake_tg.fail_next("sendMessage", retry_after=3)  # the first chat's answer is refused
        await fake_tg.push(fake_tg.message(1001, user_id=1001, text="/start"))
        await fake_tg.wait_for(lambda: len(fake_tg.calls_of("sendMessage")) == 1)
        await fake_tg.push(fake_tg.message(1002, user_id=1002, text="/start"))
        await fake_tg.wait_for(lambda: len(fake_tg.sent(1002)) == 1, timeout=2)
        assert fake_tg.sent(1001) == []  # still waiting out its retry-after
        await fake_tg.wait_for(lambda: len(fake_tg.sent(1001)) == 1, timeout=5)
        await stack.idle()


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_file_is_taken_or_refused_as_on_every_platform(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo, tmp_path: Path, case: Case
) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.content)
    document = fake_tg.document(len(case.content), name=case.name, mime=case.mime or "",
                                disk_path=path)  # fmt: skip
    if case.mime is None:
        del document["mime_type"]
    async with open_stack() as stack:
        await fake_tg.push(fake_tg.message(CHAT, document=document))
        await fake_tg.wait_for(stack.texts)
        await stack.idle()
        uploads = nemo.calls("upload")
        match case.outcome:
            case "taken":
                [upload] = uploads
                assert [(f.filename, f.size) for f in upload.files] == [
                    (case.name, len(case.content))
                ]
            case "refused by its content":
                assert uploads == []
                refusal = t("err_unsupported", "en", formats=formats.listed(formats.NEMO))
                assert stack.texts() == [f"{case.name}: {refusal}"]
            case "refused by its type":
                assert uploads == []
                assert stack.texts() == [t("tg_not_a_video", "en")]
                assert fake_tg.downloaded_bytes == 0


async def test_refusals_speak_the_language_chosen_with_lang(
    open_stack: StackFactory, fake_tg: FakeTelegram, nemo: FakeNemo, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_bytes(TEXT)
    async with open_stack() as stack:
        await fake_tg.push(fake_tg.message(CHAT, text="/lang zh", language_code="en"))
        await fake_tg.wait_for(lambda: stack.texts() == [t("lang_set", "zh")])
        # The adapter's own refusal: a picture sent as a file.
        picture = fake_tg.document(100, name="cat.png", mime="image/png")
        await fake_tg.push(fake_tg.message(CHAT, document=picture, language_code="en"))
        await fake_tg.wait_for(lambda: len(stack.texts()) == 2)
        assert stack.texts()[1] == t("tg_not_a_video", "zh")
        # Too big to fetch, refused by the adapter before any byte.
        big = fake_tg.document(21 * MB, name="big.mp4", mime="video/mp4")
        await fake_tg.push(fake_tg.message(CHAT, document=big, language_code="en"))
        await fake_tg.wait_for(lambda: len(stack.texts()) == 3)
        assert stack.texts()[2].startswith(t("tg_file_too_big", "zh", size="", limit="")[:6])
        # The core's refusal of a renamed text file, by its content.
        renamed = fake_tg.document(len(TEXT), name="notes.mp4", mime="application/octet-stream",
                                   disk_path=notes)  # fmt: skip
        await fake_tg.push(fake_tg.message(CHAT, document=renamed, language_code="en"))
        await fake_tg.wait_for(lambda: len(stack.texts()) == 4)
        await stack.idle()
        refusal = t("err_unsupported", "zh", formats=formats.listed(formats.NEMO))
        assert stack.texts()[3] == f"notes.mp4: {refusal}"
        assert nemo.calls("upload") == []
