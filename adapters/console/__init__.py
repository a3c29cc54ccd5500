"""`clipbridge chat`: the whole bot in a terminal, with no Telegram or Discord account.

Type (or drag in) a video's path to send it, then say what you want; results are copied into a
folder and their paths printed. The chat's commands work here too (`/export`, `/status`,
`/cancel`, `/new`, `/lang zh`); `/help` lists what the console does. Ctrl-C cancels the running
job, a second Ctrl-C or Ctrl-D quits. The log goes to a file (DATA_DIR/clipbridge.log), so the
terminal shows only the conversation and a one-line notice when something is logged as a warning.

Usage:
    clipbridge chat [--out DIR] [--limit MB]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from adapters.console.lines import Files, Missing, Text, parse
from adapters.console.reader import LineReader
from adapters.console.screen import ConsolePort, Screen
from bot.cli import megabytes
from bot.config import Settings, absolute_path
from bot.models import Attachment, ChatKey, Inbound, UserRef
from bot.routing import route
from bot.streams import file_attachment
from bot.texts import language_of, normalize_locale, t

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["ConsoleAdapter", "ConsolePort", "add_arguments", "chat", "log_file", "main"]

CHAT = ChatKey("console", "local")
USER = UserRef("console", "you", "you")
QUIT = ("/quit", "/exit")
CANCEL_SETTLES = 5.0  # seconds a cancelled job gets to say so before the quit hint
T = TypeVar("T")


def log_file(settings: Settings) -> Path:
    """Where the console chat writes its log: beside the database, out of the conversation."""
    return settings.data_dir / "clipbridge.log"


class ConsoleAdapter:
    """The `Adapter` for the terminal: one chat, one person."""

    def __init__(self, port: ConsolePort) -> None:
        self._port = port

    @property
    def platform(self) -> str:
        return "console"

    def port_for(self, chat: ChatKey, hint: str | None = None) -> ConsolePort:
        return self._port


async def chat(settings: Settings, lines: TextIO, out: TextIO, results: Path, limit: int) -> None:
    """Run the conversation on `lines` until they end (or the person quits), then let the work
    that was asked for finish."""
    from bot.app import open_core  # the core's lifecycle lives in one place

    if "edit_interval" not in settings.model_fields_set:
        # A terminal has no flood control: an edit paced for a chat platform lands after newer
        # messages ("Received" below "Understood"), so here edits land at once, in their order.
        settings = settings.model_copy(update={"edit_interval": 0.0})
    screen = Screen(out)
    port = ConsolePort(screen, CHAT, results, limit)
    async with open_core(settings) as core:
        core.conversation.add_adapter(ConsoleAdapter(port))
        session = _Session(core, settings, screen, port, results)
        with session.log_notices(), session.ctrl_c():
            await session.greet()  # before what a restart has to say about the last session
            await core.conversation.resume()
            await session.run(LineReader(lines))
            await session.drop_tasks()  # before the core closes: they talk to the store
        screen.close()


class _Session:
    """One run of `clipbridge chat`: reads lines, answers what only the console can, passes the
    rest to the conversation, and turns Ctrl-C into a cancel (once) or a quit (twice)."""

    def __init__(
        self, core: Services, settings: Settings, screen: Screen, port: ConsolePort, results: Path
    ) -> None:
        self._core = core
        self._settings = settings
        self._screen = screen
        self._port = port
        self._results = results
        # Update ids are remembered by the store across runs: each run needs its own.
        self._run_id = uuid.uuid4().hex[:12]
        self._count = 0
        self._interrupts = 0
        self._noticed = False
        self._quit = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def greet(self) -> None:
        locale = await self._locale()
        await self._port.send_text(t("console_intro", locale, **self._places(locale)))

    async def run(self, reader: LineReader) -> None:
        piped = not reader.interactive
        while (line := await self._or_quit(reader.next())) is not None:
            self._screen.moved()  # the terminal echoed what was typed
            self._interrupts = 0
            self._noticed = False
            if line.strip() in QUIT:  # like the end of input: what was asked for still ends
                break
            await self._take(line)
            if piped:  # a script runs one line at a time, in order
                await self._or_quit(asyncio.shield(self._core.conversation.wait_idle()))
        await self._or_quit(asyncio.shield(self._core.conversation.wait_idle()))

    async def _take(self, line: str) -> None:
        match parse(line):
            case None:
                return
            case Missing(path=path, folder=True):
                await self._port.send_text(t("console_is_folder", await self._locale(), path=path))
            case Missing(path=path, folder=False, near=folder):
                text = t("console_no_such_file", await self._locale(), path=path, folder=folder)
                await self._port.send_text(text)
            case Files(paths=paths, instruction=instruction):
                attachments = tuple(file_attachment(path) for path in paths)
                await self._handle(instruction, attachments)
            case Text(text=text):
                decision = route(text)
                if decision.action in ("start", "help"):
                    await self._help(decision.unknown_command)
                else:
                    await self._handle(text)

    async def _handle(self, text: str, attachments: tuple[Attachment, ...] = ()) -> None:
        self._count += 1
        inbound = Inbound(
            CHAT,
            USER,
            text,
            attachments,
            # A terminal's language says little about the person: a request typed in Chinese is
            # answered in Chinese (a language chosen with /lang still comes first).
            locale=language_of(text) or _system_locale(),
            update_id=f"line-{self._run_id}-{self._count}",
        )
        await self._core.conversation.handle(inbound, self._port)

    async def _help(self, unknown: str | None) -> None:
        locale = await self._locale()
        commands = "/export /status /cancel /new /lang"
        if self._settings.chosen_backend == "nemo":
            commands += " /credits"
        text = t("console_help", locale, commands=commands, **self._places(locale))
        if unknown:
            text = t("unknown_command", locale, command=unknown) + "\n\n" + text
        await self._port.send_text(text)

    # Ctrl-C ------------------------------------------------------------------------------------

    @contextmanager
    def ctrl_c(self) -> Iterator[None]:
        """Ctrl-C cancels the running job at once; a second one in a row quits."""
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self._interrupted)
        except (NotImplementedError, RuntimeError, ValueError):
            # No signal handlers here (Windows, not the main thread): Ctrl-C ends the process.
            yield
            return
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    def _interrupted(self) -> None:
        self._screen.interrupted()
        self._interrupts += 1
        if self._interrupts > 1:
            self._quit.set()
            return
        self._spawn(self._cancel())

    async def _cancel(self) -> None:
        cancel = Inbound(CHAT, USER, "/cancel", locale=_system_locale())
        await self._core.conversation.handle(cancel, self._port)
        # The hint goes last, under the job's own "Cancelled" (it ends within moments).
        idle = asyncio.shield(self._core.conversation.wait_idle())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._or_quit(idle), CANCEL_SETTLES)
        if not self._quit.is_set():  # a second Ctrl-C came first: no hint to quit
            await self._port.send_text(t("console_quit_hint", await self._locale()))

    async def _or_quit(self, awaitable: Awaitable[T]) -> T | None:
        """`awaitable`'s result, or None as soon as the person quits."""
        if self._quit.is_set():
            return None
        work = asyncio.ensure_future(awaitable)
        quit_ = asyncio.ensure_future(self._quit.wait())
        try:
            await asyncio.wait({work, quit_}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            quit_.cancel()
        if work.done():
            return work.result()
        work.cancel()
        return None

    async def drop_tasks(self) -> None:
        """Let what this session still runs (a Ctrl-C's cancel) end, briefly, and stop the rest,
        so nothing uses the store after it closed."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=CANCEL_SETTLES)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # The log -----------------------------------------------------------------------------------

    @contextmanager
    def log_notices(self) -> Iterator[None]:
        """While the chat runs, a warning or worse in the log shows one line in the chat (once
        until the person types again), pointing to the log file; never the record itself."""
        handler = _NoticeHandler(self._notice)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)

    def _notice(self, level: str) -> None:
        if self._noticed:
            return
        self._noticed = True
        locale = normalize_locale(_system_locale())  # no store lookup: this may be any thread
        log = _shown(log_file(self._settings))
        self._screen.show(t("console_log_notice", locale, level=level, log=log), prefix="     ")

    # Helpers -----------------------------------------------------------------------------------

    async def _locale(self) -> str:
        return await self._core.conversation.language(USER, _system_locale())

    def _places(self, locale: str) -> dict[str, str]:
        backend = t(f"console_backend_{self._settings.chosen_backend}", locale)
        return {
            "backend": backend,
            "out": _shown(self._results),
            "log": _shown(log_file(self._settings)),
        }


class _NoticeHandler(logging.Handler):
    def __init__(self, notice: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self._notice_fn = notice

    def emit(self, record: logging.LogRecord) -> None:
        # A notice is never worth a failure, nor a traceback on the screen.
        with contextlib.suppress(Exception):
            self._notice_fn(record.levelname)


def _system_locale() -> str | None:
    """The language the person's system speaks (LANG and friends), for a first answer."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return value
    return None


def _shown(path: Path) -> str:
    """`path` as the person would type it: relative to where they are when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=absolute_path, default=None, help="folder for results (DATA_DIR/out)"
    )
    parser.add_argument("--limit", type=megabytes, default=2000, help="upload limit in MB (2000)")


def main(args: argparse.Namespace) -> int:
    from bot.errors import ConfigError
    from bot.logs import setup_logging
    from bot.settings_check import load_settings

    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings, path=log_file(settings))
    results = args.out or settings.data_dir / "out"
    limit = int(args.limit * 1_000_000)
    try:
        asyncio.run(chat(settings, sys.stdin, sys.stdout, results, limit))
    except KeyboardInterrupt:  # where Ctrl-C has no handler of ours (Windows)
        return 130
    except ConfigError as error:  # another clipbridge on this DATA_DIR
        print(*error.problems, sep="\n", file=sys.stderr)
        return 2
    return 0
