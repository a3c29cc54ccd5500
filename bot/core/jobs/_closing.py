"""Iterating a backend's stream so that it is always closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def closing(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """Iterate a backend's stream and always close it: when a failure is raised from the loop
    body the stream is closed at once (the HTTP stream, the encoder), not when garbage collected."""
    try:
        async for event in events:
            yield event
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
