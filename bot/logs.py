"""Logging: one line per event, plain or JSON, with the chat and job ids, and no secret ever.

`setup_logging(settings)` installs one handler on the root logger, so the bot's own loggers and
every library's (httpx logs full request URLs at INFO, and a Telegram URL carries the bot token)
pass through the same two filters:

- `ContextFilter` stamps each record with the chat and job ids set by `log_context(...)`. They
  live in context variables, so a task started inside `with log_context(chat=...)` carries them
  on every line it logs, and concurrent chats never see each other's ids.
- `RedactionFilter` rewrites the record before any formatter sees it: the message with its args,
  the exception text, the stack and any extra string field. It removes every configured secret,
  secrets registered at run time (`register_secret`, e.g. an anonymous NemoVideo token), bearer
  tokens, and Telegram bot tokens and file URLs by their shape, even when the token is not
  configured.

`redact(text)` is the same rewrite for text that leaves the process by another path (a readiness
answer, a doctor report).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "ContextFilter",
    "JsonFormatter",
    "PlainFormatter",
    "RedactionFilter",
    "log_context",
    "redact",
    "register_secret",
    "registered_secrets",
    "setup_logging",
]

REDACTED = "[REDACTED]"

_chat: contextvars.ContextVar[str | None] = contextvars.ContextVar("log_chat", default=None)
_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("log_job", default=None)

# A Telegram file URL names the bot token and a path on Telegram's disk: drop all of it. Tried only
# where a run of URL characters starts, so a long run without one (4096 characters of a message
# logged at DEBUG) is scanned once, not once from each of its characters.
_TELEGRAM_FILE_URL = re.compile(
    r"(?<![^\s\"'<>])(?:https?://)?[^\s\"'<>]*/file/bot[^\s\"'<>/]+/[^\s\"'<>]*"
)
# `/bot<token>/` in any Bot API URL, whoever the host (the cloud API or a local server).
_TELEGRAM_BOT_PATH = re.compile(r"/bot\d+(?::|%3A)[^\s\"'<>/]*")
# A bare Telegram token: the bot id, a colon, and 30 or more URL-safe characters.
_TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
# A Discord interaction token, in the URLs of its callback and webhook and in the event's JSON (or
# a dict's repr): discord.py logs both at DEBUG, and with one anyone can post as the bot.
_DISCORD_TOKEN_PATH = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^\s\"'<>/?]+")
_TOKEN_FIELD = re.compile(r"""(["']token["']\s*:\s*["'])[^"']+""")
_BEARER = re.compile(r"\b(Bearer|bearer|BEARER|Bot)\s+[A-Za-z0-9._~+/=-]{16,}")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is redacted too.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "chat", "job"}

_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Redact `value` from every log record from now on (a token obtained at run time)."""
    if value and len(value) >= 4:
        _registered.add(value)


def registered_secrets() -> frozenset[str]:
    """The secrets registered at run time so far (for checks over whole test runs)."""
    return frozenset(_registered)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without configured or registered secrets, bearer tokens, Telegram tokens/URLs and
    Discord interaction tokens."""
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted({*secrets, *_registered}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    text = _TELEGRAM_FILE_URL.sub(f"<telegram file URL {REDACTED}>", text)
    text = _TELEGRAM_BOT_PATH.sub(f"/bot{REDACTED}", text)
    text = _TELEGRAM_TOKEN.sub(REDACTED, text)
    text = _DISCORD_TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _TOKEN_FIELD.sub(rf"\g<1>{REDACTED}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


@contextmanager
def log_context(*, chat: object | None = None, job: object | None = None) -> Iterator[None]:
    """Tag every record logged inside the block (and in tasks started in it) with chat/job ids.

    Only the ids given are changed; an outer block's other id stays.
    """
    tokens = []
    if chat is not None:
        tokens.append((_chat, _chat.set(str(chat))))
    if job is not None:
        tokens.append((_job, _job.set(str(job))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current chat and job ids onto the record as `record.chat` and `record.job`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "chat"):
            record.chat = _chat.get()
        if not hasattr(record, "job"):
            record.job = _job.get()
        return True


class RedactionFilter(logging.Filter):
    """Rewrites a record so that no formatter can print a secret. Never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record, nor leak its args
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self._clean(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
            # The text is cached and redacted; dropping the live exception keeps formatters (ours
            # and any other handler's) from formatting the raw one again.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        for key, value in list(vars(record).items()):
            if key in _STANDARD_ATTRS or value is None or isinstance(value, bool | int | float):
                continue
            # A dict or object passed in `extra` is shown as its repr: redact that text.
            setattr(record, key, self._clean(value if isinstance(value, str) else repr(value)))
        return True

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)


def _utc(record: logging.LogRecord) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{stamp}.{int(record.msecs):03d}Z"


class PlainFormatter(logging.Formatter):
    """`2026-11-25T02:34:35.123Z INFO bot.conversation chat=telegram:42 job=j1 message`."""

    def format(self, record: logging.LogRecord) -> str:
        ids = "".join(
            f" {name}={value}"
            for name in ("chat", "job")
            if (value := getattr(record, name, None)) is not None
        )
        line = f"{_utc(record)} {record.levelname} {record.name}{ids} {record.getMessage()}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, chat, job, exc, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _utc(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in ("chat", "job"):
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        return json.dumps(entry, ensure_ascii=False)


# Libraries that log every request at INFO: useful when debugging, noise otherwise.
_CHATTY = ("httpx", "httpcore", "aiohttp.access")


def setup_logging(
    settings: Settings, stream: Any = None, *, path: Path | None = None
) -> logging.Handler:
    """Send every logger's records through one redacting handler on the root logger.

    Replaces handlers an earlier call installed (so tests and restarts do not double lines) and
    returns the handler. Records go to the file `path` (appended to, its folder made) when given,
    else to `stream`, which defaults to stderr. A file that cannot be opened falls back to stderr
    with a line saying why.
    """
    handler: logging.Handler | None = None
    unwritable: OSError | None = None
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as error:
            unwritable = error
    if handler is None:
        handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name("clipbridge")
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter(settings.secrets()))
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else PlainFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "clipbridge"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    quiet = logging.WARNING if settings.log_level != "DEBUG" else logging.NOTSET
    for name in _CHATTY:
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    # A crash outside any logger would print its traceback raw; send it through the filter.
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    if unwritable is not None:
        log = logging.getLogger(__name__)
        log.warning("cannot write the log to %s (%s); logging here", path, unwritable.strerror)
    return handler


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("clipbridge").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        name = args.thread.name if args.thread else "?"
        logging.getLogger("clipbridge").critical(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
