"""Persistence: what must survive a restart, behind one interface (`Store`), on SQLite.

Chats and their backend sessions, the NemoVideo client id and token (in `meta`), jobs in flight,
update ids already handled, and per-user preferences. `SqliteStore` runs versioned migrations at
start-up and uses WAL. Every method is one short transaction, so a PostgreSQL implementation can
follow behind the same `Store` protocol.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import aiosqlite

from bot.errors import ClipbridgeError
from bot.models import ChatKey, UserRef

log = logging.getLogger(__name__)

JobKind = Literal["turn", "export", "upload"]
JobState = Literal["pending", "running", "delivering", "done", "failed", "cancelled"]
FinalState = Literal["done", "failed", "cancelled"]
ACTIVE_STATES: tuple[JobState, ...] = ("pending", "running", "delivering")


@dataclass(frozen=True, slots=True)
class ChatSession:
    chat: ChatKey
    backend: str
    session: str


@dataclass(frozen=True, slots=True)
class Job:
    """Work the bot owes a chat. An export is written before it is submitted, so a restarted bot
    can resume polling `backend_job` and deliver to `chat` (and `reply_to`) exactly once."""

    id: str
    chat: ChatKey
    user: UserRef
    kind: JobKind
    backend: str
    session: str
    state: JobState = "pending"
    backend_job: str | None = None
    reply_to: str | None = None
    locale: str = "en"
    attempts: int = 0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0


class Store(Protocol):
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...

    async def get_session(self, chat: ChatKey) -> ChatSession | None: ...
    async def set_session(self, chat: ChatKey, backend: str, session: str) -> None: ...
    async def drop_session(self, chat: ChatKey) -> None: ...

    async def first_sight(self, platform: str, update_id: str) -> bool:
        """Record an update id; True the first time, False for a duplicate."""
        ...

    async def get_language(self, user: UserRef) -> str | None: ...
    async def set_language(self, user: UserRef, language: str) -> None: ...

    async def add_job(self, job: Job) -> Job: ...
    async def update_job(self, job: Job, **changes: Any) -> Job:
        """Deprecated: the named transitions below say what happened; this goes once the core
        calls them."""
        ...

    async def export_submitted(self, job: Job, backend_job: str) -> Job:
        """The backend accepted the export as `backend_job`: the job is running, and a restart
        polls that id."""
        ...

    async def job_running(self, job: Job) -> Job:
        """Back to running: a restart found the job mid-delivery, so it is delivered again (a
        duplicate beats a lost video)."""
        ...

    async def finish_job(self, job: Job, state: FinalState, error: str | None = None) -> Job:
        """The job is over: done, failed or cancelled, with what went wrong if anything."""
        ...

    async def claim_delivery(self, job: Job) -> bool:
        """Move a job from running to delivering; False if another path already claimed it."""
        ...

    async def active_jobs(self) -> list[Job]: ...
    async def active_jobs_of(self, user: UserRef) -> list[Job]: ...
    async def jobs_today(self, user: UserRef) -> int: ...
    async def ping(self) -> None:
        """Raise if the store cannot be used."""
        ...


MIGRATIONS: Sequence[str] = (
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chats (
        chat TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE seen_updates (
        platform TEXT NOT NULL,
        update_id TEXT NOT NULL,
        seen_at REAL NOT NULL,
        PRIMARY KEY (platform, update_id)
    );
    CREATE TABLE users (
        user TEXT PRIMARY KEY,
        language TEXT
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        chat TEXT NOT NULL,
        user TEXT NOT NULL,
        user_name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        state TEXT NOT NULL,
        backend_job TEXT,
        reply_to TEXT,
        locale TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_active ON jobs (state);
    CREATE INDEX jobs_user ON jobs (user, created_at);
    """,
)

SEEN_UPDATES_KEPT = 7 * 24 * 3600.0


class DatabaseUnusable(ClipbridgeError):
    """The SQLite file cannot be opened or migrated (corrupt, not a database, not writable).
    `str()` is one sentence for the operator: which file, and what to do."""

    def __init__(self, path: Path | str, reason: BaseException) -> None:
        super().__init__(
            f"The database {path} cannot be used ({reason}): check the file's owner and "
            "permissions, or restore it from a backup (or move it away to start with an empty "
            "one); `clipbridge doctor` checks it."
        )
        self.path = path


