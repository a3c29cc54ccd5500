"""The settings reference, generated from `bot.config.Settings` so that it cannot drift.

`docs/configuration.md` and `.env.example` are both written from the settings model: each field's
environment variable, default and docstring, grouped under the `# --- Section ---` comments of
`bot/config.py`. A test compares both files with what this module renders; after changing a
setting, regenerate them:

    .venv/bin/python -m bot.config_docs
"""

from __future__ import annotations

import inspect
import re
import sys
import typing
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from bot import config
from bot.config import Settings

__all__ = ["ENV_EXAMPLE", "MARKDOWN", "main", "render_env_example", "render_markdown", "sections"]

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = ROOT / "docs" / "configuration.md"
ENV_EXAMPLE = ROOT / ".env.example"
_REGENERATE = "`python -m bot.config_docs`"


def sections() -> dict[str, list[str]]:
    """Field names under each `# --- Title ---` comment of bot/config.py, in source order."""
    found: dict[str, list[str]] = {}
    current = "Settings"
    for line in inspect.getsource(config).splitlines():
        if heading := re.match(r"\s*# --- (.+?) -+\s*$", line):
            current = heading.group(1)
        elif (name := re.match(r"    (\w+)\s*:", line)) and name.group(1) in Settings.model_fields:
            found.setdefault(current, []).append(name.group(1))
    missing = Settings.model_fields.keys() - {n for names in found.values() for n in names}
    if missing:
        found.setdefault("Other", []).extend(sorted(missing))
    return found


def _description(info: FieldInfo) -> str:
    return " ".join((info.description or "").split())


def _is_secret(info: FieldInfo) -> bool:
    return SecretStr in _parts(info.annotation)


def _parts(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, UnionType):
        return tuple(a for a in typing.get_args(annotation) if a is not NoneType)
    return (annotation,)


def _choices(info: FieldInfo) -> tuple[str, ...]:
    for part in _parts(info.annotation):
        if typing.get_origin(part) is Literal:
            return tuple(str(choice) for choice in typing.get_args(part))
    return ()


def _env_value(value: object) -> str:
    """A default as it is written in the environment."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def _default(info: FieldInfo) -> object:
    return info.get_default(call_default_factory=True)


def render_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable (or a line in `.env`, read from the working",
        "directory). All are optional: with none set, `clipbridge chat` runs on the local engine.",
        "`clipbridge run` needs `TELEGRAM_BOT_TOKEN` and/or `DISCORD_BOT_TOKEN`. Settings are",
        "checked at start-up and by `clipbridge doctor`, which name the setting and the fix for",
        "every problem. Secrets are never printed or logged.",
        "",
        "Lists are comma-separated. Durations are in seconds and sizes in bytes.",
        "",
        f"This page and `.env.example` are generated from `bot/config.py` by {_REGENERATE};",
        "a test fails when they drift.",
    ]
    for title, names in sections().items():
        lines += ["", f"## {title}", "", "| Setting | Default | Meaning |", "|---|---|---|"]
        for name in names:
            info = Settings.model_fields[name]
            default = _env_value(_default(info))
            shown = f"`{default}`" if default else "unset"
            meaning = _description(info)
            if choices := _choices(info):
                meaning += f" One of: {', '.join(f'`{c}`' for c in choices)}."
            if _is_secret(info):
                meaning += " Secret."
            meaning = meaning.replace("|", "\\|")
            lines.append(f"| `{name.upper()}` | {shown} | {meaning} |")
    return "\n".join(lines) + "\n"


def render_env_example() -> str:
    lines = [
        "# clipbridge settings. Copy this file to .env and uncomment what you change; the values",
        "# shown are the defaults. docs/configuration.md explains each one.",
        f"# Generated from bot/config.py by {_REGENERATE.strip('`')}.",
    ]
    for title, names in sections().items():
        lines += ["", f"# --- {title} ---"]
        for name in names:
            info = Settings.model_fields[name]
            lines.append(f"# {_description(info)}")
            lines.append(f"# {name.upper()}={_env_value(_default(info))}")
    return "\n".join(lines) + "\n"


def main() -> int:
    MARKDOWN.parent.mkdir(parents=True, exist_ok=True)
    MARKDOWN.write_text(render_markdown(), encoding="utf-8")
    ENV_EXAMPLE.write_text(render_env_example(), encoding="utf-8")
    sys.stdout.write(f"wrote {MARKDOWN.relative_to(ROOT)} and {ENV_EXAMPLE.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
