"""Turn: one instruction to the backend, its stream relayed to the chat as it comes.

Text is GUI-translated and split at the platform's limit; steps, heartbeats and percents keep the
progress line current; results are delivered. A silent turn is reported as the diff of the
timeline before and after; a broken stream is never resent: the state is shown instead.
"""

from __future__ import annotations

import logging

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
)
from bot.core.answers import status
from bot.core.explain import explain_broken
from bot.core.jobs.delivery import deliver_result
from bot.core.services import Run, Services, Session
from bot.errors import ClipbridgeError, SessionNotFound
from bot.routing import translate_gui
from bot.texts import human_duration, t
from bot.timeline import Timeline, diff
from bot.turn_output import TurnOutput

from ._closing import closing

log = logging.getLogger(__name__)


async def turn(services: Services, run: Run, text: str) -> None:
    request, port = run.request, run.port
    chat, locale = request.chat, request.locale
    run.phase = "turn"
    results: list[ExportResult] = []
    broken: ClipbridgeError | None = None  # the stream ended early: the work may go on
    saw_text = offer_export = show_summary = False
    async with services.progress(run, t("working", locale)) as progress:
        current = await services.sessions.get(chat, locale)
        run.backend = current.backend
        run.record = await services.store.add_job(
            services.new_record(run, current, kind="turn", state="running", request=text)
        )
        before = await services.sessions.state_or_none(current)
        context = TurnContext(locale=locale, upload_limit=port.upload_limit, chat=str(chat))
        output = TurnOutput(port.message_limit, locale)
        async for event in closing(current.backend.turn(current.id, text, context)):
            match event:
                case Text(text=words):
                    translated = translate_gui(words, locale)
                    offer_export |= translated.offer_export
                    show_summary |= translated.show_summary
                    await progress.show()  # the progress line stays above the answer
                    for piece in output.pieces(translated.text):
                        await services.say(chat, port, piece)
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
            await progress.finish(t("done_in", locale, elapsed=human_duration(progress.elapsed)))
        else:
            await progress.finish(explain_broken(broken, locale))
    for result in results:
        await deliver_result(services, chat, port, current.backend, result, locale=locale)
    if broken is not None or not (saw_text or results):
        await _report_changes(services, run, current, before, broken=broken is not None)
    elif show_summary:
        await status(services, chat, port, locale)
    if offer_export and not results:
        await services.say(chat, port, t("offer_export", locale), services.menu(locale))
    run.record = await services.store.update_job(run.record, state="done")


async def _report_changes(
    services: Services, run: Run, current: Session, before: Timeline | None, *, broken: bool
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
            await services.say(chat, port, t("state_unavailable", locale))
            return
        await services.say(chat, port, t("turn_state_now", locale, summary=summary))
        return
    after = await current.backend.state(current.id)
    changes = diff(before, after, locale) if before is not None else []
    if changes:
        text = t("silent_changed", locale, changes="; ".join(changes))
        await services.say(chat, port, text, services.menu(locale))
    else:
        await services.say(chat, port, t("silent_nothing", locale))
