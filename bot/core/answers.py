"""Quick answers: what a command does at once, without taking the chat's slot (status, credits,
language, a new session, cancelling)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.kit import Doing, Kit
from bot.models import ChatKey, Inbound, UserRef
from bot.ports import Port
from bot.texts import languages, t

if TYPE_CHECKING:  # the queue's own module imports the jobs, which import these answers
    from bot.core.queue import JobQueue

log = logging.getLogger(__name__)


async def status(kit: Kit, chat: ChatKey, port: Port, locale: str) -> None:
    existing = await kit.sessions.existing(chat)
    if existing is None:
        await kit.say(chat, port, t("no_session", locale))
        return
    timeline = await existing.backend.state(existing.id)
    await kit.say(chat, port, timeline.summary(locale), kit.menu(locale))


async def credits(
    kit: Kit, chat: ChatKey, port: Port, locale: str, *, admin: bool, private: bool
) -> None:
    found = await kit.sessions.primary.credits()
    if found is None:
        text = t("credits_unlimited", locale)
    elif admin:
        text = t("credits_admin", locale, available=f"{found.available:g}",
                 frozen=f"{found.frozen:g}", total=f"{found.total:g}")  # fmt: skip
        if found.link and private:  # it hands over the account: never in a group
            text += "\n" + t("credits_admin_link", locale, link=found.link)
    else:
        text = t("credits_ok" if found.available > 0 else "credits_empty", locale)
    await kit.say(chat, port, text)


async def set_language(
    kit: Kit, chat: ChatKey, port: Port, locale: str, *, user: UserRef, argument: str
) -> None:
    language = languages.named(argument)
    if language:
        await kit.store.set_language(user, language)
        await kit.say(chat, port, t("lang_set", language))
    else:
        await kit.say(chat, port, t("lang_usage", locale))


async def new_session(kit: Kit, chat: ChatKey, port: Port, locale: str, *, busy: bool) -> None:
    if busy:
        await kit.say(chat, port, t("busy_for_new", locale))
        return
    await kit.store.drop_session(chat)
    await kit.say(chat, port, t("new_session", locale))


class Cancelling:
    """`/cancel`: a chat's own work; `/cancel all`: every member's, for a group's moderators.
    The work is found in `queue`: this process's scheduler, or the cluster's queue."""

    def __init__(self, kit: Kit, queue: JobQueue) -> None:
        self._kit = kit
        self._queue = queue

    async def cancel(self, chat: ChatKey, port: Port, locale: str) -> None:
        """Stops this chat's work; in a group the key is the member's, so only their own."""
        stopped = await self._stop(chat)
        if stopped is None:
            key = "nothing_to_cancel_yours" if chat.member else "nothing_to_cancel"
            await self._kit.say(chat, port, t(key, locale))
            return
        doing, dropped = stopped
        what = t(f"what_{doing}", locale)
        if dropped:
            text = t("cancelled_and_dropped", locale, what=what, n=dropped)
        else:
            text = t("cancelled", locale, what=what)
        await self._kit.say(chat, port, text)

    async def cancel_all(self, inbound: Inbound, port: Port, locale: str) -> None:
        """Every member's work in this chat (or thread), for the group's admins and the bot's
        ADMINS only. Each member's own progress line says it was cancelled, so the owner sees
        what happened."""
        chat = inbound.chat
        if not await self._moderates(inbound):
            await self._kit.say(chat, port, t("cancel_all_denied", locale))
            return
        stopped = 0
        for other in [k for k in await self._queue.busy_keys() if k.place == chat.place]:
            result = await self._stop(other)
            if result is not None:
                stopped += 1 + result[1]
        if not stopped:
            await self._kit.say(chat, port, t("nothing_to_cancel", locale))
            return
        await self._kit.say(chat, port, t("cancelled_all", locale, n=stopped))

    async def _moderates(self, inbound: Inbound) -> bool:
        """May this person stop other members' work? The bot's ADMINS, and the group's admins
        as the platform says (asked only now: on Telegram it is a call)."""
        if self._kit.is_admin(inbound.user):
            return True
        if inbound.moderator is None:
            return False
        try:
            return await inbound.moderator()
        except Exception:
            log.warning("could not ask the platform who administers %s", inbound.chat.place)
            return False

    async def _stop(self, chat: ChatKey) -> tuple[Doing, int] | None:
        """What the chat's running job was doing and how many waiting ones were dropped."""
        return await self._queue.stop(chat)
