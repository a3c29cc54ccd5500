"""What must survive a restart, as records and one protocol (`Store`); no database here.

Every method is one short transaction, so each implementation (`SqliteStore` today, PostgreSQL
next) is checked by the same suite, tests/contracts/test_store.py.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from bot.models import ChatKey, UserRef

JobKind = Literal["turn", "export", "upload"]
JobState = Literal["pending", "running", "delivering", "done", "failed", "cancelled"]
FinalState = Literal["done", "failed", "cancelled"]
ACTIVE_STATES: tuple[JobState, ...] = ("pending", "running", "delivering")

SEEN_UPDATES_KEPT = 7 * 24 * 3600.0
"""How long an update id is remembered: platforms redeliver within hours, never after a week."""


@dataclass(frozen=True, slots=True)
class ChatSession:
    chat: ChatKey
    backend: str
    session: str


@dataclass(frozen=True, slots=True)
class Job:
    """Work the bot owes a chat. An export is written before it is submitted, so a restarted bot
    can resume polling `backend_job` and deliver to `chat` (through its delivery `hint`) exactly
    once."""

    id: str
    chat: ChatKey
    user: UserRef
    kind: JobKind
    backend: str
    session: str
    state: JobState = "pending"
    backend_job: str | None = None
    hint: str | None = None  # the port's delivery hint (`Port.hint`); column `reply_to`
    locale: str = "en"
    attempts: int = 0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a backend keeps to authenticate across restarts: a client id it generated once, and
    a token it obtained with it (rationed by the service, so never fetched twice needlessly)."""

    client_id: str | None = None
    token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # epoch seconds
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class UserDefaults:
    """What a person chose in `/settings`, applied when an instruction is silent on that point.
    None / False is "not chosen": the engine (or the operator's DEFAULT_* settings) decides.
    Their language is kept apart (`set_language`), since every answer needs it."""

    target_bytes: int | None = None  # None: fit the chat
    codec: str | None = None  # "h264", "h265", "av1"
    max_height: int | None = None  # 720: at most 720p
    drop_audio: bool = False
    as_file: bool = False  # deliver as a document (Telegram), not a playable video


class Store(Protocol):
    # backends ----------------------------------------------------------------------------------

    async def credentials(self, backend: str) -> Credentials:
        """What `backend` saved; an empty `Credentials` when it saved nothing yet."""
        ...

    async def save_client_id(self, backend: str, client_id: str) -> None: ...
    async def save_token(
        self, backend: str, token: str, expires_at: float | None, user_id: str | None
    ) -> None: ...

    async def last_export(self, backend: str, session: str) -> str | None:
        """The export `backend` last submitted for `session`, to attach to it if it still runs."""
        ...

    async def set_last_export(self, backend: str, session: str, export_id: str) -> None: ...

    # chats -------------------------------------------------------------------------------------

    async def get_session(self, chat: ChatKey) -> ChatSession | None: ...
    async def set_session(self, chat: ChatKey, backend: str, session: str) -> None: ...
    async def drop_session(self, chat: ChatKey) -> None: ...

    async def fallback_session(self, chat: ChatKey) -> str | None:
        """The local engine's copy of `chat`'s uploads (FALLBACK_TO_LOCAL), if it has one."""
        ...

    async def set_fallback_session(self, chat: ChatKey, session: str) -> None: ...

    # updates -----------------------------------------------------------------------------------

    async def first_sight(self, platform: str, update_id: str) -> bool:
        """Record an update id; True the first time, False for a duplicate."""
        ...

    async def prune_seen_updates(self, before: float) -> int:
        """Forget update ids first seen before `before` (epoch seconds); returns how many."""
        ...

    # users -------------------------------------------------------------------------------------

    async def get_language(self, user: UserRef) -> str | None: ...
    async def set_language(self, user: UserRef, language: str) -> None: ...

    async def user_defaults(self, user: UserRef) -> UserDefaults | None:
        """What `user` chose in `/settings`; None when they chose nothing (or reset)."""
        ...

    async def set_user_defaults(self, user: UserRef, defaults: UserDefaults) -> None: ...

    async def reset_user_defaults(self, user: UserRef) -> None:
        """Forget `user`'s choices: the operator's defaults apply again."""
        ...

    # jobs --------------------------------------------------------------------------------------

    async def add_job(self, job: Job) -> Job: ...
    async def add_job_within(
        self, job: Job, *, at_once: int | None = None, per_day: int | None = None
    ) -> Job | None:
        """Add `job` only if its user then has fewer than `at_once` jobs in flight and fewer
        than `per_day` created in the last 24 hours (None: no such limit); None when a limit
        says no. Check and add are one step, also between processes sharing the store: two
        replicas admitting the same person at once cannot both take the last place."""
        ...

    async def get_job(self, job_id: str) -> Job | None: ...

    async def export_submitted(self, job: Job, backend_job: str) -> Job:
        """The backend accepted the export as `backend_job`: the job is running, and a restart
        polls that id."""
        ...

    async def job_running(self, job: Job) -> Job:
        """Back to running: a restart found the job mid-delivery, so it is delivered again (a
        duplicate beats a lost video)."""
        ...

    async def claim_delivery(self, job: Job) -> bool:
        """Move a job from pending or running to delivering; False if another path already
        claimed it."""
        ...

    async def finish_job(self, job: Job, state: FinalState, error: str | None = None) -> Job:
        """The job is over: done, failed or cancelled, with what went wrong if anything."""
        ...

    async def active_jobs(self) -> list[Job]:
        """Jobs in flight, oldest first."""
        ...

    async def active_jobs_of(self, user: UserRef) -> list[Job]: ...
    async def jobs_today(self, user: UserRef) -> int: ...

    # the rest ----------------------------------------------------------------------------------

    async def ping(self) -> None:
        """Raise if the store cannot be used."""
        ...


@runtime_checkable
class SharedStore(Protocol):
    """A store several processes use at once (PostgreSQL), so some work needs a lock."""

    def exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Hold the lock `name` while inside, True; False, holding nothing, when another process
        holds it."""
        ...
