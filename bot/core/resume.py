"""After a restart: what the previous process left in flight.

Exports are polled again and delivered once. A turn cut off by the restart is reported to its
chat with the request and the timeline as it is now (never resent: that would be charged twice);
a local encode cut off is reported and not rerun on its own (a kill mid-encode may be the
encode's own doing, and Ctrl-C meant stop). A job that cannot be picked up is reported where
possible, closed and logged; it never stops a start.

In cluster mode the queue owns recovery instead: no start-up pass, but a job the queue runs again
after its worker died (`retried`) meets the same rules for what that worker left behind, with one
difference: a local encode whose input travels with the job is restarted from it once (a dead
worker is seldom the encode's doing, and nothing was charged); a second death is reported, so an
encode that kills its worker (memory) cannot take down one worker after another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from bot.core.kit import Kit, Run
from bot.core.requests import JobRequest
from bot.errors import ClipbridgeError, SessionNotFound
from bot.logs import log_context
from bot.models import ChatKey
from bot.ports import Port
from bot.store import Job
from bot.texts import t
from bot.timeline import Timeline

log = logging.getLogger(__name__)


class Reach(Protocol):
    """What reaches a chat again from a stored job: an `Adapter`, or a worker's `Sender`."""

    @property
    def platform(self) -> str: ...

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Port: ...


class Resumer:
    def __init__(
        self,
        kit: Kit,
        adapters: Mapping[str, Reach],
        enqueue: Callable[[Run], None],
    ) -> None:
        self._kit = kit
        self._adapters = adapters
        self._enqueue = enqueue

    async def resume(self, left: list[Job]) -> None:
        for found in left:
            with log_context(chat=found.chat):
                try:
                    await self._resume(found)
                except Exception:
                    log.exception("could not pick up job %s after the restart", found.id)
                    lost = t("restart_job_lost", found.locale)
                    self._kit.spawn(self._close_interrupted(found, lost))

    async def _resume(self, job: Job) -> None:
        if job.chat.platform not in self._adapters:
            log.info("job %s belongs to %s, not running here; left for it", job.id, job.chat)
            return
        if job.backend not in self._kit.sessions.by_name:
            log.warning("job %s needs the %s backend, not running here; left", job.id, job.backend)
            return
        owed = await self._owed(job)
        if owed is not None:
            self._enqueue(owed)
        else:
            self._kit.spawn(self._report_interrupted(job))

    async def _owed(self, job: Job) -> Run | None:
        """The run that finishes `job`: an export with a render at the service is polled again;
        anything else is not done twice (None)."""
        if job.kind != "export" or not job.backend_job:
            return None
        port = self.port_for(job)
        if job.state == "delivering":  # died mid-post: a duplicate beats a lost video
            job = await self._kit.store.job_running(job)
        request = JobRequest(job.chat, job.user, job.locale, "export", resume=job.id)
        return Run(request, port, resume=job)

    async def retried(self, run: Run, attempt: int = 1) -> Run | None:
        """`run` again (its `attempt`-th rerun) after the worker running it died: what to run
        now. The chat's jobs still in flight are that worker's (the queue runs one job per chat
        at a time, and in cluster mode nothing else leaves them): an export is polled again, a
        local encode with its input at hand restarted from it on the first rerun, anything else
        reported and closed (None: nothing to run)."""
        chat = run.request.chat
        left = [job for job in await self._kit.store.active_jobs() if job.chat == chat]
        again: Run | None = run  # nothing was started that must not run twice
        for job in left:
            owed = await self._owed(job)
            if owed is not None:
                again = owed
            elif job.backend == "local" and run.request.attachments and attempt == 1:
                await self._kit.store.finish_job(job, "failed", "worker lost; restarted")
                await self._forget_lost_session(chat)
            else:
                again = None
                await self._report_interrupted(job)
        return again

    async def _forget_lost_session(self, chat: ChatKey) -> None:
        """The local engine keeps a session's files on the machine that made it: when that was
        the lost worker's, the rerun starts a new session quietly (its input is at hand)."""
        existing = await self._kit.sessions.existing(chat)
        if existing is None:
            return
        try:
            await existing.backend.state(existing.id)
        except SessionNotFound:
            await self._kit.store.drop_session(chat)
        except ClipbridgeError:
            log.info("state of %s unavailable; the session is kept", existing.id)

    def port_for(self, job: Job) -> Port:
        adapter = self._adapters[job.chat.platform]
        try:
            return adapter.port_for(job.chat, job.hint)
        except Exception:  # a delivery hint this adapter can no longer read: the chat will do
            log.warning("job %s: unusable delivery hint; using the chat", job.id, exc_info=True)
            return adapter.port_for(job.chat)

    async def _report_interrupted(self, job: Job) -> None:
        try:
            text = await self._interrupted_text(job)
        except Exception:
            log.exception("could not describe interrupted job %s", job.id)
            text = t("restart_job_lost", job.locale)
        await self._close_interrupted(job, text)

    async def _interrupted_text(self, job: Job) -> str:
        locale = job.locale
        request = job.extra.get("request")
        asked = [t("interrupted_request", locale, request=request)] if request else []
        if job.kind != "turn":
            return "\n".join([t("restart_job_lost", locale), *asked])
        backend = self._kit.sessions.by_name[job.backend]
        timeline: Timeline | None = None
        summary = t("state_unavailable", locale)
        try:
            timeline = await backend.state(job.session)
            summary = timeline.summary(locale)
        except SessionNotFound:
            summary = t("no_session", locale)
        except ClipbridgeError as error:
            log.info("state of interrupted job %s unavailable: %s", job.id, error.detail)
        if backend.name == "local":  # the encode died with the process; the upload may be left
            key = (
                "restarted_during_encode"
                if timeline and timeline.tracks
                else "restarted_during_encode_gone"
            )
            return "\n".join([t(key, locale), *asked])
        lines = [t("restarted_during_turn", locale), summary, t("restarted_send_again", locale)]
        return "\n".join([*lines, *asked])

    async def _close_interrupted(self, job: Job, text: str) -> None:
        """Tell the job's chat `text` and mark the job failed, whichever of the two fails."""
        try:
            await self._kit.say(job.chat, self.port_for(job), text)
        except Exception:
            log.warning(
                "could not tell %s about interrupted job %s", job.chat, job.id, exc_info=True
            )
        try:
            await self._kit.store.finish_job(job, "failed", "interrupted by a restart")
        except Exception:
            log.exception("could not close interrupted job %s", job.id)
