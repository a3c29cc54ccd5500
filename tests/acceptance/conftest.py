"""The acceptance harness: the real `clipbridge` program, run the way people run it.

Each test gets a fresh copy of the repository as its working folder (no `.venv`, no `data/`, no
`.env`), and starts the installed console script (`.venv/bin/clipbridge`) in it with a clean
environment: default settings unless a test names one, relative paths, nothing of the test
process's own variables. Platforms and NemoVideo are the fakes in `tests/fakes`, started here on
127.0.0.1 and handed to the program through the same settings an operator would use.

    async def test_second_session(clipbridge, clip):
        clip("clips/a.mp4")
        async with clipbridge("chat") as bot:
            await bot.send("clips/a.mp4")
            await bot.expect(r"Received a\\.mp4")
        async with clipbridge("chat") as again:       # same folder, same data/
            await again.send("/help")
            await again.expect("/status")

A `Program` keeps everything the process wrote (`out`, `err`, and both interleaved in
`transcript`); `expect` waits for a pattern with a timeout and moves a cursor past the match, so a
test reads the conversation in order. When a program ends, no configured secret may appear in what
it wrote or in any file under its `data/` folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import pytest

from tests.clips import make_clip
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw3"
DISCORD_TOKEN = "MTE4NzY1NDMyMTAxMjM0NTY3OA.GhIjKl.s3cr3t-b0t-t0k3n_ABCDEFGHIJKLMNOPQRSTUV"
NEMO_TOKEN = "nmv_usr_0123456789abcdef0123456789abcdef"
DISCORD_GUILD = 810_000_000_000_000_001
DISCORD_CHANNEL = 820_000_000_000_000_001
SECRET_SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "DISCORD_BOT_TOKEN",
    "NEMO_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "DATABASE_URL",
)
# What a fresh clone has: the tracked files, none of what a run or a tool leaves behind.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "data", "out", ".env", "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "*.sqlite3*",
)  # fmt: skip

Stream = Literal["out", "err", "all"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.acceptance)


def clipbridge_argv() -> list[str]:
    """The console script pip installed beside this Python, as the README's commands run it."""
    script = Path(sys.executable).parent / "clipbridge"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Program:
    """One running `clipbridge` process: write lines, wait for output, signal, wait for the end."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], *, tty: bool) -> None:
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.tty = tty
        self.out = ""
        self.err = ""
        self.transcript = ""
        self._cursor: dict[Stream, int] = {"out": 0, "err": 0, "all": 0}
        self._changed = asyncio.Condition()
        self._process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._master: int | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.tty:
            await self._start_on_a_terminal()
            return
        self._process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.cwd, env=self.env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        assert self._process.stdout and self._process.stderr
        self._readers = [
            asyncio.create_task(self._pump(self._process.stdout, "out")),
            asyncio.create_task(self._pump(self._process.stderr, "err")),
        ]

    async def _start_on_a_terminal(self) -> None:
        import pty
        import termios

        master, child = pty.openpty()
        attrs = termios.tcgetattr(child)
        attrs[3] &= ~termios.ECHO  # what the test types is not part of what the program shows
        termios.tcsetattr(child, termios.TCSANOW, attrs)
        env = {**self.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        self._process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.cwd, env=env, stdin=child, stdout=child, stderr=child,
            start_new_session=True,
        )  # fmt: skip
        os.close(child)
        self._master = master
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(master, "rb", buffering=0)
        )
        self._readers = [asyncio.create_task(self._pump(reader, "out", transport))]

    async def _pump(
        self, stream: asyncio.StreamReader, name: Stream, transport: Any = None
    ) -> None:
        try:
            while chunk := await stream.read(65536):
                text = chunk.decode(errors="replace")
                async with self._changed:
                    if name == "out":
                        self.out += text
                    else:
                        self.err += text
                    self.transcript += text
                    self._changed.notify_all()
        except OSError:  # a terminal whose last writer has gone away
            pass
        finally:
            if transport is not None:
                transport.close()
            async with self._changed:
                self._changed.notify_all()

    @property
    def process(self) -> asyncio.subprocess.Process:
        assert self._process is not None, "not started"
        return self._process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    # --- talking to it --------------------------------------------------------------------------
    async def send(self, line: str) -> None:
        """Type one line and press Enter."""
        await self.write(line + ("\r" if self.tty else "\n"))

    async def write(self, text: str) -> None:
        data = text.encode()
        if self._master is not None:
            os.write(self._master, data)
            return
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(data)
        await stdin.drain()

    async def close_stdin(self) -> None:
        """Ctrl-D: the end of input."""
        if self._master is not None:
            os.write(self._master, b"\x04")
            return
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await stdin.wait_closed()

    def interrupt(self) -> None:
        """Ctrl-C as a terminal sends it: SIGINT to the foreground process group."""
        os.killpg(self.pid, signal.SIGINT)

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def kill(self) -> None:
        """kill -9 of the whole group, as a crashed machine or an OOM kill would leave things."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    async def wait(self, timeout: float = 30.0) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(asyncio.gather(*self._readers), timeout)
        return code

    # --- reading what it wrote ------------------------------------------------------------------
    def text(self, stream: Stream = "all") -> str:
        return {"out": self.out, "err": self.err, "all": self.transcript}[stream]

    def unread(self, stream: Stream = "all") -> str:
        return self.text(stream)[self._cursor[stream] :]

    async def expect(
        self, pattern: str, *, timeout: float = 30.0, stream: Stream = "all"
    ) -> re.Match[str]:
        """Wait until `pattern` (a regex) appears after the last match in `stream`, and move the
        cursor past it. Fails with the unread output when it does not appear in time, or when the
        program ends first."""
        regex = re.compile(pattern)

        async def _find() -> re.Match[str]:
            async with self._changed:
                while True:
                    found = regex.search(self.text(stream), self._cursor[stream])
                    if found:
                        self._cursor[stream] = found.end()
                        return found
                    if self.process.returncode is not None and all(r.done() for r in self._readers):
                        raise AssertionError(
                            f"exited {self.process.returncode} before {pattern!r} appeared; "
                            f"unread:\n{self.unread(stream)[-3000:]}"
                        )
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(_find(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{pattern!r} did not appear within {timeout} s; unread:\n"
                f"{self.unread(stream)[-3000:]}"
            ) from None

    async def stop(self) -> None:
        if self._process is None:
            return
        if self._process.returncode is None:
            self.kill()
        with contextlib.suppress(TimeoutError):
            await self.wait(10)
        for reader in self._readers:
            reader.cancel()
        if self._master is not None:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = None


class Newcomer:
    """A fresh clone and the `clipbridge` command run in it, with default settings."""

    def __init__(self, folder: Path, home: Path) -> None:
        self.folder = folder
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
        }
        self.programs: list[Program] = []

    @asynccontextmanager
    async def __call__(
        self, *args: str, env: dict[str, str] | None = None, tty: bool = False
    ) -> AsyncIterator[Program]:
        environment = {**self.base_env, **(env or {})}
        program = Program([*clipbridge_argv(), *args], self.folder, environment, tty=tty)
        self.programs.append(program)
        await program.start()
        try:
            yield program
        finally:
            await program.stop()
            self.check_no_secret(program)

    def check_no_secret(self, program: Program) -> None:
        secrets = [v for k, v in program.env.items() if k in SECRET_SETTINGS]
        secrets += [s.split(":", 1)[1] for s in secrets if ":" in s]  # a Telegram token's secret
        secrets += [p for p in (urlsplit(program.env.get("DATABASE_URL", "")).password,) if p]
        places = {"what it wrote": program.transcript}
        for path in (self.folder / "data").rglob("*.log"):
            places[str(path.relative_to(self.folder))] = path.read_text(errors="replace")
        for place, text in places.items():
            leaked = [s[:10] + "…" for s in secrets if s and s in text]
            assert not leaked, f"secrets in {place}: {leaked}"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A copy of the repository as a fresh clone has it: the working folder of every program."""
    folder = tmp_path / "clipbridge"
    shutil.copytree(ROOT, folder, ignore=NOT_IN_A_CLONE, symlinks=True)
    return folder


@pytest.fixture
def clipbridge(clone: Path, tmp_path: Path) -> Newcomer:
    home = tmp_path / "home"
    home.mkdir()
    return Newcomer(clone, home)


@pytest.fixture
def clip(clone: Path) -> Callable[..., Path]:
    """`clip("clips/a.mp4", size="640x360")`: a generated clip at a path relative to the clone."""

    def _make(relative: str, **options: Any) -> Path:
        path = clone / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return make_clip(path, **options)

    return _make


# --- the services, and the settings that point the program at them ------------------------------
@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TELEGRAM_TOKEN) as fake:
        yield fake


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
    }


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        fake.guilds.append(
            fake.guild(DISCORD_GUILD, channels=(fake.text_channel(DISCORD_CHANNEL, DISCORD_GUILD),))
        )
        yield fake


def discord_env(fake: FakeDiscord) -> dict[str, str]:
    return {
        "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


@pytest.fixture
async def nemo() -> AsyncIterator[FakeNemo]:
    async with FakeNemo(operator_token=NEMO_TOKEN) as fake:
        yield fake


def nemo_env(fake: FakeNemo) -> dict[str, str]:
    return {"NEMO_TOKEN": NEMO_TOKEN, "NEMO_API_URL": fake.url, "NEMO_RENDER_POLL_INTERVAL": "0.1"}


def http_env() -> dict[str, str]:
    """The HTTP server on a free port (the default 8080 may be taken on a test machine)."""
    return {"HTTP_PORT": str(free_port())}


async def wait_healthy(program: Program, timeout: float = 30.0) -> None:
    """Until /healthz answers 200 on the program's HTTP_PORT."""
    url = f"http://127.0.0.1:{program.env['HTTP_PORT']}/healthz"

    async def _poll() -> None:
        async with httpx.AsyncClient() as client:
            while True:
                if program.returncode is not None:
                    raise AssertionError(
                        f"exited {program.returncode}:\n{program.transcript[-3000:]}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(0.1)

    await asyncio.wait_for(_poll(), timeout)


@pytest.fixture
def data(clone: Path) -> Iterator[Path]:
    """The default DATA_DIR of the clone, `data/`, as the program resolves it."""
    yield clone / "data"
