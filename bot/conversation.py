"""The conversation core: every adapter hands its messages to `Conversation.handle`.

One chat is one backend session and runs one job at a time (an upload, a turn, or an export); a
message that arrives meanwhile is queued with its position or, when the line is full, answered
with how to cancel. Jobs that outlive a process (exports) are written to the store before they
are submitted, so `resume()` after a restart picks them up and delivers each once.

    adapter ──Inbound──▶ handle ──▶ route ──▶ _Chat queue ──▶ _upload / _turn / _export
                                                              │          │
                                              Port ◀── progress, text, delivery ◀── Backend
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from bot import formats, media, metrics
from bot.backends.base import (
    Backend,
    ExportResult,
    Failure,
    Heartbeat,
    Progress,
    ResultReady,
    Text,
    ToolActivity,
    TurnContext,
    TurnEnded,
    UploadedFile,
)
from bot.config import Settings
from bot.delivery import deliver
from bot.errors import (
    AccessDenied,
    Cancelled,
    ClipbridgeError,
    CorruptInput,
    DiskFull,
    EncodeTimeout,
    FileTooLarge,
    FormatMismatch,
    InputError,
    LinkRefused,
    NoCredits,
    NoInput,
    NoResult,
    NotAVideo,
    PlanRequired,
    ProtocolError,
    RateLimited,
    RenderFailed,
    SessionNotFound,
    TargetUnreachable,
    TimedOut,
    TokenError,
    TooHeavy,
    Transient,
    TurnFailed,
    UnclearRequest,
    UnsupportedFile,
    WorkspaceFull,
)
from bot.logs import log_context
from bot.models import Attachment, ByteStream, ChatKey, Inbound, UserRef
from bot.ports import Adapter, Button, Port
from bot.progress import FIRST_DELAY, Pacer, ProgressMessage, send_reliably
from bot.routing import route, translate_gui
from bot.store import Job, JobKind, Store
from bot.texts import (
    CATALOG,
    human_duration,
    human_size,
    languages,
    limit_sentence,
    normalize_locale,
    t,
)
from bot.timeline import Timeline, diff
from bot.turn_output import TurnOutput

log = logging.getLogger(__name__)

T = TypeVar("T")
WorkKind = Literal["upload", "turn", "export"]
Doing = Literal["upload", "turn", "encode", "export"]
ACCEPTED_FORMATS = formats.listed(formats.NEMO)  # only NemoVideo refuses a type by its list
REQUEST_KEPT = 200  # characters of a turn's instruction stored with its job, to name it later
CANCEL_ALL = frozenset({"all", "全部"})  # `/cancel all`: a group admin stops every member's work
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(eq=False)
class _Work:
    """One job waiting for, or holding, its chat's slot."""

    kind: WorkKind
    user: UserRef
    port: Port
    locale: str
    text: str = ""
    phase: WorkKind | None = None  # what it does now: an upload's caption runs a turn or export
    inbound: Inbound | None = None
    resume: Job | None = None  # an export found in flight at start-up
    job: Job | None = None
    backend: Backend | None = None  # the one holding this chat's session, once known
    received: bool = False  # an upload got at least one file in
    progress: ProgressMessage | None = None
    task: asyncio.Task[None] | None = None
    shutdown: bool = False  # cancelled because the process is stopping: keep the job for resume
    cancelled: bool = False  # the person cancelled it: closed as cancelled, even mid-shutdown


@dataclass(frozen=True, slots=True)
class _Session:
    backend: Backend
    id: str


@dataclass(eq=False)
class _Chat:
    key: ChatKey
    pacer: Pacer
    current: _Work | None = None
    queue: deque[_Work] = field(default_factory=deque)


