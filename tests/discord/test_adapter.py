"""The adapter alone: real discord.py against FakeDiscord, a recording stand-in for the core."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import Delivery
from bot.errors import RetryAfter
from bot.models import ChatKey
from bot.ports import Button, OutboundVideo
from bot.texts import t
from tests.discord.conftest import (
    CHANNEL,
    DM_CHANNEL,
    GUILD,
    THREAD,
    LogLines,
    make_settings,
    open_adapter,
)
from tests.fakes.discord_api import FakeDiscord
from tests.support.core import RecordingCore

CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100


def _channel(fake: FakeDiscord) -> dict[str, Any]:
    return fake.text_channel(CHANNEL, GUILD)


async def _compress(
    fake: FakeDiscord, core: RecordingCore, n: int = 1, **kwargs: Any
) -> tuple[Any, Any, dict[str, Any]]:
    att = fake.add_attachment("a.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
    payload = fake.slash_command(
        "compress",
        [{"name": "video", "type": 11, "value": att["id"]}],
        attachments=(att,),
        channel=kwargs.pop("channel", None) or _channel(fake),
        guild_id=GUILD,
        **kwargs,
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    inbound, port = await core.nth(n)
    return inbound, port, payload


async def test_command_sync_carries_chinese_names_and_descriptions(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    async with open_adapter(make_settings(tmp_path), RecordingCore()):
        await fake.wait_for(lambda: "global" in fake.commands)  # synced in the background
    [sync] = [c for c in fake.calls if c.method == "PUT"]
    assert sync.path == f"/applications/{fake.app_id}/commands"
    commands = {c["name"]: c for c in sync.json}
    assert set(commands) == {
        "compress",
        "edit",
        "export",
        "status",
        "credits",
        "new",
        "cancel",
        "lang",
        "settings",
        "help",
        "Compress video",
    }
    compress = commands["compress"]
    # The catalog's Chinese is Simplified: zh-TW gets none rather than Simplified as Traditional.
    assert compress["name_localizations"] == {"zh-CN": "压缩"}
    assert "zh-TW" not in json.dumps(sync.json)
    assert compress["description_localizations"]["zh-CN"] == t("discord_cmd_compress_desc", "zh")
    video, instructions = compress["options"]
    assert (video["type"], video["required"]) == (11, True)
    assert video["name_localizations"]["zh-CN"] == "视频"
    assert (instructions["type"], instructions.get("required", False)) == (3, False)
    assert instructions["name_localizations"]["zh-CN"] == "要求"
    menu = commands["Compress video"]
    assert menu["type"] == 3 and menu["name_localizations"]["zh-CN"] == "压缩视频"
    [language] = commands["lang"]["options"]
    assert [c["name_localizations"]["zh-CN"] for c in language["choices"]] == ["英文", "中文"]
    settings = {o["name"]: o for o in commands["settings"]["options"]}
    assert list(settings) == [
        "size", "custom_size", "codec", "max_resolution", "audio", "send_as", "language", "reset"
    ]  # fmt: skip
    assert not any(o.get("required") for o in settings.values())  # each one changes alone
    assert [c["value"] for c in settings["codec"]["choices"]] == ["h264", "h265", "av1"]
    assert settings["codec"]["choices"][0]["name_localizations"]["zh-CN"] == "H.264（兼容性最好）"
    assert set(compress["contexts"]) == {0, 1, 2}  # guilds, bot DMs, private channels
    assert set(compress["integration_types"]) == {0, 1}  # server and user installs


async def test_guild_sync_when_a_guild_is_configured(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    async with open_adapter(make_settings(tmp_path, discord_guild_id=str(GUILD)), RecordingCore()):
        pass
    [sync] = [c for c in fake.calls if c.method == "PUT"]
    assert sync.path == f"/applications/{fake.app_id}/guilds/{GUILD}/commands"


async def test_intents_ask_for_message_content_only_when_enabled(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    content_bit, guild_messages_bit = 1 << 15, 1 << 9
    async with open_adapter(make_settings(tmp_path), RecordingCore()):
        assert fake.identify["intents"] & (content_bit | guild_messages_bit) == 0
    async with open_adapter(make_settings(tmp_path, discord_message_content=True), RecordingCore()):
        assert fake.identify["intents"] & content_bit and fake.identify["intents"] & (
            guild_messages_bit
        )


async def test_a_command_button_press_arrives_as_its_command(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        _, port, _ = await _compress(fake, core)
        ref = await port.send_text(
            "What next?",
            [Button("Export", command="/export"), Button("Docs", url="https://example.com/d")],
        )
        message = fake.messages[ref.id]
        export, docs = (c for row in message["components"] for c in row["components"])
        assert export["custom_id"] == "cb:/export" and docs["url"] == "https://example.com/d"
        press = fake.component(
            "cb:/export",
            fake._public(message),
            channel=_channel(fake),
            guild_id=GUILD,
            locale="zh-CN",
        )
        await fake.dispatch("INTERACTION_CREATE", press)
        inbound, pressed_port = await core.nth(2)
    assert inbound.text == "/export" and inbound.locale == "zh-CN"
    assert inbound.update_id == press["id"]
    # A server channel: the presser's own key (user 42); posting goes to the channel.
    assert pressed_port.chat == ChatKey("discord", str(CHANNEL), None, "42")
    [ack] = [c for c in fake.calls if press["token"] in c.path]
    assert ack.payload == {"type": 5}  # answered at once


async def test_several_attachments_in_a_dm_become_several_uploads(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        files = (
            fake.add_attachment("one.mp4", CLIP, "video/mp4", channel_id=DM_CHANNEL),
            fake.add_attachment("two.MKV", CLIP, None, channel_id=DM_CHANNEL),
            fake.add_attachment("cover.jpg", b"jpg", "image/jpeg", channel_id=DM_CHANNEL),
        )
        message = fake.message("join them", channel_id=DM_CHANNEL, attachments=files)
        await fake.dispatch("MESSAGE_CREATE", message)
        inbound, port = await core.nth()
        notes = [m["content"] for m in fake.in_channel(DM_CHANNEL)]
    assert [a.name for a in inbound.attachments] == ["one.mp4", "two.MKV"]
    assert inbound.attachments[1].mime == "video/x-matroska"  # guessed from the name
    assert inbound.text == "join them" and not inbound.is_group
    assert inbound.chat == ChatKey("discord", str(DM_CHANNEL)) == port.chat
    assert notes == [t("discord_not_video", "en", name="cover.jpg")]


async def test_attachments_stream_from_the_cdn_in_chunks(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    body = bytes(range(256)) * 12_288  # 3 MiB
    async with open_adapter(make_settings(tmp_path), core):
        att = fake.add_attachment("big.mp4", body, "video/mp4", channel_id=DM_CHANNEL)
        await fake.dispatch(
            "MESSAGE_CREATE", fake.message("", channel_id=DM_CHANNEL, attachments=(att,))
        )
        inbound, _ = await core.nth()
        [attachment] = inbound.attachments
        assert attachment.public_url == att["url"] and attachment.size == len(body)
        async with attachment.open() as stream:
            chunks = [chunk async for chunk in stream]
    assert b"".join(chunks) == body
    assert len(chunks) > 1 and max(map(len, chunks)) <= 256 * 1024


async def test_mentions_in_a_channel_need_the_message_content_setting(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    me = fake.bot_user
    mention = fake.message(
        f"<@{me['id']}> make it smaller", channel_id=THREAD, guild_id=GUILD, mentions=(me,)
    )
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        await fake.dispatch("MESSAGE_CREATE", mention)  # not asked for: ignored
        await fake.dispatch("MESSAGE_CREATE", fake.message("/status", channel_id=DM_CHANNEL))
        first, _ = await core.nth()
    assert first.text == "/status"

    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path, discord_message_content=True), core):
        plain = fake.message("no mention here", channel_id=CHANNEL, guild_id=GUILD)
        await fake.dispatch("MESSAGE_CREATE", plain)
        await fake.dispatch("MESSAGE_CREATE", dict(mention, id=fake.new_id()))
        inbound, port = await core.nth()
    assert len(core.inbound) == 1
    assert inbound.text == "make it smaller" and inbound.is_group
    assert port.chat == ChatKey("discord", str(CHANNEL), str(THREAD), "42")  # the thread's own


async def test_after_the_ttl_the_port_posts_in_the_channel_or_by_dm(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    settings = make_settings(tmp_path, discord_interaction_ttl=0.2)
    async with open_adapter(settings, core):
        _, port, payload = await _compress(fake, core, size_limit=25 * 1024 * 1024)
        ref = await port.send_text("⏳ 10%")
        assert port.upload_limit == 25 * 1024 * 1024  # the interaction's own limit
        await _until_expired(port.hint)
        assert port.upload_limit == 10 * 1024 * 1024  # the guild's (tier 0) from now on
        await port.edit_text(ref, "⏳ 50%")
        await port.typing("upload_video")  # the "thinking…" response no longer shows it
        fake.deny_channel(CHANNEL)
        await port.edit_text(ref, "⏳ 90%")
        sent = await port.send_text("done")

    assert any(c.path == f"/channels/{CHANNEL}/typing" for c in fake.calls)
    moved = [m for m in fake.in_channel(CHANNEL) if m["content"] == "⏳ 50%"]
    assert len(moved) == 1 and "interaction_token" not in moved[0]
    assert fake.messages[ref.id]["content"] == t("discord_moved", "en-US")
    dm = fake.dm_channel_of(42)
    assert dm is not None
    assert [m["content"] for m in fake.in_channel(dm)] == ["⏳ 90%", "done"]
    assert sent.id == fake.in_channel(dm)[-1]["id"]
    assert not any(payload["token"] in c.path for c in fake.calls[-4:])


async def test_a_restarted_bot_finds_the_chat_from_its_hint(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core) as adapter:
        _, port, payload = await _compress(fake, core, locale="zh-CN")
        hint = port.hint
        assert hint is not None and Delivery.loads(hint).token == payload["token"]
    async with open_adapter(make_settings(tmp_path), RecordingCore()) as adapter:
        again = adapter.port_for(port.chat, hint)
        await again.send_text("still here")
        stale = Delivery.loads(hint)
        expired = Delivery(stale.user, stale.app, stale.token, time.time() - 1, stale.limit)
        late = adapter.port_for(port.chat, expired.dumps())
        await late.send_text("later")
        bare = adapter.port_for(ChatKey("discord", str(CHANNEL), str(THREAD)), None)
        await bare.send_text("in the thread")
    by_content = {m["content"]: m for m in fake.messages.values()}
    assert by_content["still here"].get("interaction_token") == payload["token"]
    assert "interaction_token" not in by_content["later"]
    assert by_content["later"]["channel_id"] == str(CHANNEL)
    assert by_content["in the thread"]["channel_id"] == str(THREAD)


async def test_an_interaction_discord_no_longer_knows_is_answered_in_the_channel(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    # 10062 "Unknown interaction": the bot acknowledged it after Discord's 3 s. It used to end
    # in a traceback and no answer at all.
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback$", "unsupported", code=10062)
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        inbound, port, _ = await _compress(fake, core)
        ref = await port.send_text("Received a.mp4")
    assert inbound.attachments, "the request was carried out all the same"
    assert fake.messages[ref.id]["channel_id"] == str(CHANNEL)
    assert "interaction_token" not in fake.messages[ref.id]
    assert [line for line in log_lines.lines if "refused to acknowledge" in line]


async def test_rate_limits_that_persist_surface_as_retry_after(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        _, port, _ = await _compress(fake, core)
        ref = await port.send_text("⏳")
        fake.fail_next("PATCH", r"/messages/\d+$", status=429, retry_after=0.01, times=5)
        with pytest.raises(RetryAfter) as caught:
            await port.edit_text(ref, "⏳ 10%")
        await port.edit_text(ref, "⏳ 20%")  # the limit passed: edits work again
    assert caught.value.seconds >= 0.01
    assert fake.messages[ref.id]["content"] == "⏳ 20%"


async def test_a_limit_longer_than_discord_py_waits_surfaces_as_retry_after(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    # discord.py raises RateLimited, which is no HTTPException, for a wait over 30 s: it once
    # escaped as an "unexpected error", and the finished video was never posted.
    video = tmp_path / "out.mp4"
    video.write_bytes(b"\x00" * 5000)
    async with open_adapter(make_settings(tmp_path), RecordingCore()) as adapter:
        port = adapter.port_for(ChatKey("discord", str(CHANNEL)), None)
        fake.fail("POST", rf"/channels/{CHANNEL}/messages$", "flood", retry_after=40)
        with pytest.raises(RetryAfter) as caught:
            await port.send_video(OutboundVideo(video, 5000, "out.mp4"), "here")
        sent = await port.send_video(OutboundVideo(video, 5000, "out.mp4"), "here")
        fake.fail("PATCH", r"/messages/\d+$", "flood", retry_after=40)
        with pytest.raises(RetryAfter):
            await port.edit_text(sent, "edited")
    assert caught.value.seconds == 40
    assert fake.messages[sent.id]["attachments"]


async def test_videos_over_the_limit_become_links_and_long_captions_are_trimmed(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    video = tmp_path / "out.mp4"
    video.write_bytes(b"\x00" * 5000)
    async with open_adapter(make_settings(tmp_path), core):
        _, port, _ = await _compress(fake, core, size_limit=4000)
        big = OutboundVideo(video, 5000, "out.mp4", source_url="https://cdn.example/out.mp4")
        link = await port.send_video(big, "here")
        small = OutboundVideo(video, 5000, "out.mp4")
        fits = await _compress(fake, core, n=2)
        sent = await fits[1].send_video(small, "x" * 2500)
    [button] = (c for row in fake.messages[link.id]["components"] for c in row["components"])
    assert button["url"] == "https://cdn.example/out.mp4"
    assert button["label"] == t("discord_download", "en")
    message = fake.messages[sent.id]
    assert len(message["content"]) == 2000 and message["content"].endswith("…")
    assert message["attachments"][0]["size"] == 5000


async def test_non_video_in_a_context_menu_target(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = RecordingCore()
    async with open_adapter(make_settings(tmp_path), core):
        target = fake.message("just words", channel_id=CHANNEL, guild_id=GUILD)
        press = fake.message_command(
            "Compress video", target, channel=_channel(fake), guild_id=GUILD
        )
        await fake.dispatch("INTERACTION_CREATE", press)
        [answer] = await fake.wait_for(lambda: [c for c in fake.calls if press["token"] in c.path])
    assert answer.payload["data"]["content"] == t("discord_no_video_in_message", "en")
    assert core.inbound == []


async def _until_expired(hint: str | None) -> None:
    """Wait for the wall-clock moment the port stops using the token (a timer, not a guess)."""
    expires = Delivery.loads(hint).expires
    async with asyncio.timeout(5):
        while time.time() < expires:
            await asyncio.sleep(expires - time.time())


class SlowCore(RecordingCore):
    """A core that takes its time before acknowledging anything."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def handle(self, inbound: Any, port: Any) -> None:
        await super().handle(inbound, port)
        await self.release.wait()


async def test_commands_are_deferred_within_three_seconds_whatever_the_core_does(
    fake: FakeDiscord, tmp_path: Path, log_lines: LogLines
) -> None:
    core = SlowCore()
    async with open_adapter(make_settings(tmp_path), core):
        payload = fake.slash_command("status", channel=_channel(fake), guild_id=GUILD)
        await fake.dispatch("INTERACTION_CREATE", payload)
        [deferral] = await fake.wait_for(
            lambda: [c for c in fake.calls if payload["token"] in c.path], timeout=3.0
        )
        inbound, _ = await core.nth()
        core.release.set()
    assert deferral.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert deferral.payload == {"type": 5} and inbound.text == "/status"
