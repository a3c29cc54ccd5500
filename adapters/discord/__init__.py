"""Discord for clipbridge: the only package that imports `discord`.

    async with DiscordAdapter(settings, conversation) as adapter:
        conversation.add_adapter(adapter)
        ...

Slash commands (`/compress`, `/edit`, `/export`, `/status`, `/credits`, `/new`, `/cancel`,
`/lang`, `/help`), a "Compress video" message context menu, DMs, and (with
`DISCORD_MESSAGE_CONTENT`) messages that mention the bot in a channel. See `_port` for where
answers go and `_inbound` for how chats are keyed.

Setting up the bot: docs/discord.md (the application, the invite URL with its scopes and
permissions, the intents).
"""

from adapters.discord._adapter import DiscordAdapter
from adapters.discord._port import Delivery, DiscordPort

__all__ = ["Delivery", "DiscordAdapter", "DiscordPort"]
