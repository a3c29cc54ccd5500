"""What every `Store` must do, run against each implementation in `IMPLEMENTATIONS`.

Each entry is a factory that opens the same storage each time it is called, so "survives a
restart" means closing and opening it again. PostgreSQL runs on the throwaway server of
tests/support/postgres.py, a fresh database per test.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from unittest.mock import ANY

import pytest

from bot.models import ChatKey, UserRef
from bot.store import Credentials, Job, SqliteStore, Store, UserDefaults

CHAT = ChatKey("telegram", "42", "7")
OTHER_CHAT = ChatKey("discord", "42")
USER = UserRef("telegram", "9", "Ada")
OTHER_USER = UserRef("telegram", "10", "Bo")

OpenStore = Callable[[], AbstractAsyncContextManager[Store]]


def sqlite(tmp_path: Path) -> OpenStore:
    @asynccontextmanager
    async def open_store() -> AsyncIterator[Store]:
        async with SqliteStore(tmp_path / "contract.sqlite3") as store:
            yield store

    return open_store


def postgres(request: pytest.FixtureRequest) -> OpenStore:
    url: str = request.getfixturevalue("database_url")  # a fresh database per test

    @asynccontextmanager
    async def open_store() -> AsyncIterator[Store]:
        from bot.store.postgres import PostgresStore

        async with PostgresStore(url) as store:
            yield store

    return open_store


IMPLEMENTATIONS: dict[str, Callable[[pytest.FixtureRequest], OpenStore]] = {
    "sqlite": lambda request: sqlite(request.getfixturevalue("tmp_path")),
    "postgres": postgres,
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def open_store(request: pytest.FixtureRequest) -> OpenStore:
    """`async with open_store() as store`: the same storage each time (a restart in between)."""
    return IMPLEMENTATIONS[request.param](request)


@pytest.fixture
async def store(open_store: OpenStore) -> AsyncIterator[Store]:
    async with open_store() as opened:
        yield opened


def export(job_id: str = "render_1", **fields: object) -> Job:
    return replace(Job(job_id, CHAT, USER, "export", "nemo", "s1"), **fields)  # type: ignore[arg-type]


# chats -----------------------------------------------------------------------------------------


async def test_a_chat_session_is_kept_replaced_and_dropped(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.get_session(CHAT) is None
        await store.set_session(CHAT, "nemo", "s1")
        await store.set_session(CHAT, "local", "s2")
        await store.set_session(OTHER_CHAT, "nemo", "s3")
    async with open_store() as store:
        found = await store.get_session(CHAT)
        assert found is not None and (found.chat, found.backend, found.session) == (
            CHAT,
            "local",
            "s2",
        )
        await store.drop_session(CHAT)
        assert await store.get_session(CHAT) is None
        other = await store.get_session(OTHER_CHAT)
        assert other is not None and other.session == "s3", "dropping one chat keeps the others"


async def test_a_chat_keeps_its_fallback_session(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.fallback_session(CHAT) is None
        await store.set_fallback_session(CHAT, "local-1")
    async with open_store() as store:
        assert await store.fallback_session(CHAT) == "local-1"
        assert await store.fallback_session(OTHER_CHAT) is None


# updates ---------------------------------------------------------------------------------------


async def test_an_update_is_seen_once_per_platform(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.first_sight("telegram", "1")
        assert not await store.first_sight("telegram", "1")
        assert await store.first_sight("discord", "1")
    async with open_store() as store:
        assert not await store.first_sight("telegram", "1"), "a restart remembers"


async def test_pruning_forgets_only_updates_seen_before_the_cutoff(store: Store) -> None:
    assert await store.first_sight("telegram", "1")
    assert await store.prune_seen_updates(time.time() - 3600) == 0
    assert not await store.first_sight("telegram", "1")
    assert await store.prune_seen_updates(time.time() + 1) == 1
    assert await store.first_sight("telegram", "1"), "forgotten, so new again"


# users -----------------------------------------------------------------------------------------


async def test_a_language_choice_is_kept_per_user(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.get_language(USER) is None
        await store.set_language(USER, "en")
        await store.set_language(USER, "zh")
    async with open_store() as store:
        assert await store.get_language(USER) == "zh"
        assert await store.get_language(OTHER_USER) is None


async def test_a_persons_defaults_are_kept_replaced_and_reset(open_store: OpenStore) -> None:
    chosen = UserDefaults(
        target_bytes=8_000_000, codec="h265", max_height=720, drop_audio=True, as_file=True
    )
    async with open_store() as store:
        assert await store.user_defaults(USER) is None
        await store.set_user_defaults(USER, UserDefaults(codec="av1"))
        await store.set_user_defaults(USER, chosen)
    async with open_store() as store:
        assert await store.user_defaults(USER) == chosen
        assert await store.user_defaults(OTHER_USER) is None
        assert await store.user_defaults(UserRef("discord", "9")) is None  # per platform id
        await store.set_user_defaults(OTHER_USER, UserDefaults())
        assert await store.user_defaults(OTHER_USER) == UserDefaults()  # chosen: all engine's
        await store.reset_user_defaults(USER)
    async with open_store() as store:
        assert await store.user_defaults(USER) is None
        assert await store.user_defaults(OTHER_USER) == UserDefaults()
        await store.reset_user_defaults(USER)  # nothing to forget is no error


# backends --------------------------------------------------------------------------------------


async def test_credentials_are_kept_per_backend_and_field(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.credentials("nemo") == Credentials()
        await store.save_client_id("nemo", "client-1")
        await store.save_token("nemo", "tok-1", 1e10, "anon_1")
        await store.save_token("nemo", "tok-2", None, None)
        await store.save_client_id("other", "client-2")
    async with open_store() as store:
        assert await store.credentials("nemo") == Credentials("client-1", "tok-2", None, None)
        assert await store.credentials("other") == Credentials("client-2")
        await store.save_client_id("nemo", "client-3")
        assert await store.credentials("nemo") == Credentials("client-3", "tok-2", None, None)


async def test_credentials_never_show_their_token() -> None:
    assert "tok-secret" not in repr(Credentials("c", "tok-secret", 1.0, "u"))


async def test_a_backend_remembers_each_sessions_last_export(open_store: OpenStore) -> None:
    async with open_store() as store:
        assert await store.last_export("nemo", "s1") is None
        await store.set_last_export("nemo", "s1", "render_1")
        await store.set_last_export("nemo", "s1", "render_2")
        await store.set_last_export("nemo", "s2", "render_3")
    async with open_store() as store:
        assert await store.last_export("nemo", "s1") == "render_2"
        assert await store.last_export("nemo", "s2") == "render_3"
        assert await store.last_export("local", "s1") is None


# jobs ------------------------------------------------------------------------------------------


async def test_a_job_reads_back_as_written_after_a_restart(open_store: OpenStore) -> None:
    job = export(hint="m1", locale="zh", extra={"n": 1, "name": "片.mp4"}, backend_job="r1")
    async with open_store() as store:
        added = await store.add_job(job)
        assert added.created_at > 0 and added.updated_at >= added.created_at
    async with open_store() as store:
        assert await store.get_job("render_1") == added
        assert await store.get_job("nothing") is None


async def test_an_export_is_submitted_claimed_once_and_done(open_store: OpenStore) -> None:
    async with open_store() as store:
        job = await store.add_job(export())
        job = await store.export_submitted(job, "render_1b")
        assert (job.state, job.backend_job) == ("running", "render_1b")
    async with open_store() as store:
        (found,) = await store.active_jobs()
        assert (found.state, found.backend_job) == ("running", "render_1b")
        assert await store.claim_delivery(found)
        assert not await store.claim_delivery(found), "a second path does not deliver again"
        done = await store.finish_job(found, "done")
        assert (done.state, done.error) == ("done", None)
        assert await store.active_jobs() == []
        assert await store.get_job("render_1") == replace(done, updated_at=ANY)


async def test_a_pending_job_can_be_claimed(store: Store) -> None:
    job = await store.add_job(export())
    assert await store.claim_delivery(job)


async def test_a_job_found_mid_delivery_runs_again(open_store: OpenStore) -> None:
    async with open_store() as store:
        job = await store.export_submitted(await store.add_job(export()), "render_1")
        assert await store.claim_delivery(job)
    async with open_store() as store:
        (found,) = await store.active_jobs()
        assert found.state == "delivering"
        again = await store.job_running(found)
        assert again.state == "running"
        assert [j.state for j in await store.active_jobs()] == ["running"]
        assert await store.claim_delivery(again), "put back to running, it is claimed again"


@pytest.mark.parametrize("state", ["failed", "cancelled"])
async def test_a_job_ends_with_what_went_wrong(store: Store, state: str) -> None:
    job = await store.add_job(Job("turn_1", CHAT, USER, "turn", "nemo", "s1", "running"))
    ended = await store.finish_job(job, state, "interrupted by a restart")  # type: ignore[arg-type]
    assert (ended.state, ended.error) == (state, "interrupted by a restart")
    assert await store.get_job("turn_1") == replace(ended, updated_at=ANY)
    assert await store.active_jobs() == []
    assert not await store.claim_delivery(ended), "an ended job is never delivered"


async def test_a_transition_from_a_stale_copy_keeps_what_others_wrote(store: Store) -> None:
    job = await store.add_job(export(hint="m1", extra={"n": 1}))
    await store.export_submitted(job, "render_1b")
    await store.finish_job(job, "cancelled", "cancelled by the person")  # the copy before submit
    found = await store.get_job("render_1")
    assert found is not None
    assert (found.state, found.backend_job, found.hint, found.extra) == (
        "cancelled",
        "render_1b",
        "m1",
        {"n": 1},
    )


async def test_active_jobs_are_listed_oldest_first_and_per_user(store: Store) -> None:
    await store.add_job(export("b", created_at=2.0e9))
    await store.add_job(export("a", created_at=1.0e9))
    await store.add_job(replace(export("c"), user=OTHER_USER))
    finished = await store.add_job(export("d"))
    await store.finish_job(finished, "done")
    assert [j.id for j in await store.active_jobs()] == ["a", "c", "b"], "c was created now"
    assert {j.id for j in await store.active_jobs_of(USER)} == {"a", "b"}
    assert [j.id for j in await store.active_jobs_of(OTHER_USER)] == ["c"]


async def test_jobs_today_counts_a_users_last_day(store: Store) -> None:
    await store.add_job(export("old", created_at=time.time() - 2 * 86400))
    await store.add_job(export("new"))
    finished = await store.add_job(export("new_done"))
    await store.finish_job(finished, "failed", "x")
    assert await store.jobs_today(USER) == 2, "finished jobs count, old ones do not"
    assert await store.jobs_today(OTHER_USER) == 0


async def test_a_usable_store_answers_ping(store: Store) -> None:
    await store.ping()


async def test_a_job_is_added_only_under_its_users_limits(store: Store) -> None:
    assert await store.add_job_within(export("a"), at_once=2, per_day=3)
    assert await store.add_job_within(export("b"), at_once=2, per_day=3)
    assert await store.add_job_within(export("c"), at_once=2, per_day=3) is None, "2 at once"
    assert await store.add_job_within(replace(export("o"), user=OTHER_USER), at_once=2), "per user"
    await store.finish_job(export("a"), "done")
    assert await store.add_job_within(export("c"), at_once=2, per_day=3), "a place came free"
    await store.finish_job(export("b"), "done")
    assert await store.add_job_within(export("d"), at_once=2, per_day=3) is None, "3 today"
    assert await store.add_job_within(export("d")), "no limits, no refusal"
    assert {j.id for j in await store.active_jobs_of(USER)} == {"c", "d"}


async def test_an_old_job_does_not_count_against_today(store: Store) -> None:
    await store.add_job(export("old", created_at=time.time() - 2 * 86400, state="done"))
    added = await store.add_job_within(export("new"), per_day=1)
    assert added is not None and await store.get_job("new") == added
