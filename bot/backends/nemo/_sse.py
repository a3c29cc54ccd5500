"""A `/run_sse` byte stream turned into the neutral turn events of `bot.backends.base`; the
payload shapes it reads are in docs/nemovideo-protocol.md#turn.

Three layers, each small: `frames` splits Server-Sent Events (keeping comment lines, which
httpx-sse drops, because `: ping` is one of NemoVideo's heartbeat forms); `_Assembler` reads each
payload form (ADK events, typed `{"type": ...}` events, heartbeats, errors), joins ADK's partial
runs into one message, reports each tool call once under a friendly label, and holds back a
trailing "I encountered a temporary issue"; `turn_events` bounds the whole turn and any
heartbeat-only stretch, and turns a cut stream into `Failure(stream_broken=True)`. The last event
is always `TurnEnded`, and an agent's error comes just before it: the stream is read to its end,
because closing it early aborts the agent's run. The one exception is a line or event over
`EVENT_LIMIT`: that turn ends with a `ProtocolError` and its stream is dropped.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.backends.base import Failure, Heartbeat, Text, ToolActivity, TurnEnded, TurnEvent
from bot.errors import ProtocolError, TimedOut, Transient, TurnFailed

from ._payloads import warn_unknown
from ._tools import tool_label

log = logging.getLogger("bot.backends.nemo")

WHERE = "POST /run_sse"
TEMPORARY_ISSUE = re.compile(r"encountered a temporary issue", re.IGNORECASE)
_EOL = re.compile(r"\r\n|\r|\n")

EVENT_LIMIT = 4 * 1024 * 1024
"""Characters in one SSE line or one event's data. A turn's events carry a chat message, tool
calls and at most a draft (tens of kB even for a long timeline); 4 MiB is far above any of them
and bounds what one turn can make us hold and parse."""


class EventTooLarge(ProtocolError):
    """An SSE line or event passed `EVENT_LIMIT`: the turn ends and the stream is dropped."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One SSE event's data (lines joined with newlines), or a comment when `comment` is set."""

    data: str
    comment: bool = False


class _Event:
    """The `data:` lines of the event being read, bounded by `limit` characters in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data: list[str] | None = None
        self.size = 0

    def line(self, line: str) -> Frame | None:
        """One whole line in; the frame it completes (an event or a comment), if any."""
        if not line:
            frame = None if self.data is None else Frame("\n".join(self.data))
            self.data, self.size = None, 0
            return frame
        if line.startswith(":"):
            return Frame(line[1:].strip(), comment=True)
        name, _, value = line.partition(":")
        if name == "data":
            self.size += len(value)
            if self.size > self.limit:
                raise EventTooLarge(
                    f"{WHERE}: an event over {self.limit} characters, stopped reading"
                )
            (self.data if self.data is not None else self._open()).append(value.removeprefix(" "))
        return None

    def _open(self) -> list[str]:
        self.data = []
        return self.data


async def frames(
    chunks: AsyncIterator[bytes], *, limit: int = EVENT_LIMIT
) -> AsyncGenerator[Frame, None]:
    """SSE framing per the HTML standard: lines end in CR, LF or CRLF (nothing else: JSON may
    carry U+2028), `data:` lines accumulate until a blank line, `:` lines are comments.

    Linear in the stream's length: each chunk is scanned once and a line's pieces are joined
    once, at its end. A line or an event's data over `limit` characters raises
    `EventTooLarge`: nothing in a chat turn is that big, and without a bound one line could
    hold any amount of memory."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    line: list[str] = []  # the pieces of the line not ended yet
    line_size = 0
    event = _Event(limit)
    after_cr = False  # the last chunk ended in CR: an LF opening the next one ends nothing
    too_long = f"{WHERE}: a line over {limit} characters, stopped reading"
    async for chunk in chunks:
        text = decoder.decode(chunk)
        if after_cr and text.startswith("\n"):
            text = text[1:]
        after_cr = text.endswith("\r")
        start = 0
        for match in _EOL.finditer(text):
            if line_size + match.start() - start > limit:
                raise EventTooLarge(too_long)
            line.append(text[start : match.start()])
            start = match.end()
            whole = "".join(line)
            line.clear()
            line_size = 0
            if (frame := event.line(whole)) is not None:
                yield frame
        line.append(text[start:])
        line_size += len(text) - start
        if line_size > limit:
            raise EventTooLarge(too_long)
    # The stream closed: an event without its blank line is dropped, as the standard says.


