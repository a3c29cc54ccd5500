"""`Store` on PostgreSQL (DATABASE_URL): psycopg 3 async over a psycopg_pool pool.

Several processes share one database, so every rule the core relies on holds across them:
an update id is first seen once (`INSERT ... ON CONFLICT DO NOTHING`), a job is claimed for
delivery once (a conditional `UPDATE`), and the migrations run once, under an advisory lock,
however many processes start together. `exclusive` holds an advisory lock for as long as a
process needs to be the only one doing something (polling Telegram with one token).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import DictRow, dict_row, tuple_row
from psycopg_pool import AsyncConnectionPool

from bot.errors import ClipbridgeError
from bot.models import ChatKey, UserRef

from .base import (
    ACTIVE_STATES,
    ChatSession,
    Credentials,
    FinalState,
    Job,
    SharedStore,
    Store,
    UserDefaults,
)
from .postgres_schema import MIGRATION_LOCK, MIGRATIONS
from .rows import FALLBACK_KEY, job_from_row, job_values, within_limits
from .sqlite import DatabaseUnusable

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds; libpq's connect_timeout, whole seconds
POOL_SIZE = 10
"""Connections per process at most: the core runs a few short queries per message, so ten
serve thousands of chats; PostgreSQL's default max_connections (100) fits ten processes."""


def shown_address(url: str) -> str:
    """`url` as it may be shown: user, host, port and database, never the password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def database_password(url: str) -> str | None:
    """The password in `url`, for the log redaction filter."""
    return urlsplit(url).password


class DatabaseUnreachable(DatabaseUnusable):
    """PostgreSQL cannot be reached or used. `str()` is one sentence for the operator."""

    def __init__(self, url: str, reason: BaseException) -> None:
        password = database_password(url)
        detail = " ".join(str(reason).split())
        if password:  # libpq never quotes it, but a message that did would not be shown
            detail = detail.replace(password, "***")
        self.problem = (
            f"The database at {shown_address(url)} cannot be used ({detail}): check that "
            "PostgreSQL runs there and that DATABASE_URL has the right user, password and "
            "database name"
        )
        """The sentence without the pointer to `clipbridge doctor`, for the doctor itself."""
        ClipbridgeError.__init__(self, f"{self.problem}; `clipbridge doctor` checks it.")
        self.path = shown_address(url)


def lock_key(name: str) -> int:
    """A 64-bit advisory lock key for `name` (signed, as PostgreSQL takes it)."""
    digest = hashlib.sha256(f"clipbridge:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def connect(url: str) -> psycopg.AsyncConnection[DictRow]:
    """One autocommit connection, or `DatabaseUnreachable` saying why not."""
    try:
        return await psycopg.AsyncConnection.connect(
            url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT
        )
    except psycopg.Error as exc:
        raise DatabaseUnreachable(url, exc) from None


async def migrate(connection: psycopg.AsyncConnection[Any]) -> int:
    """Run the migrations `connection`'s database has not run yet, in one transaction under an
    advisory lock: processes starting together wait for the first, then find nothing to do.
    Returns the schema version."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS clipbridge_schema (version INTEGER NOT NULL)"
        )
        version = await schema_version(connection)
        if version is None:
            await connection.execute("INSERT INTO clipbridge_schema (version) VALUES (0)")
            version = 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await connection.execute(script)
            await connection.execute("UPDATE clipbridge_schema SET version = %s", (number,))
            log.info("database schema migrated to version %d", number)
            version = number
    return version


async def schema_version(connection: psycopg.AsyncConnection[Any]) -> int | None:
    """The schema version recorded in the database; None before the first migration."""
    async with connection.cursor(row_factory=tuple_row) as cursor:
        await cursor.execute("SELECT to_regclass('clipbridge_schema') IS NOT NULL")
        exists = await cursor.fetchone()
        if not exists or not exists[0]:
            return None
        await cursor.execute("SELECT version FROM clipbridge_schema")
        found = await cursor.fetchone()
    return int(found[0]) if found else None


