"""Video links sent to `clipbridge run` on Telegram, as a stranger and an operator would meet them.

A link to the bot's own machine (a web server on 127.0.0.1, as an internal service or the bot's
own /metrics would be) is refused with one sentence and never requested; the same link works
once the operator allows that network with LINK_ALLOWED_NETWORKS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.texts import t
from tests.acceptance.conftest import Newcomer, http_env, telegram_env, wait_healthy
from tests.clips import make_clip
from tests.fakes.telegram_api import FakeTelegram
from tests.link_server import LinkServer, closed_port

CHAT = 4343
REFUSED = t("err_link_refused", "en", limit="200.0 MB", seconds="300")


def said(telegram: FakeTelegram) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in telegram.sent(CHAT)]


def videos(telegram: FakeTelegram) -> list[dict[str, Any]]:
    return [m["video"] for m in telegram.sent(CHAT) if "video" in m]


async def test_a_loopback_link_is_refused_until_the_operator_allows_its_network(
    clipbridge: Newcomer, telegram: FakeTelegram, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", size="320x240", duration=3).read_bytes()
    env = {**telegram_env(telegram), **http_env()}
    async with LinkServer(clip) as server:
        url = server.url("/clip.mp4")
        async with clipbridge("run", env=env) as bot:
            await wait_healthy(bot)
            await telegram.push(telegram.message(CHAT, text=f"compress {url} to under 300KB"))
            await telegram.wait_for(lambda: any(REFUSED in s for s in said(telegram)), timeout=30)
            closed = f"http://127.0.0.1:{closed_port()}/clip.mp4"
            await telegram.push(telegram.message(CHAT, text=f"compress {closed} to under 300KB"))
            await telegram.wait_for(
                lambda: sum(REFUSED in s for s in said(telegram)) == 2, timeout=30
            )
            assert server.seen == []  # not one request reached the server
            assert "link refused: http://127.0.0.1" in bot.text()  # the log says why
        assert videos(telegram) == []

        allowed = {**env, "LINK_ALLOWED_NETWORKS": "127.0.0.0/8"}
        async with clipbridge("run", env=allowed) as bot:
            await wait_healthy(bot)
            await telegram.push(telegram.message(CHAT, text=f"compress {url} to under 150KB"))
            await telegram.wait_for(lambda: bool(videos(telegram)), timeout=120)
        assert [seen.path for seen in server.seen] == ["/clip.mp4"]
    [video] = videos(telegram)
    assert 0 < video["file_size"] <= 150_000 < len(clip)  # compressed, not the original
