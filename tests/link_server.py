"""A web server on loopback that serves video links, good and hostile, and records who asked.

    async with LinkServer(clip_bytes) as server:          # 127.0.0.1, a free port
        server.url("/clip.mp4")                           # the clip, as video/mp4
        server.redirect_to = "http://127.0.0.1:9/x.mp4"   # what /redirect.mp4 answers

Paths: `/clip.mp4` (the clip), `/redirect.mp4` (302 to `redirect_to`), `/drip.mp4` (headers,
then one byte every 10 s), `/silent.mp4` (no answer at all for 10 s), `/huge.mp4` (claims a
terabyte), `/endless.mp4` (chunked, no length, never ends), `/page.mp4` (an HTML page).
Slow handlers wait on `stopped`, so closing the server ends them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web

DRIP_EVERY = 10.0


@dataclass
class Seen:
    path: str
    host: str
    sent: int = 0  # body bytes written


@dataclass
class LinkServer:
    body: bytes = b""
    host: str = "127.0.0.1"
    redirect_to: str = ""
    seen: list[Seen] = field(default_factory=list)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    tls: ssl.SSLContext | None = None  # serve https with this context
    _runner: web.AppRunner | None = None

    def url(self, path: str, host: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/clip.mp4", self._clip)
        app.router.add_get("/redirect.mp4", self._redirect)
        app.router.add_get("/drip.mp4", self._drip)
        app.router.add_get("/silent.mp4", self._silent)
        app.router.add_get("/huge.mp4", self._huge)
        app.router.add_get("/endless.mp4", self._endless)
        app.router.add_get("/page.mp4", self._page)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, ssl_context=self.tls)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopped.set()
        assert self._runner is not None
        await self._runner.cleanup()

    def _note(self, request: web.Request) -> Seen:
        seen = Seen(request.path, request.headers.get("Host", ""))
        self.seen.append(seen)
        return seen

    async def _clip(self, request: web.Request) -> web.StreamResponse:
        self._note(request).sent = len(self.body)
        return web.Response(body=self.body, content_type="video/mp4")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        self._note(request)
        raise web.HTTPFound(self.redirect_to)

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        seen = self._note(request)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            while not self.stopped.is_set():
                await response.write(b"\0")
                seen.sent += 1
                await self._pause(DRIP_EVERY)
        return response

    async def _silent(self, request: web.Request) -> web.StreamResponse:
        self._note(request)
        await self._pause(DRIP_EVERY)
        return web.Response(body=self.body, content_type="video/mp4")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        seen = self._note(request)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = 10**12
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client hung up, as it should
            while not self.stopped.is_set():
                await response.write(b"\0" * 65536)
                seen.sent += 65536
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        seen = self._note(request)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client hung up, as it should
            while not self.stopped.is_set():
                await response.write(b"\0" * 65536)
                seen.sent += 65536
        return response

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self._note(request)
        return web.Response(text="<html>a page about a video</html>", content_type="text/html")

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopped.wait(), seconds)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
