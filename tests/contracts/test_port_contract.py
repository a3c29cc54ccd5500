"""The `bot.ports.Port` contract, checked on every implementation: Telegram (on the fake Bot API),
Discord (on the fake Discord), each also as a cluster worker builds it (its `Sender`, no
adapter), the console, and the recording port the core's tests use.

A new platform adds one `Harness` below (its port on its fake, and how to read back what the
platform now shows) and starts from a failing checklist. Each test says what the core relies on.
Where a port has no such thing (a terminal has no flood control), the test is skipped, saying why.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import discord
import pytest
import yarl

from adapters.console import ConsoleAdapter
from adapters.console.screen import NEW, ConsolePort, Screen
from adapters.discord import DiscordAdapter, DiscordSender
from adapters.telegram import TelegramAdapter, TelegramSender
from bot.errors import RetryAfter
from bot.models import ChatKey
from bot.ports import Button, MessageRef, OutboundVideo, Port
from tests.discord.conftest import CHANNEL, GUILD
from tests.discord.conftest import make_settings as discord_settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.recording_port import RecordingPort
from tests.support.core import RecordingCore
from tests.support.secrets import DISCORD_TOKEN, TELEGRAM_TOKEN
from tests.telegram.conftest import make_settings as telegram_settings

Call = Literal["send", "edit"]
TG_CHAT = 42


@dataclass
class Harness:
    """A port under test and what its platform now shows, read back through its fake."""

    port: Port
    shown: Callable[[MessageRef], str]
    """The message's text as the platform holds it now (after any edits)."""
    buttons: Callable[[MessageRef], list[str]]
    """Each button's command (for a command button) or URL (for a link), in order."""
    video: Callable[[MessageRef], tuple[int, str]]
    """The bytes of the video the message carries, and its caption."""
    actions: Callable[[], int] | None
    """How many chat actions the platform saw; None where there is no such thing."""
    flood: Callable[[Call, float], None] | None
    """Make the platform's flood control refuse the next send or edit for about `seconds`."""
    again: Callable[[ChatKey, str | None], Port] | None = None
    """The adapter's `port_for(chat, hint)`, as a restarted bot calls it; None without adapter."""
    cuts_long_text: str | None = None
    """Why this port does not cut over-long text to its limit, if it does not."""


# --- Telegram ---------------------------------------------------------------------------------


