"""The SQLite store: migrations once, duplicates seen, jobs that survive a reopen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from unittest.mock import ANY

from bot.models import ChatKey, UserRef
from bot.store import MIGRATIONS, Job, SqliteStore

CHAT = ChatKey("telegram", "42", "7")
USER = UserRef("telegram", "9", "Ada")


async def test_migrations_run_once_and_data_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        await store.set_session(CHAT, "nemo", "123")
        await store.set_meta("nemo.client_id", "abc")
        await store.set_language(USER, "zh")
    async with SqliteStore(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        session = await store.get_session(CHAT)
        assert session is not None and session.session == "123"
        assert await store.get_meta("nemo.client_id") == "abc"
        assert await store.get_language(USER) == "zh"
        await store.drop_session(CHAT)
        assert await store.get_session(CHAT) is None


async def test_an_update_is_seen_once_per_platform(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        assert await store.first_sight("telegram", "1")
        assert not await store.first_sight("telegram", "1")
        assert await store.first_sight("discord", "1")


async def test_a_job_is_claimed_for_delivery_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path) as store:
        job = Job("render_1", CHAT, USER, "export", "nemo", "123", backend_job="render_1")
        job = await store.add_job(job)
        job = await store.update_job(job, state="running", extra={"n": 1})
        assert [j.id for j in await store.active_jobs_of(USER)] == ["render_1"]
        assert await store.jobs_today(USER) == 1
    async with SqliteStore(path) as store:
        (found,) = await store.active_jobs()
        assert (found.chat, found.user, found.state, found.extra) == (
            CHAT,
            USER,
            "running",
            {"n": 1},
        )
        assert await store.claim_delivery(found)
        assert not await store.claim_delivery(found)
        await store.update_job(found, state="done")
        assert await store.active_jobs() == []


async def test_each_job_transition_is_written_and_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path) as store:
        export = await store.add_job(Job("render_2", CHAT, USER, "export", "nemo", "123"))
        export = await store.export_submitted(export, "render_2b")
        assert (export.state, export.backend_job) == ("running", "render_2b")
        assert await store.claim_delivery(export)
        turn = await store.add_job(Job("turn_1", CHAT, USER, "turn", "nemo", "123", "running"))
        await store.finish_job(turn, "failed", "interrupted by a restart")
        upload = await store.add_job(Job("up_1", CHAT, USER, "upload", "nemo", "123", "running"))
        await store.finish_job(upload, "cancelled", "cancelled by the person")
    async with SqliteStore(path) as store:
        (found,) = await store.active_jobs()
        assert (found.id, found.state, found.backend_job) == ("render_2", "delivering", "render_2b")
        found = await store.job_running(found)
        assert found.state == "running"
        assert [j.state for j in await store.active_jobs()] == ["running"]
        assert await store.claim_delivery(found), "a job put back to running is claimed again"
        done = await store.finish_job(found, "done")
        assert (done.state, done.error) == ("done", None)
        assert await store.active_jobs() == []
        assert await store.get_job("turn_1") == replace(
            turn, state="failed", error="interrupted by a restart", updated_at=ANY
        )
        cancelled = await store.get_job("up_1")
        assert cancelled is not None
        assert (cancelled.state, cancelled.error) == ("cancelled", "cancelled by the person")


async def test_a_transition_writes_only_what_it_changes(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        job = await store.add_job(
            Job("render_3", CHAT, USER, "export", "nemo", "123", reply_to="m1", extra={"n": 1})
        )
        stale = job
        await store.export_submitted(job, "render_3b")
        await store.finish_job(stale, "cancelled", "cancelled by the person")
        found = await store.get_job("render_3")
        assert found is not None
        assert (found.state, found.backend_job, found.reply_to, found.extra) == (
            "cancelled",
            "render_3b",
            "m1",
            {"n": 1},
        ), "finishing from a stale copy keeps the submitted render id"
