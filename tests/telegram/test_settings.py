"""`/settings` on Telegram: one message whose inline buttons change it in place, choices stored
for the person, and the next job made with them (its uploaded file probed); reset in one tap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.media import probe
from bot.models import UserRef
from bot.store import SqliteStore, UserDefaults
from bot.texts import t
from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import TOKEN
from tests.telegram.test_journeys import (  # noqa: F401 (fixtures)
    CHAT,
    StackFactory,
    clip,
    nemo,
    open_stack,
)

USER = UserRef("telegram", str(CHAT))  # the fake's private chat is its user's id


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def test_settings_menu_edits_itself_and_changes_the_next_job(
    open_stack: StackFactory,  # noqa: F811 (the fixture)
    clip: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with (
        FakeTelegram(TOKEN, keep_uploads=tmp_path / "sent") as tg,
        open_stack(backend="local", tg=tg) as stack,
    ):
        await tg.push(tg.message(CHAT, text="/settings"))
        await tg.wait_for(lambda: len(stack.texts()) == 1)
        [menu] = tg.sent(CHAT)
        assert menu["text"].startswith(t("settings_title", "en"))

        async def press(label: str, expect: str) -> dict[str, Any]:
            [now] = [m for m in tg.sent(CHAT) if m["message_id"] == menu["message_id"]]
            await tg.push(tg.callback(CHAT, menu["message_id"], _buttons(now)[label]))
            await tg.wait_for(lambda: expect in tg.sent(CHAT)[0]["text"])
            return tg.sent(CHAT)[0]

        await press(t("settings_btn_codec", "en"), t("settings_pick_codec", "en"))
        shown = await press(t("settings_value_h265", "en"), t("settings_saved", "en"))
        assert t("settings_line_codec", "en", value=t("settings_value_h265", "en")) in shown["text"]
        await press(t("settings_btn_audio", "en"), t("settings_pick_audio", "en"))
        await press(t("settings_value_drop", "en"), t("settings_value_drop", "en"))
        await press(t("settings_btn_send", "en"), t("settings_pick_send", "en"))
        picked = await press(t("settings_value_file", "en"), t("settings_value_file", "en"))
        # the one menu message, edited in place each time: nothing else was posted
        assert [m["message_id"] for m in tg.sent(CHAT)] == [menu["message_id"]]
        assert len(tg.calls_of("editMessageText")) == 6
        assert "✓ " + t("settings_value_file", "en") not in _buttons(picked)  # back on the menu

        video = tg.video(clip.stat().st_size, name="clip.mp4", disk_path=clip)
        await tg.push(tg.message(CHAT, text="compress to 150KB", video=video))
        await tg.wait_for(lambda: len(tg.calls_of("sendDocument")) == 1, timeout=60)
        await tg.push(tg.message(CHAT, text="under 200KB in h264"))
        await tg.wait_for(lambda: len(tg.calls_of("sendDocument")) == 2, timeout=60)
        await stack.idle()
        said = "\n".join(stack.texts())
        applied = ", ".join(["H.265", t("intent_remove_audio", "en")])
        assert t("defaults_applied", "en", count=2, items=applied, where="/settings") in said
        assert tg.calls_of("sendVideo") == []  # sent as files, as chosen

        last = tg.sent(CHAT)[0]  # the menu again: reset in one tap
        await tg.push(tg.callback(CHAT, last["message_id"], "/settings reset"))
        await tg.wait_for(lambda: t("settings_reset_done", "en") in tg.sent(CHAT)[0]["text"])
        await stack.idle()

    first, second = (u for u in tg.uploads if u.method == "sendDocument" and u.field == "document")
    assert first.path is not None and second.path is not None
    made = await probe(first.path)
    assert made.codec == "hevc" and not made.has_audio and first.size <= 150_000
    made = await probe(second.path)
    assert made.codec == "h264" and second.size <= 200_000  # what the request said wins
    async with SqliteStore(tmp_path / "data" / "clipbridge.sqlite3") as store:
        assert await store.user_defaults(USER) is None


async def test_a_typed_custom_size_is_kept_and_a_bad_one_is_explained(
    open_stack: StackFactory,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    async with open_stack() as stack:
        tg = stack.tg
        await tg.push(tg.message(CHAT, text="/settings size 12 MB"))
        await tg.push(tg.message(CHAT, text="/settings codec x264"))
        await tg.push(tg.message(CHAT, text="/settings 设置"))
        await tg.wait_for(lambda: len(stack.texts()) == 3)
        saved, bad, unknown = stack.texts()
        assert t("settings_saved", "en") in saved and "12.0 MB" in saved
        assert t("settings_nemo_only", "en") in saved  # NemoVideo: only language and send as
        assert t("settings_bad_value", "en", value="x264") in bad
        assert t("settings_unknown", "en", name="设置") in unknown
    async with SqliteStore(tmp_path / "data" / "clipbridge.sqlite3") as store:
        assert await store.user_defaults(USER) == UserDefaults(target_bytes=12_000_000)


async def test_on_nemovideo_send_as_file_applies_to_the_export(
    open_stack: StackFactory,  # noqa: F811 (the fixture)
    nemo: FakeNemo,  # noqa: F811
    clip: Path,  # noqa: F811
) -> None:
    async with open_stack() as stack:
        tg = stack.tg
        await tg.push(tg.message(CHAT, text="/settings send file"))
        await tg.wait_for(lambda: len(stack.texts()) == 1)
        video = tg.video(clip.stat().st_size, name="clip.mp4", disk_path=clip)
        await tg.push(tg.message(CHAT, text="make it brighter", video=video))
        await nemo.wait_turns(1)
        await stack.idle()
        assert nemo.turns[0].message == "make it brighter"  # the words go as they were said
        await tg.push(tg.message(CHAT, text="/export"))
        await tg.wait_for(lambda: len(tg.calls_of("sendDocument")) == 1, timeout=30)
        await stack.idle()
    assert tg.calls_of("sendVideo") == []
    [document] = [m["document"] for m in tg.sent(CHAT) if "document" in m]
    assert document["file_size"] == nemo.default_render.size
