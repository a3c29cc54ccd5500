"""The worker pool: slots, queue positions as they change, and leaving the line."""

from __future__ import annotations

import asyncio

import pytest

from bot.backends.local.pool import Pool


async def test_positions_move_up_as_slots_free() -> None:
    pool = Pool(workers=1)
    first, second, third = pool.ticket(), pool.ticket(), pool.ticket()
    assert (first.position, second.position, third.position) == (0, 1, 2)
    seen: list[int] = []

    async def wait_third() -> None:
        async for position in third.wait():
            seen.append(position)

    waiter = asyncio.create_task(wait_third())
    await asyncio.sleep(0)
    first.release()
    await asyncio.sleep(0)
    second.release()
    await asyncio.wait_for(waiter, 1)
    assert seen == [2, 1]
    assert third.position == 0 and pool.running == 1


async def test_a_ticket_that_leaves_the_line_lets_others_up() -> None:
    pool = Pool(workers=2)
    a, b, c, d = (pool.ticket() for _ in range(4))
    assert (c.position, d.position) == (1, 2)
    c.release()
    assert d.position == 1
    a.release()
    a.release()  # twice is harmless
    assert d.position == 0 and pool.running == 2 and pool.waiting == 0
    b.release()
    d.release()
    assert pool.running == 0


async def test_cancelled_waiter_leaves_the_line() -> None:
    pool = Pool(workers=1)
    holder = pool.ticket()
    ticket = pool.ticket()

    async def wait() -> None:
        try:
            async for _ in ticket.wait():
                pass
        finally:
            ticket.release()

    task = asyncio.create_task(wait())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.waiting == 0
    holder.release()
    assert pool.running == 0


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Pool(workers=0)
