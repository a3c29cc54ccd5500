"""Words that change with a number: plural forms and number formats per language, from Babel's
CLDR data (English says "1 track" and "2 tracks"; Chinese has one form).

A catalog entry whose sentence counts something gives that language a `plural(...)` instead of
a plain template: `plural("n", one="{n} track", other="{n} tracks")`. `t()` picks the form with
the language's plural rules and writes the count as the language writes numbers ("1,200").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.numbers import format_decimal

from bot.texts import languages


@dataclass(frozen=True, slots=True)
class Plural:
    """One sentence in the CLDR plural categories a language uses ("one", "few", "other"...),
    chosen by the number in the parameter `count`."""

    count: str
    forms: Mapping[str, str]

    def form(self, n: object, code: str) -> str:
        """The template for `n` (a number, or a number written as text) in language `code`."""
        number = as_number(n)
        if number is None:
            return self.forms["other"]
        category = _locale(code).plural_form(abs(number))
        return self.forms.get(category) or self.forms["other"]


def plural(count: str, *, other: str, **forms: str) -> Plural:
    """A sentence counted by its parameter `count`; `other` is required, as in CLDR."""
    return Plural(count, {**forms, "other": other})


Template = str | Plural


def as_number(n: object) -> float | int | None:
    """`n` as a number, where it is one (3, 2.5, "30"); None for anything else."""
    if isinstance(n, bool):
        return None
    if isinstance(n, int | float):
        return n
    if isinstance(n, str):
        try:
            value = float(n)
        except ValueError:
            return None
        return int(value) if value.is_integer() else value
    return None


def number(n: object, code: str, pattern: str | None = None) -> str:
    """`n` written as language `code` writes numbers: grouping, decimal sign ("1,234.5")."""
    value = as_number(n)
    if value is None:
        return str(n)
    return str(format_decimal(value, format=pattern, locale=_locale(code)))


def templates(value: Template) -> list[str]:
    """Every template a catalog value holds: one, or one per plural form."""
    return list(value.forms.values()) if isinstance(value, Plural) else [value]


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(languages.language(code).babel)
