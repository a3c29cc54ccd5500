"""Telegram for clipbridge: the only package that imports `telegram` (python-telegram-bot).

from adapters.telegram import TelegramAdapter, WEBHOOK_PATH

async with TelegramAdapter(settings, conversation) as telegram:
    conversation.add_adapter(telegram)
    app.router.add_post(WEBHOOK_PATH, telegram.webhook_handler)   # webhook mode only
"""

from adapters.telegram._adapter import WEBHOOK_PATH, TelegramAdapter
from adapters.telegram._port import TelegramPort

__all__ = ["WEBHOOK_PATH", "TelegramAdapter", "TelegramPort"]
