"""Video links through the whole core with the local engine: what a person reads when a link is
refused (always the same), and a link the operator allowed, fetched and compressed.

The links point at real servers on loopback (`tests/link_server.py`); attachments are made by
`LinkFetcher.attachment`, as the Telegram adapter makes them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_core
from bot.conversation import Conversation
from bot.links import LinkFetcher, LinkPolicy
from bot.media import probe
from bot.models import ChatKey, Inbound, UserRef
from bot.texts import t
from tests.clips import make_clip
from tests.link_server import LinkServer, closed_port
from tests.local.conftest import settings_for
from tests.recording_port import RecordingPort

SECRET = "sig=Q1W2E3R4T5"  # a query string: signed links carry their key there


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("links") / "clip.mp4"
    return make_clip(path, size="320x240", rate=25, duration=3).read_bytes()


Core = Callable[..., AbstractAsyncContextManager[tuple[Conversation, LinkFetcher]]]


@pytest.fixture
def core(tmp_path: Path) -> Core:
    """`async with core(**settings) as (conversation, fetcher)`: the local engine behind it."""

    @asynccontextmanager
    async def opened(**overrides: Any) -> AsyncIterator[tuple[Conversation, LinkFetcher]]:
        settings = settings_for(tmp_path, backend="local", edit_interval=0.0, **overrides)
        async with open_core(settings) as opened:  # the wiring `clipbridge run` uses
            yield opened.conversation, LinkFetcher(LinkPolicy.from_settings(settings))

    return opened


async def send_link(
    conversation: Conversation, fetcher: LinkFetcher, chat: str, url: str, text: str = ""
) -> RecordingPort:
    port = RecordingPort(chat=ChatKey("test", chat))
    inbound = Inbound(port.chat, UserRef("test", chat), text, (fetcher.attachment(url),))
    await conversation.handle(inbound, port)
    await conversation.wait_idle()
    return port


async def test_every_refused_link_gets_the_same_answer(
    core: Core, clip_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with (
        LinkServer(clip_bytes, host="127.0.0.2") as allowed,
        LinkServer(clip_bytes) as inside,
        core(link_allowed_networks="127.0.0.2/32", link_timeout=1.0, link_max_size=500_000) as (
            conversation,
            fetcher,
        ),
    ):
        allowed.redirect_to = inside.url("/clip.mp4")
        links = {
            "a loopback address": inside.url(f"/clip.mp4?{SECRET}"),
            "a redirect to loopback": allowed.url(f"/redirect.mp4?{SECRET}"),
            "a closed port": f"http://127.0.0.2:{closed_port()}/clip.mp4?{SECRET}",
            "a dripping server": allowed.url(f"/drip.mp4?{SECRET}"),
            "a silent server": allowed.url(f"/silent.mp4?{SECRET}"),
            "a terabyte Content-Length": allowed.url(f"/huge.mp4?{SECRET}"),
            "an endless body": allowed.url(f"/endless.mp4?{SECRET}"),
            "a web page": allowed.url(f"/page.mp4?{SECRET}"),
        }
        answers = {}
        for number, (case, url) in enumerate(links.items()):
            port = await send_link(conversation, fetcher, str(number), url)
            answers[case] = port.texts()[-1]
        assert inside.seen == []
    expected = t("err_link_refused", "en", limit="500.0 KB", seconds="1")
    # Each answer names the file the person sent (the last part of their link), nothing else.
    assert answers == {case: f"{url.split('/')[-1].split('?')[0]}: {expected}"
                       for case, url in links.items()}  # fmt: skip
    assert "{" not in expected
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert not [line for line in ours if SECRET in line]
    refusals = [line for line in ours if "link refused" in line]
    assert len(refusals) == len(links)
    assert any("loopback" in line for line in refusals)  # the log tells the reasons apart
    assert any("within 1s" in line for line in refusals)
    assert any("cap" in line for line in refusals)


async def test_an_allowed_network_is_fetched_and_compressed(
    core: Core, clip_bytes: bytes, tmp_path: Path
) -> None:
    async with (
        LinkServer(clip_bytes) as server,
        core(link_allowed_networks="127.0.0.0/8") as (conversation, fetcher),
    ):
        url = server.url("/clip.mp4")
        port = RecordingPort(chat=ChatKey("test", "1"), results_dir=tmp_path / "results")
        attachment = fetcher.attachment(url)
        inbound = Inbound(port.chat, UserRef("test", "1"), "compress to under 100KB", (attachment,))
        await conversation.handle(inbound, port)
        video = await port.wait_for(lambda s: s.kind == "video", timeout=60)
        assert [s.path for s in server.seen] == ["/clip.mp4"]
    assert video.video_size is not None and video.video_size <= 100_000
    (result,) = (tmp_path / "results").iterdir()
    assert (await probe(result)).duration > 2


async def test_links_turned_off_are_answered_and_never_fetched(
    core: Core, clip_bytes: bytes
) -> None:
    async with (
        LinkServer(clip_bytes) as server,
        core(links_enabled=False, link_allowed_networks="127.0.0.0/8") as (conversation, fetcher),
    ):
        port = await send_link(conversation, fetcher, "1", server.url("/clip.mp4"))
        assert server.seen == []
    assert port.texts()[-1] == t("err_links_off", "en")
