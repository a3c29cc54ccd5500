"""`clipbridge run` on a bad day: Telegram and Discord answering optional calls with flood control,
5xx and "unsupported" at start-up and later, a Telegram that is down when the bot starts, a token
the platform refuses, and a database file that is not a database.

The bot must keep running and answer; what stops it must stop it at once, with one sentence that
names the setting or file and what to do, and no traceback.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.texts import t
from tests.acceptance.conftest import (
    DISCORD_CHANNEL,
    DISCORD_GUILD,
    Newcomer,
    Program,
    discord_env,
    http_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.discord_api import FailureKind, FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

CHAT = 4242
DM_CHANNEL = 830_000_000_000_000_001
SYNC = r"^/applications/\d+/commands$"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+ [A-Z]+ ")


def _said(program: Program) -> list[str]:
    """What the program wrote to stderr besides its log lines."""
    return [line for line in program.err.splitlines() if line and not LOG_LINE.match(line)]


def _assert_no_traceback(program: Program) -> None:
    assert "Traceback" not in program.transcript, program.transcript[-3000:]


async def _stop(program: Program) -> None:
    assert program.returncode is None, "the bot is still running"
    program.signal(signal.SIGTERM)
    assert await program.wait() == 0
    _assert_no_traceback(program)


# --- Telegram -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flood", "server", "unsupported"])
async def test_telegram_optional_calls_failing_at_start_and_later_never_stop_the_bot(
    clipbridge: Newcomer, telegram: FakeTelegram, clip: Callable[..., Path], kind: FailureKind
) -> None:
    telegram.fail("setMyCommands", kind, times=None if kind == "unsupported" else 2, retry_after=1)
    video = clip("clips/a.mp4")
    async with clipbridge("run", env={**telegram_env(telegram), **http_env()}) as bot:
        await wait_healthy(bot)
        if kind == "unsupported":
            await bot.expect("refused the command menu")
        else:
            await telegram.wait_for(lambda: set(telegram.commands) == {"", "zh"}, timeout=20)
        for method in ("sendChatAction", "answerCallbackQuery", "setMyCommands"):
            telegram.fail(method, kind, times=None, retry_after=1)  # and from now on, always

        await telegram.push(telegram.message(CHAT, text="/help"))
        await telegram.wait_for(lambda: any("/export" in m["text"] for m in telegram.sent(CHAT)))
        welcome = telegram.sent(CHAT)[-1]
        await telegram.push(telegram.callback(CHAT, welcome["message_id"], "/status"))
        no_project = t("no_session", "en")
        await telegram.wait_for(lambda: any(m["text"] == no_project for m in telegram.sent(CHAT)))

        upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
        await telegram.push(telegram.message(CHAT, text="compress to under 200KB", video=upload))
        await telegram.wait_for(lambda: telegram.calls_of("sendVideo"), timeout=60)
        assert telegram.calls_of("sendChatAction") and telegram.calls_of("answerCallbackQuery")
        await _stop(bot)


async def test_telegram_down_at_start_is_waited_for_one_line_per_retry(
    clipbridge: Newcomer, telegram: FakeTelegram
) -> None:
    telegram.fail("getMe", "server", times=2, status=502)
    async with clipbridge("run", env={**telegram_env(telegram), **http_env()}) as bot:
        await bot.expect(r"Telegram cannot be reached \(.*\); retrying in 1s")
        await bot.expect(r"Telegram cannot be reached \(.*\); retrying in 2s")
        await wait_healthy(bot)
        await telegram.push(telegram.message(CHAT, text="/help"))
        await telegram.wait_for(lambda: any("/export" in m["text"] for m in telegram.sent(CHAT)))
        await _stop(bot)


async def test_a_second_clipbridge_in_the_same_folder_is_refused_and_the_first_goes_on(
    clipbridge: Newcomer, telegram: FakeTelegram, clip: Callable[..., Path], data: Path
) -> None:
    # It used to start, take the first one's running ffmpeg for a crash's leftover and kill it.
    video = clip(
        "clips/a.mp4",
        size="1280x720",
        duration=6,
        picture_filter="noise=alls=20:allf=t",
        video=("-crf", "30"),
    )
    async with clipbridge("run", env={**telegram_env(telegram), **http_env()}) as first:
        await wait_healthy(first)
        upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
        await telegram.push(telegram.message(CHAT, text="compress to under 1MB", video=upload))
        said = lambda: [str(c.params.get("text")) for c in telegram.calls]  # noqa: E731
        await telegram.wait_for(lambda: any("Understood" in text for text in said()), timeout=30)
        for command in ("run", "chat"):
            env = {**telegram_env(telegram), **http_env()}
            async with clipbridge(command, env=env) as second:
                assert await second.wait(30) == 2, second.transcript[-3000:]
            [sentence] = _said(second)
            assert f"(process {first.pid}) is running with DATA_DIR {data}:" in sentence, sentence
            _assert_no_traceback(second)
        await telegram.wait_for(lambda: telegram.calls_of("sendVideo"), timeout=60)
        await _stop(first)
    assert not [m for m in telegram.sent(CHAT) if "failed" in m.get("text", "")], telegram.sent(
        CHAT
    )


async def test_a_result_telegram_fails_to_take_once_is_posted_on_the_next_try(
    clipbridge: Newcomer, telegram: FakeTelegram, clip: Callable[..., Path]
) -> None:
    telegram.fail("sendVideo", "server", times=1, status=502)
    video = clip("clips/a.mp4")
    async with clipbridge("run", env={**telegram_env(telegram), **http_env()}) as bot:
        await wait_healthy(bot)
        upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
        await telegram.push(telegram.message(CHAT, text="compress to under 200KB", video=upload))
        await telegram.wait_for(lambda: any("video" in m for m in telegram.sent(CHAT)), timeout=60)
        await bot.expect(r"posting the result failed \(.*\); trying again in 2s")
        await _stop(bot)
    assert len(telegram.calls_of("sendVideo")) == 2
    texts = [m.get("text", "") for m in telegram.sent(CHAT)]
    assert not [text for text in texts if "📡" in text or "⚠️" in text], texts


async def test_telegram_refusing_the_token_ends_the_start_with_one_sentence(
    clipbridge: Newcomer,
) -> None:
    async with (
        FakeTelegram("1:a-token-for-another-bot") as other,
        clipbridge("run", env={**telegram_env(other), **http_env()}) as bot,
    ):
        assert await bot.wait(30) == 2
    [sentence] = _said(bot)
    assert "TELEGRAM_BOT_TOKEN" in sentence and "@BotFather" in sentence
    _assert_no_traceback(bot)


@pytest.mark.parametrize("command", ["run", "chat"])
async def test_a_corrupt_database_ends_the_start_at_once_with_one_sentence(
    clipbridge: Newcomer, telegram: FakeTelegram, data: Path, command: str
) -> None:
    data.mkdir()
    (data / "clipbridge.sqlite3").write_bytes(b"not a database, a broken disk's leftovers\n" * 99)
    async with clipbridge(command, env={**telegram_env(telegram), **http_env()}) as bot:
        assert await bot.wait(15) == 1
    [sentence] = _said(bot)
    assert "data/clipbridge.sqlite3" in sentence and "backup" in sentence
    _assert_no_traceback(bot)


# --- Discord ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flood", "server", "unsupported"])
async def test_discord_optional_calls_failing_at_start_and_later_never_stop_the_bot(
    clipbridge: Newcomer, discord: FakeDiscord, clip: Callable[..., Path], kind: FailureKind
) -> None:
    # A rate limit longer than discord.py waits by itself (30 s), a 503 it does not retry, a 404.
    discord.fail("PUT", SYNC, kind, times=None if kind == "unsupported" else 2, retry_after=40,
                 status=503 if kind == "server" else None)  # fmt: skip
    video = clip("clips/a.mp4")
    async with clipbridge("run", env={**discord_env(discord), **http_env()}) as bot:
        await wait_healthy(bot)
        await discord.identified.wait()
        await bot.expect("slash commands are not synced yet|refused the slash commands")
        discord.fail("POST", r"/typing$", kind, times=None, retry_after=40, status=503)

        channel = discord.text_channel(DISCORD_CHANNEL, DISCORD_GUILD)
        for command in ("status", "help"):
            payload = discord.slash_command(command, channel=channel, guild_id=DISCORD_GUILD)
            await discord.dispatch("INTERACTION_CREATE", payload)
        answered = lambda: [a for a in _answers(discord, DISCORD_CHANNEL) if a]  # noqa: E731
        await discord.wait_for(lambda: len(answered()) == 2, timeout=20)
        status, welcome = answered()  # the deferred "thinking…" responses, edited
        assert status == t("discord_no_session_guild", "en")
        assert welcome == t("discord_welcome_guild", "en")

        await _dm_until_a_result(discord, video, "compress to under 200KB")
        assert [c for c in discord.calls if c.path.endswith("/typing")], "typing was refused"
        await _stop(bot)
    assert discord.gateway_closes == [1000], "closed so that Discord shows the bot offline"


async def test_a_video_sent_the_moment_the_bot_connects_is_not_taken_for_a_leftover(
    clipbridge: Newcomer, discord: FakeDiscord, clip: Callable[..., Path]
) -> None:
    # An encode still running when the start is over (discord.py waits 2 s after READY).
    video = clip("clips/a.mp4", size="1280x720", duration=6, picture_filter="noise=alls=30:allf=t")
    async with clipbridge("run", env={**discord_env(discord), **http_env()}) as bot:
        await discord.identified.wait()  # READY is on its way: the start is not over yet
        await _dm_until_a_result(discord, video, "compress to under 2MB")
        await _stop(bot)
    texts = [m["content"] for m in discord.in_channel(DM_CHANNEL)]
    assert not [text for text in texts if "restarted" in text], texts


async def test_discord_gateway_down_at_start_is_waited_for_one_line_per_retry(
    clipbridge: Newcomer, discord: FakeDiscord
) -> None:
    discord.fail("GET", "/gateway", "server", times=2, status=503)
    async with clipbridge("run", env={**discord_env(discord), **http_env()}) as bot:
        await bot.expect(r"Discord gateway: 127\.0\.0\.1:\d+ answered 503; attempting a reconnect")
        await bot.expect(r"Discord gateway: not connected yet; trying again in 1s")
        await wait_healthy(bot)
        channel = discord.text_channel(DISCORD_CHANNEL, DISCORD_GUILD)
        payload = discord.slash_command("help", channel=channel, guild_id=DISCORD_GUILD)
        await discord.dispatch("INTERACTION_CREATE", payload)
        await discord.wait_for(lambda: any(_answers(discord, DISCORD_CHANNEL)), timeout=20)
        await _stop(bot)
    _assert_no_traceback(bot)


async def test_discord_refusing_the_token_ends_the_start_with_one_sentence(
    clipbridge: Newcomer, discord: FakeDiscord
) -> None:
    env = {**discord_env(discord), **http_env(), "DISCORD_BOT_TOKEN": "MTE4.another.bot-token"}
    async with clipbridge("run", env=env) as bot:
        assert await bot.wait(30) == 2
    [sentence] = _said(bot)
    assert "DISCORD_BOT_TOKEN" in sentence and "Reset Token" in sentence
    _assert_no_traceback(bot)


async def _dm_until_a_result(discord: FakeDiscord, video: Path, instruction: str) -> None:
    """A DM with `video` and `instruction`, until the bot posts a file there."""
    attachment = discord.add_attachment("a.mp4", video, "video/mp4", channel_id=DM_CHANNEL)
    message = discord.message(instruction, channel_id=DM_CHANNEL, attachments=(attachment,))
    await discord.dispatch("MESSAGE_CREATE", message)
    await discord.wait_for(
        lambda: any(m["attachments"] for m in discord.in_channel(DM_CHANNEL)), timeout=60
    )


def _answers(fake: FakeDiscord, channel: int) -> list[str]:
    bot_id = fake.bot_user["id"]
    return [m["content"] for m in fake.in_channel(channel) if m["author"]["id"] == bot_id]
