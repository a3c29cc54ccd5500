"""`Store` on SQLite: one aiosqlite connection, WAL, the migrations of `schema` run at open."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiosqlite

from bot.errors import ClipbridgeError
from bot.models import ChatKey, UserRef

from .base import ACTIVE_STATES, ChatSession, Credentials, FinalState, Job, Store, UserDefaults
from .rows import FALLBACK_KEY, JOB_COLUMNS, job_from_row, job_values, within_limits
from .schema import MIGRATIONS

log = logging.getLogger(__name__)


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

    # backends ----------------------------------------------------------------------------------

    async def credentials(self, backend: str) -> Credentials:
        async with self.db.execute(
            "SELECT client_id, token, expires_at, user_id FROM backend_credentials "
            "WHERE backend = ?",
            (backend,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return Credentials()
        expires_at = row["expires_at"]
        return Credentials(
            row["client_id"],
            row["token"],
            float(expires_at) if isinstance(expires_at, int | float) else None,
            row["user_id"],
        )

    async def save_client_id(self, backend: str, client_id: str) -> None:
        await self.db.execute(
            "INSERT INTO backend_credentials (backend, client_id) VALUES (?, ?) "
            "ON CONFLICT (backend) DO UPDATE SET client_id = excluded.client_id",
            (backend, client_id),
        )
        await self.db.commit()

    async def save_token(
        self, backend: str, token: str, expires_at: float | None, user_id: str | None
    ) -> None:
        await self.db.execute(
            "INSERT INTO backend_credentials (backend, token, expires_at, user_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (backend) DO UPDATE SET token = excluded.token, "
            "expires_at = excluded.expires_at, user_id = excluded.user_id",
            (backend, token, expires_at, user_id),
        )
        await self.db.commit()

    async def last_export(self, backend: str, session: str) -> str | None:
        async with self.db.execute(
            "SELECT export_id FROM backend_exports WHERE backend = ? AND session = ?",
            (backend, session),
        ) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_last_export(self, backend: str, session: str, export_id: str) -> None:
        await self.db.execute(
            "INSERT INTO backend_exports (backend, session, export_id) VALUES (?, ?, ?) "
            "ON CONFLICT (backend, session) DO UPDATE SET export_id = excluded.export_id",
            (backend, session, export_id),
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

    async def fallback_session(self, chat: ChatKey) -> str | None:
        return await self._get_meta(FALLBACK_KEY.format(chat))

    async def set_fallback_session(self, chat: ChatKey, session: str) -> None:
        await self._set_meta(FALLBACK_KEY.format(chat), session)

    # updates -----------------------------------------------------------------------------------

    async def first_sight(self, platform: str, update_id: str) -> bool:
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO seen_updates (platform, update_id, seen_at) VALUES (?, ?, ?)",
            (platform, update_id, time.time()),
        )
        fresh = cursor.rowcount == 1
        await cursor.close()
        await self.db.commit()
        return fresh

    async def prune_seen_updates(self, before: float) -> int:
        cursor = await self.db.execute("DELETE FROM seen_updates WHERE seen_at < ?", (before,))
        removed = cursor.rowcount
        await cursor.close()
        await self.db.commit()
        return removed

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

    async def user_defaults(self, user: UserRef) -> UserDefaults | None:
        async with self.db.execute(
            "SELECT target_bytes, codec, max_height, drop_audio, as_file FROM user_defaults "
            "WHERE user = ?",
            (str(user),),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return UserDefaults(
            target_bytes=_int_or_none(row["target_bytes"]),
            codec=row["codec"] if isinstance(row["codec"], str) else None,
            max_height=_int_or_none(row["max_height"]),
            drop_audio=bool(row["drop_audio"]),
            as_file=bool(row["as_file"]),
        )

    async def set_user_defaults(self, user: UserRef, defaults: UserDefaults) -> None:
        await self.db.execute(
            "INSERT INTO user_defaults (user, target_bytes, codec, max_height, drop_audio, "
            "as_file, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user) DO UPDATE SET "
            "target_bytes = excluded.target_bytes, codec = excluded.codec, "
            "max_height = excluded.max_height, drop_audio = excluded.drop_audio, "
            "as_file = excluded.as_file, updated_at = excluded.updated_at",
            (
                str(user),
                defaults.target_bytes,
                defaults.codec,
                defaults.max_height,
                int(defaults.drop_audio),
                int(defaults.as_file),
                time.time(),
            ),
        )
        await self.db.commit()

    async def reset_user_defaults(self, user: UserRef) -> None:
        await self.db.execute("DELETE FROM user_defaults WHERE user = ?", (str(user),))
        await self.db.commit()

    # jobs --------------------------------------------------------------------------------------

    async def add_job(self, job: Job) -> Job:
        now = time.time()
        job = replace(job, created_at=job.created_at or now, updated_at=now)
        columns, marks = ", ".join(JOB_COLUMNS), ", ".join("?" * len(JOB_COLUMNS))
        await self.db.execute(
            f"INSERT INTO jobs ({columns}) VALUES ({marks})",  # noqa: S608
            job_values(job),
        )
        await self.db.commit()
        return job

    async def add_job_within(
        self, job: Job, *, at_once: int | None = None, per_day: int | None = None
    ) -> Job | None:
        now = time.time()
        job = replace(job, created_at=job.created_at or now, updated_at=now)
        # One statement: SQLite runs it whole, and this process is its only writer.
        columns, marks = ", ".join(JOB_COLUMNS), ", ".join("?" * len(JOB_COLUMNS))
        user = str(job.user)
        cursor = await self.db.execute(
            f"INSERT INTO jobs ({columns}) SELECT {marks} WHERE {within_limits('?')}",
            (*job_values(job), user, at_once, user, now - 86400, per_day),
        )
        added = cursor.rowcount == 1
        await cursor.close()
        await self.db.commit()
        return job if added else None

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
        return job_from_row(row) if row else None

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
                    jobs.append(job_from_row(row))
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

    # the meta table: a plain key-value bag, private to this store -----------------------------

    async def _get_meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def _set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self.db.commit()


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


if TYPE_CHECKING:  # mypy checks here that SqliteStore is every bit a Store
    _conforms: Store = SqliteStore(":memory:")
