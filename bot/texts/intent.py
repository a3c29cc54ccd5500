"""Sentences of the request parser: what the local engine understood. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {}
