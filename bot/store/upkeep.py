"""Housekeeping a running bot does on its store: forgetting update ids too old to come again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from .base import SEEN_UPDATES_KEPT, Store

log = logging.getLogger(__name__)

PRUNE_EVERY = 6 * 3600.0


@contextlib.asynccontextmanager
async def pruning_seen_updates(
    store: Store, *, keep: float = SEEN_UPDATES_KEPT, every: float = PRUNE_EVERY
) -> AsyncIterator[None]:
    """Prune now and every `every` seconds while inside; a failed prune is logged and retried at
    the next round (an oversized table is slower, never wrong)."""

    async def prune() -> None:
        while True:
            try:
                removed = await store.prune_seen_updates(time.time() - keep)
                log.debug("forgot %d update ids older than %.0fs", removed, keep)
            except Exception:
                log.warning("could not prune seen updates", exc_info=True)
            await asyncio.sleep(every)

    task = asyncio.create_task(prune(), name="prune-seen-updates")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
