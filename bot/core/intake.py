"""Intake: what one `Inbound` means. Duplicates are dropped, the language picked (the person's
`/lang` choice, else the platform's), the allowlists checked, and the message routed to either a
quick answer (a reply, or a command that acts at once) or a job request for the chat's queue,
which `admit` lets in when the person is within their limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from bot import metrics
from bot.core.kit import Kit
from bot.core.requests import AttachmentRef, JobKindName, JobRequest
from bot.errors import AccessDenied
from bot.models import Attachment, ByteStream, Inbound, UserRef
from bot.ports import Button
from bot.routing import route
from bot.texts import normalize_locale, t

log = logging.getLogger(__name__)

CANCEL_ALL = frozenset({"all", "全部"})  # `/cancel all`: a group admin stops every member's work


@dataclass(frozen=True, slots=True)
class Ignore:
    """Seen before: the platform delivered it twice."""


@dataclass(frozen=True, slots=True)
class Reply:
    """Answered at once with this text."""

    text: str
    buttons: Sequence[Button] = ()


@dataclass(frozen=True, slots=True)
class Command:
    """A command that acts at once: lang, cancel, cancel_all, new, status, credits, settings."""

    action: str
    argument: str
    locale: str


@dataclass(frozen=True, slots=True)
class Submit:
    """Work for the chat's queue, with the live streams of its attachments."""

    request: JobRequest
    attachments: tuple[Attachment, ...] = ()


Outcome = Ignore | Reply | Command | Submit


class Intake:
    """`take` reads a message; `admit` checks a person's limits when their job is submitted
    (`load(user)`: their jobs running or waiting now)."""

    def __init__(self, kit: Kit, *, load: Callable[[UserRef], int]) -> None:
        self._kit = kit
        self._load = load

    async def take(
        self, inbound: Inbound, *, closing: bool = False, seen_with_job: bool = False
    ) -> Outcome:
        """`seen_with_job`: a job's update is recorded as seen by the queue, in the step that
        queues the job (a shared queue), so a process dying between the two cannot leave it seen
        but never queued; anything else is recorded here, first, as always."""
        if closing:
            return Reply(t("shutting_down", normalize_locale(inbound.locale)))
        if not seen_with_job and not await self._first_sight(inbound):
            return Ignore()
        outcome = await self._read(inbound)
        if (
            seen_with_job
            and not isinstance(outcome, Submit)
            and not await self._first_sight(inbound)
        ):
            return Ignore()
        return outcome

    async def _first_sight(self, inbound: Inbound) -> bool:
        if inbound.update_id and not await self._kit.store.first_sight(
            inbound.chat.platform, inbound.update_id
        ):
            log.info("update %s seen before; ignored", inbound.update_id)
            return False
        return True

    async def _read(self, inbound: Inbound) -> Outcome:
        locale = await self.language(inbound.user, inbound.locale)
        if not self._allowed(inbound):
            return Reply(t("err_access_denied", locale))
        if inbound.attachments:
            attachments = tuple(map(_counted, inbound.attachments))
            refs = tuple(map(AttachmentRef.of, inbound.attachments))
            request = self._request(inbound, locale, "upload", inbound.text, refs)
            return Submit(request, attachments)
        return self._route(inbound, locale)

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """The language to answer `user` in: their `/lang` choice, else their platform's."""
        return await self._kit.store.get_language(user) or normalize_locale(platform_locale)

    def _route(self, inbound: Inbound, locale: str) -> Outcome:
        decision = route(inbound.text)
        match decision.action:
            case "start" | "help":
                text = t("welcome", locale)
                if decision.unknown_command:
                    command = decision.unknown_command
                    text = t("unknown_command", locale, command=command) + "\n\n" + text
                return Reply(text, self._kit.menu(locale))
            case "cancel" if decision.argument.lower() in CANCEL_ALL and inbound.chat.member:
                return Command("cancel_all", decision.argument, locale)
            case "lang" | "cancel" | "new" | "status" | "credits" | "settings":
                return Command(decision.action, decision.argument, locale)
            case "upload_hint":
                return Reply(t("ask_upload", locale))
            case "export":
                return Submit(self._request(inbound, locale, "export"))
            case _ if not decision.argument:
                return Reply(t("what_next", locale))
            case _:
                return Submit(self._request(inbound, locale, "turn", decision.argument))

    @staticmethod
    def _request(
        inbound: Inbound,
        locale: str,
        kind: JobKindName,
        text: str = "",
        attachments: tuple[AttachmentRef, ...] = (),
    ) -> JobRequest:
        return JobRequest(
            inbound.chat, inbound.user, locale, kind, text, attachments, update=inbound.update_id
        )

    async def admit(self, user: UserRef) -> None:
        """Raise `AccessDenied` when `user` is at a limit: jobs at once, or jobs today."""
        settings = self._kit.settings
        if self._kit.is_admin(user):
            return
        if self._load(user) >= settings.max_jobs_per_user:
            raise AccessDenied("err_quota_concurrent")
        daily = settings.max_jobs_per_day
        if daily and await self._kit.store.jobs_today(user) >= daily:
            raise AccessDenied("err_quota_daily")

    def _allowed(self, inbound: Inbound) -> bool:
        settings = self._kit.settings
        users, chats = settings.allowed_users, settings.allowed_chats
        if (not users and not chats) or self._kit.is_admin(inbound.user):
            return True
        chat = f"{inbound.chat.platform}:{inbound.chat.chat}"
        return str(inbound.user) in users or chat in chats


def _counted(attachment: Attachment) -> Attachment:
    """The same attachment, its bytes counted into the relayed-bytes metric as they stream."""

    @asynccontextmanager
    async def open_counted() -> AsyncIterator[ByteStream]:
        async with attachment.open() as stream:

            async def chunks() -> ByteStream:
                async for chunk in stream:
                    metrics.bytes_relayed(len(chunk), "in")
                    yield chunk

            yield chunks()

    return replace(attachment, open=open_counted)
