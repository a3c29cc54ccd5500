"""The scheduler on its own, with dummy jobs that run until the test lets them finish.

No backend, no texts, no sleeps: each job sets an event when it starts and waits for the test to
release it, so every step is observed, not hoped for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field

import pytest

from bot.core.scheduler import QueueFull, Scheduler, Ticket

WAIT = 2.0  # seconds any one step may take before the test fails


@dataclass(eq=False)
class Dummy:
    name: str
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)  # it saw a cancellation
    ticket: Ticket[str, Dummy] | None = None


class Harness:
    """A scheduler over dummy jobs, recording the order they start in and the keys let go."""

    def __init__(self, max_queue: int = 3) -> None:
        self.order: list[str] = []
        self.idle: list[Hashable] = []
        self.scheduler: Scheduler[str, Dummy] = Scheduler(
            self._run, max_queue=max_queue, on_idle=self.idle.append
        )

    async def _run(self, ticket: Ticket[str, Dummy]) -> None:
        job = ticket.payload
        job.ticket = ticket
        self.order.append(job.name)
        job.started.set()
        try:
            await job.release.wait()
        except asyncio.CancelledError:
            job.stopped.set()
            raise
        job.finished.set()

    def submit(self, key: str, name: str, user: str = "ada") -> tuple[Dummy, int]:
        job = Dummy(name)
        return job, self.scheduler.submit(key, user, job)


async def until(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), WAIT)


async def test_one_job_per_key_in_the_order_submitted() -> None:
    h = Harness()
    first, _ = h.submit("chat", "first")
    second, _ = h.submit("chat", "second")
    third, _ = h.submit("chat", "third")
    await until(first.started)
    assert not second.started.is_set()
    first.release.set()
    await until(second.started)
    assert not third.started.is_set()
    second.release.set()
    third.release.set()
    await until(third.finished)
    await h.scheduler.wait_idle()
    assert h.order == ["first", "second", "third"]


async def test_different_keys_run_side_by_side() -> None:
    h = Harness()
    a, position_a = h.submit("chat-a", "a")
    b, position_b = h.submit("chat-b", "b", user="bob")
    await until(a.started)
    await until(b.started)  # b did not wait for a
    assert (position_a, position_b) == (0, 0)
    a.release.set()
    b.release.set()
    await h.scheduler.wait_idle()


async def test_positions_count_up_and_a_full_line_refuses() -> None:
    h = Harness(max_queue=2)
    running, first = h.submit("chat", "running")
    next_up, second = h.submit("chat", "waiting 1")
    _, third = h.submit("chat", "waiting 2")
    assert (first, second, third) == (0, 1, 2)
    with pytest.raises(QueueFull):
        h.submit("chat", "one too many")
    _, elsewhere = h.submit("other", "elsewhere")
    assert elsewhere == 0  # a full line in one chat takes nothing from another
    await until(running.started)
    running.release.set()
    # once the running job ends, the line moves up: a new one is second again, not third
    await until(next_up.started)
    _, again = h.submit("chat", "waiting 3")
    assert again == 2
    await h.scheduler.close(grace=0)


async def test_load_counts_running_and_waiting_jobs_per_user() -> None:
    h = Harness()
    first, _ = h.submit("chat-1", "first", user="ada")
    second, _ = h.submit("chat-1", "second", user="ada")
    third, _ = h.submit("chat-2", "third", user="ada")
    other, _ = h.submit("chat-3", "other", user="bob")
    assert h.scheduler.load("ada") == 3
    assert h.scheduler.load("bob") == 1
    await until(first.started)
    first.release.set()
    await until(first.finished)
    await until(second.started)
    assert h.scheduler.load("ada") == 2
    for job in (second, third, other):
        job.release.set()
    await h.scheduler.wait_idle()
    assert h.scheduler.load("ada") == h.scheduler.load("bob") == 0


async def test_cancel_stops_the_running_job_and_drops_the_line() -> None:
    h = Harness()
    running, _ = h.submit("chat", "running")
    waiting = [h.submit("chat", f"waiting {i}")[0] for i in range(2)]
    await until(running.started)
    asked: list[str] = []

    async def before(ticket: Ticket[str, Dummy]) -> None:
        assert not running.stopped.is_set()  # told before the job is stopped
        asked.append(ticket.payload.name)

    stopped = await h.scheduler.cancel("chat", before)
    assert stopped is not None
    assert stopped.dropped == 2
    assert stopped.ticket.payload is running
    assert asked == ["running"]
    await until(running.stopped)
    await h.scheduler.wait_idle()
    assert running.ticket is not None and running.ticket.cancelled
    assert not running.ticket.shutdown
    assert not any(job.started.is_set() for job in waiting)
    assert h.scheduler.load("ada") == 0
    assert h.idle == ["chat"]


async def test_cancel_with_nothing_running_says_so() -> None:
    h = Harness()
    assert await h.scheduler.cancel("chat") is None
    job, _ = h.submit("chat", "done")
    job.release.set()
    await h.scheduler.wait_idle()
    assert await h.scheduler.cancel("chat") is None


async def test_close_drains_within_the_grace_and_stops_the_rest_as_shutdown() -> None:
    h = Harness()
    quick, _ = h.submit("chat-1", "quick")
    slow, _ = h.submit("chat-2", "slow")
    queued, _ = h.submit("chat-1", "queued")
    await until(quick.started)
    await until(slow.started)

    closing = asyncio.create_task(h.scheduler.close(grace=1.0))
    await asyncio.sleep(0)  # close() runs until it waits out the grace
    assert h.scheduler.closing
    quick.release.set()  # finishes inside the grace
    await asyncio.wait_for(closing, WAIT)
    assert quick.finished.is_set()
    assert slow.stopped.is_set() and not slow.finished.is_set()
    assert slow.ticket is not None and slow.ticket.shutdown and not slow.ticket.cancelled
    assert not queued.started.is_set()  # a closing scheduler starts nothing new
    assert h.order == ["quick", "slow"]


async def test_close_stops_at_once_what_need_not_wait() -> None:
    h = Harness()
    resumable, _ = h.submit("chat-1", "resumable")
    other, _ = h.submit("chat-2", "other")
    await until(resumable.started)
    await until(other.started)
    closing = asyncio.create_task(
        h.scheduler.close(grace=WAIT * 2, at_once=lambda job: job.name == "resumable")
    )
    await until(resumable.stopped)  # long before the grace is over
    assert not other.stopped.is_set()
    other.release.set()
    await asyncio.wait_for(closing, WAIT)
    assert other.finished.is_set()
    assert resumable.ticket is not None and resumable.ticket.shutdown


async def test_close_lets_a_cancelled_job_finish_closing_its_records() -> None:
    """Cancelled, the job writes down that it was (an await); the stop that comes meanwhile
    (a second Ctrl-C) must not cut that short, or the next start sees it as interrupted."""
    closing_started, closed = asyncio.Event(), asyncio.Event()
    release = asyncio.Event()

    async def run(ticket: Ticket[str, str]) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            closing_started.set()
            await release.wait()  # the store's write of "cancelled"
            closed.set()
            raise

    scheduler: Scheduler[str, str] = Scheduler(run)
    scheduler.submit("chat", "ada", "job")
    await asyncio.sleep(0)
    assert await scheduler.cancel("chat") is not None
    await until(closing_started)
    closing = asyncio.create_task(scheduler.close(grace=0))
    await asyncio.sleep(0.05)
    assert not closing.done()  # waiting for the record, not cancelling it
    release.set()
    await asyncio.wait_for(closing, WAIT)
    assert closed.is_set()


async def test_wait_idle_waits_for_spawned_tasks_too() -> None:
    h = Harness()
    gate = asyncio.Event()
    done = asyncio.Event()

    async def side_task() -> None:
        await gate.wait()
        done.set()

    h.scheduler.spawn(side_task())
    waiter = asyncio.create_task(h.scheduler.wait_idle())
    await asyncio.sleep(0)
    assert not waiter.done()
    gate.set()
    await asyncio.wait_for(waiter, WAIT)
    assert done.is_set()


async def test_a_failing_job_lets_the_next_one_run() -> None:
    order: list[str] = []

    async def run(ticket: Ticket[str, str]) -> None:
        order.append(ticket.payload)
        if ticket.payload == "broken":
            raise RuntimeError("a job's own failure")

    scheduler: Scheduler[str, str] = Scheduler(run)
    scheduler.submit("chat", "ada", "broken")
    scheduler.submit("chat", "ada", "next")
    await asyncio.wait_for(scheduler.wait_idle(), WAIT)
    assert order == ["broken", "next"]
    assert scheduler.load("ada") == 0
