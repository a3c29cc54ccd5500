"""`/settings`: a person's defaults as one message, changed in place.

`/settings` shows them with a button per setting; `/settings codec` the choices of one;
`/settings codec h265` saves one (`bot.defaults` reads it); `/settings reset` forgets them all.
A button press edits the message it was on (`Inbound.pressed`), so the menu stays one message;
typed, the answer is a new one. Platforms without buttons (the console) list the commands.
"""

from __future__ import annotations

import logging

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
from bot.models import Inbound
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
        try:
            change = read_change(words, current)
        except BadChoice as bad:
            if bad.key is None:
                note = t("settings_unknown", locale, name=bad.value)
            else:
                page, note = bad.key, t("settings_bad_value", locale, value=bad.value)
        else:
            if change.language is not None:
                await store.set_language(user, change.language)
                locale = change.language
            if set(change.keys) - {"lang"}:
                await store.set_user_defaults(user, change.defaults)
                current = change.defaults
            note = t("settings_saved", locale)
            log.info("defaults of %s: %s changed", user, ", ".join(change.keys))
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


def _main_buttons(locale: str) -> list[Button]:
    buttons = [Button(t(f"settings_btn_{key}", locale), command=f"{_CMD} {key}") for key in KEYS]
    return [*buttons, Button(t("settings_btn_reset", locale), command=f"{_CMD} reset")]


def _choices(page: Key, d: UserDefaults, locale: str) -> tuple[str, list[Button]]:
    """A setting's choices, the current one ticked; each button saves its choice."""
    options: list[tuple[str, str, bool]] = []  # (label, value typed, chosen now)
    if page == "target":
        for size, word in TARGETS:
            label = t("settings_value_chat", locale) if size is None else word
            options.append((label, word.replace(" ", ""), d.target_bytes == size))
    elif page == "codec":
        for codec in CODECS:
            chosen = (d.codec or "h264") == codec
            options.append((t(f"settings_value_{codec}", locale), codec, chosen))
    elif page == "resolution":
        for height in HEIGHTS:
            label = _height(height, locale)
            options.append((label, str(height or "source"), d.max_height == height))
    elif page == "audio":
        for drop in (False, True):
            options.append((_audio(drop, locale), "drop" if drop else "keep", d.drop_audio == drop))
    elif page == "send":
        for as_file in (False, True):
            word = "file" if as_file else "video"
            options.append((_send(as_file, locale), word, d.as_file == as_file))
    else:
        for row in LANGUAGES:
            options.append((row.name, row.code, row.code == locale))
    buttons = [
        Button(("✓ " if chosen else "") + label, command=f"{_CMD} {page} {value}")
        for label, value, chosen in options
    ]
    if page == "target":
        custom = d.target_bytes not in {size for size, _ in TARGETS}
        label = t("settings_btn_custom", locale)
        if custom and d.target_bytes is not None:
            label = f"✓ {label} ({human_size(d.target_bytes, locale)})"
        buttons.append(Button(label, command=f"{_CMD} target custom"))
    buttons.append(_back(locale))
    return t(f"settings_pick_{page}", locale), buttons


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
