"""`NemoBackend`: `bot.backends.base.Backend` on top of `NemoClient`.

It translates between the core's neutral terms and NemoVideo's: an attachment becomes a URL upload
(when its URL carries no secret) or a streamed multipart one, the draft becomes a `Timeline`, the
core's job id becomes the render id, and a render's polls become `Progress` and `ExportResult`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, Self

import httpx

from bot import formats
from bot.backends.base import (
    Credits,
    ExportEvent,
    ExportResult,
    Progress,
    TurnContext,
    TurnEvent,
    UploadedFile,
)
from bot.config import Settings
from bot.errors import (
    Cancelled,
    ClipbridgeError,
    NoInput,
    RateLimited,
    RenderFailed,
    RenderTimedOut,
    Transient,
)
from bot.links import LinkFetcher, LinkPolicy
from bot.models import Attachment, ByteStream
from bot.store import Store
from bot.texts import languages
from bot.timeline import Timeline

from ._client import NemoClient
from ._errors import RenderRunning
from ._multipart import check_file, file_kind
from ._payloads import Draft, UploadedFileInfo, parse
from ._timeline import timeline_from_draft

log = logging.getLogger("bot.backends.nemo")

POLL_BLIP = 4  # render polls failed in a row (each retried by the client) that end an export


class NemoBackend:
    """The NemoVideo cloud agent as a `Backend`. `client_options` go to `NemoClient` (tests)."""

    def __init__(self, settings: Settings, store: Store, **client_options: Any) -> None:
        self._settings = settings
        self._store = store
        self.client = NemoClient(settings, store, **client_options)
        self._links = LinkFetcher(LinkPolicy.from_settings(settings))
        self._tasks: dict[str, str] = {}  # session id -> task id, for claim links

    @property
    def name(self) -> str:
        return "nemo"

    async def __aenter__(self) -> Self:
        await self.client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.client.__aexit__(exc_type, exc, tb)

    async def open_session(self, locale: str) -> str:
        created = await self.client.create_session(languages.language(locale).nemo)
        if created.task_id:
            self._tasks[created.session_id] = created.task_id
        return created.session_id

    async def upload(self, session: str, attachment: Attachment) -> UploadedFile:
        extension = check_file(
            attachment.name, attachment.mime, attachment.size, self._settings.nemo_max_upload
        )
        url = attachment.public_url
        # NemoVideo fetches a URL from its own network: hand over only what passes the same
        # address check as the bot's own downloads; anything else is streamed (and checked) here.
        if url and self._shareable(url) and await self._links.admits(url):
            files = await self.client.upload_url(session, url)
        else:
            # Sniffed as it streams: a text file renamed .mp4 is refused before the upload starts.
            opener = formats.checking(attachment.open, formats.NEMO)
            files = await self.client.upload_stream(
                session, attachment.name, attachment.size, attachment.mime, opener
            )
        return _uploaded(files[0] if files else None, attachment, file_kind(extension))

    def turn(self, session: str, text: str, ctx: TurnContext) -> AsyncIterator[TurnEvent]:
        return self.client.turn(session, text)

    async def state(self, session: str) -> Timeline:
        return timeline_from_draft(await self._draft(session))

    async def start_export(self, session: str, job_id: str, ctx: TurnContext) -> str:
        """Submit a render, or attach to this session's render still running: NemoVideo runs
        one export per session, and an earlier one (given up, or from before a restart) goes on
        burning credits whether we watch it or not."""
        running = await self._running_render(session)
        if running is not None:
            log.info("session %s already renders %s: attaching to it", session, running)
            return running
        state = await self.client.state(session)
        raw = state.raw_draft
        draft = parse(Draft, raw, "draft") if raw is not None else None
        if draft is None or not draft.exportable:
            raise NoInput(f"session {session}: no track has segments, nothing to render")
        try:
            job = await self.client.submit_render(job_id, session, raw or {})
        except RenderRunning as exc:
            running = await self._running_render(session)
            if running is None:  # not one we started (the agent's own?): nothing to watch
                raise RenderFailed(f"{exc.detail} (not a render we know)") from exc
            log.info("session %s already renders %s: attaching to it", session, running)
            return running
        used = job.id or job.render_id or job.taskId or job_id
        await self._store.set_last_export(self.name, session, used)
        return used

    async def watch_export(self, job_id: str) -> AsyncIterator[ExportEvent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.nemo_render_timeout
        shown: float | None = None
        failed = 0  # polls in a row
        while True:
            try:
                job = await self.client.render_status(job_id)
                failed = 0
            except (Transient, RateLimited) as exc:
                # The render goes on at the service whatever our polls meet: a blip of a few
                # failed polls is waited out, an outage (`POLL_BLIP` of them) is said.
                failed += 1
                if failed >= POLL_BLIP or loop.time() >= deadline:
                    raise
                log.warning("render %s status unknown for now (%s); polling on", job_id, exc)
                await asyncio.sleep(self._settings.nemo_render_poll_interval)
                continue
            if job.status == "completed":
                size = job.output.size if job.output else None
                duration = job.output.duration if job.output else None
                yield ExportResult(
                    job_id=job_id,
                    filename=_filename(job.url, job_id),
                    size=size,
                    url=job.url,
                    duration=duration,
                )
                return
            if job.status == "failed":
                raise RenderFailed(f"render {job_id} failed: {job.error_detail or 'no detail'}")
            if job.status == "cancelled":
                raise Cancelled(f"render {job_id} was cancelled")
            if job.progress is not None and job.progress != shown:
                shown = job.progress
                yield Progress(percent=max(0.0, min(100.0, job.progress)))
            if loop.time() >= deadline:
                await self._give_up(job_id)
                limit = self._settings.nemo_render_timeout
                raise RenderTimedOut(f"render {job_id} not done after {limit:g}s", seconds=limit)
            await asyncio.sleep(self._settings.nemo_render_poll_interval)

    async def cancel_export(self, job_id: str) -> None:
        await self.client.cancel_render(job_id)

    def open_result(self, result: ExportResult) -> AbstractAsyncContextManager[ByteStream]:
        return self.client.download(result.job_id, result.url)

    async def release(self, result: ExportResult) -> None:
        """Nothing to free: results live on NemoVideo's side."""

    async def credits(self) -> Credits:
        balance = await self.client.credits()
        total = balance.total if balance.total is not None else balance.available + balance.frozen
        return Credits(
            available=balance.available, frozen=balance.frozen, total=total, link=self.bind_link()
        )

    # links for the core (admins and session owners only) ---------------------------------------

    def bind_link(self) -> str | None:
        """The anonymous account's bind link, or None (operator token, or no user id known)."""
        return self.client.bind_link()

    async def claim_link(self, session: str) -> str:
        """A link that opens `session` in the web app for whoever follows it."""
        task = self._tasks.get(session)
        if task is None:
            task = (await self.client.state(session)).task_id or ""
            self._tasks[session] = task
        return await self.client.claim_link(task, session)

    # helpers -----------------------------------------------------------------------------------

    async def _running_render(self, session: str) -> str | None:
        """The render we last submitted for `session`, if it is still pending or processing."""
        known = await self._store.last_export(self.name, session)
        if known is None:
            return None
        try:
            job = await self.client.render_status(known)
        except ClipbridgeError as exc:
            log.info("render %s of session %s: no status (%s)", known, session, exc.detail)
            return None
        return known if job.status in ("pending", "processing") else None

    async def _give_up(self, job_id: str) -> None:
        """Cancel a render we stop waiting for: left running it burns credits, and it holds the
        session's one export slot, so the /export we suggest next would be refused."""
        try:
            await self.client.cancel_render(job_id)
        except ClipbridgeError as exc:
            log.warning("render %s timed out and could not be cancelled: %s", job_id, exc.detail)
        else:
            log.info("render %s timed out: cancelled it", job_id)

    async def _draft(self, session: str) -> Draft | None:
        state = await self.client.state(session)
        if state.task_id:
            self._tasks[session] = state.task_id
        raw = state.raw_draft
        return parse(Draft, raw, "draft") if raw is not None else None

    def _shareable(self, url: str) -> bool:
        """True when handing `url` to NemoVideo gives away nothing: no configured secret in it
        (a Telegram file URL holds the bot token) and no credentials."""
        if any(secret in url for secret in self._settings.secrets()):
            return False
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        return parsed.scheme in ("http", "https") and not parsed.userinfo


def _uploaded(info: UploadedFileInfo | None, attachment: Attachment, kind: str) -> UploadedFile:
    if info is None:
        log.warning("NemoVideo accepted an upload but listed no file")
        return UploadedFile(name=attachment.name, size=attachment.size, kind=kind)
    reported = (info.file_type or "").lower()
    return UploadedFile(
        name=info.filename or attachment.name,
        size=info.size or attachment.size,
        duration=info.duration,
        width=info.width,
        height=info.height,
        fps=info.fps,
        kind=reported if reported in ("video", "image", "audio") else kind,
    )


def _filename(url: str | None, job_id: str) -> str:
    if url:
        name = PurePosixPath(httpx.URL(url).path).name
        if name.lower().endswith(".mp4"):
            return name
    return f"{job_id}.mp4"
