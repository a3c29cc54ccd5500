"""Telegram for clipbridge: the only package that imports `telegram` (python-telegram-bot).

    async with TelegramAdapter(settings, conversation) as telegram:
        conversation.add_adapter(telegram)
        for route in telegram.routes:   # the webhook, in webhook mode
            server.add_route(route.method, route.path, route.handler)

Importing this package does not import `telegram`: `PLATFORM` (its settings and doctor checks)
is light, and the adapter, port and sender (send-only, for a cluster worker) are imported on
first use. `clipbridge run` finds it through
`bot.ports.platforms()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.telegram._platform import PLATFORM
from bot.ports import lazy_exports

if TYPE_CHECKING:
    from adapters.telegram._adapter import WEBHOOK_PATH, TelegramAdapter
    from adapters.telegram._port import TelegramPort
    from adapters.telegram._sender import TelegramSender

__all__ = ["PLATFORM", "WEBHOOK_PATH", "TelegramAdapter", "TelegramPort", "TelegramSender"]

__getattr__ = lazy_exports(
    __name__,
    {
        "WEBHOOK_PATH": "adapters.telegram._adapter",
        "TelegramAdapter": "adapters.telegram._adapter",
        "TelegramPort": "adapters.telegram._port",
        "TelegramSender": "adapters.telegram._sender",
    },
)
