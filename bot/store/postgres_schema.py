"""The PostgreSQL schema as numbered migrations, recorded in `clipbridge_schema`.

Its own numbering, not SQLite's: PostgreSQL stores start at the schema SQLite reached in two
steps. Append, never edit. Column names match SQLite's, so `rows` reads both (`user` is a
reserved word here, hence quoted).
"""

from __future__ import annotations

from collections.abc import Sequence

MIGRATION_LOCK = 0x636C_6970_6D69_6772  # "clipmigr": pg_advisory_xact_lock key while migrating

MIGRATIONS: Sequence[str] = (
    # 1: the schema of SQLite migration 2
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chats (
        chat TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE seen_updates (
        platform TEXT NOT NULL,
        update_id TEXT NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (platform, update_id)
    );
    CREATE INDEX seen_updates_age ON seen_updates (seen_at);
    CREATE TABLE users ("user" TEXT PRIMARY KEY, language TEXT);
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        chat TEXT NOT NULL,
        "user" TEXT NOT NULL,
        user_name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        state TEXT NOT NULL,
        backend_job TEXT,
        reply_to TEXT,
        locale TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX jobs_active ON jobs (state);
    CREATE INDEX jobs_user ON jobs ("user", created_at);
    CREATE TABLE backend_credentials (
        backend TEXT PRIMARY KEY,
        client_id TEXT,
        token TEXT,
        expires_at DOUBLE PRECISION,
        user_id TEXT
    );
    CREATE TABLE backend_exports (
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        export_id TEXT NOT NULL,
        PRIMARY KEY (backend, session)
    );
    """,
    # 2: a person's defaults (/settings), one row per platform user
    """
    CREATE TABLE user_defaults (
        "user" TEXT PRIMARY KEY,
        target_bytes BIGINT,
        codec TEXT,
        max_height INTEGER,
        drop_audio BOOLEAN NOT NULL DEFAULT false,
        as_file BOOLEAN NOT NULL DEFAULT false,
        updated_at DOUBLE PRECISION NOT NULL
    );
    """,
)
