"""The job queue in cluster mode: procrastinate over the same PostgreSQL as the store.

A front defers each job request as `{"request": JobRequest.to_dict(), "hint": port.hint,
"owner": user}` with procrastinate's `lock` set to the chat key, so one job per chat runs at a
time, in the order they came, on whichever worker fetches it. What the conversation asks of its
queue (`bot.core.queue.JobQueue`) is answered from procrastinate's own table:

- **admission**: the chat's line, the person's jobs at once and their jobs today are counted and
  the job deferred in one transaction, under the per-user advisory lock `Store.add_job_within`
  takes and one per chat, so two fronts admitting the same person (or the same chat) take turns;
- **positions**: the chat's jobs waiting or running ahead of the new one;
- **`/cancel`**: waiting jobs are deleted, the running one marked for abortion; procrastinate
  tells its worker (LISTEN/NOTIFY), which cancels the job's task wherever it runs.

Nothing here runs jobs: `bot.cluster.worker` does.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import psycopg
from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from psycopg.rows import tuple_row

from bot.config import Settings
from bot.core.kit import Doing, Run
from bot.core.queue import SeenBefore
from bot.core.scheduler import QueueFull
from bot.errors import AccessDenied
from bot.models import ChatKey
from bot.store.postgres import CONNECT_TIMEOUT, PostgresStore, lock_key

log = logging.getLogger(__name__)

QUEUE = "clipbridge"
TASK = "clipbridge.job"
MAX_ATTEMPTS = 3
"""Runs of one job at most: the first, and two more after a worker died or stopped under it."""
SCHEMA_LOCK = lock_key("procrastinate-schema")
QUEUE_POOL_SIZE = 4
"""The queue's own connections per process: fetching, heartbeats, aborts; plus one that LISTENs."""
KEPT_HERE = 1000
"""Runs deferred by a process that also works, kept so that its own worker, when it is the one to
take them, uses the live port and streams instead of fetching again (a lone `clipbridge run`)."""


class HandedOver(Exception):
    """The worker stopped under the job (SIGTERM past the grace): another one takes it on."""


Handler = Callable[[JobContext, dict[str, Any], str | None], Awaitable[None]]


async def apply_schema(connection: psycopg.AsyncConnection[Any]) -> bool:
    """Create procrastinate's tables unless they exist, under an advisory lock: processes
    starting together wait for the first, then find them there. True when created here."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        async with connection.cursor(row_factory=tuple_row) as cursor:
            await cursor.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
            found = await cursor.fetchone()
        if found and found[0]:
            return False
        schema = App(connector=PsycopgConnector()).schema_manager.get_schema()
        await connection.execute(schema)
    log.info("job queue tables created (procrastinate)")
    return True


async def counts(connection: psycopg.AsyncConnection[Any]) -> tuple[int, int] | None:
    """The queue's jobs (waiting, running), all processes; None before its tables exist."""
    async with connection.cursor(row_factory=tuple_row) as cursor:
        await cursor.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        found = await cursor.fetchone()
        if not found or not found[0]:
            return None
        await cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'todo'), count(*) FILTER (WHERE status = "
            "'doing') FROM procrastinate_jobs WHERE queue_name = %s",
            (QUEUE,),
        )
        row = await cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def describe(connection: psycopg.AsyncConnection[Any]) -> str:
    """The queue's state in a few words, for `clipbridge doctor`."""
    found = await counts(connection)
    if found is None:
        return "the job queue's tables are created at the first start"
    return f"job queue: {found[0]} waiting, {found[1]} running"


