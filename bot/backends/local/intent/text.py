"""The text the readers read: normalized, bounded, and blanked where a reader has read it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Boundaries that work next to Chinese: `\b` does not, since 汉字 are word characters.
L = r"(?<![a-z0-9.])"
R = r"(?![a-z0-9])"
NUM = r"\d+(?:\.\d+)?"

_PUNCT = str.maketrans(
    {"。": " ", "、": ",", "～": "~", "〜": "~", "—": "-", "–": "-", "−": "-", "’": "'", "‘": "'"}
)

READ_AT_MOST = 1024
# What a word or number is made of, for the cut: "1.5gb" is not cut into "1." and "5gb".
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.,:%零〇一二两三四五六七八九十百千")


def _head(text: str) -> str:
    """The first READ_AT_MOST characters, without the start of a word or number the cut splits
    (up to 32 characters of it: a longer run is no word anyone typed)."""
    if len(text) <= READ_AT_MOST:
        return text
    cut = READ_AT_MOST
    for _ in range(32):
        if text[cut].lower() not in _WORD_CHARS or text[cut - 1].lower() not in _WORD_CHARS:
            break
        cut -= 1
    return text[:cut]


# Links and mentions carry numbers nobody said ("<@1234>"), and so do file names: of
# "clip_1080p_50mb.webm" only the extension is a wish.
# Each starts only where a link, mention or name can start (no "<" inside a mention, a name from its
# first character), so a run of "<@<@<@" or "a.a.a." is scanned once, not once from every position.
_NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|<[@#!&:][^<>\s]*>")
_FILE_NAME = re.compile(
    r"(?<![a-z0-9_.\-])[a-z0-9_.\-]*\.(mp4|mov|mkv|webm|avi|m4v|flv|wmv|3gp)(?![a-z0-9])"
)
# Only before a size unit: "1280x720,30fps" is a list, "1,5 GB" a decimal.
_DECIMAL_COMMA = re.compile(r"(\d),(\d{1,2})(?=\s*(?:[kmg]i?b|[mg](?![a-z])|兆))")


_ONE_UNIT = re.compile(r"(?<![a-z])(first|last|final)\s+(minute|hour)(?![a-z])")  # "first minute"


def normalize(text: str) -> str:
    """Lower case, ASCII digits and punctuation, decimal commas as points, no links or names."""
    # NFKC lengthens a few characters ("ﷺ" becomes 18): the same bound after it.
    s = _head(unicodedata.normalize("NFKC", _head(text))).lower().translate(_PUNCT)
    s = _FILE_NAME.sub(r" \1", _NOT_WORDS.sub(" ", s))
    s = re.sub(r"(\d),(\d{3})(?!\d)", r"\1\2", s)
    s = _DECIMAL_COMMA.sub(r"\1.\2", s)
    s = _ONE_UNIT.sub(r"\1 1 \2", s)
    # At most READ_AT_MOST numerals, so far below the 4300 digits str() of an int refuses.
    return _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), s)


# Chinese numerals before a unit: "前三十秒", "二十兆", "两分钟"; "帧率二十四" is left alone, and so
# is "十分清晰" ("very clear"): a minute in words is 分钟, or 分 with seconds after it.
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# From the run's first numeral only, all of it (possessive): "十" * 4096 is one attempt, not 4096.
_CN_NUMBER = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千])[零〇一二两三四五六七八九十百千]++"
    r"(?=\s*(?:秒|分钟|分\s*[零〇一二两三四五六七八九十0-9]+\s*秒|小时|兆|帧|倍|度|mb|m|gb|g)"
    + R
    + ")"
)


def _cn_to_int(word: str) -> int:
    total, digit = 0, 0
    for ch in word:
        if ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            digit = digit * 10 + _CN_DIGITS[ch]
    return total + digit


class Text:
    """The normalized text; a pattern that reads some words blanks them for the patterns after."""

    def __init__(self, text: str) -> None:
        self.s = text

    def take(
        self, pattern: re.Pattern[str], accept: Callable[[re.Match[str]], bool] | None = None
    ) -> list[re.Match[str]]:
        found = [m for m in pattern.finditer(self.s) if accept is None or accept(m)]
        if found:
            pieces, at = [], 0
            for m in found:
                pieces += [self.s[at : m.start()], " " * (m.end() - m.start())]
                at = m.end()
            self.s = "".join([*pieces, self.s[at:]])
        return found


def verbose(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


# "don't remove the audio", "no need for high quality", "不要去掉声音": a wish said the other way.
_NEGATION = re.compile(
    r"""(?:(?<![a-z])(?:don't|dont|do\s+not|doesn't|does\s+not|needn't|no\s+need\s+(?:to|for)
         |not|never)\s+(?:[a-z']+\s+){0,3}
       | (?:不用|不需要|不必|无需|不要|别)\s*)$""",
    re.VERBOSE,
)


def affirmed(src: Text, m: re.Match[str]) -> bool:
    return _NEGATION.search(src.s, max(0, m.start() - 32), m.start()) is None


def group(m: re.Match[str], *names: str) -> str:
    """The first of the alternatives' groups `names` that took part in the match."""
    return next(value for name in names if (value := m.group(name)) is not None)
