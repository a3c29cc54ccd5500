"""The conversation core's facade, where adapters have always found it: see `bot.core`."""

from bot.core.conversation import Conversation

__all__ = ["Conversation"]
