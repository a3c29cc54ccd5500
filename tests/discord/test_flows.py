"""End to end: the real discord.py against FakeDiscord, the real core, NemoBackend against FakeNemo.

Every test also runs under `log_lines`, which fails it if the bot token reaches any log line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from bot import formats
from bot.models import ChatKey
from bot.store import ChatSession, SqliteStore
from bot.texts import human_size, t
from tests.discord.conftest import CHANNEL, DM_CHANNEL, GUILD, THREAD, TOKEN, LogLines, open_bot
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo, mp4ish_bytes
from tests.format_cases import CASES, TEXT, Case

RENDER = 300_000
CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4084


def _video_option(att: dict[str, Any]) -> dict[str, Any]:
    return {"name": "video", "type": 11, "value": att["id"]}


def _compress(
    fake: FakeDiscord,
    att: dict[str, Any],
    channel: dict[str, Any],
    instructions: str | None = None,
    **details: Any,
) -> dict[str, Any]:
    """`/compress` with `att` (and its instructions) in a guild channel."""
    options = [_video_option(att)]
    if instructions:
        options.append({"name": "instructions", "type": 3, "value": instructions})
    return fake.slash_command(
        "compress", options, attachments=(att,), channel=channel, guild_id=GUILD, **details
    )


def _bot_messages(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [m for m in fake.in_channel(channel) if m["author"]["id"] == fake.bot_user["id"]]


def _files(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [a for m in fake.in_channel(channel) for a in m["attachments"] if "sha256" in a]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message["components"] for c in row["components"]]


async def test_compress_from_attachment_to_delivered_file(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    nemo.script_render(polls=2, size=RENDER)
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("holiday.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        compress = _compress(fake, att, channel, "under 5MB")
        await bot.send("INTERACTION_CREATE", compress)

        # Deferred first, then the deferred response became the core's first message.
        token = compress["token"]
        first = [c for c in fake.calls if token in c.path]
        assert first[0].path.endswith("/callback") and first[0].payload == {"type": 5}
        [session] = nemo.sessions.values()
        assert session.url_uploads == [att["url"]]  # the CDN link, handed over as is
        assert any("under 5MB" in m for m in session.messages)
        original = next(m for m in _bot_messages(fake, CHANNEL) if m["history"][:1] == [""])
        assert original["content"].startswith("📥") and not original["flags"] & 128

        await bot.send(
            "INTERACTION_CREATE", fake.slash_command("export", channel=channel, guild_id=GUILD)
        )
        [delivered] = _files(fake, CHANNEL)
        assert delivered["size"] == RENDER
        assert delivered["sha256"] == hashlib.sha256(mp4ish_bytes(RENDER)).hexdigest()
        [upload] = [c for c in fake.calls if c.files]
        assert upload.path.startswith("/webhooks/")  # a follow-up on the interaction token
        assert t("delivered", "en", size=human_size(RENDER)) in upload.payload["content"]


async def test_a_cdn_link_to_a_private_address_is_streamed_not_handed_over(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path
) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo, link_allowed_networks="") as bot:  # the default
        att = fake.add_attachment("holiday.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send("INTERACTION_CREATE", _compress(fake, att, channel, "under 5MB"))
        [session] = nemo.sessions.values()
        assert session.url_uploads == []  # NemoVideo never learns an address inside the network
        assert [u.size for u in session.uploads] == [len(CLIP)]  # the bot streamed it instead


async def test_result_over_the_interaction_limit_is_a_link(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    nemo.script_render(polls=1, size=RENDER)
    channel = fake.text_channel(CHANNEL, GUILD)
    limit = 200_000  # this interaction's attachment_size_limit, below the render's size
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("long.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            _compress(fake, att, channel, size_limit=limit),
        )
        await bot.send(
            "INTERACTION_CREATE",
            fake.slash_command("export", channel=channel, guild_id=GUILD, size_limit=limit),
        )

    assert _files(fake, CHANNEL) == []
    [render] = nemo.renders.values()
    [link] = [
        m for m in _bot_messages(fake, CHANNEL) if any(b.get("style") == 5 for b in _buttons(m))
    ]
    [button] = _buttons(link)
    assert button["url"].endswith(f"/render-result/{render.render_id}.mp4")
    assert human_size(RENDER) in link["content"] and human_size(limit) in link["content"]
    assert human_size(RENDER) in button["label"]


async def test_context_menu_compresses_the_messages_video_in_chinese(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("clip.webm", CLIP, "video/webm", channel_id=CHANNEL)
        target = fake.message("look", channel_id=CHANNEL, attachments=(att,), guild_id=GUILD)
        await bot.send(
            "INTERACTION_CREATE",
            fake.message_command(
                "Compress video", target, channel=channel, guild_id=GUILD, locale="zh-CN"
            ),
        )

    [session] = nemo.sessions.values()
    assert session.url_uploads == [att["url"]]
    assert t("discord_compress_instruction", "zh") in session.messages
    contents = " ".join(m["content"] for m in _bot_messages(fake, CHANNEL))
    assert "已收到" in contents  # the core answered in the interaction's language


async def test_dm_with_a_video_and_words(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("dm.mov", CLIP, "video/quicktime", channel_id=DM_CHANNEL)
        await bot.send(
            "MESSAGE_CREATE",
            fake.message("make it 720p", channel_id=DM_CHANNEL, attachments=(att,)),
        )

    [session] = nemo.sessions.values()
    assert session.url_uploads == [att["url"]]
    assert "make it 720p" in session.messages
    posted = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    assert posted and all(c.path == f"/channels/{DM_CHANNEL}/messages" for c in posted)
    assert any(m["content"].startswith("📥") for m in _bot_messages(fake, DM_CHANNEL))


async def test_a_thread_has_its_own_session(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    async with open_bot(tmp_path, fake, nemo) as bot:
        for where in (
            fake.text_channel(CHANNEL, GUILD),
            fake.thread_channel(THREAD, CHANNEL, GUILD),
        ):
            att = fake.add_attachment("a.mp4", CLIP, "video/mp4", channel_id=where["id"])
            await bot.send(
                "INTERACTION_CREATE",
                _compress(fake, att, where),
            )
        chats = {str(s.chat) for s in await _sessions(bot.store)}

    assert len(nemo.sessions) == 2
    # Keys of the member (user 42) in the channel and in its thread.
    assert chats == {f"discord:{CHANNEL}::42", f"discord:{CHANNEL}:{THREAD}:42"}
    assert _bot_messages(fake, THREAD) and _bot_messages(fake, CHANNEL)


async def _sessions(store: SqliteStore) -> list[ChatSession]:
    found = []
    channel, thread = (
        ChatKey("discord", str(CHANNEL)),
        ChatKey("discord", str(CHANNEL), str(THREAD)),
    )
    for key in (channel.of("42"), thread.of("42")):
        session = await store.get_session(key)
        if session is not None:
            found.append(session)
    return found


async def test_a_job_that_outlives_the_interaction_token_finishes_in_the_channel(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.token_ttl = 1.0  # Discord's 15 minutes, scaled down
    nemo.script_render(polls=12, size=RENDER)  # 12 polls x 0.1 s: outlives both
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(
        tmp_path, fake, nemo, discord_interaction_ttl=0.5, nemo_render_poll_interval=0.1
    ) as bot:
        att = fake.add_attachment("long.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            _compress(fake, att, channel),
        )
        export = fake.slash_command("export", channel=channel, guild_id=GUILD)
        await bot.send("INTERACTION_CREATE", export)

    [upload] = [c for c in fake.calls if c.files]
    assert upload.path == f"/channels/{CHANNEL}/messages"  # not the dead token's webhook
    assert upload.files[0].size == RENDER
    on_token = [c for c in fake.calls if export["token"] in c.path]
    assert all(c.status != 401 for c in on_token[:2])  # it started on the token
    # The progress moved to a channel message and ended there.
    progress = [
        m
        for m in _bot_messages(fake, CHANNEL)
        if "interaction_token" not in m and m["content"].startswith("✅ Done")
    ]
    assert progress


async def test_429_on_edits_loses_nothing(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    fake.fail_next("PATCH", r"^/webhooks/.*/messages/", status=429, retry_after=0.05, times=3)
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("holiday.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            _compress(fake, att, channel, "smaller"),
        )

    refused = [c for c in fake.calls if c.status == 429]
    assert len(refused) == 3
    contents = [m["content"] for m in _bot_messages(fake, CHANNEL)]
    assert any(c.startswith("📥 Received holiday.mp4") for c in contents)
    assert any(c.startswith("✅ Done") for c in contents)
    assert not any(c.startswith("⏳") or c == "" for c in contents)  # no edit left behind


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_status_and_help_in_a_server_point_to_compress_and_the_message_menu(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines, locale: str
) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        for command in ("status", "help"):
            payload = fake.slash_command(command, channel=channel, guild_id=GUILD, locale=locale)
            await bot.send("INTERACTION_CREATE", payload)
    status, welcome = [m["content"] for m in _bot_messages(fake, CHANNEL)]
    language = locale[:2]
    assert status == t("discord_no_session_guild", language)
    assert welcome == t("discord_welcome_guild", language)
    assert "/compress" in status and t("discord_ctx_compress", language) in status


async def test_status_in_a_dm_still_says_send_a_video(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    dm = fake.dm_channel(DM_CHANNEL, fake.user())
    async with open_bot(tmp_path, fake, nemo) as bot:
        await bot.send("INTERACTION_CREATE", fake.slash_command("status", channel=dm))
    [answer] = [m["content"] for m in _bot_messages(fake, DM_CHANNEL)]
    assert answer == t("no_session", "en")  # in a DM a sent video does reach the bot


async def test_non_video_attachments_get_a_clear_answer(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        png = fake.add_attachment("cat.png", b"\x89PNG....", "image/png", channel_id=CHANNEL)
        command = _compress(fake, png, channel, locale="zh-CN")
        await fake.dispatch("INTERACTION_CREATE", command)
        answer = await fake.wait_for(lambda: [c for c in fake.calls if command["token"] in c.path])
        txt = fake.add_attachment("notes.txt", b"hello", "text/plain", channel_id=DM_CHANNEL)
        await fake.dispatch(
            "MESSAGE_CREATE", fake.message("", channel_id=DM_CHANNEL, attachments=(txt,))
        )
        await fake.wait_for(lambda: _bot_messages(fake, DM_CHANNEL))
        assert bot.core.handled == 0

    [callback] = answer
    assert callback.payload["type"] == 4  # answered at once, no deferral needed
    assert callback.payload["data"]["flags"] & 64  # only the person sees it
    assert callback.payload["data"]["content"] == t("discord_not_video", "zh", name="cat.png")
    [dm_answer] = _bot_messages(fake, DM_CHANNEL)
    assert dm_answer["content"] == t("discord_not_video", "en", name="notes.txt")
    assert nemo.sessions == {}


async def test_the_bot_token_never_reaches_nemovideo_or_the_logs(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    nemo.script_render(polls=1, size=RENDER)
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        att = fake.add_attachment("holiday.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            _compress(fake, att, channel),
        )
        await bot.send(
            "INTERACTION_CREATE", fake.slash_command("export", channel=channel, guild_id=GUILD)
        )

    # The capture works: Discord itself did get the token, on the bot's own REST calls.
    assert any(c.headers.get("Authorization") == f"Bot {TOKEN}" for c in fake.calls)
    assert nemo.requests
    secret = TOKEN.rsplit(".", 1)[1]
    for request in nemo.requests:
        seen = " ".join(
            [
                request.method,
                request.path,
                json.dumps(request.query),
                json.dumps(dict(request.headers)),
                json.dumps(request.json),
            ]
        )
        assert TOKEN not in seen and secret not in seen
    # log_lines checks every log line when the test ends.


async def test_a_restarted_bot_delivers_the_export_in_flight_once(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, log_lines: LogLines
) -> None:
    nemo.script_render(polls=6, size=RENDER)
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo, grace=0, nemo_render_poll_interval=0.1) as bot:
        att = fake.add_attachment("a.mp4", CLIP, "video/mp4", channel_id=CHANNEL)
        await bot.send(
            "INTERACTION_CREATE",
            _compress(fake, att, channel),
        )
        export = fake.slash_command("export", channel=channel, guild_id=GUILD)
        await fake.dispatch("INTERACTION_CREATE", export)
        await nemo.wait_calls("render_poll", n=1)
    assert _files(fake, CHANNEL) == []  # stopped mid-render

    async with open_bot(tmp_path, fake, nemo, nemo_render_poll_interval=0.01) as bot:
        await bot.conversation.resume()
        await bot.conversation.wait_idle()

    [delivered] = _files(fake, CHANNEL)
    assert delivered["size"] == RENDER
    [upload] = [c for c in fake.calls if c.files]
    assert upload.path == f"/webhooks/{fake.app_id}/{export['token']}"  # the stored token


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_file_is_taken_or_refused_as_on_every_platform(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path, case: Case
) -> None:
    # Streamed through the bot, as a CDN address NemoVideo may not fetch is: a link handed over
    # is fetched, and judged, by NemoVideo itself.
    async with open_bot(tmp_path, fake, nemo, link_allowed_networks="") as bot:
        att = fake.add_attachment(case.name, case.content, case.mime, channel_id=DM_CHANNEL)
        await fake.dispatch(
            "MESSAGE_CREATE", fake.message("", channel_id=DM_CHANNEL, attachments=(att,))
        )
        await fake.wait_for(lambda: _bot_messages(fake, DM_CHANNEL))
        await bot.core.conversation.wait_idle()
        said = [m["content"] for m in _bot_messages(fake, DM_CHANNEL)]
        uploads = [u for s in nemo.sessions.values() for u in s.uploads]
        match case.outcome:
            case "taken":
                assert [(u.filename, u.size) for u in uploads] == [(case.name, len(case.content))]
            case "refused by its content":
                assert uploads == []
                refusal = t("err_unsupported", "en", formats=formats.listed(formats.NEMO))
                assert said == [f"{case.name}: {refusal}"]
            case "refused by its type":
                assert uploads == []
                assert said == [t("discord_not_video", "en", name=case.name)]
                assert bot.core.handled == 0


async def test_refusals_speak_the_language_chosen_with_lang(
    fake: FakeDiscord, nemo: FakeNemo, tmp_path: Path
) -> None:
    channel = fake.text_channel(CHANNEL, GUILD)
    async with open_bot(tmp_path, fake, nemo) as bot:
        await fake.dispatch("MESSAGE_CREATE", fake.message("/lang zh", channel_id=DM_CHANNEL))
        await fake.wait_for(lambda: _bot_messages(fake, DM_CHANNEL))
        # A message carries no locale: the adapter's refusal follows /lang.
        txt = fake.add_attachment("notes.txt", TEXT, "text/plain", channel_id=DM_CHANNEL)
        await fake.dispatch(
            "MESSAGE_CREATE", fake.message("", channel_id=DM_CHANNEL, attachments=(txt,))
        )
        await fake.wait_for(lambda: len(_bot_messages(fake, DM_CHANNEL)) == 2)
        said = [m["content"] for m in _bot_messages(fake, DM_CHANNEL)]
        assert said == [t("lang_set", "zh"), t("discord_not_video", "zh", name="notes.txt")]
        # An interaction from a Discord set to English: /lang still wins.
        png = fake.add_attachment("cat.png", b"\x89PNG....", "image/png", channel_id=CHANNEL)
        command = _compress(fake, png, channel, locale="en-US")
        await fake.dispatch("INTERACTION_CREATE", command)
        [answer] = await fake.wait_for(
            lambda: [c for c in fake.calls if command["token"] in c.path]
        )
        assert answer.payload["data"]["content"] == t("discord_not_video", "zh", name="cat.png")
        assert bot.core.handled == 1  # only /lang reached the core
