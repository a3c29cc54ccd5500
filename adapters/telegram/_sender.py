"""`TelegramSender`: Telegram for a cluster worker, which sends but receives no updates.

    async with PLATFORM.sender(settings) as telegram:        # getMe, retried like the adapter's
        port = telegram.port_for(chat, hint)                 # the stored delivery hint
        async with telegram.attachment(ref).open() as chunks:  # the file a front wrote down
            ...

Only python-telegram-bot's `Bot` runs here (no `Application`, no getUpdates, no webhook), built
by the same `TelegramSession` as the adapter's: the same server, local mode, timeouts, flood
control share and ports. A file is fetched again by the `file_id` the front stored as the
attachment's `source`, through getFile, and streamed like the adapter streams it.
"""

from __future__ import annotations

from adapters.telegram._port import TelegramPort
from adapters.telegram._session import TelegramSession
from adapters.telegram._startup import say_hello
from bot.backoff import DEFAULT_BACKOFF, Backoff
from bot.config import Settings
from bot.core.requests import AttachmentRef
from bot.errors import FileTooLarge
from bot.models import Attachment, ChatKey
from bot.ports import Lifecycle


class TelegramSender(Lifecycle):
    """Send-only Telegram (`bot.ports.Sender`)."""

    platform = "telegram"

    def __init__(
        self, settings: Settings, *, url_fetch: bool = False, backoff: Backoff = DEFAULT_BACKOFF
    ) -> None:
        self._session = TelegramSession(settings, url_fetch=url_fetch)
        self._backoff = backoff

    async def start(self) -> None:
        bot = self._session.open()
        try:
            await say_hello(bot, self._session.settings.telegram_base_url, self._backoff)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        try:
            await self._session.bot.shutdown()
        finally:
            await self._session.close()

    def port_for(self, chat: ChatKey, hint: str | None = None) -> TelegramPort:
        return self._session.port_for(chat, hint)

    def attachment(self, ref: AttachmentRef) -> Attachment:
        """The file a front stored by its `file_id`. Its size is checked against what getFile
        serves before anything is asked of Telegram, as the adapter checks it."""
        if ref.source is None:
            raise ValueError(f"attachment {ref.name!r} has no Telegram file_id to fetch it by")
        limit = self._session.download_limit
        if ref.size is not None and ref.size > limit:
            raise FileTooLarge(f"telegram file of {ref.size} bytes", limit=limit)
        return self._session.files.telegram_file(ref.source, ref.name, ref.size, ref.mime)
