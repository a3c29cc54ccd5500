"""`TelegramSession`: one process's connection to the Bot API for one bot token, shared by the
adapter (which adds updates on top) and the sender (a cluster worker, which receives none).

It decides in one place how this process talks to Telegram: the base URLs and local mode, the
timeouts, the flood-control limiter (this process's share of the bot's rate, `rate_limits`), the
httpx client that streams files, and how a port and a file are made. `open()` builds them and
hides the token from the logs; `close()` lets go of the download client. The `Bot` itself is
initialized by whoever runs it: the adapter's `Application`, or the sender.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from adapters.telegram import _redact
from adapters.telegram._files import TelegramFiles
from adapters.telegram._port import TelegramPort
from bot.config import MB, Settings
from bot.errors import ConfigError
from bot.links import LinkFetcher, LinkPolicy
from bot.models import ChatKey

CLOUD_DOWNLOAD_LIMIT = 20 * MB
LOCAL_DOWNLOAD_LIMIT = 2000 * MB
MESSAGES_PER_SECOND = 30.0
"""Telegram's rate for one bot across all chats (the Bot API FAQ: about 30 messages a second)."""
MESSAGES_PER_MINUTE_IN_A_GROUP = 20.0
MEDIA_WRITE_TIMEOUT = 600.0
"""Seconds an upload may take to write (a 50 MB video on a slow uplink)."""


def rate_limits(share: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """`(max_rate, period)` for all chats and for one group, for a process allowed `share` of
    the bot's rate. A rate below one message per period becomes one message per longer period:
    the limiter cannot let out a fraction of a message."""

    def limit(rate: float, period: float) -> tuple[float, float]:
        scaled = rate * share
        return (scaled, period) if scaled >= 1 else (1.0, period / scaled)

    return limit(MESSAGES_PER_SECOND, 1.0), limit(MESSAGES_PER_MINUTE_IN_A_GROUP, 60.0)


class TelegramSession:
    """The bot, the download client and the files of one process; see the module docstring."""

    def __init__(
        self, settings: Settings, *, url_fetch: bool = False, secrets: Sequence[str] = ()
    ) -> None:
        """`url_fetch`: let Telegram fetch results at a public URL itself (`TelegramPort`).
        `secrets`: more strings than the token to keep out of the logs (the webhook secret)."""
        if settings.telegram_bot_token is None:
            raise ConfigError(["TELEGRAM_BOT_TOKEN is not set: the token @BotFather gave you"])
        self.settings = settings
        self.token = settings.telegram_bot_token.get_secret_value()
        self.local_mode = settings.telegram_local_mode
        self.download_limit = LOCAL_DOWNLOAD_LIMIT if self.local_mode else CLOUD_DOWNLOAD_LIMIT
        self._url_fetch = url_fetch
        self._log_filter = _redact.TelegramLogFilter([self.token, *secrets])
        self._bot: ExtBot[int] | None = None
        self._client: httpx.AsyncClient | None = None
        self._files: TelegramFiles | None = None

    def open(self) -> ExtBot[int]:
        """Build the bot (not yet initialized) and the download client; returns the bot."""
        _redact.install(self._log_filter)
        s = self.settings
        (rate, period), (group_rate, group_period) = rate_limits(s.telegram_rate_share)
        self._bot = ExtBot(
            self.token,
            base_url=s.telegram_base_url,
            base_file_url=s.telegram_base_file_url,
            local_mode=self.local_mode,
            request=HTTPXRequest(connection_pool_size=256, media_write_timeout=MEDIA_WRITE_TIMEOUT),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
            # max_retries=0: flood control reaches the core as RetryAfter, which decides.
            rate_limiter=AIORateLimiter(
                overall_max_rate=rate,
                overall_time_period=period,
                group_max_rate=group_rate,
                group_time_period=group_period,
                max_retries=0,
            ),
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(30.0, read=120.0), follow_redirects=True
        )
        links = LinkFetcher(LinkPolicy.from_settings(s))
        self._files = TelegramFiles(
            self._bot, self._client, local_mode=self.local_mode, links=links
        )
        return self._bot

    async def close(self) -> None:
        """Close the download client and stop hiding the token (the bot is shut down by its
        owner first)."""
        try:
            if self._client is not None:
                await self._client.aclose()
        finally:
            self._bot = self._client = self._files = None
            _redact.uninstall(self._log_filter)

    @property
    def bot(self) -> ExtBot[int]:
        if self._bot is None:
            raise RuntimeError("the Telegram session is not open")
        return self._bot

    @property
    def files(self) -> TelegramFiles:
        if self._files is None:
            raise RuntimeError("the Telegram session is not open")
        return self._files

    def port_for(self, chat: ChatKey, hint: str | None = None) -> TelegramPort:
        return TelegramPort(
            self.bot, chat, hint=hint, local_mode=self.local_mode, url_fetch=self._url_fetch
        )