class Conversation:
    """Owns every chat's queue and every task it starts. See the module docstring."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        backend: Backend,
        *,
        fallback: Backend | None = None,
        max_queue: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._store = store
        self._primary = backend
        self._fallback = (
            fallback if fallback is not None and fallback.name != backend.name else None
        )
        self._backends = {b.name: b for b in (backend, self._fallback) if b is not None}
        self._max_queue = max_queue
        self._clock = clock
        self._ffmpeg = media.ffmpeg_exe(settings)
        self._adapters: dict[str, Adapter] = {}
        self._chats: dict[ChatKey, _Chat] = {}
        self._load: Counter[UserRef] = Counter()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued = 0
        self._closing = False

    # Lifecycle ---------------------------------------------------------------------------------

    def add_adapter(self, adapter: Adapter) -> None:
        self._adapters[adapter.platform] = adapter

    async def resume(self) -> None:
        """Pick up what a previous process left in flight: exports are polled and delivered;
        interrupted turns and encodes are reported to their chat and closed. One job that cannot
        be picked up is reported, closed and logged; it never stops the start."""
        for found in await self._store.active_jobs():
            with log_context(chat=found.chat):
                try:
                    await self._resume(found)
                except Exception:
                    log.exception("could not pick up job %s after the restart", found.id)
                    self._spawn(self._close_interrupted(found, t("restart_job_lost", found.locale)))

    async def _resume(self, job: Job) -> None:
        if job.chat.platform not in self._adapters:
            log.info("job %s belongs to %s, not running here; left for it", job.id, job.chat)
            return
        if job.backend not in self._backends:
            log.warning("job %s needs the %s backend, not running here; left", job.id, job.backend)
            return
        if job.kind == "export" and job.backend_job:
            port = self._port_for(job)
            if job.state == "delivering":  # died mid-post: a duplicate beats a lost video
                job = await self._store.update_job(job, state="running")
            work = _Work("export", job.user, port, job.locale, resume=job)
            self._enqueue(self._chat(job.chat), work)
        else:
            self._spawn(self._report_interrupted(job))

    def _port_for(self, job: Job) -> Port:
        adapter = self._adapters[job.chat.platform]
        try:
            return adapter.port_for(job.chat, job.reply_to)
        except Exception:  # a delivery hint this adapter can no longer read: the chat will do
            log.warning("job %s: unusable delivery hint; using the chat", job.id, exc_info=True)
            return adapter.port_for(job.chat)

    async def wait_idle(self) -> None:
        """Until every task this core started has finished (tests, shutdown)."""
        while self._tasks:
            # asyncio.wait, not gather: when the waiter is cancelled (Ctrl-C in a piped chat),
            # gather would cancel every job as if the person had, and the jobs would be closed
            # as cancelled instead of left for `resume()` by `close()`.
            done, _ = await asyncio.wait(list(self._tasks))
            for task in done:
                if not task.cancelled():
                    task.exception()  # retrieved: each task logs its own failures

    async def close(self, grace: float) -> None:
        """Stop taking work, give running jobs `grace` seconds, then stop them. Exports keep
        their stored state so the next start resumes them; nothing is marked cancelled."""
        self._closing = True
        for chat in self._chats.values():
            self._dequeued(len(chat.queue))
            chat.queue.clear()
            if chat.current is not None and chat.current.kind == "export":
                self._interrupt(chat.current)  # resumable: no reason to wait for it
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for chat in self._chats.values():
            if chat.current is not None:
                self._interrupt(chat.current)
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()

    @staticmethod
    def _interrupt(work: _Work) -> None:
        """Stop `work` for a shutdown: its job stays as it is in the store, for `resume()`."""
        work.shutdown = True
        if work.task is not None:
            work.task.cancel()

    # The entry point ---------------------------------------------------------------------------

    async def handle(self, inbound: Inbound, port: Port) -> None:
        """Take one message. Returns once it is acknowledged; the work goes on in tasks."""
        metrics.update_received(inbound.chat.platform)
        with log_context(chat=inbound.chat):
            await self._handle(inbound, port)

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """The language to answer `user` in: their `/lang` choice, else their platform's. Adapters
        ask it for the answers they give themselves (a file that is not a video, too big)."""
        return await self._store.get_language(user) or normalize_locale(platform_locale)

    async def _handle(self, inbound: Inbound, port: Port) -> None:
        if self._closing:
            locale = normalize_locale(inbound.locale)
            await self._say(self._chat(inbound.chat), port, t("shutting_down", locale))
            return
        if inbound.update_id and not await self._store.first_sight(
            inbound.chat.platform, inbound.update_id
        ):
            log.info("update %s seen before; ignored", inbound.update_id)
            return
        locale = await self._locale(inbound)
        chat = self._chat(inbound.chat)  # after the awaits: an idle chat may have been let go
        if not self._allowed(inbound):
            await self._say(chat, port, t("err_access_denied", locale))
            return
        if inbound.attachments:
            counted = replace(inbound, attachments=tuple(map(_counted, inbound.attachments)))
            await self._submit(chat, _Work("upload", inbound.user, port, locale, inbound=counted))
            return
        decision = route(inbound.text)
        match decision.action:
            case "start" | "help":
                text = t("welcome", locale)
                if decision.unknown_command:
                    command = decision.unknown_command
                    text = t("unknown_command", locale, command=command) + "\n\n" + text
                await self._say(chat, port, text, self._buttons(locale, cancel=False))
            case "lang":
                await self._set_language(chat, port, inbound.user, locale, decision.argument)
            case "cancel" if decision.argument.lower() in CANCEL_ALL and inbound.chat.member:
                await self._cancel_all(chat, inbound, port, locale)
            case "cancel":
                await self._cancel(chat, port, locale)
            case "new":
                await self._new_session(chat, port, locale)
            case "status":
                self._spawn(
                    self._guarded(
                        chat, port, locale, self._status(chat, port, locale), doing="status"
                    )
                )
            case "credits":
                admin = self._is_admin(inbound.user)
                call = self._credits(chat, port, locale, admin=admin, private=not inbound.is_group)
                self._spawn(
                    self._guarded(chat, port, locale, call, doing="credits", user=inbound.user)
                )
            case "upload_hint":
                await self._say(chat, port, t("ask_upload", locale))
            case "export":
                await self._submit(chat, _Work("export", inbound.user, port, locale))
            case "turn":
                if not decision.argument:
                    await self._say(chat, port, t("what_next", locale))
                    return
                work = _Work("turn", inbound.user, port, locale, text=decision.argument)
                await self._submit(chat, work)

    # Queueing ----------------------------------------------------------------------------------

    async def _submit(self, chat: _Chat, work: _Work) -> None:
        try:
            await self._check_quota(work.user)
        except AccessDenied as denied:
            limit = self._settings.max_jobs_per_user
            if denied.reason == "err_quota_daily":
                limit = self._settings.max_jobs_per_day
            await self._say(chat, work.port, t(denied.reason, work.locale, n=limit))
            return
        chat = self._chat(chat.key)  # the same object, unless it went idle and was let go
        if chat.current is not None and len(chat.queue) >= self._max_queue:
            await self._say(chat, work.port, t("busy", work.locale))
            return
        position = self._enqueue(chat, work)
        if position:
            await self._say(chat, work.port, t("queued", work.locale, position=position))

    def _enqueue(self, chat: _Chat, work: _Work) -> int:
        """Queue `work`; returns its place in line, 0 when it starts at once."""
        self._load[work.user] += 1
        if chat.current is None:
            self._start(chat, work)
            return 0
        chat.queue.append(work)
        self._queued += 1
        metrics.set_queue_depth(self._queued)
        return len(chat.queue)

    def _start(self, chat: _Chat, work: _Work) -> None:
        chat.current = work
        work.task = self._spawn(self._run(chat, work))

    def _dequeued(self, n: int) -> None:
        self._queued -= n
        metrics.set_queue_depth(self._queued)

    async def _run(self, chat: _Chat, work: _Work) -> None:
        try:
            job = self._perform(chat, work)
            with log_context(chat=chat.key):
                await self._guarded(chat, work.port, work.locale, job, doing=work.kind, work=work)
        finally:
            self._load[work.user] -= 1
            if self._load[work.user] <= 0:
                del self._load[work.user]
            chat.current = None
            if chat.queue and not self._closing:
                self._dequeued(1)
                self._start(chat, chat.queue.popleft())
            elif chat.pacer.blocked_for() == 0 and self._chats.get(chat.key) is chat:
                del self._chats[chat.key]  # idle: a chat costs nothing until it speaks again

    async def _perform(self, chat: _Chat, work: _Work) -> None:
        try:
            await self._perform_once(chat, work)
        except NoCredits:
            if not await self._fall_back(chat, work):
                raise
            if work.kind == "upload":  # the files are in; only the caption's instruction reruns
                await self._follow_up(chat, work)
            else:
                await self._perform_once(chat, work)

    async def _perform_once(self, chat: _Chat, work: _Work) -> None:
        match work.kind:
            case "upload":
                await self._upload(chat, work)
                await self._follow_up(chat, work)
            case "turn":
                with metrics.timed("turn"):
                    await self._turn(chat, work, work.text)
            case "export":
                with metrics.timed("export"):
                    await self._export(chat, work)

    async def _check_quota(self, user: UserRef) -> None:
        if self._is_admin(user):
            return
        if self._load[user] >= self._settings.max_jobs_per_user:
            raise AccessDenied("err_quota_concurrent")
        daily = self._settings.max_jobs_per_day
        if daily and await self._store.jobs_today(user) >= daily:
            raise AccessDenied("err_quota_daily")

    async def _cancel(self, chat: _Chat, port: Port, locale: str) -> None:
        """Stops this chat's work; in a group the key is the member's, so only their own."""
        stopped = await self._stop(chat)
        if stopped is None:
            key = "nothing_to_cancel_yours" if chat.key.member else "nothing_to_cancel"
            await self._say(chat, port, t(key, locale))
            return
        doing, dropped = stopped
        what = t(f"what_{doing}", locale)
        if dropped:
            text = t("cancelled_and_dropped", locale, what=what, n=dropped)
        else:
            text = t("cancelled", locale, what=what)
        await self._say(chat, port, text)

    async def _cancel_all(self, chat: _Chat, inbound: Inbound, port: Port, locale: str) -> None:
        """`/cancel all` in a group: every member's work in this chat (or thread), for the
        group's admins and the bot's ADMINS only. Each member's own progress line says it was
        cancelled, so the owner sees what happened."""
        if not await self._moderates(inbound):
            await self._say(chat, port, t("cancel_all_denied", locale))
            return
        place = chat.key.place
        stopped = 0
        for other in [c for c in self._chats.values() if c.key.place == place]:
            result = await self._stop(other)
            if result is not None:
                stopped += 1 + result[1]
        if not stopped:
            await self._say(chat, port, t("nothing_to_cancel", locale))
            return
        await self._say(chat, port, t("cancelled_all", locale, n=stopped))

    async def _moderates(self, inbound: Inbound) -> bool:
        """May this person stop other members' work? The bot's ADMINS, and the group's admins
        as the platform says (asked only now: on Telegram it is a call)."""
        if self._is_admin(inbound.user):
            return True
        if inbound.moderator is None:
            return False
        try:
            return await inbound.moderator()
        except Exception:
            log.warning("could not ask the platform who administers %s", inbound.chat.place)
            return False

    async def _stop(self, chat: _Chat) -> tuple[Doing, int] | None:
        """Cancel the chat's running work and drop its queue: what it was doing and how many
        waiting requests were dropped, or None when nothing ran."""
        work = chat.current
        if work is None or work.task is None:
            return None
        dropped = len(chat.queue)
        for waiting in chat.queue:
            self._load[waiting.user] -= 1
        chat.queue.clear()
        self._dequeued(dropped)
        doing = self._doing(work)
        if doing == "export" and work.job is not None and work.job.backend_job:
            try:
                await (work.backend or self._primary).cancel_export(work.job.backend_job)
            except ClipbridgeError:
                log.warning("backend refused to cancel render %s", work.job.backend_job)
        work.cancelled = True
        work.task.cancel()
        return doing, dropped

    # Jobs --------------------------------------------------------------------------------------

    async def _upload(self, chat: _Chat, work: _Work) -> None:
        assert work.inbound is not None
        attachments = work.inbound.attachments
        names = ", ".join(attachment.name for attachment in attachments)
        received: list[UploadedFile] = []
        problems: list[str] = []
        receiving = t("receiving", work.locale, names=names)
        # "Receiving…" at once: a file takes a while to arrive, and the person sees it is coming
        async with self._progress(chat, work, receiving, first_delay=0) as progress:
            current = await self._session(chat.key, work.locale)
            work.backend = current.backend
            # an upload spends disk and bandwidth like a job: it counts against MAX_JOBS_PER_DAY
            await self._store.add_job(self._job(chat, work, current, kind="upload", state="done"))
            for attachment in attachments:
                try:
                    try:
                        received.append(await current.backend.upload(current.id, attachment))
                    except SessionNotFound:
                        current = await self._renew_session(chat.key, work.locale)
                        await progress.show()
                        await self._say(chat, work.port, t("session_lost_retrying", work.locale))
                        received.append(await current.backend.upload(current.id, attachment))
                except InputError as error:
                    explained = self._explain(error, work.locale, work.user, current.backend)
                    problems.append(f"{attachment.name}: {explained}")
                else:
                    await self._keep_fallback_copy(chat.key, current, attachment)
        lines = [self._describe_upload(item) for item in received]
        if len(lines) == 1:
            text = t("received_one", work.locale, item=lines[0])
        elif lines:
            items = "\n".join(f"• {line}" for line in lines)
            text = t("received_many", work.locale, n=len(lines), items=items)
        else:
            text = "\n".join(problems)
            problems = []
        if received and not work.inbound.text.strip():
            text += "\n" + t("what_next", work.locale)
        await progress.finish(text)
        for problem in problems:
            await self._say(chat, work.port, problem)
        work.received = bool(received)

    async def _follow_up(self, chat: _Chat, work: _Work) -> None:
        """The caption that came with files: run it once they are in."""
        assert work.inbound is not None
        instruction = work.inbound.text.strip()
        if work.received and instruction:
            decision = route(instruction)
            if decision.action == "export":
                await self._export(chat, work)
            elif decision.action == "turn" and decision.argument:
                await self._turn(chat, work, decision.argument)

    async def _turn(self, chat: _Chat, work: _Work, text: str) -> None:
        port, locale = work.port, work.locale
        work.phase = "turn"
        results: list[ExportResult] = []
        broken: ClipbridgeError | None = None  # the stream ended early: the work may go on
        saw_text = offer_export = show_summary = False
        async with self._progress(chat, work, t("working", locale)) as progress:
            current = await self._session(chat.key, locale)
            work.backend = current.backend
            work.job = await self._store.add_job(
                self._job(chat, work, current, kind="turn", state="running", request=text)
            )
            before = await self._state_or_none(current)
            context = TurnContext(locale=locale, upload_limit=port.upload_limit, chat=str(chat.key))
            events = current.backend.turn(current.id, text, context)
            output = TurnOutput(port.message_limit, locale)
            async for event in _closing(events):
                match event:
                    case Text(text=words):
                        translated = translate_gui(words, locale)
                        offer_export |= translated.offer_export
                        show_summary |= translated.show_summary
                        await progress.show()  # the progress line stays above the answer
                        for piece in output.pieces(translated.text):
                            await self._say(chat, port, piece)
                    case ToolActivity(label=label):
                        progress.step(label)
                    case Heartbeat():
                        progress.heartbeat()
                    case Progress(queue_position=position) if position:
                        progress.queued(position)
                    case Progress(percent=percent, eta=eta, stage=stage) if percent is not None:
                        progress.percent(percent, eta, stage)
                    case ResultReady(result=result):
                        results.append(result)
                    case Failure(error=error, stream_broken=True):
                        log.warning("turn stream broke: %s", error.detail)
                        broken = error
                    case Failure(error=error):
                        raise error
                    case TurnEnded(saw_text=seen):
                        saw_text = seen
            if broken is None:
                await progress.finish(t("done_in", locale, elapsed=self._elapsed(progress)))
            else:
                await progress.finish(self._explain_broken(broken, locale))
        for result in results:
            await self._deliver(chat, work, result)
        if broken is not None or not (saw_text or results):
            await self._report_changes(chat, port, locale, current, before, broken=bool(broken))
        elif show_summary:
            await self._status(chat, port, locale)
        if offer_export and not results:
            await self._say(chat, port, t("offer_export", locale), self._buttons(locale))
        work.job = await self._store.update_job(work.job, state="done")

    async def _export(self, chat: _Chat, work: _Work) -> None:
        locale = work.locale
        work.phase = "export"
        first = t("export_resuming" if work.resume else "exporting", locale)
        async with self._progress(chat, work, first) as progress:
            if work.resume is not None:
                await progress.show()  # "I was restarted…" says why, before any percent does
                job = work.job = work.resume
                backend = work.backend = self._backends[job.backend]
                if job.state == "pending":  # we may have died before the submit went out
                    used = await backend.start_export(job.session, job.id, self._ctx(work))
                    job = work.job = await self._store.update_job(
                        job, state="running", backend_job=used
                    )
            else:
                existing = await self._existing(chat.key)
                timeline = await self._state_or_none(existing) if existing else None
                if existing is None or timeline is None or not timeline.exportable:
                    await progress.finish(t("nothing_to_export", locale))
                    return
                backend = work.backend = existing.backend
                render_id = f"render_{uuid.uuid4().hex}"
                job = self._job(
                    chat, work, existing, kind="export", state="pending", backend_job=render_id
                )
                job = work.job = await self._store.add_job(job)  # before the submit, for resume
                used = await backend.start_export(job.session, render_id, self._ctx(work))
                job = work.job = await self._store.update_job(
                    job, state="running", backend_job=used
                )
            assert job.backend_job is not None
            result: ExportResult | None = None
            async for event in _closing(backend.watch_export(job.backend_job)):
                if isinstance(event, ExportResult):
                    result = event
                elif event.percent is not None:
                    progress.percent(event.percent, event.eta, event.stage or "stage_export")
            if result is None:
                raise ProtocolError("export ended without a result")
            await progress.finish(t("done_in", locale, elapsed=self._elapsed(progress)))
        if await self._store.claim_delivery(job):
            await self._deliver(chat, work, result)
            work.job = await self._store.update_job(job, state="done")

    async def _keep_fallback_copy(
        self, chat: ChatKey, current: _Session, attachment: Attachment
    ) -> None:
        """With FALLBACK_TO_LOCAL the local engine keeps its own copy of every upload, so a chat
        whose cloud credits run out goes on without sending its videos again."""
        if self._fallback is None or current.backend is self._fallback:
            return
        key = f"fallback_session:{chat}"
        try:
            session = await self._store.get_meta(key)
            if session is None:
                session = await self._fallback.open_session("en")
                await self._store.set_meta(key, session)
            await self._fallback.upload(session, attachment)
        except ClipbridgeError as error:
            log.warning("no local copy of %s for the fallback: %s", attachment.name, error.detail)

    async def _fall_back(self, chat: _Chat, work: _Work) -> bool:
        """NemoVideo has no credits: move the chat to the local engine's copy, if there is one."""
        if self._fallback is None or work.backend is self._fallback:
            return False
        session = await self._store.get_meta(f"fallback_session:{chat.key}")
        if session is None:
            return False
        log.warning("out of credits: %s goes on with the local engine", chat.key)
        await self._store.set_session(chat.key, self._fallback.name, session)
        await self._close_job(work, "failed", "no credits: fell back to the local engine")
        if work.progress is not None:
            await work.progress.finish(t("fallback_local", work.locale))
        work.job = None
        return True

    async def _deliver(self, chat: _Chat, work: _Work, result: ExportResult) -> None:
        backend = work.backend or self._primary
        try:
            await deliver(
                result,
                work.port,
                backend,
                locale=work.locale,
                pacer=chat.pacer,
                work_dir=self._settings.work_dir,
                ffmpeg=self._ffmpeg,
            )
        finally:
            await backend.release(result)

    # Quick answers -----------------------------------------------------------------------------

    async def _status(self, chat: _Chat, port: Port, locale: str) -> None:
        existing = await self._existing(chat.key)
        if existing is None:
            await self._say(chat, port, t("no_session", locale))
            return
        timeline = await existing.backend.state(existing.id)
        await self._say(chat, port, timeline.summary(locale), self._buttons(locale, cancel=False))

    async def _credits(
        self, chat: _Chat, port: Port, locale: str, *, admin: bool, private: bool = True
    ) -> None:
        credits = await self._primary.credits()
        if credits is None:
            text = t("credits_unlimited", locale)
        elif admin:
            text = t(
                "credits_admin",
                locale,
                available=f"{credits.available:g}",
                frozen=f"{credits.frozen:g}",
                total=f"{credits.total:g}",
            )
            if credits.link and private:  # it hands over the account: never in a group
                text += "\n" + t("credits_admin_link", locale, link=credits.link)
        else:
            text = t("credits_ok" if credits.available > 0 else "credits_empty", locale)
        await self._say(chat, port, text)

    async def _set_language(
        self, chat: _Chat, port: Port, user: UserRef, locale: str, argument: str
    ) -> None:
        language = languages.named(argument)
        if language:
            await self._store.set_language(user, language)
            await self._say(chat, port, t("lang_set", language))
        else:
            await self._say(chat, port, t("lang_usage", locale))

    async def _new_session(self, chat: _Chat, port: Port, locale: str) -> None:
        if chat.current is not None:
            await self._say(chat, port, t("busy_for_new", locale))
            return
        await self._store.drop_session(chat.key)
        await self._say(chat, port, t("new_session", locale))

    async def _report_changes(
        self,
        chat: _Chat,
        port: Port,
        locale: str,
        current: _Session,
        before: Timeline | None,
        *,
        broken: bool,
    ) -> None:
        """A silent or broken turn: tell the person what the agent changed, from the state."""
        if broken:  # the progress line said why; here is where things stand
            try:
                summary = (await current.backend.state(current.id)).summary(locale)
            except SessionNotFound:
                raise
            except ClipbridgeError as error:
                log.info("state after a broken turn unavailable: %s", error.detail)
                await self._say(chat, port, t("state_unavailable", locale))
                return
            await self._say(chat, port, t("turn_state_now", locale, summary=summary))
            return
        after = await current.backend.state(current.id)
        changes = diff(before, after, locale) if before is not None else []
        if changes:
            text = t("silent_changed", locale, changes="; ".join(changes))
            await self._say(chat, port, text, self._buttons(locale, cancel=False))
        else:
            await self._say(chat, port, t("silent_nothing", locale))

    async def _report_interrupted(self, job: Job) -> None:
        """A turn (or a local encode) the last process was running: it is gone with that process,
        so say so, with what the person can do, and close the job. Local encodes are not rerun on
        their own: a kill during an encode may be the encode's own doing (out of memory), and a
        Ctrl-C in the chat meant stop."""
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
        backend = self._backends[job.backend]
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
            await self._say(self._chat(job.chat), self._port_for(job), text)
        except Exception:
            log.warning(
                "could not tell %s about interrupted job %s", job.chat, job.id, exc_info=True
            )
        try:
            await self._store.update_job(job, state="failed", error="interrupted by a restart")
        except Exception:
            log.exception("could not close interrupted job %s", job.id)

    # Failures ----------------------------------------------------------------------------------

    async def _guarded(
        self,
        chat: _Chat,
        port: Port,
        locale: str,
        job: Coroutine[Any, Any, None],
        *,
        doing: str,
        work: _Work | None = None,
        user: UserRef | None = None,
    ) -> None:
        """Run a job so that every way it can fail ends with a message and a consistent store."""
        user = work.user if work is not None else user
        try:
            await job
            return
        except asyncio.CancelledError:
            if work is not None and (work.cancelled or not work.shutdown):
                await self._close_job(work, "cancelled", None)
                if work.progress is not None and not work.progress.finished:
                    await self._quietly(work.progress.finish(t("err_cancelled", locale)))
            raise
        except SessionNotFound:
            await self._store.drop_session(chat.key)
            text = t("session_lost", locale)
            error: str = "session lost"
        except ClipbridgeError as failure:
            metrics.failure(failure)
            backend = work.backend if work else None
            text = self._explain(failure, locale, user, backend, group=chat.key.member is not None)
            error = f"{type(failure).__name__}: {failure.detail}"
            # The person's own file or words are no fault of the bot's: no warning for the
            # operator (the console chat would flag each one as something to look into).
            theirs = isinstance(failure, InputError | AccessDenied)
            log.log(logging.INFO if theirs else logging.WARNING, "%s failed in %s: %s",
                    doing, chat.key, error)  # fmt: skip
            if isinstance(failure, NoCredits):
                # The top-up (bind) link hands over the bot's account: admins get it in the
                # chat, and no log line ever carries it.
                log.warning("out of credits; admins get the top-up link with /credits, in private")
        except Exception as unexpected:
            metrics.failure(unexpected)
            if work is not None:
                doing = self._doing(work)
            if _on_disk(unexpected):  # the bot's own disk, not the service: say so
                log.exception("%s failed on the work disk in %s", doing, chat.key)
                full = isinstance(unexpected, OSError) and unexpected.errno in DISK_FULL
                text = t("err_disk_full" if full else "err_disk_io", locale)
                error = f"{type(unexpected).__name__}: {unexpected}"
            else:
                log.exception("unexpected error while %s in %s", doing, chat.key)
                text = t("err_unexpected", locale, doing=t(f"doing_{doing}", locale))
                error = "unexpected error"
        if work is not None:
            await self._close_job(work, "failed", error)
        if work is not None and work.progress is not None and not work.progress.finished:
            await self._quietly(work.progress.finish(text))
        else:  # no progress line, or it already has its last word ("✅ Done"): a new message
            await self._quietly(self._say(chat, port, text))

    def _explain(
        self,
        error: ClipbridgeError,
        locale: str,
        user: UserRef | None,
        backend: Backend | None = None,
        *,
        group: bool = False,
    ) -> str:
        """The sentence that tells a person what happened and what to do next. `backend` is the
        one that failed: the local engine's failures happen on this computer, not at a service.
        In a `group` the bind link, which hands over the bot's account, is never shown."""
        admin = user is not None and self._is_admin(user)
        local = backend is not None and backend.name == "local"
        match error:
            case AccessDenied(reason=reason):
                return t(reason, locale, n=self._settings.max_jobs_per_user)
            case TokenError():
                if admin:
                    return t("err_token_admin", locale, code=error.code or 1001)
                return t("err_token", locale)
            case NoCredits(link=link):
                if admin and link and group:
                    return t("err_no_credits", locale) + "\n" + t("credits_in_private", locale)
                if admin and link:
                    return t("err_no_credits_admin", locale, link=link)
                return t("err_no_credits", locale)
            case PlanRequired():
                return t("err_plan", locale)
            case RateLimited():
                return t("err_rate_limited", locale)
            case Transient():
                return t("err_transient", locale)
            case TurnFailed():
                return t("err_turn_failed", locale)
            case TooHeavy() | EncodeTimeout():
                return limit_sentence(error, locale, self._settings)
            case DiskFull():
                return t("err_disk_full", locale)
            case RenderFailed() if local:
                return t("err_encode_failed", locale)
            case RenderFailed():
                return t("err_render_failed", locale)
            case Cancelled():
                return t("err_cancelled", locale)
            case UnsupportedFile():
                return t("err_unsupported", locale, formats=ACCEPTED_FORMATS)
            case WorkspaceFull():
                return t("err_workspace_full", locale)
            case FileTooLarge(limit=limit) if limit:
                return t("err_too_large", locale, limit=human_size(limit))
            case FileTooLarge():
                return t("err_too_large_nolimit", locale)
            case LinkRefused():
                return t(
                    "err_link_refused",
                    locale,
                    limit=human_size(self._settings.link_max_size),
                    seconds=f"{self._settings.link_timeout:g}",
                )
            case NotAVideo():
                return t("err_not_video", locale)
            case CorruptInput():
                return t("err_corrupt", locale)
            case NoInput():
                return t("err_no_input", locale)
            case NoResult():
                return t("err_no_result", locale)
            case FormatMismatch(codec=codec, container=container, fits=fits):
                return t("err_format_mismatch", locale, codec=codec, container=container,
                         fits=", ".join(fits))  # fmt: skip
            case UnclearRequest(reason=reason):
                examples = t("intent_examples", locale) if "intent_examples" in CATALOG else ""
                return t(reason, locale, examples=examples)
            case TargetUnreachable(target=target, smallest=smallest):
                return t(
                    "err_unreachable",
                    locale,
                    target=human_size(target),
                    smallest=human_size(smallest),
                )
            case _:
                return t("err_protocol", locale)

    async def _close_job(
        self, work: _Work, state: Literal["failed", "cancelled"], error: str | None
    ) -> None:
        if work.job is not None and work.job.state in ("pending", "running", "delivering"):
            work.job = await self._store.update_job(work.job, state=state, error=error)

    # Helpers -----------------------------------------------------------------------------------

    def _chat(self, key: ChatKey) -> _Chat:
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(key, Pacer(self._settings.edit_interval, self._clock))
        return chat

    def _progress(
        self, chat: _Chat, work: _Work, first_text: str, *, first_delay: float = FIRST_DELAY
    ) -> ProgressMessage:
        work.progress = ProgressMessage(
            work.port,
            chat.pacer,
            work.locale,
            first_text=first_text,
            still_working_interval=self._settings.still_working_interval,
            clock=self._clock,
            first_delay=min(first_delay, self._settings.edit_interval),
            spawn=self._spawn,  # its last edit may land after the job: `wait_idle` waits for it
        )
        return work.progress

    @staticmethod
    def _elapsed(progress: ProgressMessage) -> str:
        return human_duration(progress.elapsed)

    def _doing(self, work: _Work) -> Doing:
        """What `work` is doing now, as the person would name it: the local engine's turns are
        encodes."""
        phase = work.phase or work.kind
        if phase == "turn" and work.backend is not None and work.backend.name == "local":
            return "encode"
        return phase

    @staticmethod
    def _explain_broken(error: ClipbridgeError, locale: str) -> str:
        """Why a turn's stream ended early: we stopped waiting, or the connection dropped."""
        if isinstance(error, TimedOut):
            key = "turn_quiet_timeout" if error.quiet else "turn_timeout"
            return t(key, locale, waited=human_duration(error.seconds))
        return t("stream_broken", locale)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _say(
        self, chat: _Chat, port: Port, text: str, buttons: Sequence[Button] = ()
    ) -> None:
        await send_reliably(chat.pacer, lambda: port.send_text(text, buttons))

    async def _quietly(self, call: Awaitable[None]) -> None:
        """Best effort for the last word after a failure: the chat itself may be what failed."""
        try:
            await call
        except Exception:
            log.warning("could not tell the chat about a failure", exc_info=True)

    async def _locale(self, inbound: Inbound) -> str:
        preferred = await self._store.get_language(inbound.user)
        return preferred or normalize_locale(inbound.locale)

    def _is_admin(self, user: UserRef) -> bool:
        return str(user) in self._settings.admins

    def _allowed(self, inbound: Inbound) -> bool:
        users, chats = self._settings.allowed_users, self._settings.allowed_chats
        if (not users and not chats) or self._is_admin(inbound.user):
            return True
        chat = f"{inbound.chat.platform}:{inbound.chat.chat}"
        return str(inbound.user) in users or chat in chats

    def _buttons(self, locale: str, *, cancel: bool = False) -> list[Button]:
        buttons = [
            Button(t("btn_export", locale), command="/export"),
            Button(t("btn_status", locale), command="/status"),
            Button(t("btn_credits", locale), command="/credits"),
        ]
        if cancel:
            buttons.append(Button(t("btn_cancel", locale), command="/cancel"))
        return buttons

    def _ctx(self, work: _Work) -> TurnContext:
        return TurnContext(locale=work.locale, upload_limit=work.port.upload_limit)

    def _job(
        self,
        chat: _Chat,
        work: _Work,
        session: _Session,
        *,
        kind: JobKind,
        state: Literal["pending", "running", "done"],
        backend_job: str | None = None,
        request: str = "",
    ) -> Job:
        return Job(
            id=backend_job or f"turn_{uuid.uuid4().hex}",
            chat=chat.key,
            user=work.user,
            kind=kind,
            backend=session.backend.name,
            session=session.id,
            state=state,
            backend_job=backend_job,
            reply_to=work.port.reply_to,
            locale=work.locale,
            extra={"request": request[:REQUEST_KEPT]} if request else {},
        )

    async def _existing(self, chat: ChatKey) -> _Session | None:
        stored = await self._store.get_session(chat)
        if stored is None or stored.backend not in self._backends:
            return None
        return _Session(self._backends[stored.backend], stored.session)

    async def _session(self, chat: ChatKey, locale: str) -> _Session:
        return await self._existing(chat) or await self._renew_session(chat, locale)

    async def _renew_session(self, chat: ChatKey, locale: str) -> _Session:
        session = _Session(self._primary, await self._primary.open_session(locale))
        await self._store.set_session(chat, session.backend.name, session.id)
        return session

    async def _state_or_none(self, session: _Session) -> Timeline | None:
        try:
            return await session.backend.state(session.id)
        except SessionNotFound:
            raise
        except ClipbridgeError:
            log.info("state of %s unavailable before the turn", session)
            return None

    @staticmethod
    def _describe_upload(item: UploadedFile) -> str:
        details = []
        if item.duration:
            details.append(human_duration(item.duration))
        if item.width and item.height:
            details.append(f"{item.width}×{item.height}")
        if item.size:
            details.append(human_size(item.size))
        return f"{item.name} ({', '.join(details)})" if details else item.name


def _counted(attachment: Attachment) -> Attachment:
    """The same attachment, its bytes counted into the relayed-bytes metric as they stream."""

    @asynccontextmanager
    async def open_counted() -> AsyncIterator[ByteStream]:
        async with attachment.open() as stream:

            async def chunks() -> ByteStream:
                async for chunk in stream:
                    metrics.bytes_relayed(len(chunk), "in")
                    yield chunk

            yield chunks()

    return replace(attachment, open=open_counted)


async def _closing(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """Iterate a backend's stream and always close it: when a failure is raised from the loop
    body the stream is closed at once (the HTTP stream, the encoder), not when garbage collected."""
    try:
        async for event in events:
            yield event
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


def _on_disk(error: BaseException) -> bool:
    """An error of this computer's disk: full, or a work file that could not be read or written
    (an OSError naming a file). Network errors are OSErrors too, but name no file."""
    return isinstance(error, OSError) and (error.errno in DISK_FULL or error.filename is not None)
