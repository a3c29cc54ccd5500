"""One pydantic model per NemoVideo answer, tolerant of extra keys, and the short-key draft.

Every model allows extra keys (the service adds fields freely). An answer that does not fit its
model is logged once at WARNING with its keys (`warn_unknown`) and raised as `ProtocolError`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ProtocolError

log = logging.getLogger("bot.backends.nemo")

_warned: set[tuple[str, frozenset[str]]] = set()


def warn_unknown(where: str, value: Any) -> None:
    """Log an answer or event we do not understand, once per place and set of keys."""
    keys = frozenset(value.keys()) if isinstance(value, dict) else frozenset({type(value).__name__})
    if (where, keys) in _warned:
        return
    _warned.add((where, keys))
    log.warning("NemoVideo sent an unknown shape at %s: keys %s", where, sorted(keys))


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, where: str) -> M:
    """`data` as `model`, or a logged-once warning and `ProtocolError`."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        warn_unknown(where, data)
        fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        raise ProtocolError(f"{where}: unexpected answer, fields {fields}") from None


# Auth, sessions, credits ---------------------------------------------------------------------


class AnonymousToken(_Answer):
    token: str = Field(min_length=1)
    user_id: str | None = None
    expires_at: datetime | None = None
    credits: float | None = None


class SessionCreated(_Answer):
    session_id: str = Field(min_length=1)
    task_id: str | None = None
    user_id: str | None = None


class CreditsBalance(_Answer):
    available: float
    frozen: float = 0
    total: float | None = None


class ClaimToken(_Answer):
    claim_token: str = Field(min_length=1)
    expires_in: float | None = None


# Upload ---------------------------------------------------------------------------------------


class UploadedFileInfo(_Answer):
    filename: str | None = None
    file_type: str | None = None
    cdn_url: str | None = None
    url: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    size: int | None = None


class UploadAnswer(_Answer):
    files: list[UploadedFileInfo] = []
    uploaded_files: list[UploadedFileInfo] = []

    @property
    def all_files(self) -> list[UploadedFileInfo]:
        return [*self.files, *self.uploaded_files]


# State and the short-key draft ----------------------------------------------------------------


class DraftTrack(BaseModel):
    """One track of the draft: `tt` type (0 video, 1 audio, 7 text), `sg` segments, `d` duration
    in ms, `m` metadata. Unknown keys are kept and sent back unchanged on export."""

    model_config = ConfigDict(extra="allow")

    tt: int | None = None
    sg: list[dict[str, Any]] = []
    d: float | None = None
    m: dict[str, Any] = {}


class Draft(BaseModel):
    """The timeline as NemoVideo keeps it: `t` tracks, plus whatever else it holds."""

    model_config = ConfigDict(extra="allow")

    t: list[DraftTrack] = []
    d: float | None = None
    m: dict[str, Any] = {}

    @property
    def exportable(self) -> bool:
        return any(track.sg for track in self.t)


class SessionState(_Answer):
    session_id: str | None = None
    task_id: str | None = None
    user_id: str | None = None
    state: dict[str, Any] | None = None
    draft: dict[str, Any] | None = None

    @property
    def raw_draft(self) -> dict[str, Any] | None:
        """The draft as sent, from `state.draft` or (in some variants) `data.draft`."""
        if self.state and isinstance(self.state.get("draft"), dict):
            return dict(self.state["draft"])
        return self.draft


# Render ---------------------------------------------------------------------------------------

RENDER_STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
_STATUS_ALIASES = {
    "queued": "pending",
    "waiting": "pending",
    "running": "processing",
    "rendering": "processing",
    "in_progress": "processing",
    "complete": "completed",
    "done": "completed",
    "success": "completed",
    "succeeded": "completed",
    "error": "failed",
    "canceled": "cancelled",
}


class RenderOutput(_Answer):
    url: str | None = None
    size: int | None = None
    duration: float | None = None


class RenderJob(_Answer):
    """A render's status, after the envelope is unwrapped and a nested `data` folded in."""

    id: str | None = None
    taskId: str | None = None  # the wire's spelling
    render_id: str | None = None
    status: str = "pending"
    progress: float | None = None
    output: RenderOutput | None = None
    outputUrl: str | None = None
    error: Any = None

    @property
    def url(self) -> str | None:
        if self.output and self.output.url:
            return self.output.url
        return self.outputUrl

    @property
    def error_detail(self) -> str:
        if isinstance(self.error, dict):
            return str(self.error.get("message") or self.error.get("msg") or self.error)
        return str(self.error) if self.error else ""


def render_job(data: Any, where: str) -> RenderJob:
    """Any of the render answer shapes, folded flat (`data.output.url` becomes `output.url`)."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = {**{k: v for k, v in data.items() if k != "data"}, **data["data"]}
    job = parse(RenderJob, data, where)
    job.status = _STATUS_ALIASES.get(job.status.lower(), job.status.lower())
    if job.status not in RENDER_STATUSES:
        warn_unknown(f"{where} status {job.status!r}", data)
    return job
