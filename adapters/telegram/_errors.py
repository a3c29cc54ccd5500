"""The one place where python-telegram-bot's errors become `bot.errors`."""

from __future__ import annotations

import datetime as dtm
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from telegram import error as tg_error

from bot.errors import FileTooLarge, RetryAfter, Transient


def retry_seconds(exc: tg_error.RetryAfter) -> float:
    """PTB gives `retry_after` as an int, or a timedelta when PTB_TIMEDELTA is set: take both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB deprecates the int form
        value: object = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


def is_not_modified(exc: tg_error.BadRequest) -> bool:
    """An edit that changes nothing: Telegram refuses it, and there is nothing to do."""
    return "message is not modified" in exc.message.lower()


@contextmanager
def translated() -> Iterator[None]:
    """Flood control becomes `RetryAfter`, an oversized upload `FileTooLarge`, the network
    `Transient`; other Telegram errors (a chat that blocked the bot, say) pass through."""
    try:
        yield
    except tg_error.RetryAfter as exc:
        raise RetryAfter(retry_seconds(exc), "telegram flood control") from None
    except tg_error.BadRequest as exc:
        if "too big" in exc.message.lower() or "entity too large" in exc.message.lower():
            raise FileTooLarge(f"telegram: {exc.message}") from None
        raise
    except tg_error.TimedOut:
        raise Transient("telegram: timed out") from None
    except tg_error.NetworkError as exc:
        if "entity too large" in exc.message.lower():
            raise FileTooLarge(f"telegram: {exc.message}") from None
        raise Transient(f"telegram: {type(exc).__name__}") from None
