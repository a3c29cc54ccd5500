"""What the core asks of a chat platform: the `Port` every adapter implements, one per chat.

Any method may raise `bot.errors.RetryAfter` when the platform's flood control says wait; the core
honours it (progress edits are skipped until then, messages that matter are retried after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from bot.models import ChatKey, Inbound

ChatAction = Literal["typing", "upload_video"]


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot posted, so it can be edited later. `id` is the platform's message id."""

    id: str


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message: either a command the core understands, or a link."""

    label: str
    command: str | None = None  # e.g. "/export": pressing it arrives as an Inbound with this text
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundVideo:
    """A finished video on local disk, with what a platform needs to show it as playable.

    `source_url` is where the same bytes can be fetched publicly, for platforms that can fetch a
    URL themselves; adapters may prefer it over uploading `path`.
    """

    path: Path
    size: int
    filename: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    thumbnail: Path | None = None
    mime: str = "video/mp4"
    source_url: str | None = None


class Port(Protocol):
    """One chat on one platform, as the core sees it."""

    @property
    def chat(self) -> ChatKey: ...

    @property
    def hint(self) -> str | None:
        """A delivery hint: what besides the chat this port needs to deliver (a Discord
        interaction token and its age, the Telegram message to answer in a group). The core stores
        it with long jobs and hands it back to `Adapter.port_for` after a restart; None if the
        chat is enough.
        """
        ...

    @property
    def message_limit(self) -> int:
        """The longest text message, in characters."""
        ...

    @property
    def caption_limit(self) -> int:
        """The longest caption under a video, in characters."""
        ...

    @property
    def upload_limit(self) -> int:
        """The largest file the bot may post in this chat, in bytes."""
        ...

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef: ...

    async def edit_text(
        self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()
    ) -> None: ...

    async def typing(self, action: ChatAction = "typing") -> None: ...

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef: ...

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        """Post `text` with `url` as a button where the platform has buttons, else inline."""
        ...


class Core(Protocol):
    """What an adapter asks of the conversation core (`bot.conversation.Conversation`): every
    message, command and button press of a chat, with the port that answers in that chat. It
    returns once the message is taken (a long job goes on in the background), so an adapter may
    await it in order per chat."""

    async def handle(self, inbound: Inbound, port: Port) -> None: ...


class Adapter(Protocol):
    """A running platform. The core asks it for a port to reach a chat it was not called from,
    e.g. to deliver a job resumed after a restart. `hint` is the delivery hint stored with the
    job (`Port.hint`) and may be stale: the adapter falls back to the chat."""

    @property
    def platform(self) -> str: ...

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Port: ...
