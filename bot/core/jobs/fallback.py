"""Fallback to the local engine (`FALLBACK_TO_LOCAL`): it keeps its own copy of every upload, so
a chat whose cloud credits run out goes on without sending its videos again."""

from __future__ import annotations

import logging

from bot.core.kit import Kit, Run, Session
from bot.errors import ClipbridgeError
from bot.models import Attachment, ChatKey
from bot.texts import t

log = logging.getLogger(__name__)


async def keep_copy(kit: Kit, chat: ChatKey, current: Session, attachment: Attachment) -> None:
    """Give the fallback engine its own copy of an upload the primary one received."""
    fallback = kit.sessions.fallback
    if fallback is None or current.backend is fallback:
        return
    try:
        session = await kit.store.fallback_session(chat)
        if session is None:
            session = await fallback.open_session("en")
            await kit.store.set_fallback_session(chat, session)
        await fallback.upload(session, attachment)
    except ClipbridgeError as error:
        log.warning("no local copy of %s for the fallback: %s", attachment.name, error.detail)


async def fall_back(kit: Kit, run: Run) -> bool:
    """The cloud has no credits: move the chat to the local engine's copy, if there is one.
    True when the run can go on there."""
    fallback = kit.sessions.fallback
    if fallback is None or run.backend is fallback:
        return False
    chat = run.request.chat
    session = await kit.store.fallback_session(chat)
    if session is None:
        return False
    log.warning("out of credits: %s goes on with the local engine", chat)
    await kit.store.set_session(chat, fallback.name, session)
    await kit.close_record(run, "failed", "no credits: fell back to the local engine")
    if run.progress is not None:
        await run.progress.finish(t("fallback_local", run.request.locale))
    run.record = None
    return True
