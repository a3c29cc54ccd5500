#!/usr/bin/env python
"""A chat platform in one file: people talk to the bot over plain HTTP, a line at a time.

    python examples/http_lines.py
    # then, in another terminal:
    curl -d '/help' 'localhost:8080/lines?chat=ada'         # say something, as "ada"
    curl -d 'compress to under 2MB' 'localhost:8080/lines?chat=ada&file=clips/a.mp4'  # and a file
    curl 'localhost:8080/lines?chat=ada&after=0'           # what the bot said, one line each

It shows what a new platform needs, and that it needs no change in `bot/`:

1. its settings fields (here a subclass of `Settings`: LINES_OUT, read from the environment);
2. a `Port` (one chat: send, edit, video, limits), an adapter (`port_for`, `routes`, `start`,
   `stop`) and a `Platform` (is it configured, its settings and doctor checks, its adapter);
3. `bot.ports.register(...)`; `bot.app.serve` then runs the real core with it, beside Telegram
   and Discord if their tokens are set, on the bot's HTTP server (HTTP_PORT, 8080 by default).

A message the bot edits later (progress) is replaced in place; `?after=N` returns the messages
after the first N, waiting up to 20 seconds for one, so a client can follow the chat.
Finished videos are copied into LINES_OUT (default: DATA_DIR/lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
from aiohttp import web

from bot.app import serve
from bot.config import Settings
from bot.doctor import Check
from bot.logs import setup_logging
from bot.models import Attachment, ChatKey, Inbound, UserRef
from bot.ports import (
    Button,
    ChatAction,
    Core,
    Lifecycle,
    MessageRef,
    OutboundVideo,
    Route,
    register,
)
from bot.settings_check import check_settings
from bot.streams import file_attachment

PLATFORM = "lines"
WAIT = 20.0  # seconds a reader waits for the next message


class LinesSettings(Settings):
    """The bot's settings plus this platform's own field."""

    lines_out: Path | None = None

    @property
    def lines_folder(self) -> Path:
        return self.lines_out or self.data_dir / "lines"


class LinesPort:
    """One chat: its messages are kept in a list that readers follow."""

    hint = None  # the chat alone says where to deliver
    message_limit = 4096
    caption_limit = 1024
    upload_limit = 2_000_000_000

    def __init__(self, chat: ChatKey, folder: Path) -> None:
        self.chat = chat
        self.messages: list[str] = []
        self.changed = asyncio.Condition()
        self._folder = folder
        self._ids = itertools.count()

    async def _post(self, text: str) -> MessageRef:
        async with self.changed:
            self.messages.append(text)
            self.changed.notify_all()
            return MessageRef(str(len(self.messages) - 1))

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        return await self._post(_with_buttons(text, buttons))

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        async with self.changed:
            self.messages[int(ref.id)] = _with_buttons(text, buttons)
            self.changed.notify_all()

    async def typing(self, action: ChatAction = "typing") -> None:
        pass  # nothing to show between lines

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        self._folder.mkdir(parents=True, exist_ok=True)
        kept = self._folder / f"{next(self._ids)}-{video.filename}"
        await asyncio.to_thread(shutil.copyfile, video.path, kept)
        return await self._post(f"{caption}\n[video] {kept}")

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        return await self._post(f"{text}\n{label}: {url}")


def _with_buttons(text: str, buttons: Sequence[Button]) -> str:
    shown = [f"[{b.label}: {b.command or b.url}]" for b in buttons]
    return "\n".join([text, " ".join(shown)]) if shown else text


class LinesAdapter(Lifecycle):
    """The platform while the bot runs: two HTTP routes and a port per chat."""

    platform = PLATFORM

    def __init__(self, settings: LinesSettings, core: Core) -> None:
        self._core = core
        self._folder = settings.lines_folder
        self._ports: dict[ChatKey, LinesPort] = {}
        self._run = uuid.uuid4().hex[:12]  # the store remembers update ids across runs
        self._count = itertools.count(1)

    @property
    def routes(self) -> Sequence[Route]:
        return (Route("POST", "/lines", self._say), Route("GET", "/lines", self._read))

    async def start(self) -> None:
        pass  # HTTP is served by the bot's server: nothing to connect to

    async def stop(self) -> None:
        for port in self._ports.values():  # wake readers, so they answer before the server closes
            async with port.changed:
                port.changed.notify_all()

    def port_for(self, chat: ChatKey, hint: str | None = None) -> LinesPort:
        if chat not in self._ports:
            self._ports[chat] = LinesPort(chat, self._folder)
        return self._ports[chat]

    async def _say(self, request: web.Request) -> web.Response:
        name = request.query.get("chat", "you")
        text = (await request.text()).strip()
        attachments: tuple[Attachment, ...] = ()
        if path := request.query.get("file"):  # a file on this machine, as the console takes it
            if not await asyncio.to_thread(Path(path).is_file):
                return web.Response(status=400, text=f"no such file: {path}\n")
            attachments = (file_attachment(Path(path)),)
        chat = ChatKey(PLATFORM, name)
        port = self.port_for(chat)
        update = f"{self._run}-{next(self._count)}"
        locale = request.headers.get("Accept-Language")
        user = UserRef(PLATFORM, name, name)
        inbound = Inbound(chat, user, text, attachments, locale=locale, update_id=update)
        await self._core.handle(inbound, port)
        return web.Response(text="ok\n")

    async def _read(self, request: web.Request) -> web.Response:
        port = self.port_for(ChatKey(PLATFORM, request.query.get("chat", "you")))
        after = int(request.query.get("after", "0"))
        async with port.changed:
            with contextlib.suppress(TimeoutError):  # nothing new: an empty answer
                await asyncio.wait_for(
                    port.changed.wait_for(lambda: len(port.messages) > after), WAIT
                )
            lines = port.messages[after:]
        return web.Response(text="".join(f"{m}\n" for m in lines))


class LinesPlatform:
    """What clipbridge asks of the platform before and besides running it."""

    name = PLATFORM
    title = "HTTP lines"
    switch = "HTTP_ENABLED"

    def configured(self, settings: Settings) -> bool:
        return settings.http_enabled

    def describe(self, settings: Settings) -> str:
        return f"HTTP lines (port {settings.http_port})"

    def check_settings(self, settings: Settings) -> list[str]:
        return []  # HTTP_ENABLED and HTTP_PORT are checked by clipbridge itself

    async def doctor(self, settings: Settings, client: httpx.AsyncClient) -> Check:
        return Check(self.name, "passed", "nothing to sign in to")

    def adapter(self, settings: Settings, core: Core) -> LinesAdapter:
        assert isinstance(settings, LinesSettings)
        return LinesAdapter(settings, core)


def main() -> int:
    register(PLATFORM, LinesPlatform())
    settings = LinesSettings()  # the environment and .env, as for `clipbridge run`
    if problems := check_settings(settings):
        sys.stderr.write("".join(f"{problem}\n" for problem in problems))
        return 2
    setup_logging(settings)

    async def run() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await serve(settings, stop)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
