"""Keep the bot token out of every log line that the Telegram stack writes.

python-telegram-bot logs its API URLs at DEBUG, and httpx logs every request URL at INFO; both
contain the token. A filter on those loggers rewrites each record before any handler sees it,
so the token is gone whatever handlers or formats the operator configures.
"""

from __future__ import annotations

import logging

REDACTED = "<redacted>"

# The libraries that see URLs with the token in them. Every logger below these names gets the
# filter: a filter on a parent logger does not apply to records created on its children.
_ROOTS = ("telegram", "httpx", "httpcore")


class TokenRedactor(logging.Filter):
    """Replaces each secret in a record's message, arguments and traceback."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
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
    names |= {"telegram.Bot", "telegram.ext.ExtBot"}
    return [
        logging.getLogger(name)
        for name in sorted(names)
        if any(name == root or name.startswith(root + ".") for root in _ROOTS)
    ]


def install(redactor: TokenRedactor) -> None:
    for logger in _targets():
        logger.addFilter(redactor)


def uninstall(redactor: TokenRedactor) -> None:
    for logger in _targets():
        logger.removeFilter(redactor)
