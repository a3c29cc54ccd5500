"""With the local ffmpeg engine: the attachment is streamed from the CDN, encoded for real, and the
result uploaded into the interaction from disk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_core
from tests.clips import make_clip
from tests.discord.conftest import (
    CHANNEL,
    GUILD,
    Bot,
    CountingCore,
    LogLines,
    make_settings,
    open_adapter,
)
from tests.fakes.discord_api import FakeDiscord

TARGET = 150_000


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of noisy 320x240 at a high bitrate: well over the target below."""
    path = make_clip(
        tmp_path_factory.mktemp("discord-clips") / "noisy.mp4",
        audio=False,
        picture_filter="noise=alls=40:allf=t",
        video=("-preset", "ultrafast", "-crf", "12"),
    )
    assert path.stat().st_size > 2 * TARGET
    return path


@asynccontextmanager
async def open_local_bot(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Bot]:
    settings = make_settings(tmp_path, backend="local")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with open_core(settings) as opened:  # the wiring `clipbridge run` uses
        core = CountingCore(opened.conversation)
        async with open_adapter(settings, core) as adapter:
            opened.conversation.add_adapter(adapter)
            yield Bot(fake, None, core, adapter, opened.store)  # type: ignore[arg-type]


# A control character in the name once made aiohttp refuse the upload's header: no video came.
@pytest.mark.parametrize(("name", "sent"), [("noisy.mp4", "noisy"), ("a\x1bb\x00c.mp4", "abc")])
async def test_compress_with_the_local_engine(
    fake: FakeDiscord, clip: Path, tmp_path: Path, log_lines: LogLines, name: str, sent: str
) -> None:
    async with open_local_bot(tmp_path, fake) as bot:
        att = fake.add_attachment(name, clip, "video/mp4", channel_id=CHANNEL)
        options: list[dict[str, Any]] = [
            {"name": "video", "type": 11, "value": att["id"]},
            {"name": "instructions", "type": 3, "value": f"compress to {TARGET // 1000}KB"},
        ]
        await bot.send(
            "INTERACTION_CREATE",
            fake.slash_command("compress", options, attachments=(att,),
                               channel=fake.text_channel(CHANNEL, GUILD), guild_id=GUILD),
            timeout=60,
        )  # fmt: skip

    fetched = [c for c in fake.calls if c.path.startswith("/attachments/")]
    assert len(fetched) == 1  # streamed from the CDN by the bot itself
    [upload] = [c for c in fake.calls if c.files]
    [part] = upload.files
    assert upload.path.startswith(f"/webhooks/{fake.app_id}/")
    assert 0 < part.size <= TARGET
    assert part.content_type in ("video/mp4", "application/octet-stream")
    assert part.filename is not None and part.filename.startswith(f"{sent}-"), part.filename
