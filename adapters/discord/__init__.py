"""Discord for clipbridge: the only package that imports `discord`.

    async with DiscordAdapter(settings, conversation) as adapter:
        conversation.add_adapter(adapter)
        ...

Slash commands (`/compress`, `/edit`, `/export`, `/status`, `/credits`, `/new`, `/cancel`,
`/lang`), a "Compress video" message context menu, DMs, and (with `DISCORD_MESSAGE_CONTENT`)
messages that mention the bot in a channel. See `_port` for where answers go and `_inbound` for
how chats are keyed.

Setting up the bot: invite it with the `bot` and `applications.commands` scopes and the Send
Messages, Send Messages in Threads, Attach Files and Embed Links permissions; it may also be
installed by users (the commands work in DMs and private channels; where the bot cannot post, long
jobs finish in a DM). The privileged message-content intent is optional: without it slash
commands, the context menu and DMs all work, and only `@bot ...` mentions in channels are ignored.
Set `DISCORD_MESSAGE_CONTENT=true` after enabling the intent in the developer portal.
"""

from adapters.discord._adapter import DiscordAdapter
from adapters.discord._port import Delivery, DiscordPort

__all__ = ["Delivery", "DiscordAdapter", "DiscordPort"]
