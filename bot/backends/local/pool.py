"""A bounded pool of encode slots with a visible queue, fair between people.

    ticket = pool.ticket(owner)               # owner: whose job it is (the session)
    try:
        async for position in ticket.wait():   # 1 = next in line; yields on every change
            show(position)
        ...encode...
    finally:
        ticket.release()                       # frees the slot, or leaves the queue

The line is round-robin by owner, not first come first served: one person's ten jobs take turns
with everyone else's, so nobody waits behind a whole batch. Owners take turns in the order they
were last served (never served first); each owner's own tickets keep their order.
A ticket released (or its task cancelled) while still waiting simply leaves the line.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Hashable

__all__ = ["Pool", "Ticket"]


class Pool:
    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self._running: set[Ticket] = set()
        self._waiting: list[Ticket] = []
        self._served: dict[Hashable, int] = {}  # owner -> when last given a slot
        self._clock = itertools.count()

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def ticket(self, owner: Hashable = None) -> Ticket:
        """A place in line for `owner`'s job, taken now."""
        ticket = Ticket(self, owner)
        self._waiting.append(ticket)
        self._promote()
        return ticket

    def _line(self) -> list[Ticket]:
        """The waiting tickets in the order they will get a slot: one per owner per round."""
        queues: dict[Hashable, list[Ticket]] = {}
        for ticket in self._waiting:
            queues.setdefault(ticket.owner, []).append(ticket)
        owners = sorted(queues, key=lambda owner: self._served.get(owner, -1))
        rounds = itertools.zip_longest(*(queues[owner] for owner in owners))
        return [ticket for turn in rounds for ticket in turn if ticket is not None]

    def _promote(self) -> None:
        while self._waiting and len(self._running) < self.workers:
            ticket = self._line()[0]
            self._waiting.remove(ticket)
            self._running.add(ticket)
            self._served[ticket.owner] = next(self._clock)
        for ticket in [*self._running, *self._waiting]:
            ticket._changed.set()

    def _position(self, ticket: Ticket) -> int:
        if ticket in self._running:
            return 0
        return self._line().index(ticket) + 1

    def _release(self, ticket: Ticket) -> None:
        if ticket in self._running:
            self._running.discard(ticket)
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        self._promote()


class Ticket:
    def __init__(self, pool: Pool, owner: Hashable) -> None:
        self._pool = pool
        self.owner = owner
        self._changed = asyncio.Event()
        self._released = False

    @property
    def position(self) -> int:
        """0 when this ticket holds a slot, else its place in line (1 = next)."""
        return self._pool._position(self)

    async def wait(self) -> AsyncIterator[int]:
        """Yields the place in line each time it changes; returns once a slot is held."""
        last = 0
        while (position := self.position) > 0:
            if position != last:
                last = position
                yield position
            self._changed.clear()
            await self._changed.wait()

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool._release(self)
