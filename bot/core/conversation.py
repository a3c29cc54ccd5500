"""The facade adapters call: `handle(inbound, port)`, plus the lifecycle (`add_adapter`,
`resume`, `wait_idle`, `close`). It wires intake, the scheduler, the jobs and the answers; each
decision lives in the module named for it (see `bot.core`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from bot import media, metrics
from bot.backends.base import Backend
from bot.config import Settings
from bot.core import answers, settings_menu
from bot.core.explain import explain
from bot.core.guard import guarded
from bot.core.intake import Command, Intake, Reply, Submit
from bot.core.jobs import perform
from bot.core.jobs.export import stop_render
from bot.core.kit import Kit, Pacers, Run, Sessions
from bot.core.queue import JobQueue, LocalQueue, SeenBefore
from bot.core.requests import JobRequest
from bot.core.resume import Reach, Resumer
from bot.core.scheduler import QueueFull, Scheduler, Ticket
from bot.errors import AccessDenied
from bot.logs import log_context
from bot.models import Attachment, ChatKey, Inbound, UserRef
from bot.ports import Port
from bot.store import Job, Store
from bot.texts import t

log = logging.getLogger(__name__)


class Conversation:
    """One chat is one backend session and runs one job at a time; see `bot.core`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        backend: Backend,
        *,
        fallback: Backend | None = None,
        max_queue: int = 3,
        clock: Callable[[], float] = time.monotonic,
        queue: JobQueue | None = None,
    ) -> None:
        """`queue`: a shared queue (cluster mode) that takes the job requests instead of this
        process's scheduler; the scheduler then runs only the quick answers' tasks."""
        pacers = Pacers(settings.edit_interval, clock)
        self._scheduler: Scheduler[ChatKey, Run] = Scheduler(
            self._run, max_queue=max_queue, on_idle=pacers.forget
        )
        self._kit = Kit(
            settings=settings,
            store=store,
            sessions=Sessions(store, backend, fallback),
            pacers=pacers,
            spawn=self._scheduler.spawn,
            clock=clock,
            ffmpeg=media.ffmpeg_exe(settings),
        )
        self._intake = Intake(self._kit, load=self._scheduler.load)
        self._shared = queue is not None
        self._queue = queue or LocalQueue(self._scheduler, self._intake.admit)
        self._cancelling = answers.Cancelling(self._kit, self._queue)
        self._adapters: dict[str, Reach] = {}
        self._resumer = Resumer(self._kit, self._adapters, self._enqueue_owed)

    # Lifecycle ---------------------------------------------------------------------------------

    def add_adapter(self, adapter: Reach) -> None:
        """How to reach a platform's chats again: its adapter, or a worker's `Sender`."""
        self._adapters[adapter.platform] = adapter

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms whose chats this conversation can reach (`add_adapter`)."""
        return frozenset(self._adapters)

    async def left_behind(self) -> list[Job]:
        """The jobs a previous process left in flight, for `resume`. Read them before any
        platform starts: a job taken in the first seconds is this process's, not a leftover."""
        return [] if self._shared else await self._kit.store.active_jobs()

    async def resume(self, left: list[Job] | None = None) -> None:
        """Pick up what a previous process left in flight (see `bot.core.resume`): `left`, or
        every job in flight now when no platform took work yet. In cluster mode the queue owns
        that: a job whose worker died is run again there (`work`)."""
        if not self._shared:
            await self._resumer.resume(await self.left_behind() if left is None else left)

    async def wait_idle(self) -> None:
        """Until every task this core started has finished (tests, shutdown)."""
        await self._scheduler.wait_idle()

    async def close(self, grace: float) -> None:
        """Stop taking work, give running jobs `grace` seconds, then stop them. Exports keep
        their stored state so the next start resumes them; nothing is marked cancelled."""
        await self._scheduler.close(grace, at_once=lambda run: run.request.kind == "export")

    # The entry point ---------------------------------------------------------------------------

    async def handle(self, inbound: Inbound, port: Port) -> None:
        """Take one message. Returns once it is acknowledged; the work goes on in tasks."""
        metrics.update_received(inbound.chat.platform)
        with log_context(chat=inbound.chat):
            # A front of a cluster keeps taking work while it stops: the jobs go to the shared
            # queue, which other workers serve, so the person need not send them again.
            closing = self._scheduler.closing and not self._shared
            outcome = await self._intake.take(inbound, closing=closing, seen_with_job=self._shared)
            match outcome:
                case Reply(text=text, buttons=buttons):
                    await self._kit.say(inbound.chat, port, text, buttons)
                case Submit(request=request, attachments=attachments):
                    await self._submit(Run(request, port, attachments))
                case Command():
                    await self._command(outcome, inbound, port)

    async def language(self, user: UserRef, platform_locale: str | None = None) -> str:
        """The language to answer `user` in: their `/lang` choice, else their platform's. Adapters
        ask it for the answers they give themselves (a file that is not a video, too big)."""
        return await self._intake.language(user, platform_locale)

    async def _command(self, command: Command, inbound: Inbound, port: Port) -> None:
        kit, chat, locale = self._kit, inbound.chat, command.locale
        match command.action:
            case "lang":
                await answers.set_language(
                    kit, chat, port, locale, user=inbound.user, argument=command.argument
                )
            case "settings":
                await settings_menu.answer(kit, inbound, port, locale, command.argument)
            case "cancel_all":
                await self._cancelling.cancel_all(inbound, port, locale)
            case "cancel":
                await self._cancelling.cancel(chat, port, locale)
            case "new":
                busy = await self._queue.busy(chat)
                await answers.new_session(kit, chat, port, locale, busy=busy)
            case "status":
                call = answers.status(kit, chat, port, locale)
                kit.spawn(guarded(kit, chat, port, locale, call, doing="status"))
            case "credits":
                admin = kit.is_admin(inbound.user)
                call = answers.credits(
                    kit, chat, port, locale, admin=admin, private=not inbound.is_group
                )
                kit.spawn(
                    guarded(kit, chat, port, locale, call, doing="credits", user=inbound.user)
                )

    # Queueing ----------------------------------------------------------------------------------

    async def _submit(self, run: Run) -> None:
        request, settings = run.request, self._kit.settings
        try:
            position = await self._queue.submit(run)
        except SeenBefore:
            log.info("update %s seen before; ignored", request.update)
            return
        except AccessDenied as denied:
            text = explain(denied, request.locale, settings)
        except QueueFull:
            text = t("busy", request.locale)
        else:
            if not position:
                return
            text = t("queued", request.locale, position=position)
        await self._kit.say(request.chat, run.port, text)

    def _enqueue_owed(self, run: Run) -> None:
        """Work owed from before a restart: queued whatever the line's length."""
        self._scheduler.enqueue(run.request.chat, run.request.user, run)

    async def _run(self, ticket: Ticket[ChatKey, Run]) -> None:
        await self._perform(ticket.payload, kept=lambda: ticket.shutdown and not ticket.cancelled)

    async def _perform(self, run: Run, *, kept: Callable[[], bool]) -> None:
        request = run.request
        with log_context(chat=request.chat):
            await guarded(
                self._kit,
                request.chat,
                run.port,
                request.locale,
                perform(self._kit, run),
                doing=request.kind,
                run=run,
                kept=kept,
            )

    # Working for a shared queue ----------------------------------------------------------------

    async def work(
        self,
        request: JobRequest,
        port: Port,
        attachments: Sequence[Attachment] = (),
        *,
        attempt: int = 0,
        kept: Callable[[], bool] = lambda: False,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        """Run one job a shared queue handed this process, as the in-process path does.
        `attempt`: how many times the queue ran it before (its worker died or stopped under it;
        `Resumer.retried` says what is left to do); `kept()`: stopped because this process
        stops, so the job stays for another worker; `cancelled()`: stopped by `/cancel`, so an
        export's render is stopped too."""
        run = Run(request, port, tuple(attachments))
        if attempt:
            with log_context(chat=request.chat):
                left = await self._resumer.retried(run, attempt)
            if left is None:
                return
            run = left
        try:
            await self._perform(run, kept=kept)
        except BaseException:
            if cancelled():
                await stop_render(run)
            raise
