"""The contract between the core and a chat platform, and the registry of platforms.

- `Port`: one chat, as the core sees it (send, edit, video, buttons, limits). Any method may raise
  `bot.errors.RetryAfter` when the platform's flood control says wait; the core honours it
  (progress edits are skipped until then, messages that matter are retried after it).
- `Core`: what an adapter calls on the core (`handle`).
- `Adapter`: a running platform: `async with` (or `start`/`stop`), the HTTP routes it mounts, and
  `port_for(chat, hint)` to reach a chat again after a restart.
- `Sender`: a platform without updates, for a cluster worker: ports rebuilt from a chat and its
  stored delivery hint, and attachments fetched again by reference, over the platform's HTTP API.
- `Platform`: what an adapter package declares without importing its chat library: whether the
  settings turn it on, its settings checks, its `clipbridge doctor` check, and how to build its
  adapter. `register()` adds one; `platforms()` imports the registered packages by module name
  on first use, so a Discord-only bot never imports `telegram`.

`clipbridge run`, `clipbridge doctor` and the settings checks iterate over `platforms()`: a new
platform is one package (with a `PLATFORM` object) plus its settings fields
(docs/adding-a-platform.md).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self

from bot.models import Attachment, ChatKey, Inbound, UserRef

if TYPE_CHECKING:
    import httpx

    from bot.config import Settings
    from bot.core.requests import AttachmentRef
    from bot.doctor import Check
    from bot.http import Handler

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
    as_file: bool = False  # the person asked for files (`/settings`): a document, not a player


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

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """The language to answer this person in when the adapter speaks for itself (refusing a
        file, say): their `/lang` choice, else their platform's locale if we speak it."""
        ...


class Adapter(Protocol):
    """A platform as the core sees it. The core asks it for a port to reach a chat it was not
    called from, e.g. to deliver a job resumed after a restart. `hint` is the delivery hint stored
    with the job (`Port.hint`) and may be stale: the adapter falls back to the chat."""

    @property
    def platform(self) -> str: ...

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Port: ...


@dataclass(frozen=True, slots=True)
class Route:
    """An HTTP route an adapter serves on the bot's one HTTP port (`bot.http.HttpServer`)."""

    method: str
    path: str
    handler: Handler


class RunningAdapter(Adapter, Protocol):
    """An adapter `clipbridge run` starts. `start()` connects and begins handing messages to the
    core (a start that fails undoes itself); `stop()` stops taking messages, hands over what is
    in flight and lets go of every connection. `async with adapter:` is the same pair
    (`Lifecycle`). `routes` are mounted on the HTTP server before `start()`, so a webhook is
    served before the platform is told about it."""

    @property
    def routes(self) -> Sequence[Route]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Lifecycle(ABC):
    """`async with` for an adapter or a sender that defines `start()` and `stop()`."""

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class Sender(Protocol):
    """Send-only access to a platform for a process that receives no updates (`clipbridge worker`).
    `async with` opens its HTTP client and closes it. `port_for` is `Adapter.port_for`'s rule (a
    stale or unreadable hint falls back to the chat); `attachment` turns a reference a front
    process wrote down (`AttachmentRef`, its `source`) back into a file this process can stream."""

    @property
    def platform(self) -> str: ...

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Port: ...

    def attachment(self, ref: AttachmentRef) -> Attachment: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Platform(Protocol):
    """What an adapter package declares (as `PLATFORM` in its `__init__`), importable without its
    chat library: the library is imported only by `adapter()`."""

    @property
    def name(self) -> str:
        """`ChatKey.platform`, the prefix in ADMINS and ALLOWED_* entries, the doctor check name."""
        ...

    @property
    def title(self) -> str:
        """The platform's name for people: "Telegram"."""
        ...

    @property
    def switch(self) -> str:
        """The setting that turns it on ("TELEGRAM_BOT_TOKEN"), named when no platform is on."""
        ...

    def configured(self, settings: Settings) -> bool:
        """Whether these settings turn the platform on (`clipbridge run` starts it)."""
        ...

    def describe(self, settings: Settings) -> str:
        """How it will run, in a few words for `clipbridge doctor`: "Telegram (webhook)"."""
        ...

    def check_settings(self, settings: Settings) -> list[str]:
        """Its settings' problems, one sentence each naming the variable and the fix ([] if none);
        called whether or not it is configured (a malformed URL is worth saying either way)."""
        ...

    async def doctor(self, settings: Settings, client: httpx.AsyncClient) -> Check:
        """Whether the platform accepts the configured credentials, over `client`; skipped when
        not configured. Never shows a token (the report is redacted too)."""
        ...

    def adapter(self, settings: Settings, core: Core) -> RunningAdapter:
        """The adapter for `clipbridge run` (imports the chat library)."""
        ...

    def sender(self, settings: Settings) -> Sender:
        """Send-only access for `clipbridge worker` (imports the chat library)."""
        ...


_registry: dict[str, str | Platform] = {
    "telegram": "adapters.telegram",
    "discord": "adapters.discord",
}


def register(name: str, platform: str | Platform) -> None:
    """Add (or replace) a platform: a module whose `PLATFORM` is its `Platform`, imported when
    first needed, or the `Platform` itself. Registration order is the order of checks and starts.
    """
    _registry[name] = platform


def platforms() -> list[Platform]:
    """Every registered platform, importing the packages named (not their chat libraries)."""
    found: list[Platform] = []
    for name, entry in list(_registry.items()):
        platform: Platform = (
            importlib.import_module(entry).PLATFORM if isinstance(entry, str) else entry
        )
        _registry[name] = platform
        found.append(platform)
    return found


def configured_platforms(settings: Settings) -> list[Platform]:
    """The platforms these settings turn on, in registration order."""
    return [platform for platform in platforms() if platform.configured(settings)]


def lazy_exports(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A package's `__getattr__` that imports each name in `where` from its module on first use,
    so importing the package (for its `PLATFORM`) never imports the chat library."""

    def get(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return get
