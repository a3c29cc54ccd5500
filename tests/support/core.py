"""`RecordingCore`: stands in for the conversation core where a test is about an adapter alone.

It records each `Inbound` with the port it came with, and lets a test wait for them in order.
`stored` gives the job a front would queue for an `Inbound`, as a worker reads it back.
"""

from __future__ import annotations

import asyncio

from bot.core.requests import AttachmentRef, JobRequest
from bot.models import Inbound, UserRef
from bot.ports import Port
from bot.texts import normalize_locale


class RecordingCore:
    def __init__(self) -> None:
        self.inbound: list[tuple[Inbound, Port]] = []
        self._arrived = asyncio.Condition()

    async def handle(self, inbound: Inbound, port: Port) -> None:
        async with self._arrived:
            self.inbound.append((inbound, port))
            self._arrived.notify_all()

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """No `/lang` choices here: the platform's language, as the core maps it."""
        return normalize_locale(platform_locale)

    async def wait(self, n: int = 1, timeout: float = 10.0) -> list[Inbound]:
        """Every inbound event so far, once at least `n` have arrived (`[one] = await
        core.wait(1)` also says no second one came)."""
        await self._arrival(n, timeout)
        return [inbound for inbound, _ in self.inbound]

    async def nth(self, n: int = 1, timeout: float = 10.0) -> tuple[Inbound, Port]:
        """The `n`-th inbound event (from 1) and its port, once it has arrived."""
        await self._arrival(n, timeout)
        return self.inbound[n - 1]

    async def _arrival(self, n: int, timeout: float) -> None:
        async def arrived() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.inbound) >= n)

        await asyncio.wait_for(arrived(), timeout)


def stored(inbound: Inbound) -> JobRequest:
    """The job as a front stores it for a worker: plain JSON-able data, read back."""
    request = JobRequest(
        inbound.chat,
        inbound.user,
        "en",
        "upload",
        inbound.text,
        tuple(AttachmentRef.of(a) for a in inbound.attachments),
    )
    return JobRequest.from_dict(request.to_dict())
