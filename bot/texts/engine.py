"""User-facing sentences of the engine area. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {}
