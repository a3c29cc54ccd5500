"""Every sentence a person reads, in every language we speak: `t("key", locale, **params)`.

Catalogs live beside this file, one per area (`core`, `engine`, `intent`, `telegram`, `discord`,
`tools`, `console`), each a dict of key -> {language: template}. Templates use `str.format`
fields; a sentence that counts is a `plural(...)` with one template per plural form (`words`);
English is the fallback. The languages, and how platform locales map onto them, are one table
(`languages`). A test checks that every key has every language with the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.errors import EncodeTimeout, TooHeavy
from bot.texts import console, core, discord, engine, intent, settings, telegram, tools
from bot.texts.languages import CODES

# Re-exported: where the core and the adapters have always asked.
from bot.texts.languages import language_of as language_of
from bot.texts.languages import normalize_locale as normalize_locale
from bot.texts.words import Plural, Template, number

if TYPE_CHECKING:
    from bot.config import Settings

LANGUAGES = CODES  # the table is `bot.texts.languages`
DEFAULT = CODES[0]

CATALOG: dict[str, Mapping[str, Template]] = {}
for _module in (core, engine, intent, telegram, discord, tools, console, settings):
    _clash = CATALOG.keys() & _module.TEXTS.keys()
    if _clash:
        raise RuntimeError(f"text keys defined twice: {sorted(_clash)}")
    CATALOG.update(_module.TEXTS)

# The parameter each counting sentence counts: written as a number in every language, and
# choosing the form in those that have forms.
COUNTED = {
    key: next(v.count for v in entry.values() if isinstance(v, Plural))
    for key, entry in CATALOG.items()
    if any(isinstance(v, Plural) for v in entry.values())
}


def t(key: str, locale: str | None = None, /, **params: object) -> str:
    """The sentence `key` in `locale`, with `params` filled in (a count in its plural form)."""
    entry = CATALOG[key]
    code = normalize_locale(locale)
    template = entry.get(code) or entry[DEFAULT]
    counted = COUNTED.get(key)
    if isinstance(template, Plural):
        template = template.form(params.get(template.count), code)
    if counted is not None and counted in params:
        params = {**params, counted: number(params[counted], code)}
    return template.format(**params) if params else template


def human_size(n: float, locale: str | None = None) -> str:
    """Bytes as people read them: 48.9 MB (decimal units, as Telegram and most people count),
    the number as the language writes numbers."""
    code = normalize_locale(locale)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{number(n, code, '#,##0' if unit == 'B' else '#,##0.0')} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """1:05, 12:03:09."""
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def limit_sentence(error: TooHeavy | EncodeTimeout, locale: str, settings: Settings) -> str:
    """What to say about a video over the local engine's decode (`MAX_PIXEL_RATE`) or time
    (`ENCODE_TIMEOUT`) limits: the chat and the `compress` command say the same."""
    if isinstance(error, EncodeTimeout):
        return t("err_encode_timeout", locale, duration=human_duration(settings.encode_timeout))
    rate = error.width * error.height * error.fps
    return t("err_too_heavy", locale, width=error.width, height=error.height, fps=f"{error.fps:g}",
             rate=f"{rate / 1e6:,.0f}", limit=f"{settings.max_pixel_rate / 1e6:,.0f}")  # fmt: skip
