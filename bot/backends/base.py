"""What the core needs from a backend, and the events a backend speaks in.

NemoVideo (`bot.backends.nemo`) and the local ffmpeg engine (`bot.backends.local`) both implement
`Backend`. The core never sees a backend's wire format: only these types and `bot.errors`.

A backend is opened once with `async with` and shared by every chat. Cancelling the task that
iterates `turn()` or `watch_export()` must stop the work (close the stream, kill the encoder).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from bot.errors import ClipbridgeError
from bot.models import Attachment, ByteStream
from bot.store import UserDefaults

if TYPE_CHECKING:
    from bot.timeline import Timeline


@dataclass(frozen=True, slots=True)
class TurnContext:
    """What a backend may know about the chat a turn comes from (never who is in it)."""

    locale: str  # a code of `bot.texts.languages`: "en", "zh"
    upload_limit: int  # the chat's upload limit in bytes: "fit Telegram" means this
    chat: str = ""  # str(ChatKey), for log lines only
    defaults: UserDefaults | None = (
        None  # the person's `/settings`, for what a request leaves unsaid
    )
    with_uploads: int = 0  # files that came with the instruction (an album): it is about them


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """What the backend made of an upload, to acknowledge it to the person."""

    name: str
    size: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    kind: str = "video"  # "video", "image" or "audio"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A finished video: at `url` when the backend hosts it publicly, at `path` when it is local."""

    job_id: str
    filename: str
    size: int | None = None
    url: str | None = None
    path: Path | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    summary: str = ""  # what was done, in the chat's language, e.g. "48.9 MB, H.264 1080p"


# Events of a turn ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Words for the person (partials already joined)."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolActivity:
    """The agent started using a tool (reported once per call). `label` is the `bot.texts` key
    the progress line shows; `name` is the agent's own tool name: internal, never shown."""

    name: str
    label: str = "tool_working"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Still working, nothing to show."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Measured progress: percent 0-100 and seconds left when known, or a place in a queue."""

    percent: float | None = None
    eta: float | None = None
    stage: str | None = None  # a `bot.texts` key naming the step, e.g. "stage_pass1"
    queue_position: int | None = None


@dataclass(frozen=True, slots=True)
class ResultReady:
    """The turn itself produced a video (the local engine does); the core delivers it."""

    result: ExportResult


@dataclass(frozen=True, slots=True)
class Failure:
    """The turn went wrong. `stream_broken` means the connection died mid-turn: the work may
    still be happening server-side, so the core polls the state instead of resending."""

    error: ClipbridgeError
    stream_broken: bool = False


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The last event of every turn. `saw_text` is False for a silent turn."""

    saw_text: bool


TurnEvent = Text | ToolActivity | Heartbeat | Progress | ResultReady | Failure | TurnEnded
ExportEvent = Progress | ExportResult


@dataclass(frozen=True, slots=True)
class Credits:
    available: float
    frozen: float = 0
    total: float = 0
    link: str | None = None  # where an admin tops up or binds the account: admins only, no logs


class Backend(Protocol):
    """A video backend shared by every chat."""

    @property
    def name(self) -> str:
        """ "nemo" or "local": stored with each chat's session."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def open_session(self, locale: str) -> str:
        """Start a new session and return its id."""
        ...

    async def upload(self, session: str, attachment: Attachment) -> UploadedFile:
        """Stream `attachment` into the session. Checks type and size before the first byte."""
        ...

    def turn(self, session: str, text: str, ctx: TurnContext) -> AsyncIterator[TurnEvent]:
        """Run one instruction. Ends with `TurnEnded`; never resends a message."""
        ...

    async def state(self, session: str) -> Timeline:
        """The session's timeline now."""
        ...

    async def start_export(self, session: str, job_id: str, ctx: TurnContext) -> str:
        """Submit an export under `job_id` (already persisted by the core). Returns the id the
        backend finally used (it may differ after a duplicate-id retry)."""
        ...

    def watch_export(self, job_id: str) -> AsyncIterator[ExportEvent]:
        """Progress until the export is done, then its `ExportResult`; raises `RenderFailed`."""
        ...

    async def cancel_export(self, job_id: str) -> None: ...

    def open_result(self, result: ExportResult) -> AbstractAsyncContextManager[ByteStream]:
        """Stream a finished result's bytes."""
        ...

    async def release(self, result: ExportResult) -> None:
        """The result was delivered (or given up on): free what it holds (local work files)."""
        ...

    async def credits(self) -> Credits | None:
        """The account's credits, or None when the backend does not count them."""
        ...
