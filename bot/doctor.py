"""`clipbridge doctor`: check that this machine can run the bot, and say what to fix.

Checks, each reported as passed, failed (with the reason) or skipped (not configured):

- configuration: every setting valid and the combination workable (`bot.settings_check`), and at
  least one chat platform for `clipbridge run`;
- ffmpeg: the binary runs and has the H.264 encoder the local engine needs;
- database: the SQLite file opens, takes a write lock and has a schema this release knows; with
  DATABASE_URL, PostgreSQL answers there and has a schema this release knows (the password is
  never shown), and how many jobs its queue holds;
- NemoVideo: with NEMO_TOKEN, the credits call accepts it; without, the host answers at all
  (an anonymous token is never fetched here: they are rationed per client and per IP);
- each chat platform (`bot.ports.platforms()`): its own check, e.g. Telegram's getMe at
  TELEGRAM_BASE_URL, Discord's GET /users/@me; skipped when its token is not set.

Network checks use plain httpx with short timeouts and explain failures in words that help on a
machine with no internet ("cannot resolve host ... (no internet?)"). No token is ever printed:
URLs that carry one are never shown, and every detail passes through `bot.logs.redact`.
The checks take their base URLs from the settings, so tests point them at local fakes. A
platform's check uses `request` and `json_body` from here.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sqlite3
import ssl
import sys
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import aiosqlite
import httpx
from pydantic import ValidationError
from pydantic_settings import SettingsError

import bot
from bot.config import Settings
from bot.logs import redact
from bot.media import ffmpeg_exe
from bot.ports import configured_platforms, platforms
from bot.settings_check import check_settings, describe_validation_error
from bot.store import MIGRATIONS

__all__ = [
    "Check",
    "add_arguments",
    "check_database",
    "check_ffmpeg",
    "check_nemo",
    "describe_http_error",
    "diagnose",
    "format_report",
    "json_body",
    "main",
    "request",
    "run_checks",
]

TIMEOUT = 5.0

Status = Literal["passed", "failed", "skipped"]
_MARKS = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file", default=".env", help="settings file read besides the environment (.env)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help=f"seconds to wait for each service (default {TIMEOUT:g})",
    )


def main(args: argparse.Namespace) -> int:
    checks = asyncio.run(diagnose(args.env_file, wait=args.timeout))
    sys.stdout.write(format_report(checks))
    sys.stdout.flush()
    return 1 if any(c.status == "failed" for c in checks) else 0


async def diagnose(
    env_file: str | None = ".env", *, wait: float = TIMEOUT, **overrides: Any
) -> list[Check]:
    """Read the settings, then run every check. Settings that cannot be read fail the
    configuration check and skip the rest."""
    try:
        settings = Settings(_env_file=env_file, **overrides)
    except (ValidationError, SettingsError) as exc:
        detail = (
            "\n".join(describe_validation_error(exc))
            if isinstance(exc, ValidationError)
            else f"The settings could not be read: {exc}"
        )
        skipped = "skipped: the configuration could not be read"
        names = ["ffmpeg", "database", "nemovideo"] + [p.name for p in platforms()]
        return [Check("configuration", "failed", detail)] + [
            Check(name, "skipped", skipped) for name in names
        ]
    return await run_checks(settings, wait=wait)


async def run_checks(settings: Settings, *, wait: float = TIMEOUT) -> list[Check]:
    """Every check on settings already read, concurrently; results in a fixed order."""
    async with httpx.AsyncClient(timeout=wait, follow_redirects=False) as client:
        checks: Sequence[Awaitable[Check]] = (
            check_ffmpeg(settings, wait=max(wait, 10.0)),
            check_database(settings),
            check_nemo(settings, client),
            *(platform.doctor(settings, client) for platform in platforms()),
        )
        results = [_configuration(settings), *await asyncio.gather(*checks)]
    secrets = settings.secrets()
    return [replace(c, detail=redact(c.detail, secrets)) for c in results]


def format_report(checks: Sequence[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        first, *rest = check.detail.splitlines() or [""]
        lines.append(f"{_MARKS[check.status]}  {check.name:<{width}}  {first}")
        lines += [f"{'':{6 + width}}  {line}" for line in rest]
    failed = sum(c.status == "failed" for c in checks)
    lines.append("")
    lines.append(f"{failed} check{'s' if failed != 1 else ''} failed." if failed else "All good.")
    return "\n".join(lines) + "\n"


# --- configuration ------------------------------------------------------------------------------


def _configuration(settings: Settings) -> Check:
    problems = check_settings(settings)
    configured = [p.describe(settings) for p in configured_platforms(settings)]
    if not configured:
        switches = " and/or ".join(p.switch for p in platforms())
        problems.append(
            f"No chat platform is configured: `clipbridge run` needs {switches} "
            "(`clipbridge chat` works without any)."
        )
    if problems:
        return Check("configuration", "failed", "\n".join(problems))
    summary = f"backend {settings.chosen_backend}; {' and '.join(configured)}"
    return Check("configuration", "passed", summary)


# --- ffmpeg -------------------------------------------------------------------------------------


async def check_ffmpeg(settings: Settings, *, wait: float = 10.0) -> Check:
    try:
        exe = ffmpeg_exe(settings)
    except Exception as exc:
        return Check("ffmpeg", "failed", f"no ffmpeg found ({exc}): set FFMPEG_PATH")
    try:
        version = await _run(exe, "-hide_banner", "-version", wait=wait)
        encoders = await _run(exe, "-hide_banner", "-encoders", wait=wait)
    except (OSError, TimeoutError, RuntimeError) as exc:
        reason = f"timed out after {wait:g}s" if isinstance(exc, TimeoutError) else str(exc)
        return Check("ffmpeg", "failed", f"{exe} does not run: {reason}")
    first = version.splitlines()[0].split(" Copyright")[0] if version else "ffmpeg"
    if " libx264 " not in encoders:
        return Check(
            "ffmpeg",
            "failed",
            f"{first} at {exe} has no libx264 encoder, which the local engine needs: unset "
            "FFMPEG_PATH to use the bundled build, or install an ffmpeg built with libx264.",
        )
    return Check("ffmpeg", "passed", f"{first} ({exe})")


async def _run(*argv: str, wait: float) -> str:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), wait)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"exit status {process.returncode}")
    return out.decode(errors="replace")


# --- database -----------------------------------------------------------------------------------


async def check_database(settings: Settings) -> Check:
    if settings.database_url is not None:
        return await check_postgres(settings.database_url.get_secret_value())
    path = settings.database
    expected = len(MIGRATIONS)
    if not path.exists():
        return Check(
            "database", "passed", f"{path} does not exist yet; `clipbridge run` creates it"
        )
    try:
        async with aiosqlite.connect(f"file:{path}?mode=rw", uri=True, timeout=2.0) as db:
            async with db.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            async with db.execute("PRAGMA journal_mode") as cursor:
                row = await cursor.fetchone()
            journal = str(row[0]) if row else "?"
            # Take the write lock and give it back: proves we may write without writing.
            await db.execute("BEGIN IMMEDIATE")
            await db.rollback()
    except sqlite3.Error as exc:
        return Check(
            "database",
            "failed",
            f"{path} cannot be used: {exc} (check the file's owner and permissions, or restore "
            "it from a backup)",
        )
    if version > expected:
        return Check(
            "database",
            "failed",
            f"{path} has schema version {version}, newer than this release knows ({expected}): "
            "run the newer clipbridge, or restore a backup taken before the upgrade.",
        )
    if version < expected:
        detail = f"{path} is writable; schema {version} is migrated to {expected} at next start"
    else:
        detail = f"{path} is writable, schema {version} of {expected}, journal {journal}"
    return Check("database", "passed", detail)


async def check_postgres(url: str) -> Check:
    import psycopg

    from bot.store.postgres import DatabaseUnreachable, connect, schema_version, shown_address
    from bot.store.postgres_schema import MIGRATIONS as POSTGRES_MIGRATIONS

    shown, expected = shown_address(url), len(POSTGRES_MIGRATIONS)
    from bot.cluster.queue import describe

    try:
        async with await connect(url) as connection:
            version = await schema_version(connection)
            queue = await describe(connection)
    except DatabaseUnreachable as exc:
        return Check("database", "failed", f"{exc.problem}.")
    except psycopg.Error as exc:  # reached, but refused a read (permissions)
        return Check("database", "failed", f"{DatabaseUnreachable(url, exc).problem}.")
    if version is None:
        return Check(
            "database", "passed", f"{shown} answers; `clipbridge run` creates the schema; {queue}"
        )
    if version > expected:
        return Check(
            "database",
            "failed",
            f"{shown} has schema version {version}, newer than this release knows ({expected}): "
            "run the newer clipbridge everywhere, or restore a backup taken before the upgrade.",
        )
    if version < expected:
        return Check(
            "database",
            "passed",
            f"{shown} answers; schema {version} is migrated to {expected} at next start; {queue}",
        )
    return Check("database", "passed", f"{shown} answers, schema {version} of {expected}; {queue}")


# --- services -----------------------------------------------------------------------------------


def describe_http_error(exc: BaseException, url: str, timeout: float | None = None) -> str:
    """Why a request to `url` got no HTTP answer, naming only its host and port (a URL path may
    carry a token)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    chain = _chain(exc)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return f"cannot resolve host {host} (no internet?)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return f"connection refused by {host}:{port} (is the service running there?)"
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return f"TLS handshake with {host}:{port} failed (a proxy or a wrong clock?)"
    if isinstance(exc, httpx.TimeoutException):
        within = f" within {timeout:g}s" if timeout else ""
        return f"no answer from {host}:{port}{within} (a firewall or no internet?)"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {host}:{port} (no internet?)"
    return f"request to {host}:{port} failed: {type(exc).__name__}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


