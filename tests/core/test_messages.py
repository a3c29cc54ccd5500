"""Every message names what really happened and what to do, and pacing never holds up the work.

A local encode that fails blames this computer (its encoder or its disk), not "the video service";
a turn whose stream ended early says why (timed out, or the connection dropped) and never "✅ Done";
a cancelled encode is called an encode; a request with nothing to work on is answered at once; and
neither the next job nor a delivery waits for a progress edit.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot import delivery
from bot.errors import Transient
from bot.models import UserRef
from bot.streams import file_attachment
from bot.texts import t
from tests.core.conftest import BotFactory, LocalBot, LocalBotFactory, fake_ffmpeg
from tests.fakes.nemovideo import FakeNemo, adk_text, adk_tool_call, every, heartbeat
from tests.local.conftest import ffmpeg
from tests.recording_port import RecordingPort

LOCALES = ["en", "zh"]
FAILING_FFMPEG = "echo 'Error initializing output stream: Error while opening encoder' >&2; exit 1"
FULL_DISK_FFMPEG = "echo 'out.mp4: No space left on device' >&2; exit 1"


async def _uploaded(bot: LocalBot, port: RecordingPort, clip: Path, locale: str) -> None:
    await bot.store.set_language(UserRef("test", "u" + port.chat.chat), locale)
    await bot.send_file(port, clip)
    await bot.conversation.wait_idle()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("ffmpeg", "key"), [(FAILING_FFMPEG, "err_encode_failed"), (FULL_DISK_FFMPEG, "err_disk_full")]
)
async def test_a_local_encode_failure_blames_this_computer_not_the_service(
    open_local: LocalBotFactory,
    tiny_mp4: Path,
    tmp_path: Path,
    locale: str,
    ffmpeg: str,
    key: str,
) -> None:
    async with open_local(ffmpeg_path=fake_ffmpeg(tmp_path, ffmpeg)) as bot:
        port = bot.port()
        await _uploaded(bot, port, tiny_mp4, locale)
        await bot.say(port, "compress to under 40KB")
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == []
    texts = port.texts()
    assert t(key, locale) in texts, texts
    assert not [text for text in texts if t("err_render_failed", locale) in text]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_heartbeat_timeout_is_not_called_a_dropped_connection(
    fake: FakeNemo, open_bot: BotFactory, locale: str
) -> None:
    fake.script_turn(every(0.1, heartbeat("comment"), for_=5.0), adk_text("too late"))
    async with open_bot(nemo_heartbeat_timeout=0.6) as bot:
        port = bot.port()
        await bot.store.set_language(UserRef("test", "u1"), locale)
        await bot.say(port, "make a short intro")
        await bot.conversation.wait_idle()
    texts = port.texts()
    assert t("turn_quiet_timeout", locale, waited="0:01") in texts, texts
    assert t("stream_broken", locale) not in texts
    assert not [text for text in texts if text.startswith("✅")], "no claim of success"


async def test_a_turn_past_its_time_limit_says_so(fake: FakeNemo, open_bot: BotFactory) -> None:
    fake.script_turn(every(0.2, adk_tool_call("compress_video", {}), for_=6.0))
    async with open_bot(nemo_turn_timeout=1.0, nemo_heartbeat_timeout=5.0) as bot:
        port = bot.port()
        await bot.say(port, "make a short intro")
        await bot.conversation.wait_idle()
    texts = port.texts()
    assert t("turn_timeout", "en", waited="0:01") in texts, texts
    assert not [text for text in texts if text.startswith("✅")], "no claim of success"


@pytest.mark.parametrize("with_caption", [True, False])
async def test_cancelling_an_encode_says_the_encode(
    open_local: LocalBotFactory, tiny_mp4: Path, tmp_path: Path, with_caption: bool
) -> None:
    started = tmp_path / "started"
    slow = fake_ffmpeg(tmp_path, f"touch {started}; exec sleep 60")
    async with open_local(ffmpeg_path=slow) as bot:
        port = bot.port()
        if with_caption:  # the file and the instruction in one message: an upload that encodes
            await bot.send_file(port, tiny_mp4, caption="compress to under 40KB")
        else:
            await bot.send_file(port, tiny_mp4)
            await bot.conversation.wait_idle()
            await bot.say(port, "compress to under 40KB")
        await port.wait_text("40")
        await bot.say(port, "/cancel")
        said = await port.wait_text("Cancelled")
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == []
    assert said.text == t("cancelled", "en", what=t("what_encode", "en"))


async def test_a_request_with_no_video_is_answered_at_once(open_local: LocalBotFactory) -> None:
    async with open_local(edit_interval=3.0) as bot:
        port = bot.port()
        started = time.monotonic()
        await bot.say(port, "compress this video to under 8MB")
        answer = await port.wait_text(t("err_no_input", "en"), timeout=10)
        await bot.conversation.wait_idle()
    assert answer.at - started < 1.0, "no wait for the edit interval"
    assert not [text for text in port.texts() if text.startswith("⏳")], port.texts()


async def test_the_received_edit_does_not_hold_back_the_work(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    fake.latency = {"upload": 1.0}  # long enough that "📥 Receiving…" is posted, then edited
    fake.script_turn(adk_text("Shorter now."))
    async with open_bot(edit_interval=3.0) as bot:
        port = bot.port()
        started = time.monotonic()
        await bot.send_file(port, tiny_mp4, caption="make it shorter")
        await fake.wait_turns(1, timeout=10)
        turn_at = time.monotonic()
        await port.wait_text("Shorter now.")
        await bot.conversation.wait_idle()
    assert port.of("text")[0].text.startswith("📥")
    assert turn_at - started < 2.5, "the turn started without waiting for the 'Received' edit"


async def test_delivery_does_not_wait_for_the_last_edit(
    open_local: LocalBotFactory, tiny_mp4: Path
) -> None:
    async with open_local(edit_interval=6.0) as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "compress to under 40KB")
        video = await port.wait_for(lambda s: s.kind == "video", timeout=30)
        done = await port.wait_for(lambda s: s.kind == "edit" and s.text.startswith("✅"), 30)
        await bot.conversation.wait_idle()
    assert video.at < done.at, "the video went out without waiting for the progress line"


async def test_a_last_word_the_platform_will_not_edit_in_is_sent_anew(
    open_local: LocalBotFactory, tiny_mp4: Path
) -> None:
    async with open_local() as bot:
        port = bot.port(edit_failures=[Transient("telegram: 502 Bad Gateway")] * 99)
        await bot.send_file(port, tiny_mp4, caption="compress to under 40KB")
        await port.wait_for(lambda s: s.kind == "video", timeout=30)
        done = await port.wait_for(lambda s: s.kind == "text" and s.text.startswith("✅"), 30)
        await bot.conversation.wait_idle()
    assert port.of("edit-refused"), "the edits were tried first"
    assert done.text.startswith("✅ Done")


@pytest.fixture
def quick_post_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "RETRIES", (0.01, 0.01))


@pytest.mark.usefixtures("quick_post_retries")
async def test_a_post_the_platform_fails_once_is_tried_again(
    open_local: LocalBotFactory, tiny_mp4: Path
) -> None:
    async with open_local() as bot:
        port = bot.port(video_failures=[Transient("telegram: 502 Bad Gateway")])
        await bot.send_file(port, tiny_mp4, caption="compress to under 40KB")
        await port.wait_for(lambda s: s.kind == "video", timeout=30)
        await bot.conversation.wait_idle()
    assert len(port.of("video-refused")) == 1 and len(port.of("video")) == 1
    assert not [text for text in port.texts() if "⚠️" in text or "📮" in text], port.texts()


@pytest.mark.usefixtures("quick_post_retries")
@pytest.mark.parametrize("locale", LOCALES)
async def test_a_result_the_platform_never_takes_says_the_work_was_done(
    open_local: LocalBotFactory, tiny_mp4: Path, locale: str
) -> None:
    async with open_local() as bot:
        port = bot.port(video_failures=[RuntimeError("503 Service Unavailable")] * 3)
        await bot.store.set_language(UserRef("test", "u1"), locale)
        await bot.send_file(port, tiny_mp4, caption="compress to under 40KB")
        said = await port.wait_text(t("err_not_delivered", locale), timeout=30)
        await bot.conversation.wait_idle()
        assert await bot.store.active_jobs() == [], "the job is closed"
    assert len(port.of("video-refused")) == 3 and not port.of("video")
    assert said.text == t("err_not_delivered", locale)


async def test_a_size_over_the_chats_limit_is_kept_to_the_limit_and_said_at_once(
    open_local: LocalBotFactory, tiny_mp4: Path
) -> None:
    # It used to encode to the size asked, then say the result was too large for the chat.
    async with open_local() as bot:
        port = bot.port(upload_limit=50_000)
        await bot.send_file(port, tiny_mp4, caption="compress to under 5MB")
        video = await port.wait_for(lambda s: s.kind == "video", timeout=30)
        await bot.conversation.wait_idle()
    said = t("engine_over_chat", "en", limit="50.0 KB", asked="5.0 MB")
    assert any(said in text for text in port.texts()), port.texts()
    assert video.video_size is not None and video.video_size <= 50_000


async def test_an_instruction_sent_with_several_videos_is_carried_out_on_each(
    open_local: LocalBotFactory, tiny_mp4: Path, tmp_path: Path
) -> None:
    # An album with one caption: only the last video was encoded, the other silently left.
    other = tmp_path / "second.mp4"
    shutil.copyfile(tiny_mp4, other)
    async with open_local() as bot:
        port = bot.port()
        await bot.send_file(port, tiny_mp4)  # an earlier video stays out of it
        await bot.conversation.wait_idle()
        album = (file_attachment(tiny_mp4), file_attachment(other))
        await bot.say(port, "compress to under 40KB", attachments=album)
        await port.wait_for(lambda s: len(port.of("video")) == 2, timeout=60)
        await bot.conversation.wait_idle()
    names = sorted(s.video.filename.rsplit("-", 1)[0] for s in port.of("video") if s.video)
    assert names == ["clip", "second"], names


async def test_a_refusal_is_the_last_word_not_done(
    open_local: LocalBotFactory, tmp_path: Path
) -> None:
    lean = tmp_path / "lean.mp4"  # already as small as it can be: "make it smaller" is refused
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=320x240:rate=25:duration=4",
           "-c:v", "libx264", "-crf", "40", "-pix_fmt", "yuv420p", str(lean))  # fmt: skip
    async with open_local() as bot:
        port = bot.port()
        await bot.send_file(port, lean, caption="make it smaller")
        await bot.conversation.wait_idle()
    texts = port.texts()
    assert any("already compact" in text for text in texts), texts
    assert not [text for text in texts if text.startswith("✅")], texts
    assert not port.of("video")
