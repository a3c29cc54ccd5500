"""A fake NemoVideo server for tests and manual runs, written from the project's own protocol page,
docs/nemovideo-protocol.md, alone (its last section lists what can be scripted).

It is a real aiohttp server on 127.0.0.1 (port 0 by default) that serves every call of the
protocol, records every request, enforces the headers, and can script every tolerated case:
partial ADK text, tool calls, heartbeats of each form, silent draft edits, cut streams, error
events, slow turns, every error code and status on every endpoint, token expiry, 429 with and
without ``Retry-After``, renders that progress over N polls then complete (each URL shape) or
fail, streamed downloads of a given size, and upload size and type limits. It imports nothing
from ``bot/`` or ``adapters/``.

Standalone, for a manual end-to-end run::

    python -m tests.fakes.nemovideo --port 8765 [--operator-token nmv_usr_op]

Usage in a test::

    async with FakeNemo() as fake:              # 127.0.0.1, port 0
        fake.url                                # "http://127.0.0.1:PORT"
        fake.script_turn(adk_tool_call("compress_video", {"target_mb": 50}),
                         adk_tool_result("compress_video", {"ok": True}),
                         adk_text("Your video is ready", pieces=3))
        ...                                     # drive the client against fake.url
        assert fake.header_violations == []
        assert [r.path for r in fake.calls("turn")] == ["/run_sse"]

Endpoints (the names used by ``calls``, ``fail`` and ``wait_calls``)::

    token            POST /api/auth/anonymous-token              (X-Client-Id required, no bearer)
    session          POST /api/tasks/me/with-session/nemo_agent
    turn             POST /run_sse                               (SSE; Accept: text/event-stream)
    upload           POST /api/upload-video/nemo_agent/me/<sid>  (multipart `files`, or JSON urls)
    credits          GET  /api/credits/balance/simple
    state            GET  /api/state/nemo_agent/me/<sid>/latest
    render_submit    POST /api/render/proxy/lambda
    render_poll      GET  /api/render/proxy/lambda/<id>
    render_download  GET  /api/render/proxy/<id>/download        (fallback; headers enforced)
                     GET  /render-result/<id>.mp4                (the output URL, CDN-like: no
                                                                  headers needed; recorded with
                                                                  the same endpoint name)
    render_cancel    POST /api/render/proxy/lambda/<id>/cancel
    claim            POST /api/auth/claim-token
    unknown          anything else (404, recorded)

Recording::

    fake.requests: list[Recorded]       # every request, in arrival order
    Recorded(method, path, query: dict[str, str], headers: Headers, body_size: int,
             json: Any | None, content_type: str, endpoint: str, session_id: str | None,
             files: list[ReceivedFile], status: int)
        # session_id: from the path, the body (session_id / sessionId), or the render's session
        # headers is a dict with lower-case keys that looks keys up case-insensitively;
        # body_size is the bytes of body the fake read (an upload: counted while streaming;
        # an upload refused before reading its body: 0); status is what the fake answered
        # (0 while a turn is still streaming).
    ReceivedFile(filename, content_type, size, chunks, largest_chunk)   # one multipart `files` part
    fake.calls(endpoint) -> list[Recorded]
    await fake.wait_calls(endpoint, n=1, timeout=5.0) -> list[Recorded]  # until n calls arrived
    fake.header_violations: list[HeaderViolation(endpoint, method, path, missing: tuple[str, ...])]
        # a missing X-Skill-Source / X-Skill-Version / X-Skill-Platform, a missing bearer
        # (on every endpoint but token and the CDN download), a missing
        # `Accept: text/event-stream` on turn. A render submit without attribution answers 402.
    fake.tokens_issued: int             # anonymous tokens handed out
    fake.client_ids: list[str]          # X-Client-Id of each token call, in order
    fake.sessions: dict[str, FakeSession]
    FakeSession(session_id, task_id, user_id, language, task_name, draft, uploads, url_uploads,
                messages, renders)      # messages: the text of each turn received
    fake.renders: dict[str, FakeRender] # render id -> FakeRender(render_id, session_id, script,
                                        #   draft, output, polls, cancelled, downloads,
                                        #   bytes_served, status)
    fake.turns: list[TurnRecord(session_id, message, outcome, requested_streaming, streaming)]
        # outcome: "streaming" | "completed" | "cut" | "disconnected" (the client went away
        # before the end of the stream: checked while pausing, writing, and before the end;
        # end a script with pause(0.3) to catch a client that leaves right after an event);
        # requested_streaming: the body's `streaming` (None when absent); streaming: the mode
        # served
    await fake.wait_turns(n=1, outcome=None, timeout=5.0) -> list[TurnRecord]

Scripting::

    fake.script_turn(*steps, session=None)  # queue one turn's script for a session, or for any;
                                            # a session's own queue is used first; an unscripted
                                            # turn plays fake.default_turn (a short ADK reply)
    fake.default_turn: list[Step]
    fake.adk_streaming = None               # ADK's mode for adk_reply: None follows the body's
                                            # `"streaming": true` (as ADK does), True/False
                                            # force it (a gateway that turns it on itself)
    fake.fail(endpoint, *, code=None, status=200, message=None, times=1, retry_after=None,
              body=None, message_key="message", session=None, after=0)
        # the next `times` calls to endpoint (None: every call) after skipping `after` calls
        # (only those for `session` when given) answer this error, before any other check:
        #   body given     -> that body (dict/list as JSON, str/bytes as is) with `status`
        #   code given     -> envelope {"code": code, <message_key>: message, "data": null}
        #   neither        -> render endpoints {"success": false, "error": message},
        #                     others {"detail": message} (404 on turn: "Session not found: <sid>")
        #   retry_after    -> a Retry-After header
        # On turn this is answered before the stream starts.
    fake.clear_failures()
    fake.expire_tokens_after(n_calls)       # the tokens valid now answer 1001 from the
                                            # (n+1)-th authenticated call on (they stay revoked;
                                            # tokens fetched later are good)
    fake.revoke(token)
    fake.valid_tokens: list[str]            # tokens that would be accepted now
    fake.all_tokens: list[str]              # every token known, for "no secret leaked" checks
    fake.script_render(polls=3, outcome="completed", url_shape="output.url", size=1_000_000,
                       envelope="bare", error="Render failed", duplicate_id_first=False,
                       session=None, duration=10.0, error_at=None, cut_download_at=None)
        # queue the next render submit's behaviour (else fake.default_render). The first
        # `polls` polls answer pending then processing with rising progress; later polls
        # answer the outcome. envelope "bare": the fields at the root, and url_shape is the
        # literal path from the root ("data.outputUrl" -> {"status":..., "data":
        # {"outputUrl": url}}); envelope "success": {"success": true, "data": {...}} and the
        # URL sits inside data ("outputUrl" and "data.outputUrl" both give data.outputUrl).
        # A failure's message goes to `error` (bare) or `data.error` (success) unless error_at
        # says which. duplicate_id_first: the first submit answers a duplicate-id error.
        # url_shape "none": a completed render with neither URL nor size (the fallback route
        # still serves `size` bytes); FakeRender.bytes_served counts body bytes written.
        # The URL points at the fake's /render-result/<id>.mp4, which streams `size` bytes of
        # an mp4-like body (mp4ish_bytes(size) gives the same bytes, for small sizes);
        # cut_download_at=N drops the connection after N bytes of its first download (later
        # ones are whole, as after a network blip). After a cancel, polls
        # answer status "failed" with the error "Render cancelled".
    fake.set_draft(session_id, draft)       # what /state returns
    fake.add_session(session_id=None, draft=None) -> FakeSession  # e.g. to resume a chat
    fake.max_upload: int                    # bytes of files per upload request (500 MB);
                                            # a known Content-Length beyond it (+64 KiB of
                                            # multipart framing) is refused before reading
    fake.accepted_types: set[str]           # file extensions (docs/nemovideo-protocol.md#upload)
    fake.credits = {"available": 25000, "frozen": 40, "total": 25040}
    fake.anonymous_credits = 100            # `credits` in the token answer
    fake.token_ttl = 7 days (seconds)       # expires_at; an expired token answers 1001
    fake.token_minimal = False              # True: the token answer has only token and credits
    fake.tokens_per_client = None           # int: over it, the token call answers 429
    fake.rate_limit_retry_after = 60        # its Retry-After (None: no header)
    fake.draft_at = "state"                 # or "data": where /state puts the draft
    fake.upload_shape = "files"             # or "uploaded_files" (data.uploaded_files[].url)
    fake.upload_applies_to_draft = True     # an upload appends a segment to the draft
    fake.envelope_error_status = 200        # HTTP status of the fake's own envelope errors
    fake.one_render_per_session = True      # a second active render for a session -> 409
    fake.latency = {}                       # endpoint -> seconds each call waits before it
                                            # is answered (scripted failures too), e.g.
                                            # {"token": 0.2} to race a single-flight fetch

Turn steps (each a Step; build them with these functions)::

    adk_text(text, pieces=1, delay=0.0, final=True, author="nemo_agent", turn_complete=False)
        # pieces > 1: that many `partial: true` events, then (final) the whole text once more
    adk_reply(text="", calls=(), pieces=3, delay=0.0, long_running=False)
        # one model response as a real ADK LlmAgent sends it, in the turn's mode: without
        # streaming one event (text and calls together, finishReason, longRunningToolIds);
        # with it `pieces` partial text events, a partial event with the calls and
        # finishReason, then a "partial": false event repeating the whole text with the calls.
        # calls: names or (name, args); call ids are adk-<uuid>
    adk_run_error(message="RuntimeError: ...", details=None)
        # data: {"error": message, "error_details": details}: a run that raised after HTTP 200
    adk_tool_call(name, args=None, call_id=None)      # a functionCall part (role model)
    adk_tool_result(name, response=None, call_id=None)  # functionResponse (role user); the id
                                                      # defaults to the last call of that name
    adk_thought(text)                                 # a {"thought": true, "text"} part
    adk_error(code, message)                          # errorCode / errorMessage
    typed_text(content), typed_tool_call(name, args=None), typed_tool_result(name, result=None)
    heartbeat(kind="comment")   # "comment" -> ": ping", "empty" -> "data:", "typed" ->
                                # {"type": "heartbeat"}
    error_event(message)        # data: {"error": message}
    temporary_issue(style="adk")  # the trailing "I encountered a temporary issue..." text
    pause(seconds)
    every(interval, step, for_=seconds)  # floor(for_/interval) times: wait interval, run step
    cut()                       # drop the connection mid-stream (no clean chunked end)
    change_draft(draft)         # edit the session's draft, send nothing
    event(payload)              # data: <json of payload>
    raw(text, end="\\n\\n")      # anything else, written as is

A custom step subclasses Step and implements ``async def run(self, turn: TurnStream)``, using
``await turn.emit(payload)`` (a data: line), ``await turn.write(text)``, ``await
turn.sleep(seconds)``, ``turn.adk(parts, role=..., author=..., **fields)`` (an ADK event dict)
and ``turn.session`` (its FakeSession).

Strictness, so a client bug shows: /run_sse wants app_name "nemo_agent", user_id "me", a
session_id and a non-empty new_message.parts (else 422 with the problems listed); the token
call wants X-Client-Id of at most 64 characters (else 400); a render submit wants string `id`
and `sessionId` and a `draft` (else 400).
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import contextlib
import itertools
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from aiohttp import BodyPartReader, web

from tests.fakes.base import FailureScript, FakeServer

__all__ = [
    "ACCEPTED_TYPES",
    "ENDPOINTS",
    "Envelope",
    "FakeNemo",
    "FakeRender",
    "FakeSession",
    "HeaderViolation",
    "Headers",
    "ReceivedFile",
    "Recorded",
    "RenderScript",
    "Step",
    "TurnRecord",
    "TurnStream",
    "UrlShape",
    "adk_error",
    "adk_reply",
    "adk_run_error",
    "adk_text",
    "adk_thought",
    "adk_tool_call",
    "adk_tool_result",
    "change_draft",
    "cut",
    "error_event",
    "event",
    "every",
    "heartbeat",
    "mp4ish_bytes",
    "pause",
    "raw",
    "temporary_issue",
    "typed_text",
    "typed_tool_call",
    "typed_tool_result",
]

ENDPOINTS = (
    "token",
    "session",
    "turn",
    "upload",
    "credits",
    "state",
    "render_submit",
    "render_poll",
    "render_download",
    "render_cancel",
    "claim",
)
ACCEPTED_TYPES = frozenset(
    {"mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac"}
)
ATTRIBUTION = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
CHUNK = 64 * 1024
MULTIPART_SLACK = 64 * 1024
TEMPORARY_ISSUE = "I encountered a temporary issue. Please try again."
_RENDER_ENDPOINTS = frozenset({"render_submit", "render_poll", "render_download", "render_cancel"})
_MIME_EXT = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-msvideo": "avi",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
}
_AUDIO = frozenset({"mp3", "wav", "m4a", "aac"})
_IMAGE = frozenset({"jpg", "jpeg", "png", "gif", "webp"})
_CODE_MESSAGES = {
    1001: "Token invalid or expired",
    1002: "Session not found",
    2001: "Insufficient credits",
    4001: "Unsupported file type",
    4002: "File too large",
}
_STATUS_MESSAGES = {
    400: "Bad request",
    402: "Payment Required: the free plan cannot export",
    404: "Not found",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}

UrlShape = Literal["output.url", "outputUrl", "data.outputUrl", "data.output.url", "none"]
Envelope = Literal["bare", "success"]


# ---------------------------------------------------------------- records


class Headers(dict[str, str]):
    """Recorded request headers: lower-case keys, looked up case-insensitively."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class ReceivedFile:
    """One multipart `files` part, counted while it streamed in."""

    filename: str
    content_type: str
    size: int = 0
    chunks: int = 0
    largest_chunk: int = 0


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body_size: int
    json: Any | None
    content_type: str
    endpoint: str = "unknown"
    session_id: str | None = None
    files: list[ReceivedFile] = field(default_factory=list)
    status: int = 0


