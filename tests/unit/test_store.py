"""What is particular to the SQLite store: its migrations, the databases earlier releases left,
and what importing the store's records costs. What every store does is tests/contracts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.models import ChatKey, UserRef
from bot.store import MIGRATIONS, Credentials, SqliteStore
from bot.store.upkeep import pruning_seen_updates
from tests.support.databases import first_schema_database

CHAT = ChatKey("telegram", "42", "7")
USER = UserRef("telegram", "9", "Ada")


async def test_migrations_run_once_and_data_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        await store.set_session(CHAT, "nemo", "123")
        await store.set_language(USER, "zh")
    async with SqliteStore(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        session = await store.get_session(CHAT)
        assert session is not None and session.session == "123"
        assert await store.get_language(USER) == "zh"


def _job_row(job_id: str, state: str, **columns: object) -> dict[str, object]:
    return {
        "id": job_id,
        "chat": str(CHAT),
        "user": str(USER),
        "user_name": "Ada",
        "kind": "export",
        "backend": "nemo",
        "session": "s1",
        "state": state,
        "locale": "zh",
        "created_at": 1.0,
        "updated_at": 1.0,
        **columns,
    }


async def test_a_database_of_the_first_schema_opens_and_keeps_working(tmp_path: Path) -> None:
    """What the first release wrote, rows exactly as it wrote them: NemoVideo's keys in meta
    move to their tables, everything else reads as before and goes on working."""
    token = {"token": "nmv_usr_anon1_x", "expires_at": 2.0e9, "user_id": "anon_1"}
    path = first_schema_database(
        tmp_path / "old.sqlite3",
        {
            "meta": [
                {"key": "nemo.client_id", "value": "client-1"},
                {"key": "nemo.token", "value": json.dumps(token)},
                {"key": "nemo_render:s1", "value": "render_9"},
                {"key": f"fallback_session:{CHAT}", "value": "local-1"},
            ],
            "chats": [{"chat": str(CHAT), "backend": "nemo", "session": "s1", "updated_at": 1.0}],
            "users": [{"user": str(USER), "language": "zh"}],
            "seen_updates": [{"platform": "telegram", "update_id": "5", "seen_at": 1.0}],
            "jobs": [
                _job_row("render_1", "delivering", backend_job="render_1", reply_to="m1"),
                _job_row("render_0", "done", backend_job="render_0"),
            ],
        },
    )
    async with SqliteStore(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        assert await store.credentials("nemo") == Credentials(
            "client-1", "nmv_usr_anon1_x", 2.0e9, "anon_1"
        )
        assert await store.last_export("nemo", "s1") == "render_9"
        for key in ("nemo.client_id", "nemo.token", "nemo_render:s1"):
            assert await _meta(store, key) is None, f"{key} left in meta"
        assert await store.fallback_session(CHAT) == "local-1"
        session = await store.get_session(CHAT)
        assert session is not None and (session.backend, session.session) == ("nemo", "s1")
        assert await store.get_language(USER) == "zh"
        assert not await store.first_sight("telegram", "5")
        assert await store.prune_seen_updates(2.0) == 1
        (job,) = await store.active_jobs()
        assert (job.id, job.state, job.hint, job.locale, job.user) == (
            "render_1",
            "delivering",
            "m1",
            "zh",
            USER,
        )
        job = await store.job_running(job)
        assert await store.claim_delivery(job)
        await store.finish_job(job, "done")
        assert await store.active_jobs() == []
        await store.save_token("nemo", "nmv_usr_anon2_y", None, "anon_1")
    async with SqliteStore(path) as store:
        assert (await store.credentials("nemo")).token == "nmv_usr_anon2_y"


async def test_an_unreadable_stored_token_is_dropped_by_the_migration(tmp_path: Path) -> None:
    path = first_schema_database(
        tmp_path / "old.sqlite3",
        {
            "meta": [
                {"key": "nemo.client_id", "value": "client-1"},
                {"key": "nemo.token", "value": "{not json"},
            ]
        },
    )
    async with SqliteStore(path) as store:
        assert await store.credentials("nemo") == Credentials("client-1")
        assert await _meta(store, "nemo.token") is None


def test_importing_the_records_does_not_import_sqlite() -> None:
    """A module that only needs `Job` or `Store` (a queue, a worker elsewhere) pays for no
    database driver; a fresh interpreter, since this one has loaded aiosqlite long ago."""
    code = (
        "import sys\n"
        "from bot.store import Job, Store, ChatSession, Credentials, MIGRATIONS\n"
        "assert 'aiosqlite' not in sys.modules, 'Job imported aiosqlite'\n"
        "from bot.store import SqliteStore\n"
        "assert 'aiosqlite' in sys.modules, 'SqliteStore did not load its driver'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


class _CountingStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.pruned = asyncio.Queue[int]()

    async def prune_seen_updates(self, before: float) -> int:
        removed = await super().prune_seen_updates(before)
        self.pruned.put_nowait(removed)
        return removed


async def test_a_running_bot_prunes_seen_updates_at_once_and_then_again(tmp_path: Path) -> None:
    async with _CountingStore(tmp_path / "db.sqlite3") as store:
        await store.first_sight("telegram", "1")
        async with pruning_seen_updates(store, keep=-60.0, every=0.05):
            assert await asyncio.wait_for(store.pruned.get(), 5) == 1
            assert await store.first_sight("telegram", "1"), "forgotten"
            assert await asyncio.wait_for(store.pruned.get(), 5) == 1, "pruned again"


async def _meta(store: SqliteStore, key: str) -> str | None:
    """What the store's private key-value table holds under `key`."""
    async with store.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else str(row[0])
