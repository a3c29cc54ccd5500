"""Waits between retries of a start-up call that must eventually succeed (or of optional work
that is worth another try): doubled after each failure, up to a ceiling."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds before the first retry, doubled after each failure up to `longest`."""

    first: float = 1.0
    longest: float = 60.0

    def delays(self) -> Delays:
        return Delays(self)


class Delays:
    """One run of retries: `next()` is the wait before the next one."""

    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff
        self._next = backoff.first

    def next(self) -> float:
        delay = self._next
        self._next = min(delay * 2, self._backoff.longest)
        return delay


DEFAULT_BACKOFF = Backoff()
