"""DiscordSender, Discord for a cluster worker: REST only (it logs in and never opens the
gateway), answering from what a front stored (the chat, the delivery hint, each file's CDN URL),
through the interaction webhook while its token is fresh and in the channel after; real
discord.py against the fake Discord."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.discord import PLATFORM, Delivery, DiscordSender
from adapters.discord._inbound import CHUNK
from bot.core.requests import AttachmentRef
from bot.errors import ConfigError, RetryAfter, Transient
from bot.models import Attachment, ChatKey, Inbound
from bot.ports import OutboundVideo
from bot.texts import t
from tests.discord.conftest import CHANNEL, LogLines, make_settings, open_adapter
from tests.fakes.discord_api import FakeDiscord
from tests.support.core import RecordingCore, stored

BOOSTED = 600_000_000_000_000_001  # a server at boost tier 2: 50 MiB uploads
BOOSTED_CHANNEL = 600_000_000_000_000_002
CLIP = bytes(range(256)) * 4000  # ~1 MB, several CDN chunks


async def digest(attachment: Attachment) -> tuple[str, int]:
    """sha256 of what `open()` streams, and its largest chunk."""
    sha, largest = hashlib.sha256(), 0
    async with attachment.open() as chunks:
        async for chunk in chunks:
            sha.update(chunk)
            largest = max(largest, len(chunk))
    return sha.hexdigest(), largest


async def received(fake: FakeDiscord, tmp_path: Path, **settings: object) -> tuple[Inbound, str]:
    """A /compress with a video in the boosted server, taken by a front (the gateway adapter);
    the inbound and the port's hint, as the front leaves them behind."""
    fake.guilds.append(
        fake.guild(BOOSTED, premium_tier=2, channels=(fake.text_channel(BOOSTED_CHANNEL, BOOSTED),))
    )
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path, **settings), core):
        att = fake.add_attachment("a.mp4", CLIP, "video/mp4", channel_id=BOOSTED_CHANNEL)
        payload = fake.slash_command(
            "compress",
            [{"name": "video", "type": 11, "value": att["id"]}],
            attachments=(att,),
            channel=fake.text_channel(BOOSTED_CHANNEL, BOOSTED),
            guild_id=BOOSTED,
            size_limit=30 * 1024 * 1024,
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        inbound, port = await core.nth(1)
        hint = port.hint
    assert hint is not None
    return inbound, hint


async def test_a_worker_finishes_the_interaction_the_front_deferred(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    inbound, hint = await received(fake, tmp_path)
    job = stored(inbound)
    token = Delivery.loads(hint).token
    assert token is not None
    gateways = len([c for c in fake.calls if c.path == "/gateway"])

    video = tmp_path / "out.mp4"
    video.write_bytes(b"\x00" * 5000)
    async with PLATFORM.sender(make_settings(tmp_path)) as sender:
        assert sender.platform == "discord"
        [ref] = job.attachments
        assert ref.source is not None and f"/attachments/{BOOSTED_CHANNEL}/" in ref.source
        sha, largest = await digest(sender.attachment(ref))
        port = sender.port_for(job.chat, hint)
        assert port.upload_limit == 30 * 1024 * 1024  # the interaction's own limit
        first = await port.send_text("⏳ 10%")
        await port.edit_text(first, "⏳ 90%")
        result = await port.send_video(OutboundVideo(video, 5000, "out.mp4"), "Done.")

    assert sha == hashlib.sha256(CLIP).hexdigest() and largest <= CHUNK
    # Through the interaction's webhook, so the answer sits under the person's command.
    for ref_ in (first, result):
        assert fake.messages[ref_.id].get("interaction_token") == token
    assert fake.messages[first.id]["content"] == "⏳ 90%"
    assert fake.messages[result.id]["attachments"][0]["size"] == 5000
    assert len([c for c in fake.calls if c.path == "/gateway"]) == gateways  # never connected


async def test_after_the_token_expires_a_worker_posts_in_the_channel(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    inbound, hint = await received(fake, tmp_path)
    stale = Delivery.loads(hint)
    assert stale.room == 50 * 1024 * 1024  # the front saw the server's boost tier
    expired = replace(stale, expires=time.time() - 1)  # the 15 minutes are over
    async with DiscordSender(make_settings(tmp_path)) as sender:
        unknown = sender.port_for(inbound.chat, replace(expired, room=None).dumps())
        assert unknown.upload_limit == 10 * 1024 * 1024  # no room stored: the smallest
        port = sender.port_for(inbound.chat, expired.dumps())
        assert port.upload_limit == 50 * 1024 * 1024  # the server's, as the front saw it
        sent = await port.send_text(t("no_session", "en"))
    message = fake.messages[sent.id]
    assert message["channel_id"] == str(BOOSTED_CHANNEL) and "interaction_token" not in message
    # A server channel, known from the key alone: the "send a video" wording for servers.
    assert message["content"].endswith(t("discord_no_session_guild", "en"))


async def test_a_worker_replies_to_the_members_message_or_dms_them_and_a_bad_hint_is_ignored(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    chat = ChatKey("discord", str(CHANNEL), None, "42")
    async with DiscordSender(make_settings(tmp_path)) as sender:
        replying = sender.port_for(chat, Delivery(user=42, reply=123).dumps())
        first = await replying.send_text("Done.")
        second = await sender.port_for(chat, "{not json").send_text("Also done.")
        fake.deny_channel(CHANNEL)  # the bot may no longer post there: the person gets a DM
        by_dm = await replying.send_text("Here it is.")
    posted = [c for c in fake.calls if c.path == f"/channels/{CHANNEL}/messages"]
    posts = [c.payload for c in posted if c.status == 200]
    assert [p["content"] for p in posts] == ["Done.", "Also done."]
    assert int(posts[0]["message_reference"]["message_id"]) == 123
    assert "message_reference" not in posts[1]
    assert fake.messages[first.id]["channel_id"] == fake.messages[second.id]["channel_id"]
    assert fake.messages[second.id]["channel_id"] == str(CHANNEL)
    assert fake.messages[by_dm.id]["channel_id"] == fake.dm_channel_of(42)


async def test_rate_limits_and_a_gone_cdn_file_fail_as_in_the_adapter(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    async with DiscordSender(make_settings(tmp_path)) as sender:
        port = sender.port_for(ChatKey("discord", str(CHANNEL), None, "42"))
        ref = await port.send_text("⏳")
        fake.fail_next("PATCH", r"/messages/\d+$", status=429, retry_after=0.01, times=5)
        with pytest.raises(RetryAfter):
            await port.edit_text(ref, "⏳ 10%")
        gone = AttachmentRef("a.mp4", 10, "video/mp4", source=f"{fake.base_url}/attachments/1/2/a")
        with pytest.raises(Transient, match="404"):
            await digest(sender.attachment(gone))


async def test_a_refused_token_stops_the_sender_with_one_sentence(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    with pytest.raises(ConfigError) as raised:
        async with DiscordSender(make_settings(tmp_path, discord_bot_token="a.b.c")):
            pass
    assert "DISCORD_BOT_TOKEN" in str(raised.value) and "a.b.c" not in str(raised.value)
