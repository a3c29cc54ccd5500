"""One serving process per `DATA_DIR`.

A process that starts cleans its work folder (`bot.media.clean_leftovers`): it stops the ffmpeg
runs recorded there and removes the files of jobs no longer in flight. A second `clipbridge
run`, `chat` or `worker` on the same folder would take the first one's running encodes for a
crash's leftovers and kill them, and on SQLite both would share one database. So the folder is
locked (`flock` on `DATA_DIR/clipbridge.lock`) for as long as the process lives; the kernel
drops the lock when it ends, even on kill -9, so a crash never leaves the folder locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import ConfigError

LOCK_NAME = "clipbridge.lock"


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold `data_dir`'s lock while open; `ConfigError` (one sentence) when another process
    holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_NAME).open("a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "?"
            raise ConfigError(
                [
                    f"Another clipbridge (process {holder}) is running with DATA_DIR {data_dir}: "
                    "stop it first, or give this one a DATA_DIR of its own."
                ]
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        yield  # closing the file lets go of the lock
