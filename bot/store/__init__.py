"""Persistence: what must survive a restart, behind one protocol.

`base` holds the records (`Job`, `ChatSession`, `Credentials`, `UserDefaults`) and the `Store`
protocol and imports no database; `sqlite` is `SqliteStore` (aiosqlite, imported only when first
used, so a module that only needs `Job` stays light); `schema` is its numbered migrations.
`postgres` is `PostgresStore` (psycopg 3, chosen by DATABASE_URL; a `SharedStore`, for several
processes), `postgres_schema` its migrations; `rows` reads a job's row for both.

    async with SqliteStore(path) as store:
        job = await store.add_job(Job(...))
        job = await store.export_submitted(job, render_id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import (
    ACTIVE_STATES,
    SEEN_UPDATES_KEPT,
    ChatSession,
    Credentials,
    FinalState,
    Job,
    JobKind,
    JobState,
    SharedStore,
    Store,
    UserDefaults,
)
from .schema import MIGRATIONS

if TYPE_CHECKING:
    from .postgres import PostgresStore
    from .sqlite import DatabaseUnusable, SqliteStore

_LAZY = {"SqliteStore": "sqlite", "DatabaseUnusable": "sqlite", "PostgresStore": "postgres"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTIVE_STATES",
    "MIGRATIONS",
    "SEEN_UPDATES_KEPT",
    "ChatSession",
    "Credentials",
    "DatabaseUnusable",
    "FinalState",
    "Job",
    "JobKind",
    "JobState",
    "PostgresStore",
    "SharedStore",
    "SqliteStore",
    "Store",
    "UserDefaults",
]
