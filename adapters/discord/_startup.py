"""Start-up calls to Discord, and which of them may stop the bot.

Logging in (GET /users/@me, then the application) must succeed: a refused token ends the start
with one sentence for the operator (a `ConfigError`), while a Discord that cannot be reached is
retried with backoff, one log line per retry. Syncing the slash commands is optional (Discord
keeps the last synced set): it runs in the background, retried after a 5xx or a long rate limit
and given up with one log line when Discord refuses it. The gateway reconnects by itself
(discord.py) once it has connected, and until then `connect_gateway` retries; only the close
codes that no retry can fix end the start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import discord

from bot.backoff import Backoff
from bot.doctor import describe_http_error
from bot.errors import ConfigError

log = logging.getLogger(__name__)

_UNREACHABLE = (discord.DiscordServerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)
_BAD_TOKEN = 4004
_BAD_INTENTS = (4013, 4014)


def bad_token(reason: str) -> ConfigError:
    return ConfigError(
        [
            f"Discord refused DISCORD_BOT_TOKEN ({reason}): copy the token from the Bot page of "
            "your application at https://discord.com/developers/applications (Reset Token) into "
            "DISCORD_BOT_TOKEN again."
        ]
    )


def _why(exc: BaseException, url: str | None = None) -> str:
    url = url or discord.http.Route.BASE
    if isinstance(exc, discord.HTTPException | aiohttp.ClientResponseError):
        return f"{urlsplit(url).netloc} answered {exc.status}"  # e.g. a refused gateway upgrade
    return describe_http_error(exc, url)


async def log_in(client: discord.Client, token: str, backoff: Backoff) -> None:
    """`client.login(token)`, retried until Discord answers; a refused token raises
    `ConfigError`."""
    delays = backoff.delays()
    while True:
        try:
            await client.login(token)
            return
        except discord.LoginFailure:
            raise bad_token("401 Unauthorized") from None
        except _UNREACHABLE as exc:
            wait, why = delays.next(), _why(exc)
        # Each login opens a new HTTP session on the client's connector, which closing the
        # session closes too: drop both, and the next login builds them afresh.
        await client.http.close()
        client.http.connector = discord.utils.MISSING
        log.warning("Discord cannot be reached (%s); retrying in %gs", why, wait)
        await asyncio.sleep(wait)


async def connect_gateway(client: discord.Client, backoff: Backoff) -> None:
    """`client.connect(reconnect=True)`, kept trying until the gateway has answered once.

    discord.py retries a lost gateway by itself, but a retry before the first connection
    fails on the session it never had (it resumes with `client.ws.sequence` while `ws` is
    None): the bot would stop on a network blip at start-up. Those retries are ours."""
    delays = backoff.delays()
    while True:
        try:
            await client.connect(reconnect=True)
            return
        except AttributeError:
            if client.ws is not None:
                raise
        wait = delays.next()
        log.warning("Discord gateway: not connected yet; trying again in %gs", wait)
        await asyncio.sleep(wait)


def _answer(exc: discord.HTTPException) -> str:
    """ "404: Not Found", "403 Missing Access": the status once, and Discord's reason."""
    text = exc.text or "no reason given"
    return text if text.startswith(str(exc.status)) else f"{exc.status} {text}"


class OneLineReconnects(logging.Filter):
    """discord.py logs each gateway reconnect after a network error with a full traceback
    (`_log.exception`), from the client and from each shard; the reconnect is routine, so one
    line says what happened instead."""

    LOGGERS = ("discord.client", "discord.shard")
    _ROUTINE = ("Attempting a reconnect", "Failed to connect for shard_id")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith(self._ROUTINE):
            error = record.exc_info[1]
            gateway = str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
            why = _why(error, gateway) if error is not None else "connection lost"
            record.msg = f"Discord gateway: {why}; {record.getMessage().lower()}"
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"  # routine, not an error
        return True


RECONNECTS = OneLineReconnects()


def gateway_refused(exc: BaseException, *, message_content: bool) -> BaseException:
    """What to raise when the gateway closed for good before READY."""
    code = getattr(exc, "code", None)
    if code == _BAD_TOKEN:
        return bad_token("the gateway closed with 4004, authentication failed")
    refused_intents = code in _BAD_INTENTS or isinstance(exc, discord.PrivilegedIntentsRequired)
    if refused_intents and message_content:
        return ConfigError(
            [
                "DISCORD_MESSAGE_CONTENT=true needs the Message Content Intent: turn it on "
                "under Privileged Gateway Intents on the Bot page of your application, or "
                "unset DISCORD_MESSAGE_CONTENT."
            ]
        )
    return exc


async def sync_commands(sync: Any, backoff: Backoff) -> None:
    """Run `sync()` (the command tree's sync) until it is done or refused."""
    delays = backoff.delays()
    while True:
        try:
            await sync()
            log.info("slash commands synced")
            return
        except discord.RateLimited as exc:
            wait, why = exc.retry_after, "rate limited"
        except _UNREACHABLE as exc:
            wait, why = delays.next(), _why(exc)
        except discord.Forbidden:
            log.warning(
                "Discord refused to register the slash commands (403): invite the bot with the "
                "applications.commands scope (see docs/discord.md); the bot keeps running"
            )
            return
        except discord.HTTPException as exc:
            log.warning(
                "Discord refused the slash commands (%s); the bot keeps running with the "
                "commands it had",
                _answer(exc),
            )
            return
        log.warning("the slash commands are not synced yet (%s); retrying in %gs", why, wait)
        await asyncio.sleep(wait)
