"""Webhook deliveries waiting until the core has taken their update.

Telegram forgets an update once its webhook POST is answered 200, so the answer waits until
`Core.handle` has returned (or raised) for it: by then it is in the database (a queued job, an
answered command). The update travels through PTB's queue and the chat's lane meanwhile, so the
webhook handler and the lane meet here, by update id.
"""

from __future__ import annotations

import asyncio


class Acks:
    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[bool]] = {}

    def expect(self, update_id: int) -> asyncio.Future[bool]:
        """What the webhook handler waits on: True once taken, False if it never will be."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[update_id] = waiter
        return waiter

    def forget(self, update_id: int) -> None:
        """The handler has answered (or given up waiting)."""
        self._waiting.pop(update_id, None)

    def taken(self, *update_ids: int) -> None:
        for update_id in update_ids:
            self._settle(update_id, True)

    def refuse_all(self) -> None:
        """Stopping: whatever was not taken by now never will be (answered 503, retried)."""
        for update_id in list(self._waiting):
            self._settle(update_id, False)

    def _settle(self, update_id: int, taken: bool) -> None:
        waiter = self._waiting.get(update_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(taken)
