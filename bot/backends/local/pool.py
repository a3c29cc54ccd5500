"""A bounded pool of encode slots with a visible queue: first come, first served.

    ticket = pool.ticket()
    try:
        async for position in ticket.wait():   # 1 = next in line; yields on every change
            show(position)
        ...encode...
    finally:
        ticket.release()                       # frees the slot, or leaves the queue

A ticket released (or its task cancelled) while still waiting simply leaves the line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

__all__ = ["Pool", "Ticket"]


class Pool:
    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self._running: set[Ticket] = set()
        self._waiting: list[Ticket] = []

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def ticket(self) -> Ticket:
        """A place in line, taken now (the queue order is the order tickets are made)."""
        ticket = Ticket(self)
        self._waiting.append(ticket)
        self._promote()
        return ticket

    def _promote(self) -> None:
        while self._waiting and len(self._running) < self.workers:
            ticket = self._waiting.pop(0)
            self._running.add(ticket)
        for ticket in [*self._running, *self._waiting]:
            ticket._changed.set()

    def _position(self, ticket: Ticket) -> int:
        if ticket in self._running:
            return 0
        return self._waiting.index(ticket) + 1

    def _release(self, ticket: Ticket) -> None:
        if ticket in self._running:
            self._running.discard(ticket)
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        self._promote()


class Ticket:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool
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
