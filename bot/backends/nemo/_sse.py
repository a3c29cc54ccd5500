"""A `/run_sse` byte stream turned into the neutral turn events of `bot.backends.base`.

Three layers, each small: `frames` splits Server-Sent Events (keeping comment lines, which
httpx-sse drops, because `: ping` is one of NemoVideo's heartbeat forms); `_Assembler` reads each
payload form (ADK events, typed `{"type": ...}` events, heartbeats, errors), joins partial text and
holds back a trailing "I encountered a temporary issue"; `turn_events` bounds the whole turn and
any heartbeat-only stretch, and turns a cut stream into `Failure(stream_broken=True)`. The last
event is always `TurnEnded`.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.backends.base import Failure, Heartbeat, Text, ToolActivity, TurnEnded, TurnEvent
from bot.errors import TimedOut, Transient, TurnFailed

from ._payloads import warn_unknown

WHERE = "POST /run_sse"
TEMPORARY_ISSUE = re.compile(r"encountered a temporary issue", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE event's data (lines joined with newlines), or a comment when `comment` is set."""

    data: str
    comment: bool = False


async def frames(chunks: AsyncIterator[bytes]) -> AsyncGenerator[Frame, None]:
    """SSE framing per the HTML standard: lines end in CR, LF or CRLF (nothing else: JSON may
    carry U+2028), `data:` lines accumulate until a blank line, `:` lines are comments."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    data: list[str] | None = None
    async for chunk in chunks:
        pending += decoder.decode(chunk)
        while True:
            match = re.search(r"\r\n|\r|\n", pending)
            if match is None:
                break
            if match.group() == "\r" and match.end() == len(pending):
                break  # a CR at the end may be the first half of CRLF: wait for more
            line, pending = pending[: match.start()], pending[match.end() :]
            if not line:
                if data is not None:
                    yield Frame("\n".join(data))
                data = None
            elif line.startswith(":"):
                yield Frame(line[1:].strip(), comment=True)
            else:
                name, _, value = line.partition(":")
                if name == "data":
                    (data := data if data is not None else []).append(value.removeprefix(" "))
    # The stream closed: an event without its blank line is dropped, as the standard says.


class _Assembler:
    """Payloads in, events out. Knows every payload form; keeps the turn's small state."""

    def __init__(self) -> None:
        self.partial: list[str] = []
        self.held: str | None = None  # "I encountered a temporary issue", maybe trailing
        self.worked = False  # real text or a tool call came before
        self.saw_text = False
        self.progressed = False  # set on anything but a heartbeat; the reader clears it

    def feed(self, frame: Frame) -> list[TurnEvent]:
        if frame.comment or not frame.data.strip():
            return [Heartbeat()]
        try:
            payload: Any = json.loads(frame.data)
        except ValueError:
            warn_unknown(f"{WHERE} non-JSON data", "")
            return []
        if not isinstance(payload, dict):
            warn_unknown(WHERE, payload)
            return []
        kind = payload.get("type")
        if isinstance(kind, str):
            return self._typed(kind.lower(), payload)
        if "content" in payload or "errorCode" in payload or "errorMessage" in payload:
            return self._adk(payload)
        if "error" in payload:
            return self._failure(_text_of(payload["error"]) or "error event", None)
        if {"invocationId", "author", "actions", "turnComplete"} & payload.keys():
            self.progressed = True  # an ADK event with nothing to show (state delta, end)
            return []
        warn_unknown(WHERE, payload)
        return []

    def finish(self) -> list[TurnEvent]:
        """The stream ended: flush joined partials; a held trailing notice is dropped."""
        events = self._flush_partial()
        if self.held is not None and not self.worked:
            events.append(self._say(self.held))
        self.held = None
        return [*events, TurnEnded(saw_text=self.saw_text)]

    # payload forms -----------------------------------------------------------------------------

    def _typed(self, kind: str, payload: dict[str, Any]) -> list[TurnEvent]:
        if kind in ("heartbeat", "ping", "keepalive"):
            return [Heartbeat()]
        if kind in ("text", "message"):
            text = _text_of(payload.get("content", payload.get("text")))
            return self._text(text, partial=bool(payload.get("partial")))
        if kind in ("tool_call", "function_call"):
            return self._tool(str(payload.get("name") or "tool"))
        if kind in ("tool_result", "function_response", "thought"):
            self.progressed = True
            return self._flush_partial()
        if kind == "error":
            message = _text_of(payload.get("message") or payload.get("error") or payload)
            return self._failure(message, None)
        if kind in ("done", "end", "turn_complete", "complete"):
            self.progressed = True
            return []
        warn_unknown(f"{WHERE} type {kind!r}", payload)
        return []

    def _adk(self, payload: dict[str, Any]) -> list[TurnEvent]:
        events: list[TurnEvent] = []
        content = payload.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        role = content.get("role") if isinstance(content, dict) else None
        partial = bool(payload.get("partial"))
        self.progressed = True
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict):
                continue
            call = part.get("functionCall")
            if isinstance(call, dict):
                events += self._tool(str(call.get("name") or "tool"))
            elif part.get("thought") or "functionResponse" in part:
                events += self._flush_partial()
            elif isinstance(part.get("text"), str) and role != "user":
                events += self._text(part["text"], partial=partial)
        if payload.get("errorCode") or payload.get("errorMessage"):
            code, message = payload.get("errorCode"), payload.get("errorMessage")
            detail = " ".join(str(x) for x in (code, message) if x)
            events += self._failure(detail, None)
        return events

    # event makers ------------------------------------------------------------------------------

    def _text(self, text: str, *, partial: bool) -> list[TurnEvent]:
        self.progressed = True
        if partial:
            self.partial.append(text)
            return []
        joined = "".join(self.partial)
        self.partial = []
        if joined and not text.startswith(joined):
            return [*self._message(joined), *self._message(text)]
        return self._message(text)  # the whole message after its pieces, not a repeat

    def _tool(self, name: str) -> list[TurnEvent]:
        self.progressed = True
        events = [*self._flush_partial(), *self._release_held()]
        self.worked = True
        return [*events, ToolActivity(name)]

    def _failure(self, detail: str, code: int | None) -> list[TurnEvent]:
        self.progressed = True
        events = [*self._flush_partial(), *self._release_held()]
        return [*events, Failure(TurnFailed(f"{WHERE}: {detail}", code=code))]

    def _flush_partial(self) -> list[TurnEvent]:
        joined = "".join(self.partial)
        self.partial = []
        return self._message(joined) if joined else []

    def _message(self, text: str) -> list[TurnEvent]:
        if not text.strip():
            return []
        events = self._release_held()
        if TEMPORARY_ISSUE.search(text) and self.worked:
            self.held = text  # shown only if more work follows it
            return events
        self.worked = True
        return [*events, self._say(text)]

    def _release_held(self) -> list[TurnEvent]:
        if self.held is None:
            return []
        held, self.held = self.held, None
        return [self._say(held)]

    def _say(self, text: str) -> Text:
        self.saw_text = True
        return Text(text)


