"""Command names and descriptions in the user's language, through discord.py's translator.

Every `locale_str` in `_commands` carries its `bot.texts` key as `key=`; the English text is the
message itself (what Discord registers), the other languages are sent as localizations for the
Discord locales their row in `bot.texts.languages` names (Chinese: `zh-CN` only; the catalog's
Chinese is Simplified, so `zh-TW` sees the English names rather than Simplified shown as if it
were Traditional).
"""

from __future__ import annotations

from discord import Locale, app_commands

from bot.texts import CATALOG, t
from bot.texts.languages import DEFAULT, for_discord


def locale_text(key: str) -> app_commands.locale_str:
    """The `locale_str` for catalog entry `key`: English now, translated at sync."""
    return app_commands.locale_str(t(key, DEFAULT.code), key=key)


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = for_discord(locale.value)
        key = string.extras.get("key")
        if language is None or key not in CATALOG:
            return None
        return t(key, language.code)
