"""Where a chat's jobs wait: the seam between the conversation and its queue.

The embedded default is `LocalQueue`, the in-process `Scheduler` (jobs run in this process). In
cluster mode (`DATABASE_URL`, `bot.cluster.queue.ClusterQueue`) a queue in PostgreSQL takes the
job requests instead, so any process may run them. Submitting a job, `/cancel`, `/new` and
`/cancel all` ask the queue, whichever it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.jobs.export import stop_render
from bot.core.kit import Doing, Run
from bot.core.scheduler import Scheduler, Ticket
from bot.models import ChatKey, UserRef


class SeenBefore(Exception):
    """The request's update was queued before (a platform's redelivery): nothing to do."""


class JobQueue(Protocol):
    async def submit(self, run: Run) -> int:
        """Admit `run.request` under its person's limits and queue it; its place in the chat's
        line (0: nothing of the chat's is ahead of it). Raises `QueueFull` when the chat's line
        is full, `AccessDenied` when the person is at a limit; the check and the queueing are
        one step for every process sharing the queue. A shared queue also records the
        request's update as seen in that step (`SeenBefore` when it was)."""
        ...

    async def stop(self, chat: ChatKey) -> tuple[Doing, int] | None:
        """Drop the chat's waiting jobs and abort its running one, wherever it runs: what the
        first was doing and how many others were dropped; None when the chat had nothing."""
        ...

    async def busy(self, chat: ChatKey) -> bool:
        """Whether the chat has a job running or waiting."""
        ...

    async def busy_keys(self) -> list[ChatKey]:
        """Every chat with a job running or waiting."""
        ...


class LocalQueue:
    """`JobQueue` on this process's scheduler; `admit(user)` raises `AccessDenied` at a limit."""

    def __init__(
        self, scheduler: Scheduler[ChatKey, Run], admit: Callable[[UserRef], Awaitable[None]]
    ) -> None:
        self._scheduler = scheduler
        self._admit = admit

    async def submit(self, run: Run) -> int:
        request = run.request
        await self._admit(request.user)
        return self._scheduler.submit(request.chat, request.user, run)

    async def stop(self, chat: ChatKey) -> tuple[Doing, int] | None:
        stopped = await self._scheduler.cancel(chat, _stop_render)
        if stopped is None:
            return None
        return stopped.ticket.payload.doing, stopped.dropped

    async def busy(self, chat: ChatKey) -> bool:
        return self._scheduler.current(chat) is not None

    async def busy_keys(self) -> list[ChatKey]:
        return self._scheduler.busy_keys()


async def _stop_render(ticket: Ticket[ChatKey, Run]) -> None:
    await stop_render(ticket.payload)