class SqliteStore:
    """`Store` on one aiosqlite connection. Use as `async with SqliteStore(path) as store`."""

    def __init__(self, path: Path | str) -> None:
        self._path = path
        self._db: aiosqlite.Connection | None = None

    async def __aenter__(self) -> Self:
        if isinstance(self._path, Path):
            self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = await aiosqlite.connect(self._path)
            self._db.row_factory = aiosqlite.Row
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=NORMAL")
            await self._db.execute("PRAGMA busy_timeout=5000")
            await self._migrate()
        except sqlite3.Error as exc:
            # Close before raising: aiosqlite's connection thread is not a daemon, so an open
            # connection keeps the process alive after the error (it hung forever).
            await self.__aexit__(None, None, None)
            raise DatabaseUnusable(self._path, exc) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open: use `async with SqliteStore(...)`")
        return self._db

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def ping(self) -> None:
        await self.db.execute("SELECT 1")

    # meta --------------------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self.db.commit()

    # chats -------------------------------------------------------------------------------------

    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        async with self.db.execute(
            "SELECT backend, session FROM chats WHERE chat = ?", (str(chat),)
        ) as cursor:
            row = await cursor.fetchone()
        return ChatSession(chat, row["backend"], row["session"]) if row else None

    async def set_session(self, chat: ChatKey, backend: str, session: str) -> None:
        await self.db.execute(
            "INSERT INTO chats (chat, backend, session, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat) DO UPDATE SET backend = excluded.backend, "
            "session = excluded.session, updated_at = excluded.updated_at",
            (str(chat), backend, session, time.time()),
        )
        await self.db.commit()

    async def drop_session(self, chat: ChatKey) -> None:
        await self.db.execute("DELETE FROM chats WHERE chat = ?", (str(chat),))
        await self.db.commit()

    # updates -----------------------------------------------------------------------------------

    async def first_sight(self, platform: str, update_id: str) -> bool:
        now = time.time()
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO seen_updates (platform, update_id, seen_at) VALUES (?, ?, ?)",
            (platform, update_id, now),
        )
        fresh = cursor.rowcount == 1
        await cursor.close()
        if fresh and int(now) % 97 == 0:  # prune now and then, not on every update
            await self.db.execute(
                "DELETE FROM seen_updates WHERE seen_at < ?", (now - SEEN_UPDATES_KEPT,)
            )
        await self.db.commit()
        return fresh

    # users -------------------------------------------------------------------------------------

    async def get_language(self, user: UserRef) -> str | None:
        async with self.db.execute(
            "SELECT language FROM users WHERE user = ?", (str(user),)
        ) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row and row[0] else None

    async def set_language(self, user: UserRef, language: str) -> None:
        await self.db.execute(
            "INSERT INTO users (user, language) VALUES (?, ?) "
            "ON CONFLICT (user) DO UPDATE SET language = excluded.language",
            (str(user), language),
        )
        await self.db.commit()

    # jobs --------------------------------------------------------------------------------------

    async def add_job(self, job: Job) -> Job:
        now = time.time()
        job = replace(job, created_at=job.created_at or now, updated_at=now)
        await self.db.execute(
            "INSERT INTO jobs (id, chat, user, user_name, kind, backend, session, state, "
            "backend_job, reply_to, locale, attempts, error, extra, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job.id,
                str(job.chat),
                str(job.user),
                job.user.name,
                job.kind,
                job.backend,
                job.session,
                job.state,
                job.backend_job,
                job.reply_to,
                job.locale,
                job.attempts,
                job.error,
                json.dumps(job.extra),
                job.created_at,
                job.updated_at,
            ),
        )
        await self.db.commit()
        return job

    async def update_job(self, job: Job, **changes: Any) -> Job:
        job = replace(job, **changes, updated_at=time.time())
        await self.db.execute(
            "UPDATE jobs SET state = ?, backend_job = ?, reply_to = ?, attempts = ?, error = ?, "
            "extra = ?, updated_at = ? WHERE id = ?",
            (
                job.state,
                job.backend_job,
                job.reply_to,
                job.attempts,
                job.error,
                json.dumps(job.extra),
                job.updated_at,
                job.id,
            ),
        )
        await self.db.commit()
        return job

    async def export_submitted(self, job: Job, backend_job: str) -> Job:
        return await self._set(job, state="running", backend_job=backend_job)

    async def job_running(self, job: Job) -> Job:
        return await self._set(job, state="running")

    async def finish_job(self, job: Job, state: FinalState, error: str | None = None) -> Job:
        return await self._set(job, state=state, error=error)

    async def _set(self, job: Job, **columns: str | None) -> Job:
        """Write only the columns a transition changes, so two writers of one job (a cancel and
        the job's own end) never put back each other's old values."""
        job = replace(job, **columns, updated_at=time.time())  # type: ignore[arg-type]
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await self.db.execute(
            f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
            (*columns.values(), job.updated_at, job.id),
        )
        await self.db.commit()
        return job

    async def claim_delivery(self, job: Job) -> bool:
        cursor = await self.db.execute(
            "UPDATE jobs SET state = 'delivering', updated_at = ? "
            "WHERE id = ? AND state IN ('pending', 'running')",
            (time.time(), job.id),
        )
        claimed = cursor.rowcount == 1
        await cursor.close()
        await self.db.commit()
        return claimed

    async def get_job(self, job_id: str) -> Job | None:
        async with self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)) as cursor:
            row = await cursor.fetchone()
        return _job(row) if row else None

    async def active_jobs(self) -> list[Job]:
        """Jobs in flight, oldest first. A record that cannot be read (no chat to report to) is
        logged and marked failed here, so it can never stop a start again."""
        marks = ",".join("?" * len(ACTIVE_STATES))
        return await self._readable(
            f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY created_at",  # noqa: S608
            ACTIVE_STATES,
        )

    async def active_jobs_of(self, user: UserRef) -> list[Job]:
        marks = ",".join("?" * len(ACTIVE_STATES))
        return await self._readable(
            f"SELECT * FROM jobs WHERE user = ? AND state IN ({marks})",  # noqa: S608
            (str(user), *ACTIVE_STATES),
        )

    async def _readable(self, query: str, params: Sequence[object]) -> list[Job]:
        jobs: list[Job] = []
        unreadable: list[str] = []
        async with self.db.execute(query, params) as cursor:
            async for row in cursor:
                try:
                    jobs.append(_job(row))
                except (ValueError, TypeError, KeyError, IndexError):
                    log.exception("job record %r cannot be read; marked failed", row["id"])
                    unreadable.append(row["id"])
        for job_id in unreadable:
            await self.db.execute(
                "UPDATE jobs SET state = 'failed', error = 'unreadable record', updated_at = ? "
                "WHERE id = ?",
                (time.time(), job_id),
            )
        if unreadable:
            await self.db.commit()
        return jobs

    async def jobs_today(self, user: UserRef) -> int:
        async with self.db.execute(
            "SELECT COUNT(*) FROM jobs WHERE user = ? AND created_at >= ?",
            (str(user), time.time() - 86400),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0


def _job(row: aiosqlite.Row) -> Job:
    """A job from its row. Only a chat that cannot be read makes a record unreadable: anything
    else damaged is read as well as it can be, so the job can still be reported to its chat."""
    platform, _, user_id = str(row["user"]).partition(":")
    return Job(
        id=row["id"],
        chat=_chat(row["chat"]),
        user=UserRef(platform, user_id, row["user_name"] or ""),
        kind=row["kind"],
        backend=str(row["backend"]),
        session=str(row["session"]),
        state=row["state"],
        backend_job=row["backend_job"],
        reply_to=row["reply_to"],
        locale=row["locale"] if isinstance(row["locale"], str) else "en",
        attempts=row["attempts"] if isinstance(row["attempts"], int) else 0,
        error=row["error"],
        extra=_extra(row["id"], row["extra"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _chat(text: object) -> ChatKey:
    chat = ChatKey.parse(str(text))
    if not chat.platform or not chat.chat:
        raise ValueError(f"no chat in {text!r}")
    return chat


def _extra(job_id: str, text: object) -> dict[str, Any]:
    try:
        extra = json.loads(str(text))
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        log.warning("job %r: extra is not a JSON object; read as empty", job_id)
        return {}
    return extra
