"""What PostgreSQL adds to the Store contract: several processes on one database."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import psycopg

from bot.store.postgres import PostgresStore, lock_key, shown_address
from bot.store.postgres_schema import MIGRATIONS
from tests.support.secrets import POSTGRES_PASSWORD

MIGRATING = """
import asyncio, sys
from bot.store.postgres import connect, migrate

async def main() -> None:
    async with await connect(sys.argv[1]) as connection:
        print("connected", flush=True)
        sys.stdin.readline()  # the go-ahead: every process is connected by now
        print("version", await migrate(connection), flush=True)

asyncio.run(main())
"""


def test_processes_migrating_at_once_end_with_one_schema(database_url: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATING, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "connected", process.stderr
        for process in processes:  # all at once
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (out, err) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == f"version {len(MIGRATIONS)}"
    with psycopg.connect(database_url) as db:
        assert db.execute("SELECT version FROM clipbridge_schema").fetchall() == [
            (len(MIGRATIONS),)
        ], "one row, at the last version"
        tables = db.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'jobs'"
        ).fetchone()
        assert tables == (1,)


async def test_stores_opening_together_all_open(database_url: str) -> None:
    async def open_and_ping() -> int:
        async with PostgresStore(database_url, pool_size=2) as store:
            await store.ping()
            return await store.schema_version()

    versions = await asyncio.gather(*(open_and_ping() for _ in range(6)))
    assert versions == [len(MIGRATIONS)] * 6


async def test_an_update_is_first_seen_by_one_replica_only(database_url: str) -> None:
    async with (
        PostgresStore(database_url, pool_size=4) as one,
        PostgresStore(database_url, pool_size=4) as two,
    ):
        sightings = await asyncio.gather(
            *(store.first_sight("telegram", "77") for _ in range(10) for store in (one, two))
        )
    assert sightings.count(True) == 1


async def test_a_delivery_is_claimed_by_one_replica_only(database_url: str) -> None:
    from tests.contracts.test_store import export

    async with (
        PostgresStore(database_url, pool_size=4) as one,
        PostgresStore(database_url, pool_size=4) as two,
    ):
        job = await one.add_job(export())
        claims = await asyncio.gather(
            *(store.claim_delivery(job) for _ in range(5) for store in (one, two))
        )
    assert claims.count(True) == 1


async def test_an_exclusive_lock_is_held_by_one_process_until_released(
    database_url: str,
) -> None:
    async with (
        PostgresStore(database_url) as one,
        PostgresStore(database_url) as two,
    ):
        async with one.exclusive("telegram-poller:7012345678") as first:
            assert first
            async with two.exclusive("telegram-poller:7012345678") as second:
                assert not second, "held by the first"
            async with two.exclusive("telegram-poller:1") as other:
                assert other, "another bot's lock is another lock"
        async with two.exclusive("telegram-poller:7012345678") as after:
            assert after, "released with the first's connection"


def test_a_lock_key_is_a_signed_64_bit_hash_of_the_name() -> None:
    key = lock_key("telegram-poller:7012345678")
    assert -(2**63) <= key < 2**63
    assert key == lock_key("telegram-poller:7012345678") != lock_key("telegram-poller:1")


def test_the_shown_address_has_no_password() -> None:
    url = f"postgresql://bot:{POSTGRES_PASSWORD}@db.internal:5433/clips?sslmode=require"
    assert shown_address(url) == "postgresql://bot@db.internal:5433/clips"


async def test_replicas_admitting_one_person_at_once_keep_the_limits(database_url: str) -> None:
    from dataclasses import replace

    from tests.contracts.test_store import export

    async with (
        PostgresStore(database_url, pool_size=5) as one,
        PostgresStore(database_url, pool_size=5) as two,
    ):
        added = await asyncio.gather(
            *(
                store.add_job_within(replace(export(f"{store is one}-{n}")), per_day=3)
                for n in range(10)
                for store in (one, two)
            )
        )
        assert sum(job is not None for job in added) == 3
        added = await asyncio.gather(
            *(
                store.add_job_within(
                    replace(export(f"x{store is one}-{n}"), user=replace(export().user, id="11")),
                    at_once=2,
                )
                for n in range(10)
                for store in (one, two)
            )
        )
        assert sum(job is not None for job in added) == 2
