"""The buttons under answers offer only what this bot can do: Credits where credits exist."""

from __future__ import annotations

from pathlib import Path

from tests.core.conftest import BotFactory, LocalBotFactory
from tests.recording_port import RecordingPort


def commands(port: RecordingPort, text: str) -> list[str | None]:
    sent = next(s for s in port.log if s.text.startswith(text))
    return [button.command for button in sent.buttons]


async def test_the_local_engine_offers_no_credits(
    open_local: LocalBotFactory, tiny_mp4: Path
) -> None:
    async with open_local() as bot:
        port = bot.port()
        await bot.say(port, "/help")
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        await bot.say(port, "/status")
        await bot.conversation.wait_idle()
    assert "/credits" not in commands(port, "👋")
    status = commands(port, "Timeline")
    assert status == ["/export", "/status"]
    # and the status lists the one upload once
    timeline = next(s.text for s in port.log if s.text.startswith("Timeline"))
    assert timeline.count(tiny_mp4.name) == 1


async def test_nemovideo_offers_credits(open_bot: BotFactory) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await bot.say(port, "/help")
        await bot.conversation.wait_idle()
    assert commands(port, "👋") == ["/export", "/status", "/credits"]
