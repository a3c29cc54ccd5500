"""A database file that cannot be used stops the start with one sentence, and lets go of it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.store import DatabaseUnusable, SqliteStore


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, just text " * 200, b"SQLite format 3\x00" + b"\xff" * 4000],
)
async def test_a_corrupt_database_raises_one_sentence_and_leaves_no_thread_behind(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "clipbridge.sqlite3"
    path.write_bytes(content)
    before = set(threading.enumerate())
    with pytest.raises(DatabaseUnusable) as raised:
        async with SqliteStore(path):
            pytest.fail("a corrupt database opened")
    message = str(raised.value)
    assert str(path) in message and "backup" in message and "clipbridge doctor" in message
    assert "\n" not in message
    # aiosqlite's connection thread is not a daemon: one left running keeps the process alive.
    started = [t for t in set(threading.enumerate()) - before if not t.daemon]
    for thread in started:
        thread.join(timeout=5)  # a closed connection's thread ends as soon as it reads the stop
    assert [t for t in started if t.is_alive()] == []
