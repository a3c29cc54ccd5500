"""What a cluster-mode process shows on its HTTP port (`clipbridge run` and `clipbridge worker`).

- `/readyz` asks the shared queue too (`checks`): its tables answer through its own pool, the
  connections the worker fetches jobs with.
- `/metrics` counts the queue's jobs, waiting and running in every process, at each scrape
  (`watch`): one count in the database per scrape, so every process reports the same
  cluster-wide figure and a dashboard takes the max.
- Each job the worker runs (`observed`) is counted while it runs here, and its wait from the
  defer to this start is read from procrastinate's events: both instants are stamped by the
  database, so the clocks of the front and the worker machines play no part. Only first attempts
  are timed: a job run again after its worker died has waited for the stall to be noticed, which
  `clipbridge_stalled_jobs_total` counts instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot import metrics

if TYPE_CHECKING:
    from procrastinate import JobContext

    from bot.app import Services
    from bot.cluster.queue import Handler
    from bot.config import Settings
    from bot.http import HttpServer, ReadinessCheck
    from bot.store.postgres import PostgresStore

__all__ = ["QueueUnavailable", "checks", "observed", "serving", "waited", "watch"]

log = logging.getLogger(__name__)

_LATENCY = """
SELECT extract(epoch FROM started.at - deferred.at)
  FROM procrastinate_events deferred, procrastinate_events started
 WHERE deferred.job_id = %(job)s AND deferred.type = 'deferred'
   AND started.job_id = %(job)s AND started.type = 'started'
 ORDER BY started.id DESC
 LIMIT 1
"""


class QueueUnavailable(Exception):
    """The queue's tables cannot be found in the database."""


def checks(core: Services) -> dict[str, ReadinessCheck]:
    """The readiness check of the shared queue, when this process has one."""
    queue = core.queue
    if queue is None:
        return {}

    async def answers() -> None:
        if not await queue.app.job_manager.check_connection_async():
            raise QueueUnavailable("the job queue's tables are missing")

    return {"queue": answers}


def watch(server: HttpServer, core: Services) -> None:
    """Count the shared queue's jobs before each `/metrics` answer, when there is a queue."""
    if core.queue is None:
        return
    from bot.store.postgres import PostgresStore

    store = core.store
    assert isinstance(store, PostgresStore)

    async def count() -> None:
        from bot.cluster.queue import counts

        async with store.pool.connection() as connection:
            found = await counts(connection)
        metrics.set_cluster_queue(*(found or (0, 0)))

    server.on_scrape(count)


@asynccontextmanager
async def serving(settings: Settings, core: Services) -> AsyncIterator[HttpServer | None]:
    """A worker's HTTP server for the block (`/healthz`, `/readyz`: the store and the queue,
    `/metrics`), on HTTP_PORT as `clipbridge run` serves it; none with HTTP_ENABLED=false."""
    if not settings.http_enabled:
        yield None
        return
    from bot.http import HttpServer

    server = HttpServer(settings, {"store": core.store.ping} | checks(core))
    watch(server, core)
    async with server:
        yield server


def observed(handle: Handler, store: PostgresStore) -> Handler:
    """`handle`, counted in `clipbridge_worker_jobs_running` while it runs and timed from its
    defer (`clipbridge_queue_wait_seconds`)."""

    async def run(context: JobContext, data: dict[str, Any], hint: str | None) -> None:
        job = context.job
        latency = await waited(store, job.id) if job.attempts == 0 and job.id else None
        metrics.queue_job_started(latency)
        try:
            await handle(context, data, hint)
        finally:
            metrics.queue_job_finished()

    return run


async def waited(store: PostgresStore, job_id: int) -> float | None:
    """Seconds between the job's defer and its (latest) start, as the database stamped them;
    None when they cannot be read: a missing figure must never stop the job."""
    from psycopg.rows import tuple_row

    try:
        async with (
            store.pool.connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            await cursor.execute(_LATENCY, {"job": job_id})
            row = await cursor.fetchone()
    except Exception as error:  # the job runs all the same; the figure is only lost
        log.debug("queue latency of job %s not read: %s", job_id, type(error).__name__)
        return None
    return float(row[0]) if row and row[0] is not None else None
