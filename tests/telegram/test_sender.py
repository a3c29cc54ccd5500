"""TelegramSender, Telegram for a cluster worker: what a front wrote down (the chat, the delivery
hint, each file's `file_id`) is enough to answer and to fetch the file again from another
process, over the real python-telegram-bot against the fake Bot API, without taking updates."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from telegram import error as tg_error

from adapters.telegram import PLATFORM, TelegramAdapter, TelegramSender
from adapters.telegram._files import CHUNK
from adapters.telegram._session import rate_limits
from bot.core.requests import AttachmentRef
from bot.errors import ConfigError, FileTooLarge, RetryAfter
from bot.models import Attachment, ChatKey
from bot.ports import MessageRef, OutboundVideo
from bot.settings_check import load_settings
from tests.fakes.telegram_api import MB, FakeTelegram, pattern_bytes
from tests.support.core import RecordingCore, stored
from tests.support.secrets import TELEGRAM_TOKEN as TOKEN
from tests.telegram.conftest import LogLines, make_settings
from tests.telegram.test_port import write

GROUP = -100555


async def digest(attachment: Attachment) -> tuple[str, int, int]:
    """sha256 of what `open()` streams, its size, and its largest chunk."""
    sha, total, largest = hashlib.sha256(), 0, 0
    async with attachment.open() as chunks:
        async for chunk in chunks:
            sha.update(chunk)
            total += len(chunk)
            largest = max(largest, len(chunk))
    return sha.hexdigest(), total, largest


async def test_a_worker_answers_a_group_member_from_the_stored_job(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    settings = make_settings(fake_tg, tmp_path)
    async with TelegramAdapter(settings, core, poll_timeout=1.0):
        message = fake_tg.message(
            GROUP, chat_type="supergroup", text="@clipbridge_bot smaller", video=fake_tg.video(MB)
        )
        await fake_tg.push(message)
        inbound, front_port = await core.nth(1)
    job, hint = stored(inbound), front_port.hint
    assert hint == str(message["message"]["message_id"])
    assert job.attachments[0].source == message["message"]["video"]["file_id"]
    front_calls = {m: len(fake_tg.calls_of(m)) for m in ("getUpdates", "deleteWebhook")}

    async with PLATFORM.sender(settings) as sender:
        assert sender.platform == "telegram"
        [ref] = job.attachments
        sha, total, largest = await digest(sender.attachment(ref))
        assert (sha, total) == (hashlib.sha256(pattern_bytes(0, MB)).hexdigest(), MB)
        assert largest <= CHUNK  # streamed, never held whole

        port = sender.port_for(job.chat, hint)
        assert port.hint == hint and port.upload_limit == 50 * MB
        sent = await port.send_text("Working on it: 10%")
        await port.edit_text(sent, "Working on it: 90%")
        video = write(tmp_path / "out.mp4", 2 * MB)
        result = await port.send_video(OutboundVideo(video, 2 * MB, "out.mp4"), "Done.")

    answers = fake_tg.sent(GROUP)[-2:]
    assert [m["message_id"] for m in answers] == [int(sent.id), int(result.id)]
    assert answers[0]["text"] == "Working on it: 90%"  # edited by the worker
    assert answers[1]["video"]["file_size"] == 2 * MB and answers[1]["caption"] == "Done."
    # Both reply to the member's message, so the group sees whose job it is.
    assert {m["reply_to_message_id"] for m in answers} == {message["message"]["message_id"]}
    # A sender takes no updates, and leaves the front's webhook or polling alone.
    assert {m: len(fake_tg.calls_of(m)) for m in front_calls} == front_calls
    assert fake_tg.calls_of("setWebhook") == []


async def test_a_stale_hint_falls_back_to_the_chat(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    async with TelegramSender(make_settings(fake_tg, tmp_path)) as sender:
        port = sender.port_for(ChatKey("telegram", str(GROUP), "9", "42"), "not-a-message-id")
        assert port.hint is None
        await port.send_text("Done.")
    [message] = fake_tg.sent(GROUP)
    assert message["message_thread_id"] == 9 and "reply_to_message_id" not in message


async def test_an_expired_file_id_fails_as_it_does_in_the_adapter(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    settings = make_settings(fake_tg, tmp_path)
    async with TelegramAdapter(settings, core, poll_timeout=1.0):
        await fake_tg.push(fake_tg.message(42, video=fake_tg.video(MB)))
        inbound, _ = await core.nth(1)
        [attachment] = inbound.attachments
        del fake_tg.files[attachment.source or ""]  # Telegram no longer knows it
        with pytest.raises(tg_error.BadRequest) as in_adapter:
            await digest(attachment)
    async with TelegramSender(settings) as sender:
        with pytest.raises(type(in_adapter.value)) as in_sender:
            await digest(sender.attachment(AttachmentRef.of(attachment)))
    assert in_sender.value.message == in_adapter.value.message
    assert fake_tg.downloads == 0


async def test_a_file_over_the_download_limit_is_refused_before_any_fetch(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    big = fake_tg.video(21 * MB)
    ref = AttachmentRef("big.mp4", 21 * MB, "video/mp4", source=big["file_id"])
    async with TelegramSender(make_settings(fake_tg, tmp_path)) as sender:
        with pytest.raises(FileTooLarge) as raised:
            sender.attachment(ref)
    assert raised.value.limit == 20 * MB
    assert fake_tg.calls_of("getFile") == []


async def test_flood_control_reaches_the_worker_as_retry_after(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    async with TelegramSender(make_settings(fake_tg, tmp_path)) as sender:
        port = sender.port_for(ChatKey("telegram", "42"))
        fake_tg.fail_next("sendMessage", retry_after=5)
        with pytest.raises(RetryAfter) as raised:
            await port.send_text("Done.")
        assert raised.value.seconds == 5
        fake_tg.fail_next("editMessageText", retry_after=3)
        with pytest.raises(RetryAfter):
            await port.edit_text(MessageRef("1"), "Done.")


async def test_local_mode_reads_the_file_from_the_servers_disk(
    tmp_path: Path, log_lines: LogLines
) -> None:
    async with FakeTelegram(TOKEN, local_mode=True, local_dir=tmp_path) as fake:
        video = fake.video(25 * MB)  # over the cloud limit, under the local one
        settings = make_settings(fake, tmp_path, telegram_local_mode=True)
        ref = AttachmentRef("a.mp4", 25 * MB, "video/mp4", source=video["file_id"])
        async with TelegramSender(settings) as sender:
            _, total, largest = await digest(sender.attachment(ref))
            assert sender.port_for(ChatKey("telegram", "42")).upload_limit == 2000 * MB
        assert total == 25 * MB and largest <= CHUNK
        assert fake.downloads == 0  # from disk, not over HTTP


async def test_a_refused_token_stops_the_sender_with_one_sentence(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    settings = make_settings(fake_tg, tmp_path, telegram_bot_token="123:wrong")
    with pytest.raises(ConfigError) as raised:
        async with TelegramSender(settings):
            pass
    assert "TELEGRAM_BOT_TOKEN" in str(raised.value) and "wrong" not in str(raised.value)


def test_a_share_of_the_rate_never_asks_the_limiter_for_a_fraction_of_a_message() -> None:
    assert rate_limits(1.0) == ((30.0, 1.0), (20.0, 60.0))
    assert rate_limits(0.5) == ((15.0, 1.0), (10.0, 60.0))
    (rate, period), (group_rate, group_period) = rate_limits(0.02)  # 50 processes
    assert (rate, group_rate) == (1.0, 1.0)
    assert rate / period == pytest.approx(0.6) and group_rate / group_period == pytest.approx(
        0.4 / 60
    )


def test_doctor_shows_a_share_of_the_rate(fake_tg: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(fake_tg, tmp_path, telegram_rate_share=0.25)
    assert PLATFORM.describe(settings) == "Telegram (polling, 0.25 of the bot's send rate)"


def test_the_rate_share_is_checked_with_the_other_settings() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(None, telegram_rate_share=2)
    [problem] = raised.value.problems
    assert "TELEGRAM_RATE_SHARE" in problem and "at most 1" in problem, problem


async def test_a_share_of_the_rate_paces_this_process(
    fake_tg: FakeTelegram, tmp_path: Path, log_lines: LogLines
) -> None:
    # A tenth of the bot's 30 a second: 3 a second, so 9 messages take at least two seconds.
    settings = make_settings(fake_tg, tmp_path, telegram_rate_share=0.1)
    async with TelegramSender(settings) as sender:
        port = sender.port_for(ChatKey("telegram", "42"))
        started = time.monotonic()
        for n in range(9):
            await port.send_text(f"message {n}")
        elapsed = time.monotonic() - started
    assert elapsed >= 1.9, elapsed
    assert len(fake_tg.sent(42)) == 9


async def test_in_local_mode_a_worker_without_the_servers_disk_is_told_what_to_mount(
    tmp_path: Path, log_lines: LogLines
) -> None:
    async with FakeTelegram(TOKEN, local_mode=True, local_dir=tmp_path) as fake:
        video = fake.video(MB)
        fake.files[video["file_id"]].disk_path.unlink()  # type: ignore[union-attr]
        settings = make_settings(fake, tmp_path, telegram_local_mode=True)
        ref = AttachmentRef("a.mp4", MB, "video/mp4", source=video["file_id"])
        async with TelegramSender(settings) as sender:
            with pytest.raises(ConfigError) as raised:
                await digest(sender.attachment(ref))
    [problem] = raised.value.problems
    assert "mount the server's working directory" in problem
    assert str(tmp_path) not in problem  # the server's folders are named by the token
