"""Two members of one Telegram group: each has a session of their own, `/cancel` and `/export`
act on one's own work only, the group's admins (as `getChatMember` says) may cancel anyone's, and
the NemoVideo bind link never reaches the group. Real python-telegram-bot, real core, NemoVideo
client against the fake."""

from __future__ import annotations

from typing import Any

from bot.texts import t
from tests.fakes.nemovideo import FakeNemo, adk_text, pause
from tests.fakes.telegram_api import MB, FakeTelegram
from tests.telegram.test_journeys import StackFactory, nemo, open_stack  # noqa: F401

GROUP = -100777
ADA, BOB, MOD = 7, 8, 9


def said(tg: FakeTelegram, user: int, text: str, **media: Any) -> dict[str, Any]:
    return tg.message(GROUP, chat_type="supergroup", user_id=user, text=text, **media)


def bot_texts(tg: FakeTelegram) -> list[str]:
    return [m.get("text") or m.get("caption", "") for m in tg.sent(GROUP) if m["from"]["is_bot"]]


async def test_a_member_cannot_cancel_or_export_anothers_work(
    open_stack: StackFactory,  # noqa: F811
    fake_tg: FakeTelegram,
    nemo: FakeNemo,  # noqa: F811
) -> None:
    nemo.script_turn(pause(1.5), adk_text("Brighter now."))
    async with open_stack() as stack:
        ada = said(fake_tg, ADA, "@clipbridge_bot make it brighter", video=fake_tg.video(MB))
        await fake_tg.push(ada)
        await nemo.wait_calls("turn")
        await fake_tg.push(said(fake_tg, BOB, "/cancel"))
        await fake_tg.wait_for(lambda: t("nothing_to_cancel_yours", "en") in bot_texts(fake_tg))
        await fake_tg.push(said(fake_tg, BOB, "/export"))
        [turn] = await nemo.wait_turns(1)
        await stack.idle()
        assert turn.outcome == "completed", turn
        assert any("Brighter now." in text for text in bot_texts(fake_tg))  # Ada got her answer
        assert not any(t("cancelled", "en", what="") in text for text in bot_texts(fake_tg))
        assert fake_tg.calls_of("sendVideo") == []  # Ada's upload never went to Bob
        ada_session = nemo.calls("upload")[0].session_id
        assert all(r.session_id != ada_session for r in nemo.calls("render_submit"))
        assert t("nothing_to_export", "en") in bot_texts(fake_tg)
        await fake_tg.push(said(fake_tg, BOB, "@clipbridge_bot", video=fake_tg.video(MB)))
        await nemo.wait_calls("upload", 2)
        await stack.idle()
        assert sorted(len(s.uploads) for s in nemo.sessions.values()) == [1, 1]  # one each
        # The answer to Ada replies to Ada's message: the group sees whose job it is.
        answer = next(m for m in fake_tg.sent(GROUP) if "Brighter now." in m.get("text", ""))
        assert answer["reply_to_message_id"] == ada["message"]["message_id"]


async def test_a_group_admin_can_cancel_a_members_work_and_others_cannot(
    open_stack: StackFactory,  # noqa: F811
    fake_tg: FakeTelegram,
    nemo: FakeNemo,  # noqa: F811
) -> None:
    nemo.script_turn(pause(30), adk_text("never"))
    fake_tg.member_status[(GROUP, MOD)] = "administrator"
    async with open_stack() as stack:
        await fake_tg.push(said(fake_tg, ADA, "@clipbridge_bot slow", video=fake_tg.video(MB)))
        await nemo.wait_calls("turn")
        assert fake_tg.calls_of("getChatMember") == []  # asked only when someone needs it
        await fake_tg.push(said(fake_tg, BOB, "/cancel all"))
        await fake_tg.wait_for(lambda: t("cancel_all_denied", "en") in bot_texts(fake_tg))
        assert not any(t("err_cancelled", "en") in text for text in bot_texts(fake_tg))
        await fake_tg.push(said(fake_tg, MOD, "/cancel all"))
        await fake_tg.wait_for(lambda: t("cancelled_all", "en", n=1) in bot_texts(fake_tg))
        await stack.idle()
        assert any(t("err_cancelled", "en") in text for text in bot_texts(fake_tg))
        asked = [
            (c.params["chat_id"], c.params["user_id"]) for c in fake_tg.calls_of("getChatMember")
        ]
        assert sorted(int(u) for _, u in asked) == [BOB, MOD]


async def test_the_bind_link_never_goes_to_a_group(
    open_stack: StackFactory,  # noqa: F811
    fake_tg: FakeTelegram,
    nemo: FakeNemo,  # noqa: F811
) -> None:
    nemo.fail("turn", code=2001, times=2)
    async with open_stack(admins=[f"telegram:{ADA}"]) as stack:
        await fake_tg.push(fake_tg.message(ADA, user_id=ADA, text="make it brighter"))
        await fake_tg.wait_for(lambda: len(fake_tg.sent(ADA)) >= 1)
        await stack.idle()
        [private] = [m["text"] for m in fake_tg.sent(ADA) if m["from"]["is_bot"]]
        link = private.rsplit(" ", 1)[-1]
        assert link.startswith("http"), private  # in private the admin gets the link
        await fake_tg.push(said(fake_tg, ADA, "@clipbridge_bot make it brighter"))
        await fake_tg.wait_for(lambda: bot_texts(fake_tg) != [])
        await stack.idle()
        texts = bot_texts(fake_tg)
        assert texts and not any(link in text for text in texts), texts
        assert any(t("credits_in_private", "en") in text for text in texts), texts


async def test_file_names_and_agent_text_mention_nobody(
    open_stack: StackFactory,  # noqa: F811
    fake_tg: FakeTelegram,
    nemo: FakeNemo,  # noqa: F811
) -> None:
    nemo.script_turn(adk_text("Done, @group_owner will love it: https://example.com/@group_owner"))
    async with open_stack() as stack:
        video = fake_tg.video(MB, name="@group_owner.mp4")
        await fake_tg.push(said(fake_tg, ADA, "@clipbridge_bot make it brighter", video=video))
        await nemo.wait_turns(1)
        await stack.idle()
        mine = [m for m in fake_tg.sent(GROUP) if m["from"]["is_bot"]]
        readable = [text.replace("\u2060", "") for text in bot_texts(fake_tg)]
        assert any("@group_owner.mp4" in text for text in readable), readable  # reads the same
        assert any("Done, @group_owner will love it" in text for text in readable), readable
        assert any("https://example.com/@group_owner" in text for text in bot_texts(fake_tg))
        assert [m["mentioned"] for m in mine] == [[]] * len(mine)  # nobody was notified
