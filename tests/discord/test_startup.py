"""Start-up against a Discord that is not at its best: a refused token is one sentence for the
operator, a Discord that cannot be reached is waited for, optional calls that fail (the command
sync, typing) never stop the bot or an answer, and leaving shows the bot offline at once."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from adapters.discord import DiscordAdapter
from bot.backoff import Backoff
from bot.errors import ConfigError
from tests.discord.conftest import (
    CHANNEL,
    DM_CHANNEL,
    GUILD,
    TOKEN,
    LogLines,
    make_settings,
    open_bot,
)
from tests.fakes.discord_api import FailureKind, FakeDiscord
from tests.fakes.nemovideo import FakeNemo
from tests.support.core import RecordingCore

CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4084
QUICK = Backoff(first=0.05, longest=0.2)
SYNC = r"^/applications/\d+/commands$"


def _lines(log_lines: LogLines, words: str) -> list[str]:
    return [line for line in log_lines.lines if words in line]


def _adapter(tmp_path: Path, core: RecordingCore, **settings: object) -> DiscordAdapter:
    return DiscordAdapter(
        make_settings(tmp_path, **settings), core, guild_ready_timeout=0.05, backoff=QUICK
    )


def _closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _starting_until_logged(
    adapter: DiscordAdapter, log_lines: LogLines, words: str, times: int = 1
) -> None:
    """Start `adapter` until `times` log lines hold `words`, failing if the start ends first;
    then cancel it."""
    starting = asyncio.create_task(adapter.__aenter__())
    async with asyncio.timeout(10):
        while len(_lines(log_lines, words)) < times:
            assert not starting.done(), starting.result()
            await asyncio.sleep(0.02)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting


async def _status(fake: FakeDiscord, core: RecordingCore) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    await fake.dispatch("INTERACTION_CREATE", fake.slash_command("status", channel=channel,
                                                                 guild_id=GUILD))  # fmt: skip
    inbound, _ = await core.nth(1)
    assert inbound.text == "/status"


async def test_a_refused_token_is_one_sentence_naming_the_setting(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    with pytest.raises(ConfigError) as raised:
        async with _adapter(tmp_path, RecordingCore(), discord_bot_token="MTE.wrong.token"):
            pytest.fail("started with a token Discord refused")
    [problem] = raised.value.problems
    assert "DISCORD_BOT_TOKEN" in problem and "Reset Token" in problem
    assert "wrong" not in problem and "\n" not in problem


async def test_message_content_asked_for_but_not_granted_is_one_sentence_naming_the_setting(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.message_content_granted = False
    with pytest.raises(ConfigError) as raised:
        async with _adapter(tmp_path, RecordingCore(), discord_message_content=True):
            pytest.fail("started with an intent Discord refused")
    [problem] = raised.value.problems
    assert "DISCORD_MESSAGE_CONTENT" in problem and "Message Content Intent" in problem


async def test_a_discord_refusing_connections_is_waited_for_one_line_per_retry(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    port = _closed_port()
    adapter = _adapter(tmp_path, RecordingCore(), discord_api_url=f"http://127.0.0.1:{port}/api")
    await _starting_until_logged(adapter, log_lines, "Discord cannot be reached", times=3)
    [first, *_] = _lines(log_lines, "Discord cannot be reached")
    assert f"connection refused by 127.0.0.1:{port}" in first and "retrying in 0.05s" in first
    assert not [line for line in log_lines.lines if "Traceback" in line]


async def test_a_gateway_that_cannot_be_reached_is_retried_one_line_each_no_traceback(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    port = _closed_port()
    gateway = f"ws://127.0.0.1:{port}/gateway"
    adapter = _adapter(tmp_path, RecordingCore(), discord_gateway_url=gateway)
    # discord.py's own retry comes first (within 2 s), and fails before any connection;
    # ours goes on after it.
    await _starting_until_logged(adapter, log_lines, "not connected yet")
    [line, *_] = _lines(log_lines, "reconnect")
    assert f"WARNING Discord gateway: connection refused by 127.0.0.1:{port}" in line, line
    assert not [line for line in log_lines.lines if "Traceback" in line]


async def test_a_gateway_that_refuses_the_first_connection_is_connected_on_a_retry(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.fail("GET", "/gateway", "server", status=503)
    core = RecordingCore()
    async with asyncio.timeout(10), _adapter(tmp_path, core):
        await _status(fake, core)
    [line, *_] = _lines(log_lines, "reconnect")
    assert f"WARNING Discord gateway: 127.0.0.1:{fake.port} answered 503" in line, line
    assert len([c for c in fake.calls if c.path == "/gateway"]) == 2


async def test_a_shard_whose_gateway_refuses_says_so_in_one_line(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.fail("GET", "/gateway", "server", times=None, status=503)
    adapter = _adapter(tmp_path, RecordingCore(), discord_shard_count=2, discord_shard_ids="0")
    await _starting_until_logged(adapter, log_lines, "failed to connect for shard_id: 0")
    [line] = _lines(log_lines, "shard_id")
    assert f"WARNING Discord gateway: 127.0.0.1:{fake.port} answered 503" in line, line
    assert not [line for line in log_lines.lines if "Traceback" in line]


async def test_a_command_sync_refused_for_now_is_retried_while_commands_work(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.fail("PUT", SYNC, "server", times=2, status=503)
    core = RecordingCore()
    async with _adapter(tmp_path, core):
        await _status(fake, core)
        await fake.wait_for(lambda: "global" in fake.commands)
    assert len(_lines(log_lines, "slash commands are not synced yet")) == 2


async def test_a_long_rate_limit_on_the_command_sync_is_waited_out_in_the_background(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    # Longer than discord.py waits by itself (30 s): it raises, and the sync is tried again later.
    fake.fail("PUT", SYNC, "flood", retry_after=31)
    core = RecordingCore()
    async with _adapter(tmp_path, core):
        await _status(fake, core)
        await fake.wait_for(lambda: _lines(log_lines, "rate limited"), timeout=5)
    [line] = _lines(log_lines, "slash commands are not synced yet")
    assert "retrying in 31s" in line


@pytest.mark.parametrize("status", [404, 405])
async def test_a_command_sync_discord_refuses_is_told_once_and_the_bot_runs_on(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines, status: int
) -> None:
    fake.fail("PUT", SYNC, "unsupported", times=None, status=status)
    core = RecordingCore()
    async with _adapter(tmp_path, core):
        await _status(fake, core)
        await fake.wait_for(lambda: _lines(log_lines, "refused the slash commands"), timeout=5)
    assert len([c for c in fake.calls if c.method == "PUT"]) == 1


@pytest.mark.parametrize("kind", ["flood", "server", "unsupported"])
async def test_typing_that_fails_later_never_holds_back_the_work(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines, kind: FailureKind
) -> None:
    async with open_bot(tmp_path, fake, nemo) as bot:
        fake.fail("POST", r"/typing$", kind, times=None, retry_after=31, status=503)
        att = fake.add_attachment("dm.mov", CLIP, "video/quicktime", channel_id=DM_CHANNEL)
        await bot.send(
            "MESSAGE_CREATE",
            fake.message("make it 720p", channel_id=DM_CHANNEL, attachments=(att,)),
        )
    assert [c for c in fake.calls if c.path.endswith("/typing")], "typing was asked for"
    [session] = nemo.sessions.values()
    assert "make it 720p" in session.messages
    answers = [m for m in fake.in_channel(DM_CHANNEL) if m["author"]["id"] == fake.bot_user["id"]]
    assert any(m["content"].startswith("📥") for m in answers)


async def test_leaving_closes_the_gateway_with_1000_so_the_bot_shows_offline_at_once(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    async with _adapter(tmp_path, RecordingCore()):
        await fake.identified.wait()
    await fake.wait_for(lambda: fake.gateway_closes)
    assert fake.gateway_closes == [1000]
    assert TOKEN not in "".join(log_lines.lines)
