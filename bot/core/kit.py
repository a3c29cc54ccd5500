"""What every part of the core shares: settings, the store, the chat's backend session, pacing,
and `Run`, what the failure path needs to know of a job while it runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.backends.base import Backend
from bot.config import Settings
from bot.core.requests import JobKindName, JobRequest
from bot.defaults import from_settings
from bot.errors import ClipbridgeError, SessionNotFound
from bot.models import Attachment, ChatKey, UserRef
from bot.ports import Button, Port
from bot.progress import FIRST_DELAY, Pacer, ProgressMessage, Spawn, send_reliably
from bot.store import Job, JobKind, Store, UserDefaults
from bot.texts import t
from bot.timeline import Timeline

log = logging.getLogger(__name__)

Doing = Literal["upload", "turn", "encode", "export"]
REQUEST_KEPT = 200  # characters of a turn's instruction stored with its job, to name it later


@dataclass(frozen=True, slots=True)
class Session:
    """A chat's session on one backend."""

    backend: Backend
    id: str


class Sessions:
    """Which backend session each chat talks to: the stored one, or a new one on the primary."""

    def __init__(self, store: Store, primary: Backend, fallback: Backend | None) -> None:
        self._store = store
        self.primary = primary
        self.fallback = fallback if fallback is not None and fallback.name != primary.name else None
        self.by_name = {b.name: b for b in (primary, self.fallback) if b is not None}

    @property
    def metered(self) -> bool:
        """Whether the primary backend counts credits: the local engine never does."""
        return self.primary.name != "local"

    async def existing(self, chat: ChatKey) -> Session | None:
        stored = await self._store.get_session(chat)
        if stored is None or stored.backend not in self.by_name:
            return None
        return Session(self.by_name[stored.backend], stored.session)

    async def get(self, chat: ChatKey, locale: str) -> Session:
        return await self.existing(chat) or await self.renew(chat, locale)

    async def renew(self, chat: ChatKey, locale: str) -> Session:
        session = Session(self.primary, await self.primary.open_session(locale))
        await self._store.set_session(chat, session.backend.name, session.id)
        return session

    @staticmethod
    async def state_or_none(session: Session) -> Timeline | None:
        """The session's timeline, or None when the backend cannot say right now."""
        try:
            return await session.backend.state(session.id)
        except SessionNotFound:
            raise
        except ClipbridgeError:
            log.info("state of %s unavailable", session.id)
            return None


class Pacers:
    """One `Pacer` per chat, kept while the chat is busy or a retry-after is pending."""

    def __init__(self, edit_interval: float, clock: Callable[[], float]) -> None:
        self._interval = edit_interval
        self._clock = clock
        self._pacers: dict[ChatKey, Pacer] = {}

    def __call__(self, chat: ChatKey) -> Pacer:
        pacer = self._pacers.get(chat)
        if pacer is None:
            pacer = self._pacers[chat] = Pacer(self._interval, self._clock)
        return pacer

    def forget(self, chat: ChatKey) -> None:
        """Let an idle chat go, unless the platform asked it to wait: that must be honoured."""
        pacer = self._pacers.get(chat)
        if pacer is not None and pacer.blocked_for() == 0:
            del self._pacers[chat]


@dataclass(eq=False)
class Run:
    """One job request being carried out: the request, and what it holds now that the failure
    path needs (the stored record to close, the progress line to end, the backend that failed)."""

    request: JobRequest
    port: Port
    attachments: tuple[Attachment, ...] = ()  # the live streams behind request.attachments
    resume: Job | None = None  # the stored export found in flight at start-up
    backend: Backend | None = None
    record: Job | None = None
    progress: ProgressMessage | None = None
    phase: JobKindName | None = None  # an upload's caption goes on as a turn or an export
    uploaded: int = 0  # the files its own message brought in: its caption is about them

    @property
    def doing(self) -> Doing:
        """What it is doing now, as the person would name it: local turns are encodes."""
        phase = self.phase or self.request.kind
        if phase == "turn" and self.backend is not None and self.backend.name == "local":
            return "encode"
        return phase


@dataclass(frozen=True, eq=False)
class Kit:
    """What every job and answer works with (one per `Conversation`)."""

    settings: Settings
    store: Store
    sessions: Sessions
    pacers: Pacers
    spawn: Spawn
    clock: Callable[[], float]
    ffmpeg: str

    async def defaults(self, user: UserRef) -> UserDefaults:
        """`user`'s `/settings`, else the operator's DEFAULT_* settings."""
        return await self.store.user_defaults(user) or from_settings(self.settings)

    def is_admin(self, user: UserRef) -> bool:
        return str(user) in self.settings.admins

    async def say(
        self, chat: ChatKey, port: Port, text: str, buttons: Sequence[Button] = ()
    ) -> None:
        await send_reliably(self.pacers(chat), lambda: port.send_text(text, buttons))

    def menu(self, locale: str, *, cancel: bool = False) -> list[Button]:
        """The buttons under answers; Credits only where the backend counts them."""
        buttons = [
            Button(t("btn_export", locale), command="/export"),
            Button(t("btn_status", locale), command="/status"),
        ]
        if self.sessions.metered:
            buttons.append(Button(t("btn_credits", locale), command="/credits"))
        if cancel:
            buttons.append(Button(t("btn_cancel", locale), command="/cancel"))
        return buttons

    def progress(
        self, run: Run, first_text: str, *, first_delay: float = FIRST_DELAY
    ) -> ProgressMessage:
        run.progress = ProgressMessage(
            run.port,
            self.pacers(run.request.chat),
            run.request.locale,
            first_text=first_text,
            still_working_interval=self.settings.still_working_interval,
            clock=self.clock,
            first_delay=min(first_delay, self.settings.edit_interval),
            spawn=self.spawn,  # its last edit may land after the job: `wait_idle` waits for it
        )
        return run.progress

    def new_record(
        self,
        run: Run,
        session: Session,
        *,
        kind: JobKind,
        state: Literal["pending", "running", "done"],
        backend_job: str | None = None,
        request: str = "",
    ) -> Job:
        """The store's record of `run`, with what a restart needs to reach the chat again."""
        return Job(
            id=backend_job or f"turn_{uuid.uuid4().hex}",
            chat=run.request.chat,
            user=run.request.user,
            kind=kind,
            backend=session.backend.name,
            session=session.id,
            state=state,
            backend_job=backend_job,
            hint=run.port.hint,
            locale=run.request.locale,
            extra={"request": request[:REQUEST_KEPT]} if request else {},
        )

    async def close_record(
        self, run: Run, state: Literal["failed", "cancelled"], error: str | None
    ) -> None:
        if run.record is not None and run.record.state in ("pending", "running", "delivering"):
            run.record = await self.store.finish_job(run.record, state, error)
