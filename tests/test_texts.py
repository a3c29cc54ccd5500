"""The whole text catalog: every sentence in every language, with the same fields to fill in."""

from __future__ import annotations

from string import Formatter

import pytest
from babel import Locale

from bot.texts import CATALOG, COUNTED, LANGUAGES, human_size, languages, normalize_locale, t
from bot.texts.words import Plural, templates


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_speaks_every_language_with_the_same_fields(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == set(LANGUAGES), f"{key}: languages {sorted(entry)}"
    fields: dict[str, set[str]] = {}
    for language in LANGUAGES:
        for template in templates(entry[language]):  # each plural form has every field
            assert template.strip(), f"{key}: empty {language} text"
            fields[f"{language}:{template[:20]}"] = _fields(template)
    assert len({frozenset(f) for f in fields.values()}) == 1, f"{key}: fields differ {fields}"
    names = next(iter(fields.values()))
    for language in LANGUAGES:
        t(key, language, **dict.fromkeys(names, "x"))  # formats without a KeyError
        t(key, language, **dict.fromkeys(names, 1))


@pytest.mark.parametrize("key", sorted(COUNTED))
def test_plural_forms_are_the_languages_own(key: str) -> None:
    for language in LANGUAGES:
        value = CATALOG[key][language]
        if isinstance(value, Plural):
            assert value.count == COUNTED[key], f"{key}: one count per sentence"
            categories = Locale.parse(languages.language(language).babel).plural_form.tags
            assert set(value.forms) <= categories | {"other"}, f"{key}: {language} forms"


@pytest.mark.parametrize(
    ("key", "params", "language", "said"),
    [
        ("timeline_summary", {"count": 0, "items": "-"}, "en", "Timeline (0 tracks): -"),
        ("timeline_summary", {"count": 1, "items": "-"}, "en", "Timeline (1 track): -"),
        ("timeline_summary", {"count": 2, "items": "-"}, "en", "Timeline (2 tracks): -"),
        ("timeline_summary", {"count": 0, "items": "-"}, "zh", "时间线（0 条轨道）：-"),
        ("timeline_summary", {"count": 1, "items": "-"}, "zh", "时间线（1 条轨道）：-"),
        ("timeline_summary", {"count": 2, "items": "-"}, "zh", "时间线（2 条轨道）：-"),
        ("diff_segments", {"what": "Video", "n": 0}, "en", "Video now has 0 segments"),
        ("diff_segments", {"what": "Video", "n": 1}, "en", "Video now has 1 segment"),
        ("diff_segments", {"what": "Video", "n": 2}, "en", "Video now has 2 segments"),
        ("diff_segments", {"what": "视频", "n": 1}, "zh", "视频现在有 1 个片段"),
        ("diff_segments", {"what": "视频", "n": 2}, "zh", "视频现在有 2 个片段"),
        ("cancelled_all", {"n": 1}, "en", "✖️ Stopped 1 request of this chat's members."),
        ("cancelled_all", {"n": 2}, "en", "✖️ Stopped 2 requests of this chat's members."),
        ("cancelled_all", {"n": 0}, "zh", "✖️ 已停止本聊天成员的 0 个请求。"),
        ("received_many", {"n": 1200, "items": "-"}, "en", "📥 Received 1,200 files:\n-"),
        ("received_many", {"n": 1200, "items": "-"}, "zh", "📥 已收到 1,200 个文件：\n-"),
    ],
)
def test_counts_read_as_the_language_says_them(
    key: str, params: dict[str, object], language: str, said: str
) -> None:
    assert t(key, language, **params) == said


def test_a_count_written_as_text_still_chooses_its_form() -> None:
    one = t("err_link_refused", "en", limit="1 MB", seconds="1")
    assert "within 1 second." in one
    assert "within 30 seconds." in t("err_link_refused", "en", limit="1 MB", seconds="30")


@pytest.mark.parametrize(
    ("n", "language", "shown"),
    [(999, "en", "999 B"), (48_900_000, "en", "48.9 MB"), (48_900_000, "zh", "48.9 MB"),
     (1_234_500_000_000, "en", "1,234.5 GB")],
)  # fmt: skip
def test_sizes_are_written_as_the_language_writes_numbers(
    n: int, language: str, shown: str
) -> None:
    assert human_size(n, language) == shown


def test_the_catalog_is_not_empty() -> None:
    assert len(CATALOG) > 10


@pytest.mark.parametrize(
    ("code", "language"),
    [("zh-CN", "zh"), ("zh_TW", "zh"), ("en-US", "en"), ("fr", "en"), (None, "en"), ("", "en")],
)
def test_locales_map_onto_a_language_we_speak(code: str | None, language: str) -> None:
    assert normalize_locale(code) == language
