"""User-facing sentences of the discord area. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {}
