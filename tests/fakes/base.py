"""What every fake shares: an aiohttp server on loopback, a way to wait until it saw something,
and failures scripted the same way. Like the fakes, it imports nothing from bot/ or adapters/.

    class FakeThing(FakeServer):
        def add_routes(self, router: web.UrlDispatcher) -> None:
            router.add_post("/api/{name}", self._api)

    async with FakeThing() as fake:            # 127.0.0.1, port 0
        fake.url                               # "http://127.0.0.1:PORT"
        await fake.wait_until(lambda: ..., timeout=5.0)   # re-checked after each `changed()`

A fake's own `fail(...)` says what a failure looks like on its wire (an envelope code, a 429
with `retry_after`, a 5xx) and hands it to `FailureScript`, which decides which call gets it:

    script.add(matches, answer, times=1, after=0, label="sendMessage")
    script.take(key)      # the answer for this call, or None to serve it normally
    script.heal(label)    # drop what is still scripted (for `label`, or everything)
    script.unused(label)  # answers not served yet (-1 while one answers every call)

A test's one-off server (a route or two, no state worth a class) is `serving(app)`:

    async with serving(app) as base:           # "http://127.0.0.1:PORT", closed after the block

A one-off failure (`times=N`) is served before a standing one (`times=None`), and of standing
ones the latest wins, so a test can script "from now on, always" and still put a single
different answer in front of it. `after=N` lets N matching calls through first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Self, TypeVar

from aiohttp import web

K = TypeVar("K")
A = TypeVar("A")


@dataclass
class Scripted(Generic[K, A]):
    matches: Callable[[K], bool]
    answer: A
    times: int | None
    after: int
    label: str


class FailureScript(Generic[K, A]):
    """Failures a test scripted, each answering the calls it matches; see the module docstring."""

    def __init__(self) -> None:
        self._scripted: list[Scripted[K, A]] = []

    def add(
        self,
        matches: Callable[[K], bool],
        answer: A,
        *,
        times: int | None = 1,
        after: int = 0,
        label: str = "",
    ) -> None:
        if times is not None and times <= 0:
            return
        self._scripted.append(Scripted(matches, answer, times, after, label))

    def take(self, key: K) -> A | None:
        standing: Scripted[K, A] | None = None
        for scripted in list(self._scripted):
            if not scripted.matches(key):
                continue
            if scripted.after > 0:
                scripted.after -= 1
                return None
            if scripted.times is None:
                standing = scripted
                continue
            scripted.times -= 1
            if scripted.times <= 0:
                self._scripted.remove(scripted)
            return scripted.answer
        return standing.answer if standing is not None else None

    def heal(self, label: str | None = None) -> None:
        self._scripted = [s for s in self._scripted if label is not None and s.label != label]

    def unused(self, label: str) -> int:
        mine = [s for s in self._scripted if s.label == label]
        if any(s.times is None for s in mine):
            return -1
        return sum(s.times or 0 for s in mine)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` on 127.0.0.1 at a free port while the block runs: its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


class FakeServer:
    """An aiohttp application on `host` (127.0.0.1, port 0 by default). Subclasses add their
    routes in `add_routes`, and close what would hold the shutdown up in `before_close`."""

    client_max_size = 1024**3

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application(client_max_size=self.client_max_size)
        self.add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def before_close(self) -> None:
        """Drop what would keep the shutdown waiting (open streams, websockets)."""

    async def close(self) -> None:
        await self.before_close()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def changed(self) -> None:
        """Something a test may wait on happened: wake `wait_until`."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        """Until `predicate()` is true, re-checked after every `changed()`."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(until(), timeout)
