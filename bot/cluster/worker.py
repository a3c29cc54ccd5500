"""Running queued jobs in cluster mode: `clipbridge worker`, and `clipbridge run --workers N`.

A worker fetches jobs from the queue (procrastinate's worker, `concurrency` at once), rebuilds
each job's run from plain data (the port from the platform's `Sender` and the stored delivery
hint, the attachments fetched again by reference) and hands it to the conversation, which runs it
exactly as the in-process path does, progress edits included.

Failures: `/cancel` reaches the job through procrastinate's abort (its task is cancelled here);
a stop (SIGTERM, Ctrl-C) lets running jobs finish for SHUTDOWN_GRACE seconds, then hands them
back to the queue (`HandedOver`), which runs them again elsewhere. A worker killed outright stops
sending heartbeats: every worker looks for such stalled jobs now and then (`recover`) and puts
them back in the queue, where the conversation's `Resumer.retried` decides what is left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from procrastinate import JobContext
from procrastinate.exceptions import ConnectorException
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Status

from bot import metrics
from bot.backoff import DEFAULT_BACKOFF
from bot.cluster.observe import observed
from bot.cluster.queue import MAX_ATTEMPTS, QUEUE, ClusterQueue, HandedOver
from bot.config import Settings
from bot.core.conversation import Conversation
from bot.core.requests import JobRequest
from bot.errors import ClipbridgeError
from bot.ports import Sender, configured_platforms
from bot.progress import Pacer, send_reliably
from bot.store.postgres import PostgresStore
from bot.texts import t

log = logging.getLogger(__name__)

RECOVERY_LOCK = "queue-recovery"
FETCH_POLL = 1.0  # seconds


class Worker:
    """Runs `queue`'s jobs through `conversation`, reaching chats through `senders`."""

    def __init__(
        self,
        settings: Settings,
        queue: ClusterQueue,
        store: PostgresStore,
        conversation: Conversation,
        senders: Mapping[str, Sender],
    ) -> None:
        self._settings = settings
        self._queue = queue
        self._store = store
        self._conversation = conversation
        self._senders = senders

    async def handle(self, context: JobContext, data: dict[str, Any], hint: str | None) -> None:
        request = JobRequest.from_dict(data)
        here = self._queue.deferred_here(context.job.id)
        if here is not None:  # deferred by this very process: its live port and streams
            port, attachments = here.port, list(here.attachments)
        else:
            sender = self._senders.get(request.chat.platform)
            if sender is None:
                raise RuntimeError(f"{request.chat.platform} cannot be reached from this worker")
            port = sender.port_for(request.chat, hint)
            attachments = [sender.attachment(ref) for ref in request.attachments]
        reason = context.abort_reason
        try:
            await self._conversation.work(
                request,
                port,
                attachments,
                attempt=context.job.attempts,
                kept=lambda: reason() is AbortReason.SHUTDOWN,
                cancelled=lambda: reason() is AbortReason.USER_REQUEST,
            )
        except asyncio.CancelledError:
            if reason() is AbortReason.SHUTDOWN:
                raise HandedOver from None  # retried by the queue, elsewhere
            raise

    @contextlib.asynccontextmanager
    async def running(self, concurrency: int) -> AsyncIterator[None]:
        """Work while inside (`concurrency` jobs at once); leaving stops gracefully."""
        task = asyncio.create_task(self.run(concurrency))
        try:
            yield
        finally:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except ConnectorException:  # its heartbeats stop: the jobs are recovered as stalled
                log.warning("the job queue's database went away while this worker stopped")

    async def run(self, concurrency: int) -> None:
        """Work until cancelled; then stop gracefully (SHUTDOWN_GRACE for running jobs). When
        the database goes away, procrastinate's worker stops: it is started again, after a
        growing wait, for as long as this process runs."""
        stalled_after = self._settings.worker_stalled_after
        self._queue.handler = observed(self.handle, self._store)
        recovering = asyncio.create_task(self._recover_forever(stalled_after))
        delays = DEFAULT_BACKOFF.delays()
        try:
            while True:
                try:
                    await self._queue.app.run_worker_async(
                        queues=[QUEUE],
                        concurrency=concurrency,
                        install_signal_handlers=False,
                        shutdown_graceful_timeout=self._settings.shutdown_grace,
                        update_heartbeat_interval=stalled_after / 3,
                        stalled_worker_timeout=stalled_after,
                        delete_jobs="always",  # the store keeps the records worth keeping
                        # Jobs come by NOTIFY; the poll only covers one deferred while the
                        # LISTEN connection (re)connects: a query a second is cheap, 5 s of
                        # waiting is not.
                        fetch_job_polling_interval=FETCH_POLL,
                    )
                except ConnectorException:
                    if _stopping():  # the graceful stop itself failed: stop, do not retry
                        raise
                    delay = delays.next()
                    log.warning("the job queue's database cannot be reached; working again "
                                "in %.0fs", delay)  # fmt: skip
                    await asyncio.sleep(delay)
                else:
                    delay = delays.next()  # it stopped on its own (a side task failed)
                    log.warning("the job queue's worker stopped; working again in %.0fs", delay)
                    await asyncio.sleep(delay)
        finally:
            recovering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovering

    async def _recover_forever(self, stalled_after: float) -> None:
        while True:
            await asyncio.sleep(stalled_after / 3)
            try:
                await self.recover(stalled_after)
            except ClipbridgeError as error:  # the database is down: said once per round
                log.warning("could not look for stalled jobs: %s", error)
            except Exception:
                log.warning("could not look for stalled jobs", exc_info=True)

    async def recover(self, stalled_after: float) -> int:
        """Put the jobs of workers silent for `stalled_after` seconds back in the queue (one
        worker at a time does it); how many. A job that stalled on every attempt is dropped."""
        manager = self._queue.app.job_manager
        recovered = 0
        async with self._store.exclusive(RECOVERY_LOCK) as mine:
            if not mine:
                return 0
            for job in await manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=stalled_after
            ):
                if job.attempts + 1 >= MAX_ATTEMPTS:
                    log.error("job %s stalled on every attempt; dropped", job.id)
                    await manager.finish_job(job, status=Status.FAILED, delete_job=True)
                    metrics.stalled_job("dropped")
                    await self._tell_dropped(job.task_kwargs)
                    continue
                log.warning("job %s stalled (its worker went silent); queued again", job.id)
                await manager.retry_job(job)
                metrics.stalled_job("retried")
                recovered += 1
            await manager.prune_stalled_workers(stalled_after)
        return recovered

    async def _tell_dropped(self, kwargs: Mapping[str, Any]) -> None:
        """The person hears that their request is gone and is asked to send it again (the words
        of a job lost to a restart), as on every failure path; a chat this worker cannot reach
        stays unanswered, logged."""
        try:
            request = JobRequest.from_dict(kwargs["request"])
            sender = self._senders.get(request.chat.platform)
            if sender is None:
                log.warning("dropped job's chat %s cannot be reached from here", request.chat)
                return
            port = sender.port_for(request.chat, kwargs.get("hint"))
            text = t("restart_job_lost", request.locale)
            await send_reliably(Pacer(self._settings.edit_interval), lambda: port.send_text(text))
        except Exception:
            log.warning("could not tell a dropped job's chat", exc_info=True)


@contextlib.asynccontextmanager
async def senders(settings: Settings) -> AsyncIterator[dict[str, Sender]]:
    """Each configured platform's `Sender`, open for the block. A platform without one can
    only be worked by the process that received the job (a lone `clipbridge run`)."""
    async with contextlib.AsyncExitStack() as stack:
        found: dict[str, Sender] = {}
        for platform in configured_platforms(settings):
            # A platform registered from outside (examples/http_lines.py) may declare none; a
            # failure inside one that does is not that, and must not be taken for it.
            make = getattr(platform, "sender", None)
            if make is None:
                log.warning("%s has no sender: only its own front can run its jobs", platform.title)
                continue
            found[platform.name] = await stack.enter_async_context(make(settings))
        yield found


def _stopping() -> bool:
    """Whether this task is being cancelled (procrastinate turns a cancel into its shutdown,
    and a shutdown without a database into a ConnectorException)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
