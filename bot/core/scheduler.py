"""Per-chat order for jobs: one runs per key, the rest wait in line; nothing about what they do.

A key (a chat) has a lane: the job running and the ones waiting. `submit` starts a job at once or
queues it and says its place; a full line refuses it. Every job counts against its user's load
until it ends or is dropped. `cancel` stops a key's running job and drops its line; `close` stops
taking work, drops every line, gives running jobs a grace period, then stops them, marking them
`shutdown` so whoever runs them can keep their records for the next start.

The scheduler knows no texts and no backends: it runs `run(ticket)` for each job, and owns every
task the core starts (`spawn`), so `wait_idle` and `close` see them all.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot import metrics

K = TypeVar("K", bound=Hashable)
UNWIND = 5.0
"""Seconds `close` waits for jobs cancelled just before to finish closing, beyond the grace."""
P = TypeVar("P")


class QueueFull(Exception):
    """The key's line is full: the job was not taken."""


@dataclass(eq=False)
class Ticket(Generic[K, P]):
    """One job in a lane. `payload` is whatever the runner needs; the scheduler never reads it."""

    key: K
    user: Hashable
    payload: P
    task: asyncio.Task[None] | None = None
    cancelled: bool = False  # someone cancelled it
    shutdown: bool = False  # stopped because the process is stopping

    def stop(self, *, shutdown: bool = False) -> None:
        if shutdown:
            self.shutdown = True
        else:
            self.cancelled = True
        if self.task is not None:
            self.task.cancel()


@dataclass(frozen=True, slots=True)
class Stopped(Generic[K, P]):
    """What `cancel` stopped: the running job, and how many waiting ones it dropped."""

    ticket: Ticket[K, P]
    dropped: int


@dataclass(eq=False)
class _Lane(Generic[K, P]):
    current: Ticket[K, P] | None = None
    waiting: deque[Ticket[K, P]] = field(default_factory=deque)


class Scheduler(Generic[K, P]):
    """See the module docstring. `on_idle(key)` is called when a key's lane empties."""

    def __init__(
        self,
        run: Callable[[Ticket[K, P]], Awaitable[None]],
        *,
        max_queue: int = 3,
        on_idle: Callable[[K], None] | None = None,
    ) -> None:
        self._run_job = run
        self._max_queue = max_queue
        self._on_idle = on_idle
        self._lanes: dict[K, _Lane[K, P]] = {}
        self._load: Counter[Hashable] = Counter()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiting = 0
        self.closing = False

    # What is going on ----------------------------------------------------------------------------

    def load(self, user: Hashable) -> int:
        """The user's jobs running or waiting, in every lane."""
        return self._load[user]

    def current(self, key: K) -> Ticket[K, P] | None:
        lane = self._lanes.get(key)
        return lane.current if lane is not None else None

    def busy_keys(self) -> list[K]:
        return list(self._lanes)

    # Taking work ---------------------------------------------------------------------------------

    def submit(self, key: K, user: Hashable, payload: P) -> int:
        """Start or queue a job; its place in line (0: it started). `QueueFull` when the line is."""
        lane = self._lanes.get(key)
        if lane is not None and lane.current is not None and len(lane.waiting) >= self._max_queue:
            raise QueueFull(key)
        return self.enqueue(key, user, payload)

    def enqueue(self, key: K, user: Hashable, payload: P) -> int:
        """Like `submit`, with no limit on the line (work already owed, e.g. after a restart)."""
        lane = self._lanes.setdefault(key, _Lane())
        ticket = Ticket(key, user, payload)
        self._load[user] += 1
        if lane.current is None:
            self._start(lane, ticket)
            return 0
        lane.waiting.append(ticket)
        self._count_waiting(+1)
        return len(lane.waiting)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run `coroutine` as a task that `wait_idle` and `close` wait for."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # Stopping work -------------------------------------------------------------------------------

    async def cancel(
        self, key: K, before: Callable[[Ticket[K, P]], Awaitable[None]] | None = None
    ) -> Stopped[K, P] | None:
        """Drop the key's line and stop its running job (after `before(ticket)`, e.g. telling a
        service to stop too); None when nothing ran."""
        lane = self._lanes.get(key)
        if lane is None or lane.current is None or lane.current.task is None:
            return None
        ticket = lane.current
        dropped = self._drop_waiting(lane)
        if before is not None:
            await before(ticket)
        ticket.stop()
        return Stopped(ticket, dropped)

    async def wait_idle(self) -> None:
        """Until every task started here has finished."""
        while self._tasks:
            # asyncio.wait, not gather: when the waiter is cancelled (Ctrl-C in a piped chat),
            # gather would cancel every job as if someone had cancelled it, and the jobs would
            # be closed as cancelled instead of left for the next start by `close()`.
            done, _ = await asyncio.wait(list(self._tasks))
            for task in done:
                if not task.cancelled():
                    task.exception()  # retrieved: each task logs its own failures

    async def close(self, grace: float, *, at_once: Callable[[P], bool] = lambda _: False) -> None:
        """Stop taking work, drop every line, give running jobs `grace` seconds (those for which
        `at_once(payload)` is true get none), then stop them as `shutdown`."""
        self.closing = True
        for lane in self._lanes.values():
            self._drop_waiting(lane)
            if lane.current is not None and at_once(lane.current.payload):
                lane.current.stop(shutdown=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)
        # A job someone cancelled is closing its records: a second cancel would cut that short
        # and leave it looking interrupted (the console's Ctrl-C twice, the second while the
        # first still unwinds). It gets a moment of its own, whatever the grace.
        unwinding = [
            lane.current.task
            for lane in self._lanes.values()
            if lane.current is not None and lane.current.cancelled and lane.current.task
        ]
        if unwinding:
            await asyncio.wait(unwinding, timeout=UNWIND)
        for lane in list(self._lanes.values()):
            if lane.current is not None:
                lane.current.stop(shutdown=True)
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()

    # Inside ----------------------------------------------------------------------------------

    def _start(self, lane: _Lane[K, P], ticket: Ticket[K, P]) -> None:
        lane.current = ticket
        ticket.task = self.spawn(self._run(lane, ticket))

    async def _run(self, lane: _Lane[K, P], ticket: Ticket[K, P]) -> None:
        try:
            await self._run_job(ticket)
        finally:
            self._release(ticket.user)
            lane.current = None
            if lane.waiting and not self.closing:
                self._count_waiting(-1)
                self._start(lane, lane.waiting.popleft())
            elif self._lanes.get(ticket.key) is lane:
                del self._lanes[ticket.key]  # idle: a lane costs nothing until the key speaks
                if self._on_idle is not None:
                    self._on_idle(ticket.key)

    def _drop_waiting(self, lane: _Lane[K, P]) -> int:
        dropped = len(lane.waiting)
        for ticket in lane.waiting:
            self._release(ticket.user)
        lane.waiting.clear()
        self._count_waiting(-dropped)
        return dropped

    def _release(self, user: Hashable) -> None:
        self._load[user] -= 1
        if self._load[user] <= 0:
            del self._load[user]

    def _count_waiting(self, change: int) -> None:
        self._waiting += change
        metrics.set_queue_depth(self._waiting)
