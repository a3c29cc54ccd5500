"""`clipbridge doctor` against local fakes, with services refusing, down, slow or unresolvable."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.cli import main as cli_main
from bot.config import Settings
from bot.doctor import Check, diagnose, format_report, run_checks
from bot.store import MIGRATIONS, SqliteStore
from tests.fakes.base import serving
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import FakeTelegram
from tests.support.secrets import DOCTOR_NEMO_TOKEN as NEMO_TOKEN
from tests.support.secrets import OPS_DISCORD_TOKEN as DC_TOKEN
from tests.support.secrets import OPS_TELEGRAM_TOKEN as TG_TOKEN
from tests.support.settings import make_settings

TOKENS = (TG_TOKEN, DC_TOKEN, NEMO_TOKEN, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings(tmp: Path, **values: Any) -> Settings:
    return make_settings(tmp, **values)


def by_name(checks: list[Check]) -> dict[str, Check]:
    report = format_report(checks)
    for token in TOKENS:
        assert token not in report
    return {c.name: c for c in checks}


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeNemo, FakeTelegram, FakeDiscord]]:
    async with (
        FakeNemo(operator_token=NEMO_TOKEN) as nemo,
        FakeTelegram(TG_TOKEN, username="clip_test_bot") as tg,
        FakeDiscord(token=DC_TOKEN) as dc,
    ):
        yield nemo, tg, dc


def service_settings(
    tmp: Path,
    nemo: str,
    tg: str,
    discord: str,
    *,
    nemo_token: str = NEMO_TOKEN,
    tg_token: str = TG_TOKEN,
    dc_token: str = DC_TOKEN,
) -> Settings:
    return settings(
        tmp,
        backend="nemo",
        nemo_api_url=nemo,
        nemo_token=nemo_token,
        telegram_bot_token=tg_token,
        telegram_base_url=f"{tg}/bot",
        telegram_base_file_url=f"{tg}/file/bot",
        discord_bot_token=dc_token,
        discord_api_url=discord,
    )


async def test_everything_passes_against_fakes(
    clean_env: Path, fakes: tuple[FakeNemo, FakeTelegram, FakeDiscord]
) -> None:
    nemo, tg, dc = fakes
    s = service_settings(clean_env, nemo.url, tg.url, dc.api_base)
    async with SqliteStore(s.database):
        pass
    checks = by_name(await run_checks(s, wait=2))
    assert [c.status for c in checks.values()] == ["passed"] * 6, checks
    assert checks["configuration"].detail == "backend nemo; Telegram (polling) and Discord"
    assert checks["ffmpeg"].detail.startswith("ffmpeg version")
    assert (
        f"schema {len(MIGRATIONS)} of {len(MIGRATIONS)}, journal wal" in checks["database"].detail
    )
    assert checks["nemovideo"].detail.endswith("accepts NEMO_TOKEN; 25000 credits")
    assert checks["telegram"].detail.startswith("@clip_test_bot on 127.0.0.1:")
    assert checks["discord"].detail.startswith("signed in as clipbridge (")
    credits = nemo.calls("credits")
    assert len(credits) == 1
    assert credits[0].headers["Authorization"] == f"Bearer {NEMO_TOKEN}"
    assert nemo.header_violations == []
    assert nemo.tokens_issued == 0
    assert [c.method for c in tg.calls if c.method == "getMe"] == ["getMe"]


async def test_refused_tokens_are_named_not_shown(
    clean_env: Path, fakes: tuple[FakeNemo, FakeTelegram, FakeDiscord]
) -> None:
    nemo, tg, dc = fakes
    wrong_discord = "bad.discord.token"
    s = service_settings(
        clean_env,
        nemo.url,
        tg.url,
        dc.api_base,
        nemo_token="nmv_usr_wrong_token_value_123",
        tg_token="1:wrong",
        dc_token=wrong_discord,
    )
    checks = by_name(await run_checks(s, wait=2))
    assert checks["nemovideo"].status == "failed"
    assert "refused NEMO_TOKEN (expired or wrong)" in checks["nemovideo"].detail
    assert checks["telegram"].status == "failed"
    assert (
        "refused TELEGRAM_BOT_TOKEN (HTTP 401): copy it again from @BotFather"
        in checks["telegram"].detail
    )
    assert checks["discord"].status == "failed"
    assert "refused DISCORD_BOT_TOKEN (HTTP 401)" in checks["discord"].detail
    report = format_report(list(checks.values()))
    for token in ("nmv_usr_wrong_token_value_123", "1:wrong", wrong_discord):
        assert token not in report


async def test_nemo_envelope_error_and_anonymous_mode(
    clean_env: Path, fakes: tuple[FakeNemo, FakeTelegram, FakeDiscord]
) -> None:
    nemo, tg, dc = fakes
    nemo.fail("credits", code=1001)
    s = service_settings(clean_env, nemo.url, tg.url, dc.api_base)
    check = by_name(await run_checks(s, wait=2))["nemovideo"]
    assert check.status == "failed"
    assert "refused NEMO_TOKEN" in check.detail

    nemo.fail("credits", code=5000, message="maintenance")
    check = by_name(await run_checks(s, wait=2))["nemovideo"]
    assert check.status == "failed"
    assert "answered the credits call with HTTP 200, code 5000 maintenance" in check.detail

    anonymous = settings(clean_env, backend="nemo", nemo_api_url=nemo.url)
    check = by_name(await run_checks(anonymous, wait=2))["nemovideo"]
    assert check.status == "passed"
    assert "answers (HTTP 404); without NEMO_TOKEN" in check.detail
    assert nemo.tokens_issued == 0  # anonymous tokens are rationed: doctor never takes one


async def test_services_down_on_a_closed_port(clean_env: Path) -> None:
    port = closed_port()
    here = f"http://127.0.0.1:{port}"
    s = service_settings(clean_env, here, here, f"{here}/api/v10")
    checks = by_name(await run_checks(s, wait=2))
    for name in ("nemovideo", "telegram", "discord"):
        assert checks[name].status == "failed"
        assert checks[name].detail == (
            f"connection refused by 127.0.0.1:{port} (is the service running there?)"
        )


async def test_unresolvable_hosts_say_no_internet(clean_env: Path) -> None:
    s = service_settings(
        clean_env, "https://nemo.invalid", "https://telegram.invalid", "https://discord.invalid/api"
    )
    checks = by_name(await run_checks(s, wait=3))
    assert checks["nemovideo"].detail == "cannot resolve host nemo.invalid (no internet?)"
    assert checks["telegram"].detail == "cannot resolve host telegram.invalid (no internet?)"
    assert checks["discord"].detail == "cannot resolve host discord.invalid (no internet?)"


async def test_a_slow_service_times_out(clean_env: Path) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    async with serving(app) as base:
        try:
            s = settings(
                clean_env,
                telegram_bot_token=TG_TOKEN,
                telegram_base_url=f"{base}/bot",
                telegram_base_file_url=f"{base}/file/bot",
            )
            check = by_name(await run_checks(s, wait=0.3))["telegram"]
        finally:
            release.set()  # or the server's shutdown waits for the answer held back
    host = base.removeprefix("http://")
    assert check.status == "failed"
    assert check.detail == f"no answer from {host} within 0.3s (a firewall or no internet?)"


async def test_database_states(clean_env: Path) -> None:
    s = settings(clean_env)
    check = by_name(await run_checks(s, wait=1))["database"]
    assert check.status == "passed"
    assert "does not exist yet" in check.detail

    s.database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(s.database) as db:
        db.execute("PRAGMA user_version = 0")
        db.execute("CREATE TABLE old (x)")
    check = by_name(await run_checks(s, wait=1))["database"]
    assert check.status == "passed"
    assert f"schema 0 is migrated to {len(MIGRATIONS)} at next start" in check.detail

    with sqlite3.connect(s.database) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    check = by_name(await run_checks(s, wait=1))["database"]
    assert check.status == "failed"
    assert "newer than this release knows" in check.detail

    s.database.unlink()
    s.database.write_bytes(b"this is not a database, just text " * 100)
    check = by_name(await run_checks(s, wait=1))["database"]
    assert check.status == "failed"
    assert "cannot be used: file is not a database" in check.detail


async def test_ffmpeg_that_fails_or_lacks_h264(clean_env: Path) -> None:
    broken = clean_env / "broken-ffmpeg"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    check = by_name(await run_checks(settings(clean_env, ffmpeg_path=broken), wait=1))["ffmpeg"]
    assert check.status == "failed"
    assert check.detail == f"{broken} does not run: exit status 3"

    bare = clean_env / "bare-ffmpeg"
    bare.write_text(
        '#!/bin/sh\nif [ "$2" = -version ]; then echo "ffmpeg version 1.0 Copyright x"; '
        'else echo " V..... mpeg4  MPEG-4 part 2"; fi\n'
    )
    bare.chmod(0o755)
    check = by_name(await run_checks(settings(clean_env, ffmpeg_path=bare), wait=1))["ffmpeg"]
    assert check.status == "failed"
    assert check.detail.startswith(f"ffmpeg version 1.0 at {bare} has no libx264 encoder")


async def test_unreadable_configuration_skips_the_rest() -> None:
    checks = by_name(await diagnose(None, http_port="99999", telegram_mode="hook"))
    assert checks["configuration"].status == "failed"
    assert checks["configuration"].detail.splitlines() == [
        "HTTP_PORT must be at most 65535 (got '99999'): pick a free port, e.g. HTTP_PORT=8080 "
        "(0 picks any free port).",
        "TELEGRAM_MODE must be one of polling or webhook (got 'hook'): fix it in the environment "
        "or in .env.",
    ]
    assert {c.status for n, c in checks.items() if n != "configuration"} == {"skipped"}


async def test_inconsistent_configuration_is_reported_and_the_rest_still_runs(
    clean_env: Path,
) -> None:
    s = settings(clean_env, telegram_bot_token=TG_TOKEN, telegram_mode="webhook")
    checks = by_name(await run_checks(s, wait=1))
    assert checks["configuration"].status == "failed"
    assert checks["configuration"].detail.startswith("PUBLIC_URL is not set")
    assert checks["database"].status == "passed"


def test_cli_exit_status_and_report(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    env = clean_env / "doctor.env"
    env.write_text(
        f"TELEGRAM_BOT_TOKEN={TG_TOKEN}\n"
        f"TELEGRAM_BASE_URL=http://127.0.0.1:{port}/bot\n"
        f"TELEGRAM_BASE_FILE_URL=http://127.0.0.1:{port}/file/bot\n"
    )
    assert cli_main(["doctor", "--env-file", str(env), "--timeout", "2"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  telegram       connection refused by 127.0.0.1:" in out
    assert "ok    configuration  backend local; Telegram (polling)" in out
    assert "skip  discord        DISCORD_BOT_TOKEN is not set" in out
    assert out.endswith("1 check failed.\n")
    assert TG_TOKEN not in out
