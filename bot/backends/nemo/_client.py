"""`NemoClient`: one method per NemoVideo call over one `httpx.AsyncClient`, typed answers.
The calls, their bodies and answers: docs/nemovideo-protocol.md (a section per call).

Every call goes through `_exchange`, the one place that decides about retries
(docs/nemovideo-protocol.md#retries):

- 1001 (or HTTP 401) with an anonymous token: refresh it (single flight) and send again, once.
  A refused request was not processed, so this holds even for a turn or a render submit.
- HTTP 429: wait `Retry-After` (or `rate_limit_wait`) and send again, once; a wait longer than
  `max_retry_after` is not waited out but raised at once.
- Transient failures (5xx, connection and read errors): retried with exponential backoff only
  on idempotent calls (GET state, credits, render poll, download); never on `/run_sse`, a render
  submit or an upload.

Every request to the API carries `Authorization` and the three attribution headers; a download
from another host (a CDN URL) carries neither, so the token never leaves for a third party.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

import bot
from bot.backends.base import Failure, TurnEnded, TurnEvent
from bot.config import Settings
from bot.errors import NoCredits, ProtocolError, RateLimited, TokenError, Transient
from bot.models import ByteStream, StreamOpener
from bot.store import Store

from ._auth import TokenProvider
from ._errors import DuplicateRenderId, MaybeSent, check
from ._multipart import MultipartBody, check_file
from ._payloads import (
    AnonymousToken,
    ClaimToken,
    CreditsBalance,
    RenderJob,
    SessionCreated,
    SessionState,
    UploadAnswer,
    UploadedFileInfo,
    parse,
    render_job,
)
from ._sse import WHERE as TURN_WHERE
from ._sse import turn_events

log = logging.getLogger("bot.backends.nemo")

APP = "nemo_agent"
DOWNLOAD_CHUNK = 256 * 1024
ERROR_BODY_LIMIT = 1024 * 1024
UPLOAD_ANSWER_WAIT = 300.0  # the server may process a large upload before it answers

T = TypeVar("T")
Attempt = Callable[[dict[str, str]], Awaitable[T]]

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class NemoClient:
    """The NemoVideo API. Open with `async with NemoClient(settings, store) as client`.

    `transport`, `retries`, `backoff`, `rate_limit_wait` and `max_retry_after` exist for tests
    and benchmarks; production uses the defaults and the `nemo_*` settings.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        rate_limit_wait: float = 30.0,
        max_retry_after: float = 120.0,
        token_refresh_margin: float = 3600.0,
    ) -> None:
        self._settings = settings
        self._api = httpx.URL(settings.nemo_api_url.rstrip("/") + "/")
        self._web = settings.nemo_web_url.rstrip("/")
        self._transport = transport
        self._retries = retries
        self._backoff = backoff
        self._rate_limit_wait = rate_limit_wait
        self._max_retry_after = max_retry_after
        operator = settings.nemo_token.get_secret_value() if settings.nemo_token else None
        self.auth = TokenProvider(
            store,
            self._fetch_token,
            operator_token=operator or None,
            client_id=settings.nemo_client_id,
            refresh_margin=token_refresh_margin,
        )
        self._http: httpx.AsyncClient | None = None
        self._streams: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        self._http = self._client(httpx.Limits(max_connections=100, max_keepalive_connections=20))
        # Turns, uploads and downloads hold a connection for minutes. In a pool of their own they
        # never starve the short calls, and without keep-alive httpcore's scan of the pool on
        # every request (quadratic in idle connections, encode/httpcore#1035) stays cheap.
        streams = self._settings.nemo_max_connections
        self._streams = self._client(
            httpx.Limits(max_connections=streams, max_keepalive_connections=0)
        )
        return self

    def _client(self, limits: httpx.Limits) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._api,
            timeout=httpx.Timeout(self._settings.nemo_request_timeout),
            limits=limits,
            headers={"User-Agent": f"clipbridge/{bot.__version__}"},
            transport=self._transport,
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for client in (self._http, self._streams):
            if client is not None:
                await client.aclose()
        self._http = self._streams = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("NemoClient is not open: use `async with NemoClient(...)`")
        return self._http

    @property
    def streams(self) -> httpx.AsyncClient:
        """The pool for long exchanges: turns, uploads, downloads."""
        if self._streams is None:
            raise RuntimeError("NemoClient is not open: use `async with NemoClient(...)`")
        return self._streams

    # links ---------------------------------------------------------------------------------------

    def bind_link(self) -> str | None:
        """`<web>/register?bind=<anon user id>` for an anonymous token whose user id is known.
        Whoever registers through it gets this bot's account: show it to admins only."""
        user_id = self.auth.user_id
        if not self.auth.anonymous or not user_id:
            return None
        return str(httpx.URL(f"{self._web}/register", params={"bind": user_id}))

    async def claim_link(self, task_id: str, session_id: str) -> str:
        """A link that opens the session in the web app for whoever follows it."""
        data = await self._json(
            "POST", "/api/auth/claim-token", json={"task_id": task_id, "session_id": session_id}
        )
        claim = parse(ClaimToken, data, "POST /api/auth/claim-token")
        return str(httpx.URL(f"{self._web}/workspace/claim", params={"ct": claim.claim_token}))

    # sessions, credits, state --------------------------------------------------------------------

    async def create_session(self, language: str) -> SessionCreated:
        path = f"/api/tasks/me/with-session/{APP}"
        data = await self._json("POST", path, json={"task_name": "project", "language": language})
        created = parse(SessionCreated, data, f"POST {path}")
        await self.auth.remember_user(created.user_id)
        return created

    async def credits(self) -> CreditsBalance:
        path = "/api/credits/balance/simple"
        data = await self._json("GET", path, idempotent=True)
        return parse(CreditsBalance, data, f"GET {path}")

    async def state(self, session_id: str) -> SessionState:
        path = f"/api/state/{APP}/me/{_seg(session_id)}/latest"
        data = await self._json("GET", path, idempotent=True)
        state = parse(SessionState, data, f"GET {path}")
        await self.auth.remember_user(state.user_id)
        return state

    # turns ---------------------------------------------------------------------------------------

    async def turn(self, session_id: str, text: str) -> AsyncIterator[TurnEvent]:
        """One message on `/run_sse`, as events ending with `TurnEnded`. Sent at most once: a
        refusal before the stream (session, credits) is raised; a failure after the message may
        have gone out is a `Failure(stream_broken=True)`. The stream is read to its end (or to a
        time bound): closing it early aborts the agent's run."""
        # No `"streaming": true`: a chat shows whole messages, so ADK's partial pieces would only
        # be joined again, and NemoVideo documents no such field. Either mode is read alike.
        body = {
            "app_name": APP,
            "user_id": "me",
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        settings = self._settings
        # Our own timers bound the stream; the socket's read timeout only backs them up.
        # A turn past NEMO_MAX_CONNECTIONS waits for a connection (pool=None) rather than failing.
        timeout = httpx.Timeout(
            settings.nemo_request_timeout, read=settings.nemo_heartbeat_timeout + 5.0, pool=None
        )

        def request(headers: dict[str, str]) -> httpx.Request:
            headers = {**headers, "Accept": "text/event-stream"}
            return self.http.build_request(
                "POST", "/run_sse", json=body, headers=headers, timeout=timeout
            )

        try:
            response = await self._open_stream(
                request, where=TURN_WHERE, idempotent=False, accept=_is_event_stream
            )
        except MaybeSent as exc:
            yield Failure(exc, stream_broken=True)
            yield TurnEnded(saw_text=False)
            return
        try:
            async for event in turn_events(
                response.aiter_bytes(),
                turn_timeout=settings.nemo_turn_timeout,
                heartbeat_timeout=settings.nemo_heartbeat_timeout,
            ):
                yield event
        finally:
            await response.aclose()

    # uploads -------------------------------------------------------------------------------------

    async def upload_stream(
        self, session_id: str, name: str, size: int | None, mime: str | None, opener: StreamOpener
    ) -> list[UploadedFileInfo]:
        """Stream one file as multipart. Type and size are checked before the first byte; the
        source is opened again only if the first attempt was refused (token, rate limit)."""
        limit = self._settings.nemo_max_upload
        extension = check_file(name, mime, size, limit)
        if not name.lower().endswith(f".{extension}"):
            name = f"{name}.{extension}"  # the type came from the MIME type: say it in the name
        path = f"/api/upload-video/{APP}/me/{_seg(session_id)}"
        where = f"POST {path}"
        timeout = httpx.Timeout(
            self._settings.nemo_request_timeout,
            read=max(self._settings.nemo_request_timeout, UPLOAD_ANSWER_WAIT),
        )

        async def once(headers: dict[str, str]) -> Any:
            async with opener() as source:
                body = MultipartBody(source, name, size, limit, content_type=mime or "")
                try:
                    response = await self.streams.post(
                        path, content=body, headers={**headers, **body.headers}, timeout=timeout
                    )
                except httpx.TransportError as exc:
                    raise _transient(where, exc) from None
            log.debug("%s -> %s (%d bytes)", where, response.status_code, body.sent)
            return check(response.status_code, response.headers, response.content, where=where)

        data = await self._exchange(once, where=where, idempotent=False)
        return parse(UploadAnswer, data, where).all_files

    async def upload_url(self, session_id: str, url: str) -> list[UploadedFileInfo]:
        """Have the service fetch `url` itself. Only for URLs that carry no secret."""
        path = f"/api/upload-video/{APP}/me/{_seg(session_id)}"
        data = await self._json("POST", path, json={"urls": [url], "source_type": "url"})
        return parse(UploadAnswer, data, f"POST {path}").all_files

    # renders -------------------------------------------------------------------------------------

    async def submit_render(
        self,
        render_id: str,
        session_id: str,
        draft: dict[str, Any],
        output: dict[str, Any] | None = None,
    ) -> RenderJob:
        """Submit a render under `render_id`; if that id is taken, once more under a new one.
        The answer's `id` is the id finally used."""
        path = "/api/render/proxy/lambda"
        body = {
            "id": render_id,
            "sessionId": session_id,
            "draft": draft,
            "output": output or {"format": "mp4", "quality": "high"},
        }
        try:
            data = await self._json("POST", path, json=body)
        except DuplicateRenderId:
            body["id"] = f"{render_id}-{secrets.token_hex(4)}"
            log.info("render id %s was taken, submitting as %s", render_id, body["id"])
            try:
                data = await self._json("POST", path, json=body)
            except DuplicateRenderId as exc:
                raise ProtocolError(f"POST {path}: render id taken twice") from exc
        job = render_job(data if isinstance(data, dict) else {}, f"POST {path}")
        if not (job.id or job.render_id or job.taskId):
            job.id = str(body["id"])
        return job

    async def render_status(self, render_id: str) -> RenderJob:
        path = f"/api/render/proxy/lambda/{_seg(render_id)}"
        data = await self._json("GET", path, idempotent=True)
        return render_job(data, f"GET {path}")

    async def cancel_render(self, render_id: str) -> None:
        await self._json("POST", f"/api/render/proxy/lambda/{_seg(render_id)}/cancel")

    def download(
        self, render_id: str, url: str | None = None
    ) -> AbstractAsyncContextManager[ByteStream]:
        """The rendered file's bytes, from `url` or the fallback download route."""
        return self._download(render_id, url)

    @asynccontextmanager
    async def _download(self, render_id: str, url: str | None) -> AsyncIterator[ByteStream]:
        fallback = f"api/render/proxy/{_seg(render_id)}/download"
        target = self._api.join(url or fallback)
        ours = (target.scheme, target.host, target.port) == (
            self._api.scheme,
            self._api.host,
            self._api.port,
        )
        where = f"GET {target.path}" if ours else f"GET <{target.host}>"

        def request(headers: dict[str, str]) -> httpx.Request:
            return self.http.build_request("GET", target, headers=headers)

        response = await self._open_stream(
            request, where=where, idempotent=True, accept=_is_file, authorized=ours
        )
        try:
            yield _relay(response, where)
        finally:
            await response.aclose()

    # the one exchange ----------------------------------------------------------------------------

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {
            "X-Skill-Source": self._settings.nemo_skill_source,
            "X-Skill-Version": bot.__version__,
            "X-Skill-Platform": self._settings.nemo_skill_platform,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _exchange(
        self, attempt: Attempt[T], *, where: str, idempotent: bool, authorized: bool = True
    ) -> T:
        """One request with this client's retry rules: a refused token is refreshed once, a
        rate limit waited out once (if the wait is reasonable), a transient failure of an
        idempotent request retried with backoff. `MaybeSent` is never retried: the server may
        have acted on it."""
        token = await self.auth.current() if authorized else None
        refreshed = waited = False
        failures = 0
        while True:
            try:
                return await attempt(self._headers(token) if authorized else {})
            except TokenError:
                if refreshed or token is None:
                    raise
                refreshed = True
                log.info("%s: token refused, getting a fresh one", where)
                token = await self.auth.refresh(token)
            except RateLimited as exc:
                await self._wait_out(exc, where, already=waited)
                waited = True
            except Transient as exc:
                if isinstance(exc, MaybeSent) or not idempotent or failures >= self._retries:
                    raise
                failures += 1
                delay = self._backoff * 2 ** (failures - 1)
                log.warning("%s; retry %d in %gs", exc.detail, failures, delay)
                await asyncio.sleep(delay)
            except NoCredits as exc:
                exc.link = exc.link or self.bind_link()
                raise

    async def _wait_out(self, exc: RateLimited, where: str, *, already: bool) -> None:
        wait = exc.retry_after if exc.retry_after is not None else self._rate_limit_wait
        if already or wait > self._max_retry_after:
            raise exc
        log.warning("%s: rate limited, retrying once in %gs", where, wait)
        await asyncio.sleep(wait)

    async def _json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotent: bool = False,
    ) -> Any:
        where = f"{method} {path}"

        async def once(headers: dict[str, str]) -> Any:
            try:
                response = await self.http.request(method, path, json=json, headers=headers)
            except httpx.TransportError as exc:
                raise _transient(where, exc) from None
            log.debug("%s -> %s", where, response.status_code)
            return check(response.status_code, response.headers, response.content, where=where)

        return await self._exchange(once, where=where, idempotent=idempotent)

    async def _fetch_token(self, client_id: str) -> AnonymousToken:
        path = "/api/auth/anonymous-token"
        where = f"POST {path}"

        async def once(_: dict[str, str]) -> Any:
            headers = {**self._headers(None), "X-Client-Id": client_id}
            try:
                response = await self.http.post(path, headers=headers)
            except httpx.TransportError as exc:
                raise _transient(where, exc) from None
            log.debug("%s -> %s", where, response.status_code)
            return check(response.status_code, response.headers, response.content, where=where)

        data = await self._exchange(once, where=where, idempotent=False, authorized=False)
        return parse(AnonymousToken, data, where)

    async def _open_stream(
        self,
        request: Callable[[dict[str, str]], httpx.Request],
        *,
        where: str,
        idempotent: bool,
        accept: Callable[[httpx.Response], bool],
        authorized: bool = True,
    ) -> httpx.Response:
        """A response whose body is still to be read, once `accept` likes its head; any other
        answer is read (bounded) and mapped to its error. The caller closes the response."""

        async def once(headers: dict[str, str]) -> httpx.Response:
            try:
                response = await self.streams.send(request(headers), stream=True)
            except httpx.TransportError as exc:
                raise _transient(where, exc, sent=not idempotent) from None
            log.debug("%s -> %s", where, response.status_code)
            if accept(response):
                return response
            try:
                body = await _read_capped(response, ERROR_BODY_LIMIT)
            except httpx.TransportError as exc:
                raise _transient(where, exc) from None
            finally:
                await response.aclose()
            check(response.status_code, response.headers, body, where=where)
            kind = response.headers.get("content-type", "no content type")
            raise ProtocolError(f"{where}: HTTP {response.status_code} {kind}, not a stream")

        return await self._exchange(once, where=where, idempotent=idempotent, authorized=authorized)


def _seg(value: str) -> str:
    """An id as one path segment, whatever it contains."""
    return quote(value, safe="")


def _transient(where: str, exc: httpx.TransportError, *, sent: bool = False) -> Transient:
    detail = f"{where}: {type(exc).__name__} {exc}".rstrip()
    if sent and not isinstance(exc, _NOT_SENT):
        return MaybeSent(detail)
    return Transient(detail)


async def _relay(response: httpx.Response, where: str) -> ByteStream:
    """The body in chunks; a connection that breaks mid-body is `Transient` like any other."""
    try:
        async for chunk in response.aiter_bytes(DOWNLOAD_CHUNK):
            yield chunk
    except httpx.TransportError as exc:
        raise _transient(where, exc) from None


def _is_event_stream(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return response.is_success and kind.split(";")[0].strip().lower() == "text/event-stream"


def _is_file(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return response.is_success and kind != "application/json"


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            break
    return bytes(body)