@dataclass(frozen=True)
class HeaderViolation:
    endpoint: str
    method: str
    path: str
    missing: tuple[str, ...]


@dataclass
class FakeSession:
    session_id: str
    task_id: str
    user_id: str
    language: str | None = None
    task_name: str | None = None
    draft: Any = field(default_factory=lambda: {"t": [], "d": 0, "m": {}})
    uploads: list[ReceivedFile] = field(default_factory=list)
    url_uploads: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    renders: list[str] = field(default_factory=list)


@dataclass
class TurnRecord:
    session_id: str
    message: str
    outcome: str = "streaming"
    requested_streaming: bool | None = None  # the body's `streaming`, None when absent
    streaming: bool = False  # the mode served: ADK's token-level partial events or not


@dataclass(frozen=True)
class RenderScript:
    polls: int = 3
    outcome: Literal["completed", "failed"] = "completed"
    url_shape: UrlShape = "output.url"
    size: int = 1_000_000
    envelope: Envelope = "bare"
    error: str = "Render failed"
    duplicate_id_first: bool = False
    duration: float = 10.0
    error_at: Literal["error", "data.error"] | None = None
    cut_download_at: int | None = None


@dataclass
class FakeRender:
    render_id: str
    session_id: str
    script: RenderScript
    draft: Any
    output: Any
    polls: int = 0
    cancelled: bool = False
    downloads: int = 0
    bytes_served: int = 0  # body bytes written by its downloads (both routes), all attempts
    created_at: float = field(default_factory=time.time)
    completed_at: float | None = None

    @property
    def status(self) -> str:
        if self.cancelled:
            return "failed"
        if self.polls == 0:
            return "pending"
        if self.polls <= self.script.polls:
            return "pending" if self.polls == 1 else "processing"
        return self.script.outcome

    @property
    def active(self) -> bool:
        return self.status in ("pending", "processing")


