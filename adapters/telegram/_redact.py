"""What the Telegram stack may log: never the bot token, and no false alarms.

python-telegram-bot logs its API URLs at DEBUG, and httpx logs every request URL at INFO; both
contain the token. A filter on those loggers rewrites each record before any handler sees it,
so the token is gone whatever handlers or formats the operator configures (the bot's own
`bot.logs` redacts too, at its handler; this one also holds where that is not set up).

PTB's rate limiter logs every 429 it passes on at ERROR with a traceback. Passing it on is what
we ask of it (the port raises `RetryAfter` and the core waits), so that record is dropped.
"""

from __future__ import annotations

import logging

REDACTED = "<redacted>"

# The libraries that see URLs with the token in them. Every logger below these names gets the
# filter: a filter on a parent logger does not apply to records created on its children.
_ROOTS = ("telegram", "httpx", "httpcore")
_LIMITER = "telegram.ext.AIORateLimiter"


class TelegramLogFilter(logging.Filter):
    """Replaces each secret in a record's message, arguments and traceback; drops the rate
    limiter's "Rate limit hit after maximum of 0 retries" error."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == _LIMITER and record.levelno >= logging.ERROR:
            return "Rate limit hit" not in message
        record.msg = self._clean(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def _targets() -> list[logging.Logger]:
    names = set(logging.Logger.manager.loggerDict) | set(_ROOTS)
    # PTB names its Bot's logger when the first Bot is built; make sure it exists first.
    names |= {"telegram.Bot", "telegram.ext.ExtBot", _LIMITER}
    return [
        logging.getLogger(name)
        for name in sorted(names)
        if any(name == root or name.startswith(root + ".") for root in _ROOTS)
    ]


def install(log_filter: TelegramLogFilter) -> None:
    for logger in _targets():
        logger.addFilter(log_filter)


def uninstall(log_filter: TelegramLogFilter) -> None:
    for logger in _targets():
        logger.removeFilter(log_filter)
