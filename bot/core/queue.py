"""The seam between the conversation and a queue its jobs wait in outside this process.

The embedded default needs none of this: jobs wait in the in-process `Scheduler`. In cluster mode
(`DATABASE_URL`, `bot.cluster`) a shared queue takes the job requests instead, so any process may
run them, and the answers that look at a chat's work (`/cancel`, `/new`) ask it.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.kit import Doing, Run
from bot.models import ChatKey


class JobQueue(Protocol):
    async def submit(self, run: Run) -> int:
        """Admit `run.request` under its person's limits and queue it; its place in the chat's
        line (0: nothing of the chat's is ahead of it). Raises `QueueFull` when the chat's line
        is full, `AccessDenied` when the person is at a limit; the check and the queueing are
        one step for every process sharing the queue."""
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
