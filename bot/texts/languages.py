"""The languages the bot speaks: one row each, and every question about a language put to it.

A row says what a language is called (in itself, and the words people type after `/lang`), how
Babel knows it (plural rules, number formats), which language a NemoVideo session is opened in,
and which platform locales get the command names in it. The catalog (`bot.texts`) holds one
sentence per language code; `tests/test_texts.py` checks every key has every language here.

Platform locales map onto a language by their first subtag: Telegram's `zh-hans`, `zh-TW` and
Discord's `zh-CN` are all answered in Chinese; `en-US`, `fr` and no locale at all in English.
The catalog's Chinese is Simplified, so command names (which a platform shows per locale) are
offered only where the locale is Simplified: Discord's `zh-CN`; Telegram's menu cannot tell the
scripts apart (`language_code` is `zh` for both), so it gets the Chinese names for every `zh`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    """The catalog's key, what `/lang` stores, and a locale's first subtag: "en", "zh"."""
    name: str
    """Its name in itself, as a person picks it: "English", "中文"."""
    typed: tuple[str, ...]
    """What people type after `/lang` beside the code (lower case): "english", "中文"."""
    babel: str
    """Babel's locale: plural rules and number formats ("en", "zh_Hans")."""
    nemo: str
    """The language a NemoVideo session is opened in ("zh-CN")."""
    discord: tuple[str, ...] = ()
    """Discord locales whose command names and options are this language's catalog entries."""
    telegram_menu: str | None = None
    """`language_code` of the Telegram command menu in this language; None: the default menu."""
    script: tuple[tuple[str, str], ...] = ()
    """Character ranges only this language is written in: a message in them is in it."""


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", ("english", "英文", "英语"), babel="en", nemo="en"),
    Language(
        "zh",
        "中文",
        ("chinese", "中文", "汉语", "简体中文", "zh-cn", "zh-hans"),
        babel="zh_Hans",
        nemo="zh-CN",
        discord=("zh-CN",),
        telegram_menu="zh",
        script=(("\u4e00", "\u9fff"),),  # CJK unified ideographs
    ),
)
DEFAULT = LANGUAGES[0]
CODES = tuple(language.code for language in LANGUAGES)
_BY_CODE = {language.code: language for language in LANGUAGES}
_BY_DISCORD = {locale: language for language in LANGUAGES for locale in language.discord}


def language(code: str | None) -> Language:
    """The row for a language code or any platform locale (see `normalize_locale`)."""
    return _BY_CODE[normalize_locale(code)]


def normalize_locale(code: str | None) -> str:
    """Map a platform locale ("zh-CN", "zh_TW", "zh-hans", "en-US", None) onto a code we speak."""
    if not code:
        return DEFAULT.code
    first = code.replace("_", "-").split("-")[0].lower()
    return first if first in _BY_CODE else DEFAULT.code


def named(word: str) -> str | None:
    """The language `/lang <word>` asks for ("zh", "中文", "English", "zh-TW"), or None."""
    word = word.strip().lower()
    for candidate in LANGUAGES:
        if word in candidate.typed:
            return candidate.code
    first = word.replace("_", "-").split("-")[0]
    return first if word and first in _BY_CODE else None


def language_of(text: str) -> str | None:
    """The language a message is written in, where its script shows it (Chinese characters);
    None when the words alone cannot tell."""
    for candidate in LANGUAGES:
        if any(low <= ch <= high for low, high in candidate.script for ch in text):
            return candidate.code
    return None


def for_discord(locale: str) -> Language | None:
    """The language whose command names Discord shows people of `locale` ("zh-CN"), if any."""
    return _BY_DISCORD.get(locale)
