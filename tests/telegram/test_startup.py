"""Start-up against a Telegram that is not at its best: optional calls that fail never stop the
bot, a refused token is one sentence for the operator, and a Telegram that cannot be reached is
waited for."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from bot.backoff import Backoff
from bot.errors import ConfigError
from tests.fakes.telegram_api import FailureKind, FakeTelegram
from tests.support.core import RecordingCore
from tests.telegram.conftest import TOKEN, LogLines, make_settings

CHAT = 42
QUICK = Backoff(first=0.05, longest=0.2)


def _adapter(fake: FakeTelegram, tmp_path: Path, core: RecordingCore) -> TelegramAdapter:
    settings = make_settings(fake, tmp_path)
    return TelegramAdapter(settings, core, poll_timeout=1.0, backoff=QUICK)


def _lines(log_lines: LogLines, words: str) -> list[str]:
    return [line for line in log_lines.lines if words in line]


@pytest.mark.parametrize("kind", ["flood", "server"])
async def test_a_command_menu_refused_for_now_is_published_later_and_messages_flow_meanwhile(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines,
    kind: FailureKind,
) -> None:  # fmt: skip
    fake_tg.fail("setMyCommands", kind, times=3, retry_after=1)
    async with _adapter(fake_tg, tmp_path, core):
        await fake_tg.push(fake_tg.message(CHAT, text="hello"))
        [inbound] = await core.wait(1)
        assert inbound.text == "hello"
        await fake_tg.wait_for(lambda: set(fake_tg.commands) == {"", "zh"}, timeout=10)
    assert len(_lines(log_lines, "command menu is not published yet")) == 3


@pytest.mark.parametrize("status", [404, 400])
async def test_a_server_without_the_menu_method_is_told_once_and_not_asked_again(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines,
    status: int,
) -> None:  # fmt: skip
    fake_tg.fail("setMyCommands", "unsupported", times=None, status=status)
    async with _adapter(fake_tg, tmp_path, core):
        await fake_tg.push(fake_tg.message(CHAT, text="hello"))
        await core.wait(1)
        await fake_tg.wait_for(lambda: _lines(log_lines, "refused the command menu"), timeout=5)
    assert len(fake_tg.calls_of("setMyCommands")) == 1
    assert len(_lines(log_lines, "refused the command menu")) == 1


async def test_a_refused_token_is_one_sentence_naming_the_setting(
    tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    async with FakeTelegram("1:another-bot") as other:  # knows a different token
        with pytest.raises(ConfigError) as raised:
            async with _adapter(other, tmp_path, core):
                pytest.fail("started with a token Telegram refused")
    [problem] = raised.value.problems
    assert "TELEGRAM_BOT_TOKEN" in problem and "@BotFather" in problem
    assert TOKEN not in problem and TOKEN.split(":")[1] not in problem
    assert "\n" not in problem


async def test_a_telegram_answering_5xx_at_start_is_retried_until_it_answers(
    fake_tg: FakeTelegram, tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    fake_tg.fail("getMe", "server", times=2, status=502)
    async with _adapter(fake_tg, tmp_path, core):
        await fake_tg.push(fake_tg.message(CHAT, text="hello"))
        await core.wait(1)
    retries = _lines(log_lines, "Telegram cannot be reached")
    assert len(retries) == 2, retries
    assert "retrying in 0.05s" in retries[0] and "retrying in 0.1s" in retries[1]


async def test_a_telegram_refusing_connections_is_waited_for_one_line_per_retry(
    tmp_path: Path, core: RecordingCore, log_lines: LogLines
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(FakeTelegram(TOKEN), tmp_path).model_copy(
        update={
            "telegram_base_url": f"http://127.0.0.1:{port}/bot",
            "telegram_base_file_url": f"http://127.0.0.1:{port}/file/bot",
        }
    )
    adapter = TelegramAdapter(settings, core, backoff=QUICK)
    starting = asyncio.create_task(adapter.__aenter__())
    while len(_lines(log_lines, "Telegram cannot be reached")) < 3:
        assert not starting.done(), starting.result()
        await asyncio.sleep(0.02)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    [first, *_] = _lines(log_lines, "Telegram cannot be reached")
    assert f"connection refused by 127.0.0.1:{port}" in first
    assert not [line for line in log_lines.lines if "Traceback" in line]
