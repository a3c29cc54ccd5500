"""The SQLite schema as numbered migrations; `PRAGMA user_version` says how many have run.

Append, never edit: a database created by any earlier release is brought forward by the ones it
has not run yet (tests/contracts/test_store.py opens one made by the first schema).
"""

from __future__ import annotations

from collections.abc import Sequence

MIGRATIONS: Sequence[str] = (
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chats (
        chat TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE seen_updates (
        platform TEXT NOT NULL,
        update_id TEXT NOT NULL,
        seen_at REAL NOT NULL,
        PRIMARY KEY (platform, update_id)
    );
    CREATE TABLE users (
        user TEXT PRIMARY KEY,
        language TEXT
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        chat TEXT NOT NULL,
        user TEXT NOT NULL,
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
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_active ON jobs (state);
    CREATE INDEX jobs_user ON jobs (user, created_at);
    """,
    # 2: backends keep their credentials and exports in tables of their own, not as NemoVideo
    # keys in meta; the rows the first schema kept there move over (an unreadable stored token is
    # dropped: it was ignored anyway, and a new one is fetched).
    """
    CREATE TABLE backend_credentials (
        backend TEXT PRIMARY KEY,
        client_id TEXT,
        token TEXT,
        expires_at REAL,
        user_id TEXT
    );
    CREATE TABLE backend_exports (
        backend TEXT NOT NULL,
        session TEXT NOT NULL,
        export_id TEXT NOT NULL,
        PRIMARY KEY (backend, session)
    );
    CREATE INDEX seen_updates_age ON seen_updates (seen_at);
    INSERT INTO backend_credentials (backend, client_id)
        SELECT 'nemo', value FROM meta WHERE key = 'nemo.client_id';
    INSERT INTO backend_credentials (backend, token, expires_at, user_id)
        SELECT 'nemo', json_extract(value, '$.token'), json_extract(value, '$.expires_at'),
               json_extract(value, '$.user_id')
        FROM meta
        WHERE key = 'nemo.token' AND json_valid(value)
              AND json_type(value, '$.token') = 'text'
        ON CONFLICT (backend) DO UPDATE SET token = excluded.token,
            expires_at = excluded.expires_at, user_id = excluded.user_id;
    INSERT INTO backend_exports (backend, session, export_id)
        SELECT 'nemo', substr(key, length('nemo_render:') + 1), value
        FROM meta WHERE key LIKE 'nemo\\_render:%' ESCAPE '\\';
    DELETE FROM meta
        WHERE key IN ('nemo.client_id', 'nemo.token') OR key LIKE 'nemo\\_render:%' ESCAPE '\\';
    """,
    # 3: each person's /settings, one row per platform user id
    """
    CREATE TABLE user_defaults (
        user TEXT PRIMARY KEY,
        target_bytes INTEGER,
        codec TEXT,
        max_height INTEGER,
        drop_audio INTEGER NOT NULL DEFAULT 0,
        as_file INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL
    );
    """,
)
