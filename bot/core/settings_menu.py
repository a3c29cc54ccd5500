"""`/settings`: a person's defaults as one message, changed in place.

`/settings` shows them with a button per setting; `/settings codec` the choices of one;
`/settings codec h265` saves one (`bot.defaults` reads it); `/settings reset` forgets them all.
A button press edits the message it was on (`Inbound.pressed`), so the menu stays one message;
typed, the answer is a new one. Platforms without buttons (the console) list the commands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.kit import Kit
from bot.defaults import (
    CODECS,
    HEIGHTS,
    KEYS,
    TARGETS,
    BadChoice,
    Key,
    from_settings,
    key_of,
    read_change,
)
from bot.models import Inbound, UserRef
from bot.ports import Button, MessageRef, Port
from bot.progress import send_reliably
from bot.store import UserDefaults
from bot.texts import human_size, t
from bot.texts.languages import LANGUAGES, language

log = logging.getLogger(__name__)

_CMD = "/settings"


async def answer(kit: Kit, inbound: Inbound, port: Port, locale: str, argument: str) -> None:
    user, store = inbound.user, kit.store
    current = await kit.defaults(user)
    words = " ".join(argument.split())
    first, *rest = words.lower().split() or [""]
    page: Key | None = None
    note = ""
    if first in ("", "menu", "show"):
        pass
    elif words.lower() == "reset":
        await store.reset_user_defaults(user)
        current, note = from_settings(kit.settings), t("settings_reset_done", locale)
    elif not rest and key_of(first) is not None:  # "/settings codec": its choices
        page = key_of(first)
    elif key_of(first) == "target" and rest == ["custom"]:
        await _show(kit, inbound, port, t("settings_custom", locale), [_back(locale)])
        return
    else:
        current, page, note, locale = await _change(kit, inbound.user, words, current, locale)
    if page is None:
        text, buttons = _main(kit, current, locale), _main_buttons(locale)
    else:
        text, buttons = _choices(page, current, locale)
    await _show(kit, inbound, port, f"{note}\n\n{text}" if note else text, buttons)


async def _show(kit: Kit, inbound: Inbound, port: Port, text: str, buttons: list[Button]) -> None:
    if inbound.pressed is not None:  # the menu's own message: changed where it is
        ref = MessageRef(inbound.pressed)
        await send_reliably(kit.pacers(inbound.chat), lambda: port.edit_text(ref, text, buttons))
    else:
        await kit.say(inbound.chat, port, text, buttons)


def _main(kit: Kit, d: UserDefaults, locale: str) -> str:
    lines = [
        t("settings_title", locale),
        t("settings_line_target", locale, value=_target(d.target_bytes, locale)),
        t("settings_line_codec", locale, value=t(f"settings_value_{d.codec or 'h264'}", locale)),
        t("settings_line_resolution", locale, value=_height(d.max_height, locale)),
        t("settings_line_audio", locale, value=_audio(d.drop_audio, locale)),
        t("settings_line_send", locale, value=_send(d.as_file, locale)),
        t("settings_line_lang", locale, value=language(locale).name),
        "",
        t("settings_wins", locale),
    ]
    if kit.settings.chosen_backend == "nemo":
        lines.append(t("settings_nemo_only", locale))
    return "\n".join(lines)


async def _change(
    kit: Kit, user: UserRef, words: str, current: UserDefaults, locale: str
) -> tuple[UserDefaults, Key | None, str, str]:
    """Save what `words` change: the defaults now, the page to show (a setting whose value was
    not understood), the note above the menu, and the language to answer in."""
    try:
        change = read_change(words, current)
    except BadChoice as bad:
        if bad.key is None:
            return current, None, t("settings_unknown", locale, name=bad.value), locale
        return current, bad.key, t("settings_bad_value", locale, value=bad.value), locale
    if change.language is not None:
        await kit.store.set_language(user, change.language)
        locale = change.language
    if set(change.keys) - {"lang"}:
        await kit.store.set_user_defaults(user, change.defaults)
        current = change.defaults
    log.info("defaults of %s: %s changed", user, ", ".join(change.keys))
    return current, None, t("settings_saved", locale), locale


def _main_buttons(locale: str) -> list[Button]:
    buttons = [Button(t(f"settings_btn_{key}", locale), command=f"{_CMD} {key}") for key in KEYS]
    return [*buttons, Button(t("settings_btn_reset", locale), command=f"{_CMD} reset")]


def _choices(page: Key, d: UserDefaults, locale: str) -> tuple[str, list[Button]]:
    """A setting's choices, the current one ticked; each button saves its choice."""
    buttons = [
        Button(("✓ " if chosen else "") + label, command=f"{_CMD} {page} {value}")
        for label, value, chosen in _OPTIONS[page](d, locale)
    ]
    if page == "target":
        buttons.append(_custom(d, locale))
    buttons.append(_back(locale))
    return t(f"settings_pick_{page}", locale), buttons


Option = tuple[str, str, bool]  # (label, value typed, chosen now)


def _target_options(d: UserDefaults, locale: str) -> list[Option]:
    return [
        (t("settings_value_chat", locale) if size is None else word, word.replace(" ", ""),
         d.target_bytes == size)
        for size, word in TARGETS
    ]  # fmt: skip


def _codec_options(d: UserDefaults, locale: str) -> list[Option]:
    return [(t(f"settings_value_{c}", locale), c, (d.codec or "h264") == c) for c in CODECS]


def _resolution_options(d: UserDefaults, locale: str) -> list[Option]:
    return [(_height(h, locale), str(h or "source"), d.max_height == h) for h in HEIGHTS]


def _audio_options(d: UserDefaults, locale: str) -> list[Option]:
    return [(_audio(drop, locale), "drop" if drop else "keep", d.drop_audio == drop)
            for drop in (False, True)]  # fmt: skip


def _send_options(d: UserDefaults, locale: str) -> list[Option]:
    return [(_send(as_file, locale), "file" if as_file else "video", d.as_file == as_file)
            for as_file in (False, True)]  # fmt: skip


def _lang_options(d: UserDefaults, locale: str) -> list[Option]:
    return [(row.name, row.code, row.code == locale) for row in LANGUAGES]


_OPTIONS: dict[str, Callable[[UserDefaults, str], list[Option]]] = {
    "target": _target_options,
    "codec": _codec_options,
    "resolution": _resolution_options,
    "audio": _audio_options,
    "send": _send_options,
    "lang": _lang_options,
}


def _custom(d: UserDefaults, locale: str) -> Button:
    """The button for a typed size, ticked with the size when one is the default."""
    label = t("settings_btn_custom", locale)
    if d.target_bytes is not None and d.target_bytes not in {size for size, _ in TARGETS}:
        label = f"✓ {label} ({human_size(d.target_bytes, locale)})"
    return Button(label, command=f"{_CMD} target custom")


def _back(locale: str) -> Button:
    return Button(t("settings_btn_back", locale), command=_CMD)


def _target(size: int | None, locale: str) -> str:
    if size is None:
        return t("settings_value_chat", locale)
    return t("settings_value_under", locale, size=human_size(size, locale))


def _height(height: int | None, locale: str) -> str:
    if height is None:
        return t("settings_value_source", locale)
    return t("settings_value_height", locale, height=height)


def _audio(drop: bool, locale: str) -> str:
    return t("settings_value_drop" if drop else "settings_value_keep", locale)


def _send(as_file: bool, locale: str) -> str:
    return t("settings_value_file" if as_file else "settings_value_video", locale)
