"""Every backend error reaches the person as the right sentence, in English and in Chinese, and
the store is left consistent: no job stays active, a lost session is forgotten."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.models import UserRef
from bot.texts import t
from tests.core.conftest import Bot, BotFactory
from tests.fakes.nemovideo import FakeNemo, adk_error, adk_text, error_event
from tests.recording_port import RecordingPort

LOCALES = ["en", "zh"]


async def _uploaded(bot: Bot, port: RecordingPort, clip: Path, locale: str) -> None:
    await bot.send_file(port, clip)
    await bot.conversation.wait_idle()
    await bot.store.set_language(UserRef("test", "u" + port.chat.chat), locale)


async def _assert_consistent(bot: Bot) -> None:
    assert await bot.store.active_jobs() == []


# (what to break, how, what the person does, the sentence they must get)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("turn", {"code": 2001}, "make it shorter", "err_no_credits"),
    ("turn", {"code": 1001}, "make it shorter", "err_token"),
    ("turn", {"status": 429, "times": 2}, "make it shorter", "err_rate_limited"),
    ("turn", {"status": 503, "times": None}, "make it shorter", "err_transient"),
    ("turn", {"status": 200, "body": "<html>oops</html>"}, "make it shorter", "err_protocol"),
    ("render_submit", {"status": 402}, "/export", "err_plan"),
    ("render_submit", {"code": 2001}, "/export", "err_no_credits"),
    ("render_poll", {"status": 500, "times": None}, "/export", "err_transient"),
    ("state", {"status": 502, "times": None}, "/status", "err_transient"),
    ("credits", {"status": 500, "times": None}, "/credits", "err_transient"),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("endpoint", "failure", "message", "key"), CASES)
async def test_backend_errors_reach_the_person(
    fake: FakeNemo,
    open_bot: BotFactory,
    tiny_mp4: Path,
    locale: str,
    endpoint: str,
    failure: dict[str, Any],
    message: str,
    key: str,
) -> None:
    operator = {"nemo_token": "nmv_usr_operator"} if failure.get("code") == 1001 else {}
    if operator:
        fake.operator_token = "nmv_usr_operator"
    async with open_bot(**operator) as bot:
        port = bot.port()
        await _uploaded(bot, port, tiny_mp4, locale)
        fake.fail(endpoint, **failure)
        await bot.say(port, message)
        await bot.conversation.wait_idle()
        expected = t(key, locale)
        assert expected in port.texts(), port.texts()
        await _assert_consistent(bot)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_file_that_breaks_off_on_its_way_in_is_asked_for_again(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, locale: str
) -> None:
    # Not "your project is kept": there is no project, and the file is not at the service.
    async with open_bot() as bot:
        port = bot.port()
        await bot.store.set_language(UserRef("test", "u1"), locale)
        fake.fail("upload", status=503, times=None)
        await bot.send_file(port, tiny_mp4, caption="make it shorter")
        await bot.conversation.wait_idle()
        assert t("err_transient_receiving", locale) in port.texts(), port.texts()
        await _assert_consistent(bot)
    assert not fake.turns, "the caption waits for its file"


@pytest.mark.parametrize("locale", LOCALES)
async def test_turn_error_events_are_explained(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, locale: str
) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await _uploaded(bot, port, tiny_mp4, locale)
        fake.script_turn(error_event("model overloaded"))
        await bot.say(port, "add a title")
        await bot.conversation.wait_idle()
        fake.script_turn(adk_error("INTERNAL", "boom"))
        await bot.say(port, "add a title")
        await bot.conversation.wait_idle()
        assert port.texts().count(t("err_turn_failed", locale)) == 2
        await _assert_consistent(bot)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_lost_session_is_replaced_and_said(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, locale: str
) -> None:
    async with open_bot() as bot:
        port = bot.port()
        await _uploaded(bot, port, tiny_mp4, locale)
        old = await bot.store.get_session(port.chat)
        assert old is not None
        fake.fail("turn", status=404)
        await bot.say(port, "add a title")
        await bot.conversation.wait_idle()
        assert t("session_lost", locale) in port.texts()
        assert await bot.store.get_session(port.chat) is None, "the dead session is forgotten"
        fake.script_turn(adk_text("Title added."))
        await bot.send_file(port, tiny_mp4, caption="add a title")
        await port.wait_text("Title added.")
        await bot.conversation.wait_idle()
        new = await bot.store.get_session(port.chat)
        assert new is not None and new.session != old.session
        await _assert_consistent(bot)


@pytest.mark.parametrize("locale", LOCALES)
async def test_upload_refusals_are_explained(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path, tmp_path: Path, locale: str
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    async with open_bot() as bot:
        port = bot.port()
        await bot.store.set_language(UserRef("test", "u1"), locale)
        await bot.send_file(port, notes)
        await bot.conversation.wait_idle()
        assert any(t("err_unsupported", locale, formats="")[:12] in s for s in port.texts())
        assert not fake.calls("upload"), "refused before any byte is sent"
        fake.fail("upload", code=4002)
        await bot.send_file(port, tiny_mp4)
        await bot.conversation.wait_idle()
        assert any("too large" in s or "太大" in s or "超出" in s for s in port.texts())
        await _assert_consistent(bot)


async def test_no_credits_link_goes_to_admins_only(
    fake: FakeNemo, open_bot: BotFactory, tiny_mp4: Path
) -> None:
    async with open_bot(admins="test:u2") as bot:
        user_port, admin_port = bot.port("1"), bot.port("2")
        for port in (user_port, admin_port):
            await _uploaded(bot, port, tiny_mp4, "en")
        fake.fail("turn", code=2001, times=2)
        await bot.say(user_port, "add a title")
        await bot.say(admin_port, "add a title")
        await bot.conversation.wait_idle()
    assert not any("register?bind=" in s for s in user_port.texts())
    assert any("register?bind=" in s for s in admin_port.texts())


async def test_credits_numbers_for_admins_only(fake: FakeNemo, open_bot: BotFactory) -> None:
    async with open_bot(admins="test:u2") as bot:
        user_port, admin_port = bot.port("1"), bot.port("2")
        await bot.say(user_port, "/credits")
        await bot.say(admin_port, "余额")
        await bot.conversation.wait_idle()
    assert user_port.texts() == [t("credits_ok", "en")]
    assert "25000" in admin_port.texts()[0]


async def test_out_of_credits_falls_back_to_the_local_engine(
    fake: FakeNemo, tmp_path: Path, tiny_mp4: Path
) -> None:
    from bot.backends.local import LocalBackend
    from bot.backends.nemo import NemoBackend
    from bot.conversation import Conversation
    from bot.store import SqliteStore
    from bot.streams import file_attachment
    from tests.core.conftest import make_settings

    settings = make_settings(fake, tmp_path, fallback_to_local=True)
    async with (
        SqliteStore(settings.database) as store,
        NemoBackend(settings, store, retries=1, backoff=0.01) as nemo,
        LocalBackend(settings) as local,
    ):
        conversation = Conversation(settings, store, nemo, fallback=local)
        bot = Bot(conversation, store, nemo, settings)
        port = bot.port()
        fake.fail("turn", code=2001)
        clip = (file_attachment(tiny_mp4),)
        await bot.say(port, "compress to under 60KB", attachments=clip)
        video = await port.wait_for(lambda s: s.kind == "video", timeout=60)
        await conversation.wait_idle()
        assert t("fallback_local", "en") in port.texts()
        assert video.video_size is not None and video.video_size <= 60_000
        stored = await store.get_session(port.chat)
        assert stored is not None and stored.backend == "local"
        assert await store.active_jobs() == []
        await conversation.close(grace=0)
    assert len(fake.calls("upload")) == 1, "the cloud got the file once; the local copy is ours"