class _Assembler:
    """Payloads in, events out. Knows every payload form; keeps the turn's small state.

    ADK in streaming mode sends one model response as a *partial run*: `partial: true` events
    with pieces of its text (and maybe its tool calls, with `finishReason`), then one whole
    event repeating all of it. So the pieces are joined until a whole event ends the run, a
    call inside the run does not end it, and the whole event that ends a run is the run's
    message, never a second one, and reports no call already reported. A call is reported once
    per call id whatever repeats it.
    """

    def __init__(self) -> None:
        self.partial: list[str] = []  # the text pieces of the partial run
        self.in_run = False  # a partial event came since the last whole one
        self.run_calls: list[str] = []  # names of the run's calls that had no id
        self.call_ids: set[str] = set()  # calls already reported
        self.held: str | None = None  # "I encountered a temporary issue", maybe trailing
        self.worked = False  # real text or a tool call came before
        self.saw_text = False
        self.progressed = False  # set on anything but a heartbeat; the reader clears it
        self.failure: Failure | None = None  # the agent's first error, told at the end

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
        if "error" in payload:  # also ADK's {"error", "error_details"} after the HTTP 200
            return self._failure(_text_of(payload["error"]), None)
        if {"invocationId", "author", "actions", "turnComplete"} & payload.keys():
            self.progressed = True  # an ADK event with nothing to show (state delta, end)
            return []
        warn_unknown(WHERE, payload)
        return []

    def finish(self, broken: Failure | None = None) -> list[TurnEvent]:
        """The stream ended (or `broken` says why it did not): flush joined partials, then the
        agent's error if it reported one; a held trailing notice is dropped."""
        events = self._end_run([], [])
        if self.held is not None and not self.worked:
            events.append(self._say(self.held))
        self.held = None
        failures = [f for f in (self.failure, broken) if f is not None]
        return [*events, *failures, TurnEnded(saw_text=self.saw_text)]

    # payload forms -----------------------------------------------------------------------------

    def _typed(self, kind: str, payload: dict[str, Any]) -> list[TurnEvent]:
        if kind in ("heartbeat", "ping", "keepalive"):
            return [Heartbeat()]
        if kind in ("text", "message"):
            text = _text_of(payload.get("content", payload.get("text")))
            return self._event([text], [], partial=bool(payload.get("partial")))
        if kind in ("tool_call", "function_call"):
            call = {"name": payload.get("name"), "id": payload.get("id")}
            return self._event([], [call], partial=False)
        if kind in ("tool_result", "function_response", "thought"):
            return self._event([], [], partial=False)
        if kind == "error":
            message = _text_of(payload.get("message") or payload.get("error") or payload)
            return self._failure(message, None, kind=str(payload.get("code") or ""))
        if kind in ("done", "end", "turn_complete", "complete"):
            self.progressed = True
            return []
        warn_unknown(f"{WHERE} type {kind!r}", payload)
        return []

    def _adk(self, payload: dict[str, Any]) -> list[TurnEvent]:
        content = payload.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        role = content.get("role") if isinstance(content, dict) else None
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("functionCall"), dict):
                calls.append(part["functionCall"])
            elif isinstance(part.get("text"), str) and not part.get("thought") and role != "user":
                texts.append(part["text"])
        events = self._event(texts, calls, partial=payload.get("partial") is True)
        if payload.get("errorCode") or payload.get("errorMessage"):
            code, message = payload.get("errorCode"), payload.get("errorMessage")
            events += self._failure(_text_of(message), None, kind=str(code or ""))
        return events

    def _event(
        self, texts: list[str], calls: list[dict[str, Any]], *, partial: bool
    ) -> list[TurnEvent]:
        """One event's text and calls: a piece of a partial run, or a whole event."""
        self.progressed = True
        if not partial:
            return self._end_run(texts, calls)
        self.in_run = True
        self.partial += texts
        events: list[TurnEvent] = []
        for call in calls:
            if not call.get("id"):
                self.run_calls.append(str(call.get("name")))
            events += self._tool(call)
        return events

    def _end_run(self, texts: list[str], calls: list[dict[str, Any]]) -> list[TurnEvent]:
        """A whole event: the message of the partial run it ends (if any), then its new calls."""
        whole, joined = "".join(texts), "".join(self.partial)
        if self.in_run:
            calls = [call for call in calls if not self._repeated(call)]
        self.partial, self.run_calls, self.in_run = [], [], False
        if joined and whole and not whole.startswith(joined) and not joined.startswith(whole):
            messages = [joined, whole]  # not the run repeated: two messages, both shown
        else:
            messages = [max(joined, whole, key=len)]
        events = [event for message in messages for event in self._message(message)]
        for call in calls:
            events += self._tool(call)
        return events

    def _repeated(self, call: dict[str, Any]) -> bool:
        """Whether a call of a run's whole event was already reported inside the run."""
        if call.get("id"):
            return str(call["id"]) in self.call_ids
        name = str(call.get("name"))
        if name in self.run_calls:
            self.run_calls.remove(name)
            return True
        return False

    # event makers ------------------------------------------------------------------------------

    def _tool(self, call: dict[str, Any]) -> list[TurnEvent]:
        call_id = call.get("id")
        if call_id:
            if str(call_id) in self.call_ids:
                return []
            self.call_ids.add(str(call_id))
        name = str(call.get("name") or "tool")
        events = self._release_held()
        self.worked = True
        return [*events, ToolActivity(name, tool_label(name))]

    def _failure(self, message: str, code: int | None, *, kind: str = "") -> list[TurnEvent]:
        """The agent reported an error. It is told when the stream ends, not now: the core stops
        reading at a failure, and a stream closed before its end aborts the agent's run.

        The agent's message often names its tools and their arguments ("RuntimeError:
        compress_video failed: {...}"), and error details end up in log lines that people may
        read: the detail keeps only the error's kind, the message goes to the DEBUG log."""
        self.progressed = True
        log.debug("%s: the agent reported an error: %s %s", WHERE, kind, message)
        if self.failure is None:  # the first error is the cause; later ones follow from it
            kind = kind or _error_kind(message)
            self.failure = Failure(TurnFailed(f"{WHERE}: the agent reported {kind}", code=code))
        return [*self._end_run([], []), *self._release_held()]

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
            except (TimeoutError, EventTooLarge, httpx.TransportError) as exc:
                bound = (
                    (turn_timeout, False) if turn_left <= quiet_left else (heartbeat_timeout, True)
                )
                for event in assembler.finish(_failure(exc, *bound)):
                    yield event
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


def _failure(exc: Exception, seconds: float, quiet: bool) -> Failure:
    """How a turn that stopped early ends. A timeout (the turn's, or `quiet`: only heartbeats for
    `seconds`) and a cut connection may leave the work going on server-side: the core polls the
    state, never resends. An oversized event is the one case where the stream is dropped before
    its end: reading on would mean holding or skipping an unbounded amount."""
    if isinstance(exc, EventTooLarge):
        log.warning("%s", exc.detail)
        return Failure(exc)
    if isinstance(exc, TimeoutError):
        what = "only heartbeats for" if quiet else "turn still running after"
        detail = f"{WHERE}: {what} {seconds:g}s, gave up"
        return Failure(TimedOut(detail, seconds=seconds, quiet=quiet), stream_broken=True)
    detail = f"{WHERE}: stream broke mid-turn ({type(exc).__name__})"
    return Failure(Transient(detail), stream_broken=True)


def _error_kind(message: str) -> str:
    """ "RuntimeError" of "RuntimeError: ...", else a neutral word: never the message itself."""
    head = message.split(":", maxsplit=1)[0].strip()
    return head if re.fullmatch(r"[A-Za-z_][\w.]{0,80}(Error|Exception)", head) else "an error"


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