@dataclass
class _Failure:
    code: int | None
    status: int
    message: str | None
    retry_after: float | str | None
    body: Any
    message_key: str


@dataclass
class _Token:
    token: str
    kind: Literal["anonymous", "operator"]
    user_id: str
    client_id: str | None
    expires_at: float | None
    revoked: bool = False


# ---------------------------------------------------------------- turn steps


class _CutStream(Exception):
    """Raised by the cut step: the handler drops the connection."""


class TurnStream:
    """What a step sees while a turn streams: the writer, the session, id counters."""

    def __init__(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        session: FakeSession,
        closing: asyncio.Event,
        *,
        streaming: bool = False,
    ) -> None:
        self.request = request
        self.closing = closing
        self.streaming = streaming
        self.resp = resp
        self.session = session
        self.invocation_id = "e-" + secrets.token_hex(8)
        self._ids = itertools.count(1)
        self.call_ids: dict[str, str] = {}

    def next_id(self) -> str:
        return f"{self.invocation_id[2:10]}-{next(self._ids)}"

    @property
    def client_gone(self) -> bool:
        """The client closed its side of the connection."""
        transport = self.request.transport
        return transport is None or transport.is_closing()

    async def write(self, text: str) -> None:
        await self.resp.write(text.encode())

    async def emit(self, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        await self.write(f"data: {data}\n\n")

    async def sleep(self, seconds: float) -> None:
        # Sleeps in slices: a slow turn notices at once that the fake is shutting down (so a
        # test's teardown never waits on it) or that the client went away (so `turns` says so).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closing.wait(), min(remaining, 0.05))
            if self.closing.is_set():
                raise _CutStream
            if self.client_gone:
                raise ConnectionResetError("the client closed the stream")

    def adk(
        self, parts: list[dict[str, Any]] | None, *, role: str = "model", author: str, **extra: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if parts is not None:
            payload["content"] = {"parts": parts, "role": role}
        payload.update(
            {
                "invocationId": self.invocation_id,
                "author": author,
                "actions": {
                    "stateDelta": {},
                    "artifactDelta": {},
                    "requestedAuthConfigs": {},
                    "requestedToolConfirmations": {},
                },
                "nodeInfo": {"path": author},
                "id": self.next_id(),
                "timestamp": time.time(),
            }
        )
        payload.update(extra)
        return payload


class Step(abc.ABC):
    """One scripted piece of an SSE turn."""

    @abc.abstractmethod
    async def run(self, turn: TurnStream) -> None:
        """Write this step's bytes (or change the session) for the turn."""


@dataclass(frozen=True)
class _Event(Step):
    payload: Any

    async def run(self, turn: TurnStream) -> None:
        await turn.emit(self.payload)


@dataclass(frozen=True)
class _Raw(Step):
    text: str

    async def run(self, turn: TurnStream) -> None:
        await turn.write(self.text)


@dataclass(frozen=True)
class _Pause(Step):
    seconds: float

    async def run(self, turn: TurnStream) -> None:
        await turn.sleep(self.seconds)


@dataclass(frozen=True)
class _Every(Step):
    interval: float
    step: Step
    for_: float

    async def run(self, turn: TurnStream) -> None:
        for _ in range(int(self.for_ / self.interval + 1e-9)):
            await turn.sleep(self.interval)
            await self.step.run(turn)


@dataclass(frozen=True)
class _Cut(Step):
    async def run(self, turn: TurnStream) -> None:
        raise _CutStream


@dataclass(frozen=True)
class _ChangeDraft(Step):
    draft: Any

    async def run(self, turn: TurnStream) -> None:
        turn.session.draft = json.loads(json.dumps(self.draft))


@dataclass(frozen=True)
class _AdkText(Step):
    text: str
    pieces: int
    delay: float
    final: bool
    author: str
    turn_complete: bool

    async def run(self, turn: TurnStream) -> None:
        if self.pieces > 1:
            for i, piece in enumerate(_split(self.text, self.pieces)):
                if i and self.delay:
                    await turn.sleep(self.delay)
                await turn.emit(turn.adk([{"text": piece}], author=self.author, partial=True))
        if self.final:
            if self.pieces > 1 and self.delay:
                await turn.sleep(self.delay)
            extra: dict[str, Any] = {"turnComplete": True} if self.turn_complete else {}
            await turn.emit(turn.adk([{"text": self.text}], author=self.author, **extra))


@dataclass(frozen=True)
class _AdkToolCall(Step):
    name: str
    args: Any
    call_id: str | None

    async def run(self, turn: TurnStream) -> None:
        call_id = self.call_id or f"call-{turn.next_id()}"
        turn.call_ids[self.name] = call_id
        part = {"functionCall": {"id": call_id, "args": self.args, "name": self.name}}
        await turn.emit(turn.adk([part], author="nemo_agent"))


@dataclass(frozen=True)
class _AdkToolResult(Step):
    name: str
    response: Any
    call_id: str | None

    async def run(self, turn: TurnStream) -> None:
        call_id = self.call_id or turn.call_ids.get(self.name) or f"call-{turn.next_id()}"
        part = {"functionResponse": {"id": call_id, "name": self.name, "response": self.response}}
        await turn.emit(turn.adk([part], role="user", author="nemo_agent"))


@dataclass(frozen=True)
class _AdkPart(Step):
    part: Any

    async def run(self, turn: TurnStream) -> None:
        await turn.emit(turn.adk([self.part], author="nemo_agent"))


@dataclass(frozen=True)
class _AdkError(Step):
    code: str
    message: str

    async def run(self, turn: TurnStream) -> None:
        await turn.emit(
            turn.adk(None, author="nemo_agent", errorCode=self.code, errorMessage=self.message)
        )


@dataclass(frozen=True)
class _AdkReply(Step):
    """One model response as a real ADK `LlmAgent` sends it, in the turn's mode (see
    `FakeNemo.adk_streaming`). Without streaming: one event, its text and its tool calls
    together. With it: the text in `partial` pieces, the calls in a partial event of their own
    (carrying `finishReason`), then a `"partial": false` event repeating the whole text with the
    calls."""

    text: str
    calls: tuple[tuple[str, Any], ...]
    pieces: int
    delay: float
    long_running: bool
    author: str

    async def run(self, turn: TurnStream) -> None:
        calls = []
        for name, args in self.calls:
            call_id = f"adk-{uuid.uuid4()}"
            turn.call_ids[name] = call_id
            calls.append({"functionCall": {"id": call_id, "args": args, "name": name}})
        whole = [*([{"text": self.text}] if self.text else []), *calls]
        final: dict[str, Any] = {"finishReason": "STOP"}
        if calls:
            ids = [c["functionCall"]["id"] for c in calls] if self.long_running else []
            final["longRunningToolIds"] = ids
        if not turn.streaming:
            await turn.emit(turn.adk(whole, author=self.author, **final))
            return
        pieces = _split(self.text, self.pieces) if self.text else []
        for i, piece in enumerate(pieces):
            if i and self.delay:
                await turn.sleep(self.delay)
            last = i == len(pieces) - 1 and not calls
            extra = {"finishReason": "STOP"} if last else {}
            await turn.emit(turn.adk([{"text": piece}], author=self.author, partial=True, **extra))
        if calls:
            if pieces and self.delay:
                await turn.sleep(self.delay)
            await turn.emit(turn.adk(calls, author=self.author, partial=True, finishReason="STOP"))
        await turn.emit(turn.adk(whole, author=self.author, partial=False, **final))


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def adk_text(
    text: str,
    pieces: int = 1,
    *,
    delay: float = 0.0,
    final: bool = True,
    author: str = "nemo_agent",
    turn_complete: bool = False,
) -> Step:
    """ADK text: `pieces` partial events (when > 1), then the whole text as one event."""
    return _AdkText(text, pieces, delay, final, author, turn_complete)


def adk_tool_call(name: str, args: Any = None, *, call_id: str | None = None) -> Step:
    return _AdkToolCall(name, {} if args is None else args, call_id)


def adk_tool_result(name: str, response: Any = None, *, call_id: str | None = None) -> Step:
    return _AdkToolResult(name, {"ok": True} if response is None else response, call_id)


def adk_reply(
    text: str = "",
    *,
    calls: Sequence[str | tuple[str, Any]] = (),
    pieces: int = 3,
    delay: float = 0.0,
    long_running: bool = False,
    author: str = "nemo_agent",
) -> Step:
    """One model response (text, tool calls, or both) as ADK sends it in the turn's mode:
    `calls` are tool names or (name, args); `pieces` and `delay` shape the streamed text;
    `long_running` lists the calls in `longRunningToolIds`."""
    pairs = tuple((c, {}) if isinstance(c, str) else (c[0], c[1]) for c in calls)
    return _AdkReply(text, pairs, pieces, delay, long_running, author)


def adk_run_error(message: str = "RuntimeError: the tool raised", details: Any = None) -> Step:
    """What ADK's `api_server` writes when the run raises after the stream started (HTTP 200
    already sent): `{"error": ..., "error_details": ...}`, then the end of the stream."""
    kind = message.split(":", maxsplit=1)[0]
    return _Event({"error": message, "error_details": details or {"type": kind}})


def adk_thought(text: str) -> Step:
    return _AdkPart({"thought": True, "text": text})


def adk_error(code: str | int, message: str) -> Step:
    return _AdkError(str(code), message)


def typed_text(content: str) -> Step:
    return _Event({"type": "text", "content": content})


def typed_tool_call(name: str, args: Any = None) -> Step:
    return _Event({"type": "tool_call", "name": name, "args": {} if args is None else args})


def typed_tool_result(name: str, result: Any = None) -> Step:
    return _Event({"type": "tool_result", "name": name, "result": result})


def heartbeat(kind: Literal["comment", "empty", "typed"] = "comment") -> Step:
    if kind == "comment":
        return _Raw(": ping\n\n")
    if kind == "empty":
        return _Raw("data:\n\n")
    if kind == "typed":
        return _Event({"type": "heartbeat"})
    raise ValueError(f"unknown heartbeat kind {kind!r}")


def error_event(message: str) -> Step:
    return _Event({"error": message})


def temporary_issue(style: Literal["adk", "typed"] = "adk") -> Step:
    return adk_text(TEMPORARY_ISSUE) if style == "adk" else typed_text(TEMPORARY_ISSUE)


def pause(seconds: float) -> Step:
    return _Pause(seconds)


def every(interval: float, step: Step, *, for_: float) -> Step:
    if interval <= 0:
        raise ValueError("interval must be positive")
    return _Every(interval, step, for_)


def cut() -> Step:
    return _Cut()


def change_draft(draft: Any) -> Step:
    return _ChangeDraft(draft)


def event(payload: Any) -> Step:
    return _Event(payload)


def raw(text: str, end: str = "\n\n") -> Step:
    return _Raw(text + end)


# ---------------------------------------------------------------- the generated render body

_FTYP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
_PATTERN = bytes(range(256)) * (2 * CHUNK // 256 + 1)


def _body_chunk(offset: int, length: int, size: int) -> bytes:
    start = offset % 256
    chunk = bytearray(_PATTERN[start : start + length])
    header = _FTYP + (max(size - len(_FTYP), 0) & 0xFFFFFFFF).to_bytes(4, "big") + b"mdat"
    if offset < len(header):
        overlap = header[offset : offset + length]
        chunk[: len(overlap)] = overlap
    return bytes(chunk)


def _iter_body(size: int) -> Iterator[bytes]:
    for offset in range(0, size, CHUNK):
        yield _body_chunk(offset, min(CHUNK, size - offset), size)


def mp4ish_bytes(size: int) -> bytes:
    """The exact body the fake serves for a render of `size` bytes (use for small sizes)."""
    return b"".join(_iter_body(size))


# ---------------------------------------------------------------- the server


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _extension(name: str, content_type: str = "") -> str:
    path = urlsplit(name).path if "://" in name else name
    base = path.rsplit("/", 1)[-1]
    if "." in base:
        ext = base.rsplit(".", 1)[-1].lower()
        return "jpg" if ext == "jpeg" else ext
    return _MIME_EXT.get(content_type.split(";", maxsplit=1)[0].strip().lower(), "")


class FakeNemo(FakeServer):
    """The fake NemoVideo server; see the module docstring for the whole API."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        operator_token: str | None = None,
        token_ttl: float = 7 * 24 * 3600,
        max_upload: int = 500 * 1024 * 1024,
        accepted_types: Sequence[str] = tuple(ACCEPTED_TYPES),
    ) -> None:
        super().__init__(host=host, port=port)
        self.requests: list[Recorded] = []
        self.header_violations: list[HeaderViolation] = []
        self.tokens_issued = 0
        self.client_ids: list[str] = []
        self.sessions: dict[str, FakeSession] = {}
        self.renders: dict[str, FakeRender] = {}
        self.turns: list[TurnRecord] = []
        self.adk_streaming: bool | None = None
        self.default_turn: list[Step] = [adk_text("Done.", pieces=2)]
        self.default_render = RenderScript(polls=2, size=200_000)
        self.max_upload = max_upload
        self.accepted_types: set[str] = {t.lower() for t in accepted_types}
        self.credits: dict[str, Any] = {"available": 25000, "frozen": 40, "total": 25040}
        self.anonymous_credits = 100
        self.token_ttl = token_ttl
        self.token_minimal = False
        self.tokens_per_client: int | None = None
        self.rate_limit_retry_after: float | None = 60
        self.draft_at: Literal["state", "data"] = "state"
        self.upload_shape: Literal["files", "uploaded_files"] = "files"
        self.upload_applies_to_draft = True
        self.upload_metadata: dict[str, Any] = {
            "duration": 10.0,
            "width": 1280,
            "height": 720,
            "fps": 30,
        }
        self.envelope_error_status = 200
        self.one_render_per_session = True
        self.latency: dict[str, float] = {}
        self._tokens: dict[str, _Token] = {}
        if operator_token is not None:
            self._tokens[operator_token] = _Token(
                operator_token, "operator", "usr_operator", None, None
            )
        self._expire_countdown: int | None = None
        self.failures: FailureScript[tuple[str, str | None], _Failure] = FailureScript()
        self._turn_scripts: dict[str | None, deque[list[Step]]] = {}
        self._render_scripts: dict[str | None, deque[RenderScript]] = {}
        self._counter = itertools.count(1)
        self._closing = asyncio.Event()
        self._streams: set[asyncio.BaseTransport] = set()

    # ------------------------------------------------------------ lifecycle

    client_max_size = 64 * 1024 * 1024

    async def start(self) -> None:
        self._closing = asyncio.Event()
        await super().start()

    def add_routes(self, r: web.UrlDispatcher) -> None:
        r.add_post("/api/auth/anonymous-token", self._wrap("token", self._token, auth=False))
        r.add_post("/api/tasks/me/with-session/nemo_agent", self._wrap("session", self._session))
        r.add_post("/run_sse", self._wrap("turn", self._turn))
        r.add_post("/api/upload-video/nemo_agent/me/{sid}", self._wrap("upload", self._upload))
        r.add_get("/api/credits/balance/simple", self._wrap("credits", self._credits))
        r.add_get("/api/state/nemo_agent/me/{sid}/latest", self._wrap("state", self._state))
        r.add_post("/api/render/proxy/lambda", self._wrap("render_submit", self._render_submit))
        r.add_get("/api/render/proxy/lambda/{rid}", self._wrap("render_poll", self._render_poll))
        r.add_post(
            "/api/render/proxy/lambda/{rid}/cancel",
            self._wrap("render_cancel", self._render_cancel),
        )
        r.add_get("/api/render/proxy/{rid}/download", self._wrap("render_download", self._download))
        r.add_get(
            "/render-result/{rid}.mp4",
            self._wrap("render_download", self._download, auth=False, attribution=False),
        )
        r.add_post("/api/auth/claim-token", self._wrap("claim", self._claim))
        r.add_route(
            "*", "/{tail:.*}", self._wrap("unknown", self._unknown, auth=False, attribution=False)
        )

    async def before_close(self) -> None:
        self._closing.set()
        # Open SSE streams would hold the runner's cleanup up; drop them first.
        for transport in list(self._streams):
            transport.close()

    # ------------------------------------------------------------ scripting

    def script_turn(self, *steps: Step, session: str | None = None) -> None:
        self._turn_scripts.setdefault(session, deque()).append(list(steps))

    def fail(
        self,
        endpoint: str,
        *,
        code: int | None = None,
        status: int = 200,
        message: str | None = None,
        times: int | None = 1,
        retry_after: float | str | None = None,
        body: Any = None,
        message_key: str = "message",
        session: str | None = None,
        after: int = 0,
    ) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        self.failures.add(
            lambda call: call[0] == endpoint and (session is None or call[1] == session),
            _Failure(code, status, message, retry_after, body, message_key),
            times=times,
            after=after,
            label=endpoint,
        )

    def clear_failures(self) -> None:
        self.failures.heal()

    def expire_tokens_after(self, n_calls: int) -> None:
        self._expire_countdown = n_calls

    def revoke(self, token: str) -> None:
        if token in self._tokens:
            self._tokens[token].revoked = True

    @property
    def valid_tokens(self) -> list[str]:
        now = time.time()
        return [
            t.token
            for t in self._tokens.values()
            if not t.revoked and (t.expires_at is None or t.expires_at > now)
        ]

    @property
    def all_tokens(self) -> list[str]:
        """Every token the fake knows (issued, operator, revoked or expired): for leak checks."""
        return list(self._tokens)

    def script_render(
        self,
        polls: int = 3,
        *,
        outcome: Literal["completed", "failed"] = "completed",
        url_shape: UrlShape = "output.url",
        size: int = 1_000_000,
        envelope: Envelope = "bare",
        error: str = "Render failed",
        duplicate_id_first: bool = False,
        session: str | None = None,
        duration: float = 10.0,
        error_at: Literal["error", "data.error"] | None = None,
        cut_download_at: int | None = None,
    ) -> None:
        script = RenderScript(
            polls,
            outcome,
            url_shape,
            size,
            envelope,
            error,
            duplicate_id_first,
            duration,
            error_at,
            cut_download_at,
        )
        self._render_scripts.setdefault(session, deque()).append(script)

    def set_draft(self, session_id: str, draft: Any) -> None:
        self.sessions[session_id].draft = draft

    def add_session(self, session_id: str | None = None, draft: Any = None) -> FakeSession:
        n = next(self._counter)
        sid = session_id or str(5529798706024415232 + n)
        session = FakeSession(sid, f"task_{n}", "usr_test")
        if draft is not None:
            session.draft = draft
        self.sessions[sid] = session
        return session

    # ------------------------------------------------------------ inspection

    def calls(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint == endpoint]

    async def wait_calls(self, endpoint: str, n: int = 1, timeout: float = 5.0) -> list[Recorded]:
        await self.wait_until(lambda: len(self.calls(endpoint)) >= n, timeout)
        return self.calls(endpoint)

    async def wait_turns(
        self, n: int = 1, outcome: str | None = None, timeout: float = 5.0
    ) -> list[TurnRecord]:
        def done() -> list[TurnRecord]:
            return [t for t in self.turns if outcome is None or t.outcome == outcome]

        await self.wait_until(lambda: len(done()) >= n, timeout)
        return done()

    # ------------------------------------------------------------ the common path

    def _wrap(
        self, endpoint: str, handler: Any, *, auth: bool = True, attribution: bool = True
    ) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            rec = await self._record(request, endpoint)
            try:
                resp = await self._serve(request, rec, handler, auth, attribution)
            finally:
                await self.changed()
            if not rec.status:
                rec.status = resp.status
            return resp

        return wrapped

    async def _record(self, request: web.Request, endpoint: str) -> Recorded:
        streamed = endpoint == "upload" and request.content_type != "application/json"
        body = b"" if streamed else await request.read()
        parsed: Any = None
        if body:
            with contextlib.suppress(ValueError):
                parsed = json.loads(body)
        sid = request.match_info.get("sid")
        if sid is None and isinstance(parsed, dict):
            found = parsed.get("session_id", parsed.get("sessionId"))
            sid = None if found is None else str(found)
        render = self.renders.get(request.match_info.get("rid", ""))
        if sid is None and render is not None:
            sid = render.session_id
        rec = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=Headers({k.lower(): v for k, v in request.headers.items()}),
            body_size=len(body),
            json=parsed,
            content_type=request.headers.get("Content-Type", ""),
            endpoint=endpoint,
            session_id=sid,
        )
        self.requests.append(rec)
        await self.changed()
        return rec

    async def _serve(
        self, request: web.Request, rec: Recorded, handler: Any, auth: bool, attribution: bool
    ) -> web.StreamResponse:
        endpoint = rec.endpoint
        missing = [h for h in ATTRIBUTION if not request.headers.get(h)] if attribution else []
        if auth and not request.headers.get("Authorization", "").startswith("Bearer "):
            missing.append("Authorization")
        if endpoint == "turn" and "text/event-stream" not in request.headers.get("Accept", ""):
            missing.append("Accept")
        if missing:
            self.header_violations.append(
                HeaderViolation(endpoint, request.method, request.path, tuple(missing))
            )
        if endpoint == "render_submit" and any(h in missing for h in ATTRIBUTION):
            return web.json_response(
                {"success": False, "error": "Payment Required: missing attribution headers"},
                status=402,
            )
        delay = self.latency.get(endpoint)
        if delay:
            # Wakes early on shutdown, so a slow endpoint never holds up a test's teardown.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        failure = self._take_failure(endpoint, rec.session_id)
        if failure is not None:
            return self._failure_response(failure, endpoint, rec.session_id)
        if auth:
            bad = self._check_token(request)
            if bad:
                return self._envelope_error(1001, bad)
        response: web.StreamResponse = await handler(request, rec)
        return response

    def _take_failure(self, endpoint: str, sid: str | None) -> _Failure | None:
        return self.failures.take((endpoint, sid))

    def _failure_response(self, f: _Failure, endpoint: str, sid: str | None) -> web.Response:
        headers = {} if f.retry_after is None else {"Retry-After": str(f.retry_after)}
        if f.body is not None:
            if isinstance(f.body, str):
                return web.Response(text=f.body, status=f.status, headers=headers)
            if isinstance(f.body, bytes):
                return web.Response(
                    body=f.body, status=f.status, headers=headers, content_type="text/plain"
                )
            return web.json_response(f.body, status=f.status, headers=headers)
        if f.code is not None:
            message = f.message or _CODE_MESSAGES.get(f.code, f"Error {f.code}")
            if f.code == 1002 and f.message is None and sid:
                message = f"Session not found: {sid}"
            payload: dict[str, Any] = {"code": f.code, f.message_key: message, "data": None}
            return web.json_response(payload, status=f.status, headers=headers)
        message = f.message or _STATUS_MESSAGES.get(f.status, f"HTTP {f.status}")
        if f.status == 404 and f.message is None and endpoint in ("turn", "state", "upload"):
            message = f"Session not found: {sid}"
        if endpoint in _RENDER_ENDPOINTS:
            return web.json_response(
                {"success": False, "error": message}, status=f.status, headers=headers
            )
        return web.json_response({"detail": message}, status=f.status, headers=headers)

    def _envelope_error(self, code: int, message: str | None = None) -> web.Response:
        payload = {"code": code, "message": message or _CODE_MESSAGES[code], "data": None}
        return web.json_response(payload, status=self.envelope_error_status)

    def _check_token(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return "Missing bearer token"
        info = self._tokens.get(header[len("Bearer ") :])
        if info is None:
            return "Invalid token"
        if info.revoked:
            return "Token expired"
        if info.expires_at is not None and info.expires_at <= time.time():
            return "Token expired"
        if self._expire_countdown is not None:
            if self._expire_countdown <= 0:
                self._expire_countdown = None
                for t in self._tokens.values():
                    t.revoked = True
                return "Token expired"
            self._expire_countdown -= 1
        return None

    @staticmethod
    def _ok(data: Any) -> web.Response:
        return web.json_response({"code": 0, "data": data})

    def _session_or_error(self, sid: str | None) -> FakeSession | web.Response:
        session = self.sessions.get(sid or "")
        if session is None:
            return self._envelope_error(1002, f"Session not found: {sid}")
        return session

    # ------------------------------------------------------------ handlers

    async def _unknown(self, request: web.Request, rec: Recorded) -> web.Response:
        return web.json_response({"detail": "Not Found"}, status=404)

    async def _token(self, request: web.Request, rec: Recorded) -> web.Response:
        client_id = request.headers.get("X-Client-Id", "")
        if not client_id:
            return web.json_response({"detail": "X-Client-Id header is required"}, status=400)
        if len(client_id) > 64:
            return web.json_response(
                {"detail": "X-Client-Id must be at most 64 characters"}, status=400
            )
        self.client_ids.append(client_id)
        if (
            self.tokens_per_client is not None
            and self.client_ids.count(client_id) > self.tokens_per_client
        ):
            headers = (
                {}
                if self.rate_limit_retry_after is None
                else {"Retry-After": str(self.rate_limit_retry_after)}
            )
            return web.json_response(
                {"detail": "Too many anonymous tokens for this client"},
                status=429,
                headers=headers,
            )
        self.tokens_issued += 1
        token = f"nmv_usr_anon{self.tokens_issued}_{secrets.token_hex(8)}"
        user_id = "anon_" + client_id[:12].replace("-", "")
        expires = time.time() + self.token_ttl
        self._tokens[token] = _Token(token, "anonymous", user_id, client_id, expires)
        data: dict[str, Any] = {"token": token, "credits": self.anonymous_credits}
        if not self.token_minimal:
            data.update({"user_id": user_id, "expires_at": _iso(expires)})
        return self._ok(data)

    def _user_of(self, request: web.Request) -> str:
        token = request.headers.get("Authorization", "")[len("Bearer ") :]
        info = self._tokens.get(token)
        return info.user_id if info else "usr_unknown"

    async def _session(self, request: web.Request, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else {}
        session = self.add_session()
        session.user_id = self._user_of(request)
        session.language = body.get("language")
        session.task_name = body.get("task_name")
        return self._ok(
            {
                "session_id": session.session_id,
                "task_id": session.task_id,
                "user_id": session.user_id,
            }
        )

    async def _turn(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        body = rec.json if isinstance(rec.json, dict) else None
        problems = _turn_problems(body)
        if body is None or problems:
            return web.json_response(
                {"detail": problems or ["body must be a JSON object"]}, status=422
            )
        sid = str(body["session_id"])
        session = self.sessions.get(sid)
        if session is None:
            return web.json_response({"detail": f"Session not found: {sid}"}, status=404)
        parts = body["new_message"]["parts"]
        message = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
        session.messages.append(message)
        steps = self._next_turn(sid)
        requested = body.get("streaming")
        streaming = self.adk_streaming if self.adk_streaming is not None else requested is True
        record = TurnRecord(sid, message, requested_streaming=requested, streaming=streaming)
        self.turns.append(record)
        resp = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
            },
        )
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        rec.status = 200
        transport = request.transport
        if transport is not None:
            self._streams.add(transport)
        turn = TurnStream(request, resp, session, self._closing, streaming=streaming)
        try:
            for step in steps:
                await step.run(turn)
            if turn.client_gone:  # it left before the end: a real ADK run is aborted now
                raise ConnectionResetError("the client closed the stream")
            await resp.write_eof()
            record.outcome = "completed"
        except _CutStream:
            record.outcome = "cut"
            if request.transport is not None:
                request.transport.abort()
        except ConnectionError:
            record.outcome = "disconnected"
        finally:
            if transport is not None:
                self._streams.discard(transport)
            await self.changed()
        return resp

    def _next_turn(self, sid: str) -> list[Step]:
        for key in (sid, None):
            queue = self._turn_scripts.get(key)
            if queue:
                return queue.popleft()
        return list(self.default_turn)

    async def _upload(self, request: web.Request, rec: Recorded) -> web.Response:
        found = self._session_or_error(request.match_info["sid"])
        if isinstance(found, web.Response):
            return found
        session = found
        if request.content_type == "application/json":
            return self._upload_urls(session, rec)
        if not request.content_type.startswith("multipart/"):
            return web.json_response(
                {"detail": "multipart/form-data or application/json expected"}, status=400
            )
        length = request.content_length
        if length is not None and length > self.max_upload + MULTIPART_SLACK:
            return self._envelope_error(4002, f"File too large: at most {self.max_upload} bytes")
        try:
            return await self._upload_multipart(request, rec, session)
        finally:
            rec.body_size = request.content.total_bytes

    async def _upload_multipart(
        self, request: web.Request, rec: Recorded, session: FakeSession
    ) -> web.Response:
        reader = await request.multipart()
        total = 0
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                return web.json_response({"detail": "nested multipart is not accepted"}, status=400)
            if part.name != "files":
                while await part.read_chunk(CHUNK):
                    pass
                continue
            filename = part.filename or ""
            received = ReceivedFile(filename, part.headers.get("Content-Type", ""))
            rec.files.append(received)
            if _extension(filename, received.content_type) not in self.accepted_types:
                return self._envelope_error(
                    4001, f"Unsupported file type: {filename or received.content_type}"
                )
            while chunk := await part.read_chunk(CHUNK):
                received.size += len(chunk)
                received.chunks += 1
                received.largest_chunk = max(received.largest_chunk, len(chunk))
                total += len(chunk)
                if total > self.max_upload:
                    return self._envelope_error(
                        4002, f"File too large: at most {self.max_upload} bytes"
                    )
        if not rec.files:
            return web.json_response({"detail": "no `files` part in the upload"}, status=400)
        session.uploads.extend(rec.files)
        return self._ok(self._upload_answer(session, [(f.filename, f.size) for f in rec.files]))

    def _upload_urls(self, session: FakeSession, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else {}
        urls = body.get("urls")
        if (
            not isinstance(urls, list)
            or not urls
            or not all(isinstance(u, str) for u in urls)
            or body.get("source_type") != "url"
        ):
            return web.json_response(
                {"detail": 'expected {"urls": [<url>, ...], "source_type": "url"}'}, status=400
            )
        for url in urls:
            if _extension(url) not in self.accepted_types:
                return self._envelope_error(4001, f"Unsupported file type: {url}")
        session.url_uploads.extend(urls)
        names = [urlsplit(u).path.rsplit("/", 1)[-1] or "file" for u in urls]
        return self._ok(self._upload_answer(session, [(n, 0) for n in names]))

    def _upload_answer(self, session: FakeSession, files: list[tuple[str, int]]) -> Any:
        entries = []
        for filename, size in files:
            ext = _extension(filename)
            kind = "audio" if ext in _AUDIO else "image" if ext in _IMAGE else "video"
            n = next(self._counter)
            cdn = f"{self.url}/cdn/{session.session_id}/{n}/{quote(filename)}"
            if self.upload_shape == "uploaded_files":
                entries.append({"url": cdn, "filename": filename, "size": size})
            else:
                entries.append(
                    {
                        "filename": filename,
                        "file_type": kind,
                        "cdn_url": cdn,
                        **self.upload_metadata,
                        "hash": f"h{n:08x}",
                    }
                )
            if self.upload_applies_to_draft and isinstance(session.draft, dict):
                _append_segment(session.draft, filename, kind, self.upload_metadata, n)
        if self.upload_shape == "uploaded_files":
            return {"uploaded_files": entries}
        return {"files": entries, "session_state_applied": self.upload_applies_to_draft}

    async def _credits(self, request: web.Request, rec: Recorded) -> web.Response:
        return self._ok(dict(self.credits))

    async def _state(self, request: web.Request, rec: Recorded) -> web.Response:
        found = self._session_or_error(request.match_info["sid"])
        if isinstance(found, web.Response):
            return found
        s = found
        state: dict[str, Any] = {
            "video_infos": [
                {"filename": f.filename, "size": f.size, **self.upload_metadata} for f in s.uploads
            ],
            "generated_media": [],
            "canvas_config": {"width": 1280, "height": 720},
            "video_analyses": {},
        }
        data: dict[str, Any] = {
            "session_id": s.session_id,
            "task_id": s.task_id,
            "task_name": s.task_name or "project",
        }
        if self.draft_at == "data":
            data["draft"] = s.draft
        else:
            state["draft"] = s.draft
        data["state"] = state
        return self._ok(data)

    # ------------------------------------------------------------ render

    def _render_reply(
        self, script: RenderScript, fields: dict[str, Any], status: int = 200
    ) -> web.Response:
        if script.envelope == "success":
            return web.json_response({"success": True, "data": fields}, status=status)
        return web.json_response(fields, status=status)

    async def _render_submit(self, request: web.Request, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else {}
        rid, sid = body.get("id"), body.get("sessionId")
        if not isinstance(rid, str) or not rid or not isinstance(sid, str) or not sid:
            return web.json_response(
                {"success": False, "error": "`id` and `sessionId` (strings) are required"},
                status=400,
            )
        if "draft" not in body:
            return web.json_response({"success": False, "error": "`draft` is required"}, status=400)
        session = self.sessions.get(sid)
        if session is None:
            return web.json_response(
                {"success": False, "error": f"Session not found: {sid}"}, status=404
            )
        script = self._next_render(sid)
        if script.duplicate_id_first or rid in self.renders:
            if script.duplicate_id_first:
                queue = self._render_scripts.setdefault(sid, deque())
                queue.appendleft(replace(script, duplicate_id_first=False))
            return web.json_response(
                {"success": False, "error": f"Duplicate render id: {rid}"}, status=409
            )
        if self.one_render_per_session and any(
            self.renders[r].active for r in session.renders if r in self.renders
        ):
            self._render_scripts.setdefault(sid, deque()).appendleft(script)
            return web.json_response(
                {"success": False, "error": f"A render is already running for session {sid}"},
                status=409,
            )
        render = FakeRender(rid, sid, script, body.get("draft"), body.get("output"))
        self.renders[rid] = render
        session.renders.append(rid)
        return self._render_reply(script, {"id": rid, "status": "pending", "progress": 0})

    def _next_render(self, sid: str) -> RenderScript:
        for key in (sid, None):
            queue = self._render_scripts.get(key)
            if queue:
                return queue.popleft()
        return self.default_render

    def _render_or_404(self, rid: str) -> FakeRender | web.Response:
        render = self.renders.get(rid)
        if render is None:
            return web.json_response(
                {"success": False, "error": f"Render not found: {rid}"}, status=404
            )
        return render

    async def _render_poll(self, request: web.Request, rec: Recorded) -> web.Response:
        found = self._render_or_404(request.match_info["rid"])
        if isinstance(found, web.Response):
            return found
        render, script = found, found.script
        render.polls += 1
        status = render.status
        if status in ("pending", "processing"):
            progress = round(100 * render.polls / (script.polls + 1))
        else:
            progress = (
                100
                if status == "completed"
                else round(100 * min(render.polls, script.polls) / (script.polls + 1))
            )
        fields: dict[str, Any] = {
            "id": render.render_id,
            "taskId": render.render_id,
            "status": status,
            "progress": progress,
        }
        if script.envelope == "success":  # the v4.4 shape also carried epoch-ms timestamps
            fields["createdAt"] = int(render.created_at * 1000)
        extra: dict[str, Any] = {}
        if status == "completed":
            render.completed_at = render.completed_at or time.time()
            if script.envelope == "success":
                fields["completedAt"] = int(render.completed_at * 1000)
            url = f"{self.url}/render-result/{quote(render.render_id)}.mp4"
            shape = script.url_shape
            if script.envelope == "success":
                shape = shape.removeprefix("data.")  # type: ignore[assignment]
            output = {"url": url, "size": script.size, "duration": script.duration}
            target = fields
            if shape.startswith("data."):
                target = extra.setdefault("data", {})
                shape = shape.removeprefix("data.")  # type: ignore[assignment]
            if shape == "none":
                pass  # completed, but no URL and no size: only the fallback route has it
            elif shape == "output.url":
                target["output"] = output
            else:
                target["outputUrl"] = url
        elif status == "failed":
            error = "Render cancelled" if render.cancelled else script.error
            where = script.error_at or ("data.error" if script.envelope == "success" else "error")
            if where == "error" and script.envelope == "success":
                return web.json_response({"success": True, "data": fields, "error": error})
            if where == "data.error" and script.envelope == "bare":
                extra["data"] = {"error": error}
            else:
                fields["error"] = error
        if script.envelope == "success":
            return web.json_response({"success": True, "data": fields})
        return web.json_response({**fields, **extra})

    async def _render_cancel(self, request: web.Request, rec: Recorded) -> web.Response:
        found = self._render_or_404(request.match_info["rid"])
        if isinstance(found, web.Response):
            return found
        if found.status != "completed":
            found.cancelled = True
        return self._render_reply(
            found.script,
            {"id": found.render_id, "status": found.status, "cancelled": found.cancelled},
        )

    async def _download(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        found = self._render_or_404(request.match_info["rid"])
        if isinstance(found, web.Response):
            return found
        if found.status != "completed":
            return web.json_response(
                {"success": False, "error": f"Render {found.render_id} is not completed"},
                status=404,
            )
        found.downloads += 1
        size = found.script.size
        resp = web.StreamResponse(
            headers={"Content-Type": "video/mp4", "Content-Length": str(size)}
        )
        await resp.prepare(request)
        rec.status = 200
        cut_at = found.script.cut_download_at if found.downloads == 1 else None
        with contextlib.suppress(ConnectionError):
            sent = 0
            for chunk in _iter_body(size):
                if cut_at is not None and sent + len(chunk) >= cut_at:
                    await resp.write(chunk[: cut_at - sent])
                    found.bytes_served += cut_at - sent
                    if request.transport is not None:
                        request.transport.abort()
                    return resp
                await resp.write(chunk)
                sent += len(chunk)
                found.bytes_served += len(chunk)
            await resp.write_eof()
        return resp

    async def _claim(self, request: web.Request, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else {}
        found = self._session_or_error(str(body.get("session_id", "")))
        if isinstance(found, web.Response):
            return found
        if body.get("task_id") != found.task_id:
            return web.json_response({"detail": "task_id does not match the session"}, status=400)
        return self._ok({"claim_token": "clm_" + secrets.token_hex(12), "expires_in": 604800})


def _turn_problems(body: dict[str, Any] | None) -> list[str]:
    if body is None:
        return []
    problems = []
    for key, wanted in (("app_name", "nemo_agent"), ("user_id", "me"), ("session_id", None)):
        value = body.get(key)
        if not isinstance(value, str) or not value:
            problems.append(f"{key}: a non-empty string is required")
        elif wanted is not None and value != wanted:
            problems.append(f"{key}: expected {wanted!r}, got {value!r}")
    if "streaming" in body and not isinstance(body["streaming"], bool):
        problems.append("streaming: a boolean is required")
    message = body.get("new_message")
    parts = message.get("parts") if isinstance(message, dict) else None
    if not isinstance(parts, list) or not parts:
        problems.append("new_message.parts: a non-empty list is required")
    return problems


def _append_segment(
    draft: dict[str, Any], name: str, kind: str, meta: dict[str, Any], n: int
) -> None:
    tt = 1 if kind == "audio" else 0
    tracks = draft.setdefault("t", [])
    track = next((t for t in tracks if isinstance(t, dict) and t.get("tt") == tt), None)
    if track is None:
        track = {"id": f"track_{n}", "tt": tt, "sg": [], "m": {}}
        tracks.append(track)
    duration_ms = int(float(meta.get("duration", 10.0)) * 1000)
    start = sum(int(s.get("d", 0)) for s in track.setdefault("sg", []) if isinstance(s, dict))
    track["sg"].append({"id": f"seg_{n}", "s": start, "d": duration_ms, "m": {"name": name}})
    draft["d"] = max(int(draft.get("d") or 0), start + duration_ms)
    draft.setdefault("m", {}).update({"width": meta.get("width"), "height": meta.get("height")})


# ---------------------------------------------------------------- standalone


def _demo_turn() -> list[Step]:
    """The standalone default: tool activity, heartbeats of each form, streamed text."""
    return [
        adk_reply(
            "I'll compress your video to under 50 MB.",
            calls=[("compress_video", {"target_mb": 50})],
        ),
        heartbeat("comment"),
        every(0.5, heartbeat("empty"), for_=1.0),
        adk_tool_result("compress_video", {"ok": True, "size_mb": 48}),
        heartbeat("typed"),
        adk_reply('Your video is compressed to 48 MB. Say "export" to get the file.', delay=0.3),
    ]


async def _serve_forever(args: argparse.Namespace) -> None:
    fake = FakeNemo(port=args.port, operator_token=args.operator_token)
    fake.default_turn = _demo_turn()
    fake.adk_streaming = args.streaming
    fake.default_render = RenderScript(polls=args.render_polls, size=args.render_size)
    async with fake:
        print(f"fake NemoVideo on {fake.url}  (NEMO_API_URL={fake.url})", flush=True)
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake NemoVideo server.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--operator-token", default=None)
    parser.add_argument("--render-polls", type=int, default=3)
    parser.add_argument("--render-size", type=int, default=2_000_000)
    parser.add_argument(
        "--streaming",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve ADK streaming mode (or not) whatever the request's `streaming` says",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args))


if __name__ == "__main__":
    main()
