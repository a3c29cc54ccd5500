"""Databases as earlier releases left them, to prove the migrations bring them forward."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.store import MIGRATIONS


def first_schema_database(
    path: Path, rows: Mapping[str, Iterable[Mapping[str, object]]] = {}
) -> Path:
    """A SQLite file at schema 1, the first release's, holding `rows` (table -> rows as the
    release wrote them: e.g. NemoVideo's token as JSON in `meta`)."""
    with sqlite3.connect(path) as db:
        db.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version=1;\nCOMMIT;")
        for table, records in rows.items():
            for record in records:
                names = ", ".join(record)
                marks = ", ".join("?" * len(record))
                db.execute(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(record.values())
                )
    db.close()
    return path
