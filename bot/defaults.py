"""A person's defaults (`/settings`): the choices offered, the operator's DEFAULT_* settings they
start from, and one change read from words ("codec h265", "target 12MB", "audio drop").

The chat (`bot.core.settings_menu`), the console chat and `clipbridge compress` all read and
change defaults here, so a choice means the same thing everywhere. The local engine applies them
(`bot.backends.local.defaults`); NemoVideo only gets what makes sense there (the language, and
delivery as a file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from bot.store import UserDefaults
from bot.texts import languages

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "CODECS",
    "HEIGHTS",
    "KEYS",
    "TARGETS",
    "BadChoice",
    "Change",
    "change",
    "from_settings",
    "key_of",
    "operator_defaults",
    "read_change",
    "read_size",
]

MIB = 1 << 20

# What the menu offers. A target of None fits the chat (its upload limit); custom sizes are typed.
TARGETS: tuple[tuple[int | None, str], ...] = (
    (None, "chat"),
    (8_000_000, "8 MB"),  # Discord's old free limit, still what many servers expect
    (10 * MIB, "10 MiB"),  # Discord's free upload limit
    (25_000_000, "25 MB"),  # a common e-mail attachment limit
    (50_000_000, "50 MB"),  # a Telegram bot's upload limit
)
CODECS: tuple[str, ...] = ("h264", "h265", "av1")
# A typed default outside these is refused: below, nothing watchable fits a clip of any length;
# above, no platform takes the file.
MIN_TARGET, MAX_TARGET = 100_000, 2_000_000_000
HEIGHTS: tuple[int | None, ...] = (None, 1080, 720, 480)

Key = Literal["target", "codec", "resolution", "audio", "send", "lang"]
KEYS: tuple[Key, ...] = ("target", "codec", "resolution", "audio", "send", "lang")

_ALIASES: dict[str, Key] = {
    "size": "target",
    "target": "target",
    "codec": "codec",
    "resolution": "resolution",
    "res": "resolution",
    "height": "resolution",
    "audio": "audio",
    "sound": "audio",
    "send": "send",
    "send_as": "send",
    "as": "send",
    "lang": "lang",
    "language": "lang",
}
_CODEC_WORDS = {"h264": "h264", "avc": "h264", "h265": "h265", "hevc": "h265", "av1": "av1"}
_NONE_WORDS = frozenset({"chat", "auto", "any", "none", "off", "default", "original", "source"})


class BadChoice(ValueError):
    """A value `key` does not take; `key` is None when the setting itself is unknown."""

    def __init__(self, key: Key | None, value: str) -> None:
        super().__init__(f"{key or 'setting'}: {value!r}")
        self.key = key
        self.value = value


@dataclass(frozen=True, slots=True)
class Change:
    """Settings changed: `keys` in the order named, the `defaults` after them, and for `lang`
    the language (kept apart from the rest)."""

    keys: tuple[Key, ...]
    defaults: UserDefaults
    language: str | None = None


def operator_defaults(
    target: str | None = None,
    codec: str | None = None,
    max_height: int | None = None,
    audio: str = "keep",
    send_as: str = "video",
) -> UserDefaults:
    """The defaults of whoever never used `/settings`, from the DEFAULT_* settings or flags.
    Raises `BadChoice` for a value the menu would not take."""
    defaults = UserDefaults(drop_audio=audio == "drop", as_file=send_as == "file")
    if target is not None:
        defaults = change(defaults, "target", target)
    if codec is not None:
        defaults = change(defaults, "codec", codec)
    if max_height is not None:
        defaults = change(defaults, "resolution", str(max_height))
    return defaults


def from_settings(settings: Settings) -> UserDefaults:
    """The operator's defaults, from the DEFAULT_* settings (checked when they were read)."""
    return operator_defaults(
        settings.default_target,
        settings.default_codec,
        settings.default_max_height,
        settings.default_audio,
        settings.default_send_as,
    )


def key_of(word: str) -> Key | None:
    """The setting a word names ("size", "codec", "language"), or None."""
    return _ALIASES.get(word.lower().strip("=:"))


def read_change(words: str, current: UserDefaults) -> Change:
    """`current` with the settings `words` name changed: "codec h265", "target 12 MB audio drop".
    Raises `BadChoice` for the first setting or value that is not one."""
    pairs: list[tuple[Key, list[str]]] = []
    for word in words.split():
        key = key_of(word)
        if key is not None:
            pairs.append((key, []))
        elif not pairs:
            raise BadChoice(None, word)
        else:
            pairs[-1][1].append(word)
    if not pairs:
        raise BadChoice(None, words)
    defaults, language = current, None
    for key, value_words in pairs:
        value = " ".join(value_words).strip("=: ")
        if key == "lang":
            language = languages.named(value)
            if language is None:
                raise BadChoice(key, value)
        else:
            defaults = change(defaults, key, value)
    return Change(tuple(key for key, _ in pairs), defaults, language)


def change(current: UserDefaults, key: Key, value: str) -> UserDefaults:
    """`current` with `key` set to what `value` says; `BadChoice` when it says nothing usable."""
    reader = _READERS.get(key)
    try:
        if reader is None:
            raise ValueError(key)
        return replace(current, **reader(value.strip().lower(), value))
    except ValueError:
        raise BadChoice(key, value) from None


def _target(word: str, value: str) -> dict[str, Any]:
    if word in _NONE_WORDS:
        return {"target_bytes": None}
    size = read_size(value)
    if size is None:
        raise ValueError(value)
    return {"target_bytes": size}


def _codec(word: str, value: str) -> dict[str, Any]:
    if word in _NONE_WORDS:
        return {"codec": None}
    codec = _CODEC_WORDS.get(word.replace(".", "").replace("-", ""))
    if codec is None:
        raise ValueError(value)
    return {"codec": codec}


def _resolution(word: str, value: str) -> dict[str, Any]:
    if word in _NONE_WORDS:
        return {"max_height": None}
    height = word.removesuffix("p")
    if not height.isdigit() or not 144 <= int(height) <= 4320:
        raise ValueError(value)
    return {"max_height": int(height)}


def _audio(word: str, value: str) -> dict[str, Any]:
    return {"drop_audio": _one_of(word, "keep", "drop") == "drop"}


def _send(word: str, value: str) -> dict[str, Any]:
    return {"as_file": _one_of(word, "video", "file") == "file"}


def _one_of(word: str, *words: str) -> str:
    if word not in words:
        raise ValueError(word)
    return word


_READERS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "target": _target,
    "codec": _codec,
    "resolution": _resolution,
    "audio": _audio,
    "send": _send,
}


def read_size(text: str) -> int | None:
    """A size as the request parser reads it ("12MB", "10 MiB", "1.5G"), else None. A size from
    100 KB to 2 GB: a default nobody could send, or one nothing can reach, is no default."""
    from bot.backends.local.intent import parse  # the one reading of sizes
    from bot.errors import UnclearRequest

    try:
        size = parse(text).target_bytes
    except UnclearRequest:
        return None
    if size is None or not MIN_TARGET <= size <= MAX_TARGET:
        return None
    return size
