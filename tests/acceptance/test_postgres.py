"""`clipbridge run` and `doctor` with DATABASE_URL, on the tests' throwaway PostgreSQL.

Nothing of the bot's state lands in a SQLite file: a clip is compressed, the bot restarts, and
what it kept (the language chosen, the update ids seen, the job) comes back from PostgreSQL. A
second poller for the same bot on the same database is refused; the password is never shown (the
harness scans everything the program wrote for it).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.acceptance.conftest import Newcomer, Program, http_env, telegram_env, wait_healthy
from tests.fakes.telegram_api import FakeTelegram
from tests.support.secrets import POSTGRES_PASSWORD

CHAT = 6101


def _said(program: Program) -> str:
    return "\n".join(line for line in program.err.splitlines() if " INFO " not in line)


async def _stop(program: Program) -> None:
    program.signal(signal.SIGTERM)
    assert await program.wait(30) == 0, program.transcript[-3000:]
    assert "Traceback" not in program.transcript, program.transcript[-3000:]


async def test_run_on_postgres_compresses_restarts_and_loses_nothing(
    clipbridge: Newcomer,
    telegram: FakeTelegram,
    clip: Callable[..., Path],
    database_url: str,
    data: Path,
) -> None:
    env = {**telegram_env(telegram), "DATABASE_URL": database_url}
    video = clip("clips/a.mp4")
    upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
    async with clipbridge("run", env={**env, **http_env()}) as bot:
        await wait_healthy(bot)
        await telegram.push(telegram.message(CHAT, text="/lang zh"))
        asked = telegram.message(CHAT, text="compress to under 200KB", video=upload)
        asked_id = await telegram.push(asked)
        await telegram.wait_for(lambda: telegram.calls_of("sendVideo"), timeout=90)
        await _stop(bot)

    async with clipbridge("run", env={**env, **http_env()}) as again:
        await wait_healthy(again)
        await telegram.push({**asked, "update_id": asked_id})  # Telegram redelivers it
        await telegram.push(telegram.message(CHAT, text="/help"))
        await telegram.wait_for(  # in the language chosen before the restart
            lambda: any("命令：/export" in str(m.get("text")) for m in telegram.sent(CHAT)),
            timeout=30,
        )
        await _stop(again)

    assert len(telegram.calls_of("sendVideo")) == 1, "the redelivered update was not done again"
    assert not list(data.rglob("*.sqlite3*")), "nothing kept in SQLite"
    with psycopg.connect(database_url) as db:
        jobs = db.execute("SELECT kind, state FROM jobs ORDER BY created_at").fetchall()
        seen = db.execute("SELECT count(*) FROM seen_updates").fetchone()
    assert ("turn", "done") in jobs, jobs
    assert seen is not None and seen[0] >= 3

    async with clipbridge("doctor", env=env) as doctor:
        await doctor.wait(60)
    assert "answers, schema 2 of 2" in doctor.out, doctor.transcript
    assert "127.0.0.1" in doctor.out and POSTGRES_PASSWORD not in doctor.transcript


async def test_doctor_with_a_wrong_password_says_so_without_showing_either(
    clipbridge: Newcomer, database_url: str
) -> None:
    wrong = database_url.replace(POSTGRES_PASSWORD, "not-the-" + POSTGRES_PASSWORD[::-1])
    async with clipbridge("doctor", env={"DATABASE_URL": wrong}) as doctor:
        assert await doctor.wait(60) == 1
    line = next(x for x in doctor.out.splitlines() if "database" in x)
    assert line.startswith("FAIL") and "password authentication failed" in line, line
    assert "not-the-" not in doctor.transcript


async def test_a_second_poller_for_the_same_bot_is_refused_and_the_first_goes_on(
    clipbridge: Newcomer, telegram: FakeTelegram, database_url: str
) -> None:
    env = {**telegram_env(telegram), "DATABASE_URL": database_url}
    async with clipbridge("run", env={**env, **http_env()}) as first:
        await wait_healthy(first)
        second_env = {**env, **http_env(), "DATA_DIR": "data2"}  # a folder of its own
        async with clipbridge("run", env=second_env) as second:
            assert await second.wait(60) == 3, second.transcript[-3000:]
        assert "already polling Telegram for this bot" in _said(second), second.err
        assert "Traceback" not in second.transcript
        await telegram.push(telegram.message(CHAT, text="/help"))
        await telegram.wait_for(lambda: any("/export" in m["text"] for m in telegram.sent(CHAT)))
        await _stop(first)
    async with clipbridge("run", env={**env, **http_env()}) as after:  # the lock went with it
        await wait_healthy(after)
        await _stop(after)


async def test_run_with_a_database_it_cannot_use_ends_with_one_sentence(
    clipbridge: Newcomer, telegram: FakeTelegram, database_url: str
) -> None:
    wrong = database_url.replace(POSTGRES_PASSWORD, "not-the-" + POSTGRES_PASSWORD[::-1])
    env = {**telegram_env(telegram), **http_env(), "DATABASE_URL": wrong}
    async with clipbridge("run", env=env) as bot:
        assert await bot.wait(60) == 1, bot.transcript[-3000:]
    said = _said(bot)
    assert "password authentication failed" in said and "DATABASE_URL" in said, said
    assert "Traceback" not in bot.transcript and "not-the-" not in bot.transcript