class ClusterQueue:
    """`JobQueue` on procrastinate. `async with ClusterQueue(store, settings) as queue`; the
    process that works sets `handler` before it starts a worker on `app`."""

    def __init__(self, store: PostgresStore, settings: Settings, *, max_queue: int = 3) -> None:
        self._store = store
        self._settings = settings
        if settings.log_level != "DEBUG":
            # procrastinate logs every job's arguments (a person's words, file names) at INFO,
            # and a traceback for each /cancel: the bot logs its own lines about jobs instead.
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
        self._max_queue = max_queue
        # A pool of its own: procrastinate's LISTEN connection is opened with the pool's
        # arguments plus its own autocommit, which the store's pool already sets.
        self.app = App(
            connector=PsycopgConnector(
                conninfo=store.url,
                min_size=1,
                max_size=QUEUE_POOL_SIZE,
                timeout=CONNECT_TIMEOUT,  # waiting for a connection: not 30 s when it is down
                name="clipbridge-queue",
            )
        )
        self.handler: Handler | None = None
        self._here: OrderedDict[int, Run] = OrderedDict()
        self._task = self.app.task(
            name=TASK,
            queue=QUEUE,
            pass_context=True,
            retry=RetryStrategy(max_attempts=MAX_ATTEMPTS, retry_exceptions={HandedOver}),
        )(self._run)

    async def __aenter__(self) -> Self:
        async with self._store.pool.connection() as connection:
            await apply_schema(connection)
        await self.app.open_async()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.app.close_async()

    async def _run(
        self, context: JobContext, request: dict[str, Any], hint: str | None, owner: str
    ) -> None:
        if self.handler is None:
            raise RuntimeError("this process defers jobs but runs none")
        await self.handler(context, request, hint)

    # JobQueue ----------------------------------------------------------------------------------

    async def submit(self, run: Run) -> int:
        request, settings = run.request, self._settings
        chat, owner = str(request.chat), str(request.user)
        limited = owner not in settings.admins
        async with self._store.pool.connection() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock(%s)", (lock_key(f"chat-line:{chat}"),)
            )
            if limited:  # the lock `Store.add_job_within` takes: one admission per person
                await connection.execute(
                    "SELECT pg_advisory_xact_lock(%s)", (lock_key(f"user-limits:{owner}"),)
                )
            if request.update is not None:  # seen and queued in one step, or neither
                seen = await connection.execute(
                    "INSERT INTO seen_updates (platform, update_id, seen_at) VALUES (%s, %s, %s) "
                    "ON CONFLICT (platform, update_id) DO NOTHING",
                    (request.chat.platform, request.update, time.time()),
                )
                if seen.rowcount != 1:
                    raise SeenBefore(request.update)
            async with connection.cursor(row_factory=tuple_row) as cursor:
                await cursor.execute(_COUNTS, (chat, owner, owner, owner, QUEUE))
                counts = await cursor.fetchone()
            assert counts is not None
            line, mine, mine_waiting, today = (int(n) for n in counts)
            if limited and mine >= settings.max_jobs_per_user:
                raise AccessDenied("err_quota_concurrent")
            daily = settings.max_jobs_per_day
            if limited and daily and today + mine_waiting >= daily:
                raise AccessDenied("err_quota_daily")
            if line > self._max_queue:  # one running (or next) and a full line behind it
                raise QueueFull(request.chat)
            job_id = await self._task.configure(lock=chat, connection=connection).defer_async(
                request=request.to_dict(), hint=run.port.hint, owner=owner
            )
            if self.handler is not None:  # before the commit: our own worker may fetch it at once
                self._here[job_id] = run
                while len(self._here) > KEPT_HERE:  # taken by other workers, most likely
                    self._here.popitem(last=False)
        return line

    def deferred_here(self, job_id: int | None) -> Run | None:
        """The run this process deferred as `job_id`, if it did (once)."""
        return self._here.pop(job_id, None) if job_id is not None else None

    async def stop(self, chat: ChatKey) -> tuple[Doing, int] | None:
        async with self._store.pool.connection() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock(%s)", (lock_key(f"chat-line:{chat}"),)
            )
            async with connection.cursor(row_factory=tuple_row) as cursor:
                await cursor.execute(_CHAT_JOBS, (QUEUE, str(chat)))
                rows = await cursor.fetchall()
                if not rows:
                    return None
                # before the abort: the worker closes the record as soon as it hears of it
                doing = await self._doing(chat, rows[0][2])
                for job_id, status, _ in rows:
                    # waiting: deleted; running: marked, and its worker is told to abort it
                    await cursor.execute(
                        "SELECT procrastinate_cancel_job_v1(%s, %s, true)",
                        (job_id, status == "doing"),
                    )
        return doing, len(rows) - 1

    async def busy(self, chat: ChatKey) -> bool:
        async with (
            self._store.pool.connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            await cursor.execute(_CHAT_JOBS, (QUEUE, str(chat)))
            return await cursor.fetchone() is not None

    async def busy_keys(self) -> list[ChatKey]:
        async with (
            self._store.pool.connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            await cursor.execute(
                "SELECT DISTINCT lock FROM procrastinate_jobs "
                "WHERE queue_name = %s AND status IN ('todo', 'doing') AND lock IS NOT NULL",
                (QUEUE,),
            )
            return [ChatKey.parse(row[0]) for row in await cursor.fetchall()]

    async def _doing(self, chat: ChatKey, kind: str) -> Doing:
        """What the chat's first job was doing, as `Run.doing` names it: the phase its worker
        recorded in the store (an upload's caption runs as a turn or an export; a turn on the
        local engine is an encode), else what was asked."""
        phase, backend = kind, str(self._settings.chosen_backend)
        for record in await self._store.active_jobs():
            if record.chat == chat and record.kind != "upload":
                phase, backend = record.kind, record.backend
        if phase == "turn" and backend == "local":
            return "encode"
        return "upload" if phase == "upload" else "export" if phase == "export" else "turn"


_COUNTS = """
SELECT count(*) FILTER (WHERE lock = %s),
       count(*) FILTER (WHERE args->>'owner' = %s),
       count(*) FILTER (WHERE args->>'owner' = %s AND status = 'todo'),
       (SELECT count(*) FROM jobs
         WHERE "user" = %s AND created_at >= extract(epoch FROM now()) - 86400)
  FROM procrastinate_jobs
 WHERE queue_name = %s AND status IN ('todo', 'doing')
"""

_CHAT_JOBS = """
SELECT id, status, args->'request'->>'kind' FROM procrastinate_jobs
 WHERE queue_name = %s AND lock = %s AND status IN ('todo', 'doing')
 ORDER BY status = 'doing' DESC, id
 FOR UPDATE
"""
