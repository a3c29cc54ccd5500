"""The bot's one HTTP port: the adapters' routes (the Telegram webhook), `/healthz`, `/readyz`
and `/metrics`.

    async with HttpServer(settings, {"store": store.ping}) as server:
        server.add_route("POST", "/telegram/webhook", handle_update)
        ...  # server.port is the bound port (HTTP_PORT=0 picks a free one)

- `/healthz` answers 200 while the event loop runs: the process is alive.
- `/readyz` runs every readiness check (an async callable that raises when its part cannot be
  used) with a short timeout and answers 200, or 503 naming the checks that failed and why. The
  answer is kept for `READINESS_TTL` seconds and requests that arrive while the checks run share
  that one run: a check may be a paid API call with the operator's token (NemoVideo's credits),
  and the port may be public in webhook mode, so 300 probes must not make 300 calls.
- `/metrics` serves `bot.metrics` in the Prometheus text format, after the scrape hooks
  (`on_scrape`: a gauge counted in a database at each scrape) have run, each within the
  readiness timeout; one that fails leaves its figures as they were, with a warning.

Routes are exact paths looked up in a table of our own, so the webhook can be added before or
after the server starts. Nothing here imports a chat platform library.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

from aiohttp import web

from bot import metrics
from bot.logs import redact

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["Handler", "HttpServer", "ReadinessCheck", "ScrapeHook"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ReadinessCheck = Callable[[], Awaitable[object]]
"""Raises (or times out) when its part of the bot cannot be used; the return value is ignored."""
ScrapeHook = Callable[[], Awaitable[None]]
"""Brings some of `bot.metrics` up to date before a `/metrics` answer."""

READINESS_TIMEOUT = 3.0
READINESS_TTL = 30.0
"""Seconds a readiness answer is reused: probes come every few seconds, and a backend that goes
down is still reported within half a minute."""


class HttpServer:
    """An aiohttp server on `HTTP_HOST:HTTP_PORT`, opened and closed with `async with`."""

    def __init__(
        self,
        settings: Settings,
        readiness_checks: Mapping[str, ReadinessCheck] | None = None,
        *,
        readiness_timeout: float = READINESS_TIMEOUT,
        readiness_ttl: float = READINESS_TTL,
    ) -> None:
        self._host = settings.http_host
        self._wanted_port = settings.http_port
        self._secrets = settings.secrets()
        self._checks: dict[str, ReadinessCheck] = dict(readiness_checks or {})
        self._timeout = readiness_timeout
        self._ttl = readiness_ttl
        self._report: dict[str, str] | None = None
        self._report_at = 0.0
        self._checking: asyncio.Task[dict[str, str]] | None = None
        self._routes: dict[tuple[str, str], Handler] = {}
        self._scrape_hooks: list[ScrapeHook] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.add_route("GET", "/healthz", self._healthz)
        self.add_route("GET", "/readyz", self._readyz)
        self.add_route("GET", "/metrics", self._metrics)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `method path` (an exact path) with `handler`; replaces an earlier route."""
        if not path.startswith("/"):
            raise ValueError(f"a route path starts with '/': {path!r}")
        self._routes[(method.upper(), path)] = handler

    def on_scrape(self, hook: ScrapeHook) -> None:
        """Run `hook` before each `/metrics` answer."""
        self._scrape_hooks.append(hook)

    @property
    def port(self) -> int:
        """The bound port, once started."""
        if self._port is None:
            raise RuntimeError("the HTTP server is not started: use `async with HttpServer(...)`")
        return self._port

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        # Access lines go through our dispatcher at DEBUG: a health probe every few seconds
        # should not fill the log.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._wanted_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])
        log.info("HTTP server listening on %s:%d", self._host, self._port)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._port = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._routes.get((request.method, request.path))
        if handler is None and request.method == "HEAD":
            handler = self._routes.get(("GET", request.path))
        if handler is None:
            allowed = sorted(m for m, p in self._routes if p == request.path)
            if allowed:
                response: web.StreamResponse = web.json_response(
                    {"error": "method not allowed"},
                    status=405,
                    headers={"Allow": ", ".join(allowed)},
                )
            else:
                response = web.json_response({"error": "not found"}, status=404)
        else:
            response = await handler(request)
        log.debug("http %s %s -> %d", request.method, request.path, response.status)
        return response

    async def _healthz(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok"})

    async def _readyz(self, request: web.Request) -> web.StreamResponse:
        report = await self._readiness()
        ready = all(result == "ok" for result in report.values())
        return web.json_response(
            {"status": "ok" if ready else "unavailable", "checks": report},
            status=200 if ready else 503,
        )

    async def _readiness(self) -> dict[str, str]:
        """The checks' report, reused for `READINESS_TTL`; one run at a time (single flight)."""
        now = asyncio.get_running_loop().time()
        if self._report is not None and now - self._report_at < self._ttl:
            return self._report
        if self._checking is None:
            self._checking = asyncio.ensure_future(self._check_all())
            self._checking.add_done_callback(self._checked)
        # Shielded: a prober that hangs up must not cancel the run the others wait on.
        return await asyncio.shield(self._checking)

    def _checked(self, task: asyncio.Task[dict[str, str]]) -> None:
        self._checking = None
        if not task.cancelled() and task.exception() is None:
            self._report = task.result()
            self._report_at = asyncio.get_running_loop().time()

    async def _check_all(self) -> dict[str, str]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_check(self._checks[n]) for n in names))
        return dict(zip(names, results, strict=True))

    async def _run_check(self, check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), self._timeout)
        except TimeoutError:
            return f"no answer within {self._timeout:g}s"
        except Exception as exc:
            # The answer may be public: name the error, redacted, never a traceback.
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return redact(reason, self._secrets)[:300]
        return "ok"

    async def _metrics(self, request: web.Request) -> web.StreamResponse:
        for hook in self._scrape_hooks:
            problem = await self._run_check(hook)
            if problem != "ok":
                log.warning("metrics: could not bring figures up to date: %s", problem)
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response
