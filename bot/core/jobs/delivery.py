"""Delivery: a finished result into the chat (a playable video, or a link with its size), and
the backend's copy let go whatever happens."""

from __future__ import annotations

from bot.backends.base import Backend, ExportResult
from bot.core.kit import Kit
from bot.delivery import deliver
from bot.models import ChatKey
from bot.ports import Port


async def deliver_result(
    kit: Kit,
    chat: ChatKey,
    port: Port,
    backend: Backend,
    result: ExportResult,
    *,
    locale: str,
    as_file: bool = False,
) -> None:
    try:
        await deliver(
            result,
            port,
            backend,
            locale=locale,
            as_file=as_file,
            pacer=kit.pacers(chat),
            work_dir=kit.settings.work_dir,
            ffmpeg=kit.ffmpeg,
        )
    finally:
        await backend.release(result)
