"""User-facing sentences of the telegram area. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {}
