"""Neutral types that every adapter fills and the core reads: no platform or backend lives here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

ByteStream = AsyncIterator[bytes]
"""Chunks of a file, in order. Producers keep chunks small (64 KiB to 1 MiB)."""

StreamOpener = Callable[[], AbstractAsyncContextManager[ByteStream]]
"""Opens a fresh stream of a file's bytes; the context closes the connection or file."""


@dataclass(frozen=True, slots=True)
class ChatKey:
    """Where a conversation lives: one backend session per key.

    `thread` is a Telegram forum topic or a Discord thread, so each gets its own session.
    `member` is the user id of one member of a group chat (or guild channel): adapters set it
    there, so each member has a session, a queue and jobs of their own that other members cannot
    cancel or export. Private chats and DMs have no member part. Posting ignores it: a reply goes
    to the group (and its thread), never to the member privately.

    The string form is the database key: `platform:chat`, `platform:chat:thread`, and with a
    member `platform:chat:thread:member` (`platform:chat::member` without a thread). Keys stored
    before members existed keep their meaning.
    """

    platform: str
    chat: str
    thread: str | None = None
    member: str | None = None

    def __str__(self) -> str:
        text = f"{self.platform}:{self.chat}"
        if self.member:
            return f"{text}:{self.thread or ''}:{self.member}"
        return text + (f":{self.thread}" if self.thread else "")

    @classmethod
    def parse(cls, text: str) -> ChatKey:
        platform, chat, *rest = text.split(":", 3)
        thread = rest[0] or None if rest else None
        member = rest[1] if len(rest) > 1 else None
        return cls(platform, chat, thread, member or None)

    @property
    def place(self) -> ChatKey:
        """Where to post: the chat (and thread), whoever in it asked."""
        return ChatKey(self.platform, self.chat, self.thread) if self.member else self

    def of(self, member: str) -> ChatKey:
        """This chat's key for one of its members."""
        return ChatKey(self.platform, self.chat, self.thread, member)


@dataclass(frozen=True, slots=True)
class UserRef:
    """The person who sent a message. `id` is unique within its platform, and with the platform
    it is the person's identity: a display name changes at will, so it never takes part in an
    equality (limits, ownership and counters are keyed by platform and id only)."""

    platform: str
    id: str
    name: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file someone sent, not yet fetched.

    `open()` streams its bytes. `public_url` is set only when the URL carries no secret (a Discord
    CDN link may be handed to a backend; a Telegram file URL, which contains the bot token, never
    is). `local_path` is set when the file already sits on this machine (Telegram local mode).
    """

    name: str
    size: int | None
    mime: str | None
    open: StreamOpener
    public_url: str | None = None
    local_path: Path | None = None
    source: str | None = None
    """The platform's own reference to fetch it again from another process, holding no secret (a
    Telegram `file_id`, a Discord CDN URL); a cluster worker hands it to `Sender.attachment`."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did in a chat: a message, a command, or a button press.

    Commands and buttons arrive as text (`/export`, `/lang zh`), already stripped of any
    `@botname`. `update_id` is the platform's id for this update, used to handle it only once.
    """

    chat: ChatKey
    user: UserRef
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    locale: str | None = None
    update_id: str | None = None
    is_group: bool = False
    pressed: str | None = None
    """The id of the bot's message whose button this was (a Telegram button press), so an answer
    that belongs there (the `/settings` menu) edits it instead of posting another."""
    moderator: Callable[[], Awaitable[bool]] | None = field(default=None, compare=False)
    """In a group: asks the platform whether the sender administers it (and so may cancel other
    members' work). Asked only when needed: on Telegram it costs a `getChatMember` call."""