async def turn_events(
    chunks: AsyncIterator[bytes], *, turn_timeout: float, heartbeat_timeout: float
) -> AsyncIterator[TurnEvent]:
    """The events of one turn, ending with `TurnEnded`. The whole turn is bounded by
    `turn_timeout` seconds and any stretch of nothing but heartbeats by `heartbeat_timeout`;
    either bound, or a cut connection, yields `Failure(Transient, stream_broken=True)` (the work
    may go on server-side: the core polls the state, never resends)."""
    assembler = _Assembler()
    stream = frames(chunks)
    loop = asyncio.get_running_loop()
    started = last_work = loop.time()
    try:
        while True:
            now = loop.time()
            turn_left = started + turn_timeout - now
            quiet_left = last_work + heartbeat_timeout - now
            try:
                # Bound only the read, never a yield: the consumer's time is not ours to cancel.
                async with asyncio.timeout(max(0.0, min(turn_left, quiet_left))):
                    frame = await anext(stream)
            except StopAsyncIteration:
                break
            except TimeoutError:
                if turn_left <= quiet_left:
                    detail = f"{WHERE}: turn still running after {turn_timeout:g}s, gave up"
                    timed_out = TimedOut(detail, seconds=turn_timeout, quiet=False)
                else:
                    detail = f"{WHERE}: only heartbeats for {heartbeat_timeout:g}s, gave up"
                    timed_out = TimedOut(detail, seconds=heartbeat_timeout, quiet=True)
                for event in assembler.finish()[:-1]:
                    yield event
                yield Failure(timed_out, stream_broken=True)
                yield TurnEnded(saw_text=assembler.saw_text)
                return
            except httpx.TransportError as exc:
                for event in assembler.finish()[:-1]:
                    yield event
                detail = f"{WHERE}: stream broke mid-turn ({type(exc).__name__})"
                yield Failure(Transient(detail), stream_broken=True)
                yield TurnEnded(saw_text=assembler.saw_text)
                return
            for event in assembler.feed(frame):
                yield event
            if assembler.progressed:
                assembler.progressed = False
                last_work = loop.time()
        for event in assembler.finish():
            yield event
    finally:
        await stream.aclose()


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "message", "content"):
            if isinstance(value.get(key), str):
                return str(value[key])
    if isinstance(value, list):
        return "".join(_text_of(item) for item in value)
    return "" if value is None else str(value)
