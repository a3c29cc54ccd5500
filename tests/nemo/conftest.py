"""Fixtures for the NemoVideo tests: a started fake, a tmp_path store, and clients built on both.

Timeouts and waits are configured small so the whole directory runs in seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.backends.nemo import NemoBackend, NemoClient
from bot.config import Settings
from bot.store import SqliteStore
from tests.fakes.nemovideo import FakeNemo
from tests.support import settings as support

FAST = {"retries": 2, "backoff": 0.01, "rate_limit_wait": 0.05, "max_retry_after": 2.0}


def make_settings(url: str, **overrides: Any) -> Settings:
    return support.make_settings(None, support.nemo_at(url), **overrides)


@pytest.fixture
async def fake() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "nemo.sqlite3") as opened:
        yield opened


ClientFactory = Callable[..., AbstractAsyncContextManager[NemoClient]]
BackendFactory = Callable[..., AbstractAsyncContextManager[NemoBackend]]


@pytest.fixture
def open_client(fake: FakeNemo, store: SqliteStore) -> ClientFactory:
    """`async with open_client(**settings_overrides) as client`, against the fake."""

    @asynccontextmanager
    async def factory(
        *, client_options: dict[str, Any] | None = None, **overrides: Any
    ) -> AsyncIterator[NemoClient]:
        settings = make_settings(fake.url, **overrides)
        async with NemoClient(settings, store, **{**FAST, **(client_options or {})}) as client:
            yield client

    return factory


@pytest.fixture
async def client(open_client: ClientFactory) -> AsyncIterator[NemoClient]:
    async with open_client() as opened:
        yield opened


@pytest.fixture
def open_backend(fake: FakeNemo, store: SqliteStore) -> BackendFactory:
    @asynccontextmanager
    async def factory(
        *, client_options: dict[str, Any] | None = None, **overrides: Any
    ) -> AsyncIterator[NemoBackend]:
        settings = make_settings(fake.url, **overrides)
        async with NemoBackend(settings, store, **{**FAST, **(client_options or {})}) as backend:
            yield backend

    return factory


@pytest.fixture
async def backend(open_backend: BackendFactory) -> AsyncIterator[NemoBackend]:
    async with open_backend() as opened:
        yield opened