class PostgresStore:
    """`Store` on PostgreSQL. Use as `async with PostgresStore(url) as store`."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self._url = url
        self._pool_size = pool_size
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] | None = None

    @property
    def url(self) -> str:
        """The address with its password, for another pool on the same database (the queue's)."""
        return self._url

    @property
    def address(self) -> str:
        return shown_address(self._url)

    async def __aenter__(self) -> Self:
        async with await connect(self._url) as connection:
            try:
                version = await migrate(connection)
            except psycopg.Error as exc:
                raise DatabaseUnreachable(self._url, exc) from None
        pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] = AsyncConnectionPool(
            self._url,
            min_size=1,
            max_size=self._pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            connection_class=psycopg.AsyncConnection[DictRow],
            open=False,
            name="clipbridge",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            await pool.close()
            raise DatabaseUnreachable(self._url, exc) from None
        self._pool = pool
        log.info("state kept in PostgreSQL at %s, schema %d", self.address, version)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> AsyncConnectionPool[psycopg.AsyncConnection[DictRow]]:
        if self._pool is None:
            raise RuntimeError("store is not open: use `async with PostgresStore(...)`")
        return self._pool

    async def _execute(self, query: LiteralString, params: Sequence[object] = ()) -> int:
        """Run one statement; how many rows it changed."""
        async with self.pool.connection() as connection:
            cursor = await connection.execute(query, params)
            return cursor.rowcount

    async def _one(self, query: LiteralString, params: Sequence[object] = ()) -> DictRow | None:
        async with self.pool.connection() as connection:
            cursor = await connection.execute(query, params)
            return await cursor.fetchone()

    async def schema_version(self) -> int:
        async with self.pool.connection() as connection:
            return await schema_version(connection) or 0

    async def ping(self) -> None:
        await self._execute("SELECT 1")

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Hold the advisory lock for `name` while inside, on a connection of its own (the lock
        lives as long as that session); yields False, holding nothing, when another process
        has it. `name` is hashed into the key, so it may name a secret's owner, never carry one."""
        key = lock_key(name)
        connection = await connect(self._url)
        try:
            cursor = await connection.execute("SELECT pg_try_advisory_lock(%s) AS taken", (key,))
            row = await cursor.fetchone()
            taken = bool(row and row["taken"])
            yield taken
            if taken:  # now, not when the server notices the closed connection
                await connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            await connection.close()  # a session that ends (or dies) lets its locks go

    # backends ----------------------------------------------------------------------------------

    async def credentials(self, backend: str) -> Credentials:
        row = await self._one(
            "SELECT client_id, token, expires_at, user_id FROM backend_credentials "
            "WHERE backend = %s",
            (backend,),
        )
        if row is None:
            return Credentials()
        return Credentials(row["client_id"], row["token"], row["expires_at"], row["user_id"])

    async def save_client_id(self, backend: str, client_id: str) -> None:
        await self._execute(
            "INSERT INTO backend_credentials (backend, client_id) VALUES (%s, %s) "
            "ON CONFLICT (backend) DO UPDATE SET client_id = excluded.client_id",
            (backend, client_id),
        )

    async def save_token(
        self, backend: str, token: str, expires_at: float | None, user_id: str | None
    ) -> None:
        await self._execute(
            "INSERT INTO backend_credentials (backend, token, expires_at, user_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (backend) DO UPDATE SET token = excluded.token, "
            "expires_at = excluded.expires_at, user_id = excluded.user_id",
            (backend, token, expires_at, user_id),
        )

    async def last_export(self, backend: str, session: str) -> str | None:
        row = await self._one(
            "SELECT export_id FROM backend_exports WHERE backend = %s AND session = %s",
            (backend, session),
        )
        return str(row["export_id"]) if row else None

    async def set_last_export(self, backend: str, session: str, export_id: str) -> None:
        await self._execute(
            "INSERT INTO backend_exports (backend, session, export_id) VALUES (%s, %s, %s) "
            "ON CONFLICT (backend, session) DO UPDATE SET export_id = excluded.export_id",
            (backend, session, export_id),
        )

    # chats -------------------------------------------------------------------------------------

    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        row = await self._one("SELECT backend, session FROM chats WHERE chat = %s", (str(chat),))
        return ChatSession(chat, row["backend"], row["session"]) if row else None

    async def set_session(self, chat: ChatKey, backend: str, session: str) -> None:
        await self._execute(
            "INSERT INTO chats (chat, backend, session, updated_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (chat) DO UPDATE SET backend = excluded.backend, "
            "session = excluded.session, updated_at = excluded.updated_at",
            (str(chat), backend, session, time.time()),
        )

    async def drop_session(self, chat: ChatKey) -> None:
        await self._execute("DELETE FROM chats WHERE chat = %s", (str(chat),))

    async def fallback_session(self, chat: ChatKey) -> str | None:
        return await self._get_meta(FALLBACK_KEY.format(chat))

    async def set_fallback_session(self, chat: ChatKey, session: str) -> None:
        await self._set_meta(FALLBACK_KEY.format(chat), session)

    # updates -----------------------------------------------------------------------------------

    async def first_sight(self, platform: str, update_id: str) -> bool:
        inserted = await self._execute(
            "INSERT INTO seen_updates (platform, update_id, seen_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (platform, update_id) DO NOTHING",
            (platform, update_id, time.time()),
        )
        return inserted == 1

    async def prune_seen_updates(self, before: float) -> int:
        return await self._execute("DELETE FROM seen_updates WHERE seen_at < %s", (before,))

    # users -------------------------------------------------------------------------------------

    async def get_language(self, user: UserRef) -> str | None:
        row = await self._one('SELECT language FROM users WHERE "user" = %s', (str(user),))
        return str(row["language"]) if row and row["language"] else None

    async def set_language(self, user: UserRef, language: str) -> None:
        await self._execute(
            'INSERT INTO users ("user", language) VALUES (%s, %s) '
            'ON CONFLICT ("user") DO UPDATE SET language = excluded.language',
            (str(user), language),
        )

    async def user_defaults(self, user: UserRef) -> UserDefaults | None:
        row = await self._one(
            "SELECT target_bytes, codec, max_height, drop_audio, as_file FROM user_defaults "
            'WHERE "user" = %s',
            (str(user),),
        )
        if row is None:
            return None
        return UserDefaults(
            target_bytes=row["target_bytes"],
            codec=row["codec"],
            max_height=row["max_height"],
            drop_audio=bool(row["drop_audio"]),
            as_file=bool(row["as_file"]),
        )

    async def set_user_defaults(self, user: UserRef, defaults: UserDefaults) -> None:
        await self._execute(
            'INSERT INTO user_defaults ("user", target_bytes, codec, max_height, drop_audio, '
            "as_file, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            'ON CONFLICT ("user") DO UPDATE SET target_bytes = excluded.target_bytes, '
            "codec = excluded.codec, max_height = excluded.max_height, "
            "drop_audio = excluded.drop_audio, as_file = excluded.as_file, "
            "updated_at = excluded.updated_at",
            (
                str(user),
                defaults.target_bytes,
                defaults.codec,
                defaults.max_height,
                defaults.drop_audio,
                defaults.as_file,
                time.time(),
            ),
        )

    async def reset_user_defaults(self, user: UserRef) -> None:
        await self._execute('DELETE FROM user_defaults WHERE "user" = %s', (str(user),))

    # jobs --------------------------------------------------------------------------------------

    async def add_job(self, job: Job) -> Job:
        now = time.time()
        job = replace(job, created_at=job.created_at or now, updated_at=now)
        await self._execute(_INSERT_JOB, job_values(job))
        return job

    async def add_job_within(
        self, job: Job, *, at_once: int | None = None, per_day: int | None = None
    ) -> Job | None:
        now = time.time()
        job = replace(job, created_at=job.created_at or now, updated_at=now)
        user = str(job.user)
        async with self.pool.connection() as connection, connection.transaction():
            # Under READ COMMITTED two replicas' counts could both miss the other's insert:
            # a lock per user makes them take turns (held until the transaction ends).
            await connection.execute(
                "SELECT pg_advisory_xact_lock(%s)", (lock_key(f"user-limits:{user}"),)
            )
            cursor = await connection.execute(
                _INSERT_JOB_WITHIN,
                (*job_values(job), user, at_once, user, now - 86400, per_day),
            )
            added = cursor.rowcount == 1
        return job if added else None

    async def export_submitted(self, job: Job, backend_job: str) -> Job:
        job = replace(job, state="running", backend_job=backend_job, updated_at=time.time())
        await self._execute(
            "UPDATE jobs SET state = 'running', backend_job = %s, updated_at = %s WHERE id = %s",
            (backend_job, job.updated_at, job.id),
        )
        return job

    async def job_running(self, job: Job) -> Job:
        job = replace(job, state="running", updated_at=time.time())
        await self._execute(
            "UPDATE jobs SET state = 'running', updated_at = %s WHERE id = %s",
            (job.updated_at, job.id),
        )
        return job

    async def finish_job(self, job: Job, state: FinalState, error: str | None = None) -> Job:
        # Only the columns the transition changes, so a cancel and the job's own end never put
        # back each other's old values (as SqliteStore._set).
        job = replace(job, state=state, error=error, updated_at=time.time())
        await self._execute(
            "UPDATE jobs SET state = %s, error = %s, updated_at = %s WHERE id = %s",
            (state, error, job.updated_at, job.id),
        )
        return job

    async def claim_delivery(self, job: Job) -> bool:
        claimed = await self._execute(
            "UPDATE jobs SET state = 'delivering', updated_at = %s "
            "WHERE id = %s AND state IN ('pending', 'running')",
            (time.time(), job.id),
        )
        return claimed == 1

    async def get_job(self, job_id: str) -> Job | None:
        row = await self._one("SELECT * FROM jobs WHERE id = %s", (job_id,))
        return job_from_row(row) if row else None

    async def active_jobs(self) -> list[Job]:
        """Jobs in flight, oldest first; an unreadable record is marked failed (see
        SqliteStore.active_jobs)."""
        return await self._readable(
            "SELECT * FROM jobs WHERE state = ANY(%s) ORDER BY created_at", (list(ACTIVE_STATES),)
        )

    async def active_jobs_of(self, user: UserRef) -> list[Job]:
        return await self._readable(
            'SELECT * FROM jobs WHERE "user" = %s AND state = ANY(%s)',
            (str(user), list(ACTIVE_STATES)),
        )

    async def _readable(self, query: LiteralString, params: Sequence[object]) -> list[Job]:
        jobs: list[Job] = []
        async with self.pool.connection() as connection:
            cursor = await connection.execute(query, params)
            for row in await cursor.fetchall():
                try:
                    jobs.append(job_from_row(row))
                except (ValueError, TypeError, KeyError, IndexError):
                    log.exception("job record %r cannot be read; marked failed", row["id"])
                    await connection.execute(
                        "UPDATE jobs SET state = 'failed', error = 'unreadable record', "
                        "updated_at = %s WHERE id = %s",
                        (time.time(), row["id"]),
                    )
        return jobs

    async def jobs_today(self, user: UserRef) -> int:
        row = await self._one(
            'SELECT COUNT(*) AS n FROM jobs WHERE "user" = %s AND created_at >= %s',
            (str(user), time.time() - 86400),
        )
        return int(row["n"]) if row else 0

    # the meta table: a plain key-value bag, private to this store -----------------------------

    async def _get_meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = %s", (key,))
        return str(row["value"]) if row else None

    async def _set_meta(self, key: str, value: str) -> None:
        await self._execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


_INSERT_JOB: LiteralString = (
    'INSERT INTO jobs (id, chat, "user", user_name, kind, backend, session, state, backend_job, '
    "reply_to, locale, attempts, error, extra, created_at, updated_at) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)

_INSERT_JOB_WITHIN: LiteralString = (
    _INSERT_JOB.partition(" VALUES ")[0]
    + " SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s WHERE "
    + within_limits("%s")
)

if TYPE_CHECKING:  # mypy checks here that PostgresStore is every bit a Store
    _conforms: Store = PostgresStore("postgresql://")
    _shares: SharedStore = PostgresStore("postgresql://")