async def request(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response | str:
    """The response, or why there was none."""
    try:
        return await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        timeout = client.timeout.connect
        return describe_http_error(exc, url, timeout)


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def check_nemo(settings: Settings, client: httpx.AsyncClient) -> Check:
    name = "nemovideo"
    if settings.chosen_backend != "nemo":
        return Check(name, "skipped", "BACKEND is local (set NEMO_TOKEN or BACKEND=nemo to use it)")
    base = settings.nemo_api_url.rstrip("/")
    host = urlsplit(base).netloc
    token = settings.nemo_token.get_secret_value() if settings.nemo_token else ""
    if not token:
        answer = await request(client, "GET", base + "/")
        if isinstance(answer, str):
            return Check(name, "failed", answer)
        return Check(
            name,
            "passed",
            f"{host} answers (HTTP {answer.status_code}); without NEMO_TOKEN the bot gets an "
            "anonymous token when it first needs one",
        )
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Skill-Source": settings.nemo_skill_source,
        "X-Skill-Version": bot.__version__,
        "X-Skill-Platform": settings.nemo_skill_platform,
    }
    answer = await request(client, "GET", base + "/api/credits/balance/simple", headers=headers)
    if isinstance(answer, str):
        return Check(name, "failed", answer)
    body = json_body(answer)
    code = body.get("code")
    if code == 1001 or answer.status_code in (401, 403):
        return Check(
            name,
            "failed",
            f"{host} refused NEMO_TOKEN (expired or wrong): set a current token, or unset it "
            "to use an anonymous one",
        )
    data = body.get("data")
    if answer.status_code == 200 and code == 0 and isinstance(data, dict):
        return Check(
            name, "passed", f"{host} accepts NEMO_TOKEN; {data.get('available', '?')} credits"
        )
    message = body.get("message") or body.get("msg") or ""
    said = f", code {code}" if code is not None else ""
    return Check(
        name,
        "failed",
        f"{host} answered the credits call with HTTP {answer.status_code}{said} {message}".strip(),
    )
