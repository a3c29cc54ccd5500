"""Discord for clipbridge: the only package that imports `discord`.

    async with DiscordAdapter(settings, conversation) as adapter:
        conversation.add_adapter(adapter)
        ...

Slash commands (`/compress`, `/edit`, `/export`, `/status`, `/credits`, `/new`, `/cancel`,
`/lang`, `/help`), a "Compress video" message context menu, DMs, and (with
`DISCORD_MESSAGE_CONTENT`) messages that mention the bot in a channel. See `_port` for where
answers go and `_inbound` for how chats are keyed.

Importing this package does not import `discord`: `PLATFORM` (its settings and doctor checks)
is light, and the adapter, port and sender (REST only, for a cluster worker) are imported on
first use. DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS shard the gateway (`_shards`).

Setting up the bot: docs/discord.md (the application, the invite URL with its scopes and
permissions, the intents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.discord._platform import PLATFORM
from bot.ports import lazy_exports

if TYPE_CHECKING:
    from adapters.discord._adapter import DiscordAdapter
    from adapters.discord._port import Delivery, DiscordPort
    from adapters.discord._sender import DiscordSender

__all__ = ["PLATFORM", "Delivery", "DiscordAdapter", "DiscordPort", "DiscordSender"]

__getattr__ = lazy_exports(
    __name__,
    {
        "DiscordAdapter": "adapters.discord._adapter",
        "Delivery": "adapters.discord._port",
        "DiscordPort": "adapters.discord._port",
        "DiscordSender": "adapters.discord._sender",
    },
)
