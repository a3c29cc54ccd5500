"""The failure funnel: every way a job or a quick answer can fail ends here, with a sentence in
the person's language (from `explain`), the job's record closed, and the operator told as much as
they need (a person's own file or words are no warning)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot import metrics
from bot.core.explain import explain, explain_unexpected, on_disk
from bot.core.kit import Kit, Run
from bot.errors import AccessDenied, ClipbridgeError, InputError, NoCredits, SessionNotFound
from bot.models import ChatKey, UserRef
from bot.ports import Port
from bot.texts import t

log = logging.getLogger(__name__)


async def guarded(
    kit: Kit,
    chat: ChatKey,
    port: Port,
    locale: str,
    work: Coroutine[Any, Any, None],
    *,
    doing: str,
    run: Run | None = None,
    user: UserRef | None = None,
    kept: Callable[[], bool] = lambda: False,
) -> None:
    """Run `work` so that every way it can fail ends with a message and a consistent store.
    `kept()` true when it is cancelled: the process is stopping and the job stays stored for the
    next start (no message, no record closed)."""
    try:
        await work
        return
    except asyncio.CancelledError:
        if run is not None and not kept():
            await kit.close_record(run, "cancelled", None)
            if run.progress is not None and not run.progress.finished:
                await quietly(run.progress.finish(t("err_cancelled", locale)))
        raise
    except Exception as failure:
        if run is not None:
            user, doing = run.request.user, run.doing
        text, error = await _account(kit, chat, locale, failure, run=run, user=user, doing=doing)
    if run is not None:
        await kit.close_record(run, "failed", error)
    if run is not None and run.progress is not None and not run.progress.finished:
        await quietly(run.progress.finish(text))
    else:  # no progress line, or it already has its last word ("✅ Done"): a new message
        await quietly(kit.say(chat, port, text))


async def _account(
    kit: Kit,
    chat: ChatKey,
    locale: str,
    failure: Exception,
    *,
    run: Run | None,
    user: UserRef | None,
    doing: str,
) -> tuple[str, str]:
    """What to tell the person about `failure`, and what to store as the job's error; logged
    and counted on the way."""
    if isinstance(failure, SessionNotFound):
        await kit.store.drop_session(chat)
        return t("session_lost", locale), "session lost"
    metrics.failure(failure)
    if isinstance(failure, ClipbridgeError):
        backend = run.backend if run is not None else None
        admin = user is not None and kit.is_admin(user)
        local = backend is not None and backend.name == "local"
        group = chat.member is not None
        receiving = doing == "upload"
        text = explain(failure, locale, kit.settings, admin=admin, local=local, group=group,
                       receiving=receiving)  # fmt: skip
        error = f"{type(failure).__name__}: {failure.detail}"
        # The person's own file or words are no fault of the bot's: no warning for the
        # operator (the console chat would flag each one as something to look into).
        theirs = isinstance(failure, InputError | AccessDenied)
        log.log(logging.INFO if theirs else logging.WARNING, "%s failed in %s: %s",
                doing, chat, error)  # fmt: skip
        if isinstance(failure, NoCredits):
            # The top-up (bind) link hands over the bot's account: admins get it in the
            # chat, and no log line ever carries it.
            log.warning("out of credits; admins get the top-up link with /credits, in private")
        return text, error
    if on_disk(failure):  # the bot's own disk, not the service: say so
        log.exception("%s failed on the work disk in %s", doing, chat, exc_info=failure)
        error = f"{type(failure).__name__}: {failure}"
    else:
        log.exception("unexpected error while %s in %s", doing, chat, exc_info=failure)
        error = "unexpected error"
    return explain_unexpected(failure, locale, doing), error


async def quietly(call: Awaitable[None]) -> None:
    """Best effort for the last word after a failure: the chat itself may be what failed."""
    try:
        await call
    except Exception:
        log.warning("could not tell the chat about a failure", exc_info=True)