@asynccontextmanager
async def telegram(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    async with FakeTelegram(TELEGRAM_TOKEN) as fake:
        settings = telegram_settings(fake, tmp)
        async with TelegramAdapter(settings, RecordingCore(), poll_timeout=1.0) as adapter:
            yield _telegram_harness(fake, adapter.port_for)


@asynccontextmanager
async def telegram_sender(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """A cluster worker's Telegram: the same contract without an adapter (`TelegramSender`)."""
    async with (
        FakeTelegram(TELEGRAM_TOKEN) as fake,
        TelegramSender(telegram_settings(fake, tmp)) as sender,
    ):
        yield _telegram_harness(fake, sender.port_for)


def _telegram_harness(fake: FakeTelegram, port_for: Callable[..., Port]) -> Harness:
    def message(ref: MessageRef) -> dict[str, Any]:
        return fake.messages[TG_CHAT][int(ref.id)]

    def buttons(ref: MessageRef) -> list[str]:
        markup = message(ref).get("reply_markup") or {}
        markup = json.loads(markup) if isinstance(markup, str) else markup
        rows = markup.get("inline_keyboard", [])
        return [b.get("callback_data") or b.get("url") for row in rows for b in row]

    def video(ref: MessageRef) -> tuple[int, str]:
        return message(ref)["video"]["file_size"], message(ref).get("caption", "")

    def flood(call: Call, seconds: float) -> None:
        method = {"send": "sendMessage", "edit": "editMessageText"}[call]
        fake.fail_next(method, retry_after=max(1, round(seconds)))

    return Harness(
        port=port_for(ChatKey("telegram", str(TG_CHAT))),
        shown=lambda ref: str(message(ref).get("text", "")),
        buttons=buttons,
        video=video,
        actions=lambda: len(fake.calls_of("sendChatAction")),
        flood=flood,
        again=port_for,
    )


# --- Discord ----------------------------------------------------------------------------------


@asynccontextmanager
async def _fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        fake.guilds.append(fake.guild(GUILD, channels=(fake.text_channel(CHANNEL, GUILD),)))
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
        )
        yield fake


@asynccontextmanager
async def discord_(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    async with _fake_discord(monkeypatch) as fake:
        settings = discord_settings(tmp)
        async with DiscordAdapter(settings, RecordingCore(), guild_ready_timeout=0.05) as adapter:
            yield _discord_harness(fake, adapter.port_for)


@asynccontextmanager
async def discord_sender(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """A cluster worker's Discord: the same contract over REST alone (`DiscordSender`)."""
    async with (
        _fake_discord(monkeypatch) as fake,
        DiscordSender(discord_settings(tmp)) as sender,
    ):
        yield _discord_harness(fake, sender.port_for)


def _discord_harness(fake: FakeDiscord, port_for: Callable[..., Port]) -> Harness:
    def message(ref: MessageRef) -> dict[str, Any]:
        return fake.messages[ref.id]

    def buttons(ref: MessageRef) -> list[str]:
        rows = message(ref).get("components") or []
        found = [c for row in rows for c in row.get("components", [])]
        return [c.get("url") or c["custom_id"].removeprefix("cb:") for c in found]

    def video(ref: MessageRef) -> tuple[int, str]:
        return message(ref)["attachments"][0]["size"], message(ref)["content"]

    def flood(call: Call, seconds: float) -> None:
        # discord.py waits out short limits itself: only one that persists through its
        # retries reaches the port, and must come out as RetryAfter.
        method, path = {
            "send": ("POST", r"/channels/\d+/messages$"),
            "edit": ("PATCH", r"/messages/\d+$"),
        }[call]
        fake.fail_next(method, path, status=429, retry_after=seconds, times=5)

    typing = f"/channels/{CHANNEL}/typing"
    return Harness(
        port=port_for(ChatKey("discord", str(CHANNEL))),
        shown=lambda ref: str(message(ref)["content"]),
        buttons=buttons,
        video=video,
        actions=lambda: sum(c.path.endswith(typing) for c in fake.calls),
        flood=flood,
        again=port_for,
    )


# --- the console ------------------------------------------------------------------------------


class _ReadableScreen(Screen):
    """The console's screen, also keeping each message's last rendering by its ref."""

    def __init__(self) -> None:
        super().__init__(io.StringIO(), tty=False)
        self.by_ref: dict[str, str] = {}

    def show(self, text: str, ref: str | None = None, prefix: str = NEW) -> None:
        super().show(text, ref, prefix)
        if ref is not None:
            self.by_ref[ref] = text


@asynccontextmanager
async def console(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    screen = _ReadableScreen()
    port = ConsolePort(screen, ChatKey("console", "local"), tmp / "out", 2_000_000_000)

    def text_and_buttons(ref: MessageRef) -> tuple[str, list[str]]:
        text = screen.by_ref[ref.id]
        body, _, last = text.rpartition("\n")
        if body and last.startswith("[") and last.endswith("]"):
            return body, last[1:-1].split("  ")
        return text, []

    def video(ref: MessageRef) -> tuple[int, str]:
        caption, _, kept = text_and_buttons(ref)[0].rpartition("\n🎬 ")
        return Path(kept).stat().st_size, caption

    yield Harness(
        port=port,
        shown=lambda ref: text_and_buttons(ref)[0],
        buttons=lambda ref: text_and_buttons(ref)[1],
        video=video,
        actions=None,
        flood=None,  # a terminal has no flood control
        again=ConsoleAdapter(port).port_for,
        cuts_long_text="a terminal shows any length; the limit only shapes the core's splitting",
    )


# --- the recording port -----------------------------------------------------------------------


@asynccontextmanager
async def recording(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    port = RecordingPort(ChatKey("test", "1"))

    def last(ref: MessageRef) -> Any:
        kinds = ("text", "edit", "video", "link")
        return [s for s in port.log if s.ref == ref.id and s.kind in kinds][-1]

    def buttons(ref: MessageRef) -> list[str]:
        sent = last(ref)
        return [sent.url] if sent.kind == "link" else [b.command or b.url for b in sent.buttons]

    def flood(call: Call, seconds: float) -> None:
        if call == "send":
            pytest.skip("the recording port scripts refused edits only (edit_failures)")
        port.edit_failures.append(seconds)

    yield Harness(
        port=port,
        shown=lambda ref: str(last(ref).text),
        buttons=buttons,
        video=lambda ref: (last(ref).video_size, last(ref).text),
        actions=lambda: len(port.of("typing")),
        flood=flood,
        cuts_long_text="it records what the core sent, uncut, so core tests see it",
    )


# --- the checklist ------------------------------------------------------------------------------

Opener = Callable[[Path, pytest.MonkeyPatch], AbstractAsyncContextManager[Harness]]
PORTS: dict[str, Opener] = {
    "telegram": telegram,
    "telegram-sender": telegram_sender,
    "discord": discord_,
    "discord-sender": discord_sender,
    "console": console,
    "recording": recording,
}


@pytest.fixture(params=list(PORTS))
async def h(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    async with PORTS[request.param](tmp_path, monkeypatch) as harness:
        yield harness


async def test_a_text_is_shown_and_an_edit_replaces_it(h: Harness) -> None:
    ref = await h.port.send_text("Received a.mp4")
    assert h.shown(ref) == "Received a.mp4"
    await h.port.edit_text(ref, "Working on it… 40%")
    assert h.shown(ref) == "Working on it… 40%"


async def test_every_message_has_its_own_ref_and_edits_touch_only_theirs(h: Harness) -> None:
    first = await h.port.send_text("one")
    second = await h.port.send_text("two")
    assert first.id != second.id
    await h.port.edit_text(first, "one, edited")
    assert (h.shown(first), h.shown(second)) == ("one, edited", "two")


async def test_limits_are_positive_and_a_text_at_the_limit_arrives_whole(h: Harness) -> None:
    port = h.port
    assert port.message_limit > 0 and port.caption_limit > 0 and port.upload_limit > 0
    assert port.caption_limit <= port.message_limit
    full = "界" * port.message_limit  # characters, not bytes: Chinese counts as one each
    assert h.shown(await port.send_text(full)) == full


async def test_a_longer_text_is_cut_to_the_limit_not_refused(h: Harness) -> None:
    if h.cuts_long_text:
        pytest.skip(h.cuts_long_text)
    port = h.port
    ref = await port.send_text("y" * (port.message_limit + 500))
    assert 0 < len(h.shown(ref)) <= port.message_limit
    await port.edit_text(ref, "z" * (port.message_limit + 1))
    assert 0 < len(h.shown(ref)) <= port.message_limit


async def test_command_and_link_buttons_arrive_with_the_text_and_an_edit_can_drop_them(
    h: Harness,
) -> None:
    buttons = (Button("⬇️ Export", command="/export"), Button("Docs", url="https://example.com/d"))
    ref = await h.port.send_text("Ready", buttons)
    assert h.shown(ref) == "Ready"
    assert h.buttons(ref) == ["/export", "https://example.com/d"]
    await h.port.edit_text(ref, "Exported")
    assert (h.shown(ref), h.buttons(ref)) == ("Exported", [])


async def test_a_link_shows_its_url(h: Harness) -> None:
    ref = await h.port.send_link("Your video is ready", "https://example.com/v.mp4", "Download")
    shown = h.shown(ref) + "\n" + "\n".join(h.buttons(ref))
    assert "Your video is ready" in shown and "https://example.com/v.mp4" in shown


async def test_a_video_arrives_with_its_bytes_and_caption(h: Harness, tmp_path: Path) -> None:
    path = tmp_path / "result.mp4"
    path.write_bytes(bytes(range(256)) * 40)
    video = OutboundVideo(path, 10_240, "result.mp4", duration=2.0, width=320, height=240)
    ref = await h.port.send_video(video, "Here is your video (10 KB)")
    assert h.video(ref) == (10_240, "Here is your video (10 KB)")


async def test_chat_actions_never_fail_and_reach_the_platform(h: Harness) -> None:
    before = h.actions() if h.actions else 0
    await h.port.typing()
    await h.port.typing("upload_video")
    if h.actions is not None:
        assert h.actions() == before + 2


@pytest.mark.parametrize("call", ["edit", "send"])
async def test_flood_control_comes_out_as_retry_after_and_then_passes(
    h: Harness, call: Call
) -> None:
    if h.flood is None:
        pytest.skip("this port has no flood control")
    ref = await h.port.send_text("10%")
    h.flood(call, 2.0)
    with pytest.raises(RetryAfter) as raised:
        if call == "edit":
            await h.port.edit_text(ref, "20%")
        else:
            await h.port.send_text("next")
    assert raised.value.seconds > 0
    # The limit has passed (the fakes refuse only what they were told to): calls work again.
    await h.port.edit_text(ref, "30%")
    assert h.shown(ref) == "30%"


async def test_a_port_rebuilt_from_its_hint_reaches_the_same_chat(h: Harness) -> None:
    """After a restart the core has only the chat and the stored hint."""
    if h.again is None:
        pytest.skip("no adapter builds this port")
    again = h.again(h.port.chat, h.port.hint)
    assert again.chat == h.port.chat
    ref = await again.send_text("after a restart")
    assert h.shown(ref) == "after a restart"


@pytest.mark.parametrize("hint", ["", "not a hint", '{"token": 7', "12:34"])
async def test_an_unreadable_hint_falls_back_to_the_chat(h: Harness, hint: str) -> None:
    """A hint stored by another version of the adapter must not make a chat unreachable."""
    if h.again is None:
        pytest.skip("no adapter builds this port")
    ref = await h.again(h.port.chat, hint).send_text("still delivered")
    assert h.shown(ref) == "still delivered"


def test_every_port_is_checked() -> None:
    """A new implementation of `Port` in adapters/ gets a harness here."""
    ports = {
        match
        for path in (Path(__file__).parents[2] / "adapters").rglob("*.py")
        for match in re.findall(r"^class (\w+Port)\b", path.read_text(), re.MULTILINE)
    }
    assert ports == {"TelegramPort", "DiscordPort", "ConsolePort"}
