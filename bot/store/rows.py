"""Records from database rows, the same for every store: a row is anything indexed by column
name (an `aiosqlite.Row`, a psycopg dict row), with the columns of the `jobs` table."""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from bot.models import ChatKey, UserRef

from .base import ACTIVE_STATES, Job

log = logging.getLogger(__name__)


class Row(Protocol):
    def __getitem__(self, column: str, /) -> Any: ...


FALLBACK_KEY = "fallback_session:{}"
"""The meta key of a chat's fallback session (in meta: where the first schema kept it)."""

JOB_COLUMNS = (
    "id", "chat", "user", "user_name", "kind", "backend", "session", "state", "backend_job",
    "reply_to", "locale", "attempts", "error", "extra", "created_at", "updated_at",
)  # fmt: skip


def job_values(job: Job) -> tuple[object, ...]:
    """`job` as the values of `JOB_COLUMNS`, in that order."""
    return (
        job.id,
        str(job.chat),
        str(job.user),
        job.user.name,
        job.kind,
        job.backend,
        job.session,
        job.state,
        job.backend_job,
        job.hint,
        job.locale,
        job.attempts,
        job.error,
        json.dumps(job.extra),
        job.created_at,
        job.updated_at,
    )


def job_from_row(row: Row) -> Job:
    """A job from its row. Only a chat that cannot be read makes a record unreadable: anything
    else damaged is read as well as it can be, so the job can still be reported to its chat."""
    platform, _, user_id = str(row["user"]).partition(":")
    return Job(
        id=row["id"],
        chat=_chat(row["chat"]),
        user=UserRef(platform, user_id, row["user_name"] or ""),
        kind=row["kind"],
        backend=str(row["backend"]),
        session=str(row["session"]),
        state=row["state"],
        backend_job=row["backend_job"],
        hint=row["reply_to"],
        locale=row["locale"] if isinstance(row["locale"], str) else "en",
        attempts=row["attempts"] if isinstance(row["attempts"], int) else 0,
        error=row["error"],
        extra=_extra(row["id"], row["extra"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _chat(text: object) -> ChatKey:
    chat = ChatKey.parse(str(text))
    if not chat.platform or not chat.chat:
        raise ValueError(f"no chat in {text!r}")
    return chat


def _extra(job_id: str, text: object) -> dict[str, Any]:
    try:
        extra = json.loads(str(text))
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        log.warning("job %r: extra is not a JSON object; read as empty", job_id)
        return {}
    return extra


def within_limits(placeholder: str) -> str:
    """The `WHERE` of an `INSERT INTO jobs ... SELECT` that adds a job only under its user's
    limits; parameters: user, at_once, user, since, per_day (a NULL limit is no limit)."""
    p = placeholder
    active = ", ".join(f"'{state}'" for state in ACTIVE_STATES)
    return (  # constants only: the values are parameters
        f'(SELECT COUNT(*) FROM jobs WHERE "user" = {p} AND state IN ({active})) '  # noqa: S608
        f"< COALESCE({p}, 9223372036854775807) AND "
        f'(SELECT COUNT(*) FROM jobs WHERE "user" = {p} AND created_at >= {p}) '
        f"< COALESCE({p}, 9223372036854775807)"
    )
