"""`clipbridge chat`: the whole bot in a terminal, with no Telegram or Discord account.

Type instructions as you would in a chat. Attach a file by typing its path (or `/attach PATH
[instruction]`); results are written to a folder and their paths printed. Every command of the
chat bots works here too (`/export`, `/status`, `/cancel`, `/lang zh`, ...). End with Ctrl-D or
`/quit`.

Usage:
    clipbridge chat [--out DIR] [--limit MB]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.config import Settings, absolute_path
from bot.models import ChatKey, Inbound, UserRef
from bot.ports import Button, ChatAction, MessageRef, OutboundVideo
from bot.streams import file_attachment

CHAT = ChatKey("console", "local")
USER = UserRef("console", "you", "you")


class ConsolePort:
    """The terminal as a chat: messages are printed, videos copied into `results`."""

    def __init__(self, out: TextIO, results: Path, upload_limit: int) -> None:
        self._out = out
        self._results = results
        self._upload_limit = upload_limit
        self._ids = itertools.count(1)

    @property
    def chat(self) -> ChatKey:
        return CHAT

    @property
    def reply_to(self) -> str | None:
        return None

    @property
    def message_limit(self) -> int:
        return 4096

    @property
    def caption_limit(self) -> int:
        return 1024

    @property
    def upload_limit(self) -> int:
        return self._upload_limit

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        self._print(text, buttons)
        return MessageRef(str(next(self._ids)))

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        self._print(text, buttons, prefix="  ↻ ")

    async def typing(self, action: ChatAction = "typing") -> None:
        return None

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        self._results.mkdir(parents=True, exist_ok=True)
        target = _free_name(self._results / Path(video.filename).name)
        await asyncio.to_thread(shutil.copyfile, video.path, target)
        self._print(f"{caption}\n🎬 {target}")
        return MessageRef(str(next(self._ids)))

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        self._print(f"{text}\n🔗 {url}")
        return MessageRef(str(next(self._ids)))

    def _print(self, text: str, buttons: Sequence[Button] = (), prefix: str = "bot> ") -> None:
        line = prefix + text.replace("\n", "\n     ")
        commands = [b.command or b.url or "" for b in buttons]
        if commands:
            line += "\n     [" + "  ".join(c for c in commands if c) + "]"
        print(line, file=self._out, flush=True)


class ConsoleAdapter:
    """The `Adapter` for the terminal: one chat, one person."""

    def __init__(self, port: ConsolePort) -> None:
        self._port = port

    @property
    def platform(self) -> str:
        return "console"

    def port_for(self, chat: ChatKey, reply_to: str | None = None) -> ConsolePort:
        return self._port


def to_inbound(line: str, number: int) -> Inbound | None:
    """A typed line as an `Inbound`: a path (or `/attach PATH [instruction]`) attaches a file."""
    text = line.strip()
    if not text:
        return None
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote: plain text, not a path
        words = []
    if words and words[0] == "/attach":
        words = words[1:]
    if words and Path(words[0]).expanduser().is_file():
        attachment = file_attachment(Path(words[0]))
        instruction = " ".join(words[1:])
        return Inbound(CHAT, USER, instruction, (attachment,), update_id=f"line-{number}")
    return Inbound(CHAT, USER, text, update_id=f"line-{number}")


async def chat(settings: Settings, lines: TextIO, out: TextIO, results: Path, limit: int) -> None:
    """Run the conversation on `lines` until they end, then wait for the work to finish."""
    from bot.app import open_core  # the core's lifecycle lives in one place

    port = ConsolePort(out, results, limit)
    interactive = lines.isatty()
    async with open_core(settings) as core:
        conversation = core.conversation
        conversation.add_adapter(ConsoleAdapter(port))
        await conversation.resume()
        await port.send_text(_intro(settings))
        for number in itertools.count(1):
            line = await asyncio.to_thread(lines.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            inbound = to_inbound(line, number)
            if inbound is not None:
                await conversation.handle(inbound, port)
                if not interactive:  # a piped script runs one line at a time, in order
                    await conversation.wait_idle()
        await conversation.wait_idle()


def _intro(settings: Settings) -> str:
    backend = "NemoVideo" if settings.chosen_backend == "nemo" else "local ffmpeg"
    return (
        f"clipbridge chat ({backend}). Type a video's path to send it, then say what you want; "
        "/help for more, Ctrl-D to quit."
    )


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=absolute_path, default=None, help="folder for results (DATA_DIR/out)"
    )
    parser.add_argument("--limit", type=float, default=2000, help="upload limit in MB (2000)")


def main(args: argparse.Namespace) -> int:
    from bot.errors import ConfigError
    from bot.logs import setup_logging
    from bot.settings_check import load_settings

    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings, stream=sys.stderr)
    results = args.out or settings.data_dir / "out"
    limit = int(args.limit * 1_000_000)
    try:
        asyncio.run(chat(settings, sys.stdin, sys.stdout, results, limit))
    except KeyboardInterrupt:
        return 130
    return 0
