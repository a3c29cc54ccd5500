"""Cluster mode's switches said plainly: what `clipbridge worker` and `run --workers` need."""

from __future__ import annotations

from tests.acceptance.conftest import Newcomer, telegram_env
from tests.fakes.telegram_api import FakeTelegram


async def test_a_worker_without_a_database_says_what_it_needs_and_stops(
    clipbridge: Newcomer, telegram: FakeTelegram
) -> None:
    async with clipbridge("worker", env=telegram_env(telegram)) as worker:
        assert await worker.wait() == 2
    assert worker.err.strip() == (
        "clipbridge worker needs DATABASE_URL (the PostgreSQL the bot's other processes use): "
        "without it there is no shared queue to take jobs from."
    )


async def test_run_with_workers_but_no_database_refuses_the_option(
    clipbridge: Newcomer, telegram: FakeTelegram
) -> None:
    async with clipbridge("run", "--workers", "2", env=telegram_env(telegram)) as bot:
        assert await bot.wait() == 2
    assert "--workers needs DATABASE_URL" in bot.err
    assert telegram.calls == [], "nothing was started"
