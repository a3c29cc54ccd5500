"""Start-up calls to Telegram, and which of them may stop the bot.

getMe is the only one that must succeed: a refused token ends the start with one sentence for
the operator (a `ConfigError`), while a Telegram that cannot be reached (connection refused, no
internet, a 5xx, flood control) is retried with backoff, one log line per retry, for as long as
it takes. The command menu is optional: it is published in the background, retried after flood
control or a 5xx, and given up with one log line where the server does not have the method.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import httpx
from telegram import Bot, BotCommand
from telegram import error as tg_error
from telegram.ext import Application

from adapters.telegram._errors import retry_seconds
from bot.backoff import Backoff
from bot.doctor import describe_http_error
from bot.errors import ConfigError
from bot.texts import t
from bot.texts.languages import DEFAULT, LANGUAGES

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "export",
    "status",
    "credits",
    "cancel",
    "new",
    "lang",
    "settings",
)


def bad_token(reason: str, base_url: str) -> ConfigError:
    where = urlsplit(base_url).netloc
    return ConfigError(
        [
            f"Telegram at {where} refused TELEGRAM_BOT_TOKEN ({reason}): copy the token "
            "@BotFather gave you into TELEGRAM_BOT_TOKEN again, or get a new one there with /token."
        ]
    )


def unreachable(exc: tg_error.NetworkError, base_url: str) -> str:
    """Why Telegram gave no usable answer, naming only host and port (the URL has the token)."""
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPError):
        return describe_http_error(cause, base_url)
    if isinstance(exc, tg_error.TimedOut):
        return f"no answer from {urlsplit(base_url).netloc} in time"
    return f"{urlsplit(base_url).netloc} answered “{exc.message}”"


async def say_hello(app: Application | Bot, base_url: str, backoff: Backoff) -> None:  # type: ignore[type-arg]
    """`app.initialize()` (getMe, for the adapter's `Application` or the sender's `Bot`),
    retried until Telegram answers; a refused token raises `ConfigError`."""
    delays = backoff.delays()
    while True:
        try:
            await app.initialize()
            return
        except tg_error.InvalidToken as exc:
            # PTB's message carries the token itself: only the status text goes on.
            reason = "401 Unauthorized" if "token" in exc.message.lower() else exc.message
            raise bad_token(reason, base_url) from None
        except tg_error.RetryAfter as exc:
            wait, why = retry_seconds(exc), "flood control"
        except tg_error.BadRequest:
            raise
        except tg_error.NetworkError as exc:
            wait, why = delays.next(), unreachable(exc, base_url)
        log.warning("Telegram cannot be reached (%s); retrying in %gs", why, wait)
        await asyncio.sleep(wait)


async def publish_menu(bot: Bot, base_url: str, backoff: Backoff) -> None:
    """The command menu in every language, until it is published or cannot be."""
    delays = backoff.delays()
    while True:
        try:
            await _set_menu(bot)
            log.debug("command menu published")
            return
        except tg_error.RetryAfter as exc:
            wait, why = retry_seconds(exc), "flood control"
        except (tg_error.BadRequest, tg_error.InvalidToken, tg_error.Forbidden) as exc:
            # The server has no such method (a 404 reads as InvalidToken in PTB) or refuses it.
            log.warning("Telegram refused the command menu (%s); the bot works without it", exc)
            return
        except tg_error.NetworkError as exc:
            wait, why = delays.next(), unreachable(exc, base_url)
        except tg_error.TelegramError as exc:
            log.warning("the command menu was not published (%s); the bot works without it", exc)
            return
        log.warning("the command menu is not published yet (%s); retrying in %gs", why, wait)
        await asyncio.sleep(wait)


async def _set_menu(bot: Bot) -> None:
    for language in LANGUAGES:  # the default menu first, then one per language that has one
        if language is not DEFAULT and language.telegram_menu is None:
            continue
        commands = [BotCommand(name, t(f"tg_cmd_{name}", language.code)) for name in COMMANDS]
        code = None if language is DEFAULT else language.telegram_menu
        await bot.set_my_commands(commands, language_code=code)
