"""Progress in a chat without flooding it: one message per job, edited in place.

`Pacer` is per chat: at most one edit per `edit_interval`, and nothing at all until a
platform's retry-after has passed. Pacing never holds up the work: no job waits for an edit.
`ProgressMessage` posts the first reaction within `FIRST_DELAY`, then keeps one message current:
the step, percent and ETA, the queue position, or "⏳ Still working..." with the elapsed time while
only heartbeats arrive; and keeps the typing indicator alive. Texts that matter (answers,
results) go through `send_reliably`, which waits out a retry-after instead of dropping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.errors import RetryAfter
from bot.ports import Button, MessageRef, Port
from bot.texts import human_duration, t

log = logging.getLogger(__name__)

Clock = Callable[[], float]
T = TypeVar("T")

TYPING_EVERY = 4.5  # Telegram shows a chat action for 5 s
MAX_RETRIES = 5
# A job that ends within this (a refusal, a quick answer) answers in one message, with no
# "⏳ Working on it…" posted and edited moments later; the typing indicator shows meanwhile.
FIRST_DELAY = 0.5

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


def _create_task(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.create_task(coroutine)


class Pacer:
    """How soon a chat may be written to again."""

    def __init__(self, edit_interval: float, clock: Clock = time.monotonic) -> None:
        self._interval = edit_interval
        self._clock = clock
        self._blocked_until = 0.0
        self._next_edit = 0.0

    def blocked_for(self) -> float:
        """Seconds until any call may be made (a retry-after)."""
        return max(0.0, self._blocked_until - self._clock())

    def edit_in(self) -> float:
        """Seconds until the next progress edit may be made."""
        return max(0.0, max(self._next_edit, self._blocked_until) - self._clock())

    def edited(self) -> None:
        self._next_edit = self._clock() + self._interval

    def retry_after(self, seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)


async def send_reliably(pacer: Pacer, call: Callable[[], Awaitable[T]]) -> T:
    """Make a call that must not be lost: wait out retry-afters, up to `MAX_RETRIES` of them."""
    for _ in range(MAX_RETRIES):
        await asyncio.sleep(pacer.blocked_for())
        try:
            return await call()
        except RetryAfter as wait:
            log.info("platform asked to wait %.1fs", wait.seconds)
            pacer.retry_after(wait.seconds)
    await asyncio.sleep(pacer.blocked_for())
    return await call()


class ProgressMessage:
    """One job's progress message. Use as `async with ProgressMessage(...) as progress:`.

    The message is posted `first_delay` seconds in (or at once by `show()`), so a job that ends
    sooner, a refusal say, answers with one message instead of "⏳ Working on it…" edited later.
    Nothing here makes the job wait for the edit interval: edits happen in a task of their own,
    and `finish` hands the last word to a task (`spawn`) that lands it when the pacing allows.
    """

    def __init__(
        self,
        port: Port,
        pacer: Pacer,
        locale: str,
        *,
        first_text: str,
        still_working_interval: float,
        clock: Clock = time.monotonic,
        first_delay: float = FIRST_DELAY,
        spawn: Spawn = _create_task,
    ) -> None:
        self._port = port
        self._pacer = pacer
        self._locale = locale
        self._still_every = still_working_interval
        self._clock = clock
        self._first_delay = first_delay
        self._spawn = spawn
        self._first_text = first_text  # posted as it is; news that came before is an edit
        self._desired = first_text
        self._shown = ""
        self._buttons: Sequence[Button] = ()
        self._ref: MessageRef | None = None
        self._posting: asyncio.Task[None] | None = None
        self._started = clock()
        self._last_news = self._started
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._finished = False

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    @property
    def finished(self) -> bool:
        """The last word was given (`finish`): a later failure says so in a new message."""
        return self._finished

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="progress")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    # What the job reports ----------------------------------------------------------------------

    def step(self, label: str) -> None:
        """The step the work is at, as a `bot.texts` key (never a name from the backend)."""
        self._news(t(label, self._locale))

    def percent(self, percent: float, eta: float | None, stage: str | None) -> None:
        stage_text = t(stage or "stage_working", self._locale)
        shown = f"{percent:.0f}"
        if eta is not None and eta > 0:
            self._news(
                t(
                    "progress_percent_eta",
                    self._locale,
                    stage=stage_text,
                    percent=shown,
                    eta=human_duration(eta),
                )
            )
        else:
            self._news(t("progress_percent", self._locale, stage=stage_text, percent=shown))

    def queued(self, position: int) -> None:
        self._news(t("progress_queued", self._locale, position=position))

    def heartbeat(self) -> None:
        """Still alive, nothing new: the loop turns long stretches into "Still working"."""
        self._wake.set()

    async def show(self) -> None:
        """Post the message now if it is not up yet: call before saying anything else in the
        chat, so the progress line stays above what the job says."""
        if not self._finished:
            await self._posted()

    async def finish(self, text: str, buttons: Sequence[Button] = ()) -> None:
        """The last word on this message. Returns without waiting for the pacing: a message not
        posted yet is posted with `text` now; otherwise the edit lands in its own task."""
        if self._finished:
            return
        self._finished = True
        await self._stop()
        if self._posting is None:  # nothing can post it any more: the ticker has stopped
            self._ref = await send_reliably(
                self._pacer, lambda: self._port.send_text(text, buttons)
            )
            self._shown = text
            return
        self._spawn(self._land(text, buttons))

    # The loop ----------------------------------------------------------------------------------

    def _news(self, text: str) -> None:
        self._desired = text
        self._last_news = self._clock()
        self._wake.set()

    def _post(self) -> asyncio.Task[None]:
        """The one task that posts the message (started on first use); awaiting it again is free."""
        if self._posting is None:
            self._posting = asyncio.create_task(self._post_first(), name="progress post")
        return self._posting

    async def _post_first(self) -> None:
        text = self._first_text
        self._ref = await send_reliably(self._pacer, lambda: self._port.send_text(text))
        self._shown = text
        self._pacer.edited()

    async def _posted(self) -> None:
        """Until the message is up. Shielded: a cancelled waiter does not cancel the post, so it
        is never left half done. A failed post is logged; the job goes on without it."""
        try:
            await asyncio.shield(self._post())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not post the progress message", exc_info=True)

    async def _land(self, text: str, buttons: Sequence[Button]) -> None:
        """The last word as an edit; where the edit fails, as a message of its own, so the
        person never stays on "⏳ Working on it…". A task of its own: it logs, never raises."""
        await self._posted()
        try:
            if self._ref is None or not await self._edited_to(self._ref, text, buttons):
                await send_reliably(self._pacer, lambda: self._port.send_text(text, buttons))
        except Exception:
            log.warning("could not show the last word of a progress message", exc_info=True)

    async def _edited_to(self, ref: MessageRef, text: str, buttons: Sequence[Button]) -> bool:
        """Whether the message says `text` now (False: the edit failed)."""
        if text == self._shown and not buttons:
            return True
        await asyncio.sleep(self._pacer.edit_in())
        self._pacer.edited()  # claimed before the call: another message's edit waits its turn
        try:
            await send_reliably(self._pacer, lambda: self._port.edit_text(ref, text, buttons))
        except Exception:
            log.warning("could not edit the progress message; sending it anew", exc_info=True)
            return False
        self._shown = text
        return True

    async def _run(self) -> None:
        next_typing = self._clock()
        first_post = self._started + self._first_delay
        while True:
            now = self._clock()
            if self._posting is None and now >= first_post:
                await self._posted()
                now = self._clock()
            posted = self._ref is not None
            if posted and now - self._last_news >= self._still_every:
                elapsed = human_duration(now - self._started)
                self._desired = t("still_working", self._locale, elapsed=elapsed)
                self._last_news = now
            if posted and self._desired != self._shown and self._pacer.edit_in() <= 0:
                await self._edit(self._desired)
            if now >= next_typing and self._pacer.blocked_for() <= 0:
                await self._typing()
                next_typing = now + TYPING_EVERY
            deadlines = [next_typing, self._last_news + self._still_every]
            if self._posting is None:
                deadlines.append(first_post)
            elif posted and self._desired != self._shown:
                deadlines.append(now + self._pacer.edit_in())
            self._wake.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that races
            # with the event being set, and this loop would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.01, min(deadlines) - now)):
                    await self._wake.wait()

    async def _edit(self, text: str) -> None:
        if self._ref is None:
            return
        self._pacer.edited()  # claimed before the call: another message's edit waits its turn
        try:
            await self._port.edit_text(self._ref, text, self._buttons)
            self._shown = text
        except RetryAfter as wait:
            self._pacer.retry_after(wait.seconds)
        except Exception:  # a progress edit is never worth failing the job over
            log.warning("progress edit failed", exc_info=True)
            self._shown = text

    async def _typing(self) -> None:
        try:
            await self._port.typing()
        except RetryAfter as wait:
            self._pacer.retry_after(wait.seconds)
        except Exception:
            log.debug("typing indicator failed", exc_info=True)

    async def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # unlike `await task`, never swallows our own cancel
            self._task = None
