"""The languages table: platform locales, what people type after /lang, scripts, and that every
row is complete (catalog entries, Discord locales, Babel locales)."""

from __future__ import annotations

import discord
import pytest

from bot.texts import CATALOG, languages


@pytest.mark.parametrize(
    ("locale", "code"),
    [
        ("en", "en"),
        ("en-US", "en"),  # Discord
        ("en-GB", "en"),
        ("zh-CN", "zh"),  # Discord, Simplified
        ("zh-TW", "zh"),  # Discord, Traditional: still answered in Chinese
        ("zh-hans", "zh"),  # Telegram
        ("zh-hant", "zh"),
        ("zh_TW", "zh"),  # a POSIX LANG
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_platform_locales_map_onto_a_language(locale: str | None, code: str) -> None:
    assert languages.normalize_locale(locale) == code
    assert languages.language(locale).code == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("zh", "zh"),
        ("ZH", "zh"),
        (" 中文 ", "zh"),
        ("Chinese", "zh"),
        ("zh-TW", "zh"),
        ("en", "en"),
        ("English", "en"),
        ("英文", "en"),
        ("klingon", None),
        ("", None),
    ],
)
def test_what_people_type_after_lang(typed: str, code: str | None) -> None:
    assert languages.named(typed) == code


def test_a_message_in_chinese_characters_is_chinese() -> None:
    assert languages.language_of("压缩到 8MB") == "zh"
    assert languages.language_of("compress to 8MB") is None


def test_discord_command_names_only_where_the_script_matches() -> None:
    zh = languages.for_discord("zh-CN")
    assert zh is not None and zh.code == "zh"
    assert languages.for_discord("zh-TW") is None  # Simplified names are not shown as Traditional
    assert languages.for_discord("en-US") is None  # English is what Discord registers


@pytest.mark.parametrize("row", languages.LANGUAGES, ids=lambda row: row.code)
def test_every_language_is_complete(row: languages.Language) -> None:
    known = {locale.value for locale in discord.Locale}
    assert set(row.discord) <= known, "Discord locales are Discord's own values"
    assert f"discord_choice_{row.code}" in CATALOG, "the /lang choice names the language"
    assert all(typed == typed.lower() for typed in row.typed)
    assert row.nemo
    assert languages.named(row.code) == row.code
