"""Per-chat lanes: each chat's updates reach the core in order, and no chat waits on another.

python-telegram-bot handles one update at a time. `Conversation.handle` returns once a message
is acknowledged, but acknowledging means a call to Telegram, and a chat under flood control
waits out its retry-after there: every other chat would wait with it. So the adapter hands each
update to its chat's lane and returns at once; a lane runs its chat's updates one after another
and ends when it is empty.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bot.models import ChatKey

log = logging.getLogger(__name__)

Call = Callable[[], Awaitable[None]]


class Lanes:
    def __init__(self) -> None:
        self._queues: dict[ChatKey, deque[Call]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, chat: ChatKey, call: Call) -> None:
        queue = self._queues.get(chat)
        if queue is not None:
            queue.append(call)
            return
        self._queues[chat] = deque([call])
        task = asyncio.create_task(self._drain(chat), name=f"telegram lane {chat}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, chat: ChatKey) -> None:
        queue = self._queues[chat]
        try:
            while queue:
                try:
                    await queue.popleft()()
                except Exception:
                    log.exception("telegram update for %s could not be handed to the core", chat)
        finally:
            # No await between the last `while queue` and here: nothing can be added unseen.
            del self._queues[chat]

    async def join(self) -> None:
        """Until every update submitted so far has been handed over."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
