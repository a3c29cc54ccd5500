"""Turn: one instruction to the backend, its stream relayed to the chat as it comes.

Text is GUI-translated and split at the platform's limit; steps, heartbeats and percents keep the
progress line current; results are delivered. A silent turn is reported as the diff of the
timeline before and after; a broken stream is never resent: the state is shown instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from bot.backends.base import (
    ExportResult,
    Failure,
    Heartbeat,
    Progress,
    ResultReady,
    Text,
    ToolActivity,
    TurnContext,
    TurnEnded,
    TurnEvent,
)
from bot.core.answers import status
from bot.core.explain import explain_broken
from bot.core.jobs.delivery import deliver_result
from bot.core.kit import Kit, Run, Session
from bot.errors import ClipbridgeError, SessionNotFound
from bot.progress import ProgressMessage
from bot.routing import translate_gui
from bot.texts import human_duration, t
from bot.timeline import Timeline, diff
from bot.turn_output import TurnOutput

from ._closing import closing

log = logging.getLogger(__name__)


async def turn(kit: Kit, run: Run, text: str) -> None:
    request, port = run.request, run.port
    chat, locale = request.chat, request.locale
    run.phase = "turn"
    async with kit.progress(run, t("working", locale)) as progress:
        current = await kit.sessions.get(chat, locale)
        run.backend = current.backend
        run.record = await kit.store.add_job(
            kit.new_record(run, current, kind="turn", state="running", request=text)
        )
        before = await kit.sessions.state_or_none(current)
        defaults = await kit.defaults(request.user)
        context = TurnContext(
            locale=locale,
            upload_limit=port.upload_limit,
            chat=str(chat),
            defaults=defaults,
            with_uploads=run.uploaded,
        )
        relay = _Relay(kit, run, progress)
        async for event in closing(current.backend.turn(current.id, text, context)):
            await relay.take(event)
        if relay.broken is None:
            await progress.finish(t("done_in", locale, elapsed=human_duration(progress.elapsed)))
        else:
            await progress.finish(explain_broken(relay.broken, locale))
    for result in relay.results:
        await deliver_result(
            kit, chat, port, current.backend, result, locale=locale, as_file=defaults.as_file
        )
    if relay.broken is not None or not (relay.saw_text or relay.results):
        await _report_changes(kit, run, current, before, broken=relay.broken is not None)
    elif relay.show_summary:
        await status(kit, chat, port, locale)
    if relay.offer_export and not relay.results:
        await kit.say(chat, port, t("offer_export", locale), kit.menu(locale))
    run.record = await kit.store.finish_job(run.record, "done")


@dataclass(eq=False)
class _Relay:
    """A turn's events as they come: text to the chat, activity to the progress line, results
    kept for delivery, and what the end of the turn should add."""

    kit: Kit
    run: Run
    progress: ProgressMessage
    results: list[ExportResult] = field(default_factory=list)
    broken: ClipbridgeError | None = None  # the stream ended early: the work may go on
    saw_text: bool = False
    offer_export: bool = False
    show_summary: bool = False

    async def take(self, event: TurnEvent) -> None:
        progress = self.progress
        match event:
            case Text(text=words):
                await self._text(words)
            case ToolActivity(label=label):
                progress.step(label)
            case Heartbeat():
                progress.heartbeat()
            case Progress(queue_position=position) if position:
                progress.queued(position)
            case Progress(percent=percent, eta=eta, stage=stage) if percent is not None:
                progress.percent(percent, eta, stage)
            case ResultReady(result=result):
                self.results.append(result)
            case Failure(error=error, stream_broken=True):
                log.warning("turn stream broke: %s", error.detail)
                self.broken = error
            case Failure(error=error):
                raise error
            case TurnEnded(saw_text=seen):
                self.saw_text = seen

    async def _text(self, words: str) -> None:
        request, port = self.run.request, self.run.port
        translated = translate_gui(words, request.locale)
        self.offer_export |= translated.offer_export
        self.show_summary |= translated.show_summary
        await self.progress.show()  # the progress line stays above the answer
        for piece in self.output.pieces(translated.text):
            await self.kit.say(request.chat, port, piece)

    @cached_property
    def output(self) -> TurnOutput:
        return TurnOutput(self.run.port.message_limit, self.run.request.locale)


async def _report_changes(
    kit: Kit, run: Run, current: Session, before: Timeline | None, *, broken: bool
) -> None:
    """A silent or broken turn: tell the person what the agent changed, from the state."""
    chat, port, locale = run.request.chat, run.port, run.request.locale
    if broken:  # the progress line said why; here is where things stand
        try:
            summary = (await current.backend.state(current.id)).summary(locale)
        except SessionNotFound:
            raise
        except ClipbridgeError as error:
            log.info("state after a broken turn unavailable: %s", error.detail)
            await kit.say(chat, port, t("state_unavailable", locale))
            return
        await kit.say(chat, port, t("turn_state_now", locale, summary=summary))
        return
    after = await current.backend.state(current.id)
    changes = diff(before, after, locale) if before is not None else []
    if changes:
        text = t("silent_changed", locale, changes="; ".join(changes))
        await kit.say(chat, port, text, kit.menu(locale))
    else:
        await kit.say(chat, port, t("silent_nothing", locale))
