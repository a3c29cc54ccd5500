"""The whole text catalog: every sentence in every language, with the same fields to fill in."""

from __future__ import annotations

from string import Formatter

import pytest

from bot.texts import CATALOG, LANGUAGES, normalize_locale, t


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_speaks_every_language_with_the_same_fields(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == set(LANGUAGES), f"{key}: languages {sorted(entry)}"
    for language in LANGUAGES:
        assert entry[language].strip(), f"{key}: empty {language} text"
    fields = {language: _fields(entry[language]) for language in LANGUAGES}
    assert len({frozenset(f) for f in fields.values()}) == 1, f"{key}: fields differ {fields}"
    for language in LANGUAGES:
        t(key, language, **dict.fromkeys(fields[language], "x"))  # formats without a KeyError


def test_the_catalog_is_not_empty() -> None:
    assert len(CATALOG) > 10


@pytest.mark.parametrize(
    ("code", "language"),
    [("zh-CN", "zh"), ("zh_TW", "zh"), ("en-US", "en"), ("fr", "en"), (None, "en"), ("", "en")],
)
def test_locales_map_onto_a_language_we_speak(code: str | None, language: str) -> None:
    assert normalize_locale(code) == language
