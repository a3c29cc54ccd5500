"""Start-up validation: settings read once, every problem reported at once, each with its fix.

`load_settings()` is how commands get their `Settings`. It turns pydantic's validation errors and
combinations that cannot work (webhook mode without PUBLIC_URL or a secret, a malformed ADMINS
entry, an FFMPEG_PATH that does not exist, a DATA_DIR this user cannot write, ...) into one
sentence per problem that names the environment variable and says what to set, and raises them
together as a `ConfigError`. A secret's value is never part of a message: pydantic's own text
would echo the input, so messages are written here from the error's type.

`check_settings(settings)` runs only the consistency checks, for `clipbridge doctor`. Each chat
platform checks its own settings (`bot.ports.Platform.check_settings`); the helpers they share
(`url_problem`, `secret_shape`, `secret_value`) are here.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsError

from bot.config import Settings
from bot.errors import ConfigError
from bot.ports import platforms

__all__ = [
    "check_settings",
    "describe_validation_error",
    "load_settings",
    "secret_shape",
    "secret_value",
    "url_problem",
]

_LOOPBACK = ("localhost", "127.0.0.1", "::1")

# Extra words of advice for a field whose value pydantic refused.
_HINTS = {
    "nemo_client_id": "use a shorter id, or unset it and the bot generates one and keeps it",
    "http_port": "pick a free port, e.g. HTTP_PORT=8080 (0 picks any free port)",
    "backend": "`auto` picks NemoVideo when NEMO_TOKEN is set, the local engine otherwise",
}


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the environment (and `env_file`), validate everything, or raise `ConfigError`."""
    try:
        settings = Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except SettingsError as exc:
        raise ConfigError([f"The settings could not be read: {exc}"]) from None
    problems = check_settings(settings)
    if problems:
        raise ConfigError(problems)
    return settings


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One sentence per refused field, naming its environment variable and the fix."""
    return [_describe(error) for error in exc.errors(include_url=False)]


def _describe(error: Any) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper() or "A setting"
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    info = Settings.model_fields.get(field)
    secret = info is not None and "SecretStr" in repr(info.annotation)
    got = "" if secret else f" (got {_shown(error.get('input'))})"
    if kind == "literal_error":
        choices = str(ctx.get("expected", "")).replace("'", "")
        what = f"must be one of {choices}{got}"
    elif kind in ("int_parsing", "int_from_float", "int_type"):
        what = f"must be a whole number{got}"
    elif kind in ("float_parsing", "float_type"):
        what = f"must be a number{got}"
    elif kind in ("bool_parsing", "bool_type"):
        what = f"must be true or false{got}"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": "more than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        bound = next(iter(ctx.values()), "")
        what = f"must be {words} {_number(bound)}{got}"
    elif kind == "string_too_long":
        length = len(str(error.get("input", "")))
        what = f"is {length} characters long; at most {ctx.get('max_length')} are allowed"
    elif kind == "missing":
        what = "must be set"
    else:
        what = f"is not valid: {error['msg']}{got}"
    hint = _HINTS.get(field, "fix it in the environment or in .env")
    return f"{name} {what}: {hint}."


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_settings(settings: Settings, *, filesystem: bool = True) -> list[str]:
    """Problems with combinations of settings and with the paths they name ([] when none).

    With `filesystem`, DATA_DIR (and the database's folder) are created when missing and probed
    with a write: start-up would fail there anyway, later and less clearly.
    """
    problems: list[str] = []
    for platform in platforms():
        problems += platform.check_settings(settings)
    problems += _nemo(settings)
    problems += _access_lists(settings)
    problems += _ffmpeg(settings)
    if filesystem:
        problems += _writable_dirs(settings)
    return problems


def secret_value(value: SecretStr | None) -> str | None:
    """The secret's text, or None when unset or empty."""
    secret = value.get_secret_value() if value is not None else ""
    return secret or None


def url_problem(name: str, url: str, *, https_because: str | None = None) -> str | None:
    """What is wrong with the URL setting `name`, in one sentence; None if nothing.
    `https_because`: why it must be https, for the sentence when it is not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{name} must be an http(s) URL with a host (got {url!r}): e.g. https://host.example"
    if https_because and parts.scheme != "https":
        return f"{name} must start with https:// (got {url!r}): {https_because}."
    return None


def secret_shape(name: str, value: str) -> str | None:
    """Spaces or quotes pasted with a token, in one sentence; None if it looks clean."""
    if value != value.strip() or any(c.isspace() for c in value):
        return f"{name} contains spaces or line breaks: set the token alone, without spaces."
    if value[:1] in "\"'" or value[-1:] in "\"'":
        return f"{name} is wrapped in quotes that are part of the value: remove the quotes."
    return None


def _nemo(s: Settings) -> list[str]:
    problems: list[str] = []
    for name, url in (("NEMO_API_URL", s.nemo_api_url), ("NEMO_WEB_URL", s.nemo_web_url)):
        if bad := url_problem(name, url):
            problems.append(bad)
    parts = urlsplit(s.nemo_api_url)
    if s.chosen_backend == "nemo" and parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        problems.append(
            "NEMO_API_URL uses http:// to a remote host, so the token would travel unencrypted: "
            "use https://."
        )
    token = secret_value(s.nemo_token)
    if token is not None and (bad := secret_shape("NEMO_TOKEN", token)):
        problems.append(bad)
    client_id = s.nemo_client_id
    if client_id is not None and not re.fullmatch(r"[\x21-\x7e]+", client_id):
        problems.append(
            "NEMO_CLIENT_ID may hold only printable ASCII without spaces (it is sent as a "
            "header): choose another id, or unset it and the bot generates one."
        )
    if s.nemo_render_poll_interval >= s.nemo_render_timeout:
        problems.append(
            "NEMO_RENDER_POLL_INTERVAL is not shorter than NEMO_RENDER_TIMEOUT, so an export would "
            "be polled at most once: lower the interval or raise the timeout."
        )
    return problems


def _access_lists(s: Settings) -> list[str]:
    problems: list[str] = []
    lists: Iterable[tuple[str, tuple[str, ...], str]] = (
        ("ADMINS", s.admins, "user"),
        ("ALLOWED_USERS", s.allowed_users, "user"),
        ("ALLOWED_CHATS", s.allowed_chats, "chat"),
    )
    names = [platform.name for platform in platforms()] + ["console"]
    for name, entries, what in lists:
        for entry in entries:
            if not _entry_ok(entry, what, names):
                example = "telegram:42" if what == "user" else "telegram:-1001234567890"
                problems.append(
                    f"{name} entry {entry!r} is not platform:{what}_id: write it like {example} "
                    f"or discord:123456789012345678 (platforms: {', '.join(names)})."
                )
    return problems


def _entry_ok(entry: str, what: str, platforms: list[str]) -> bool:
    platform, _, rest = entry.partition(":")
    if platform not in platforms or not rest:
        return False
    if platform == "console":
        return True
    ident, _, thread = rest.partition(":")
    if what == "user":
        return ident.isdigit() and not thread
    numeric = re.fullmatch(r"-?\d+", ident) is not None
    return numeric and (not thread or thread.isdigit())


def _ffmpeg(s: Settings) -> list[str]:
    path = s.ffmpeg_path
    if path is None:
        return []
    if not path.exists():
        return [
            f"FFMPEG_PATH={path} does not exist: point it at an ffmpeg binary, or unset it to use "
            "the ffmpeg installed with the package."
        ]
    if not path.is_file() or not os.access(path, os.X_OK):
        return [
            f"FFMPEG_PATH={path} is not an executable file: point it at the ffmpeg binary itself "
            f"(chmod +x if needed), or unset it."
        ]
    return []


def _writable_dirs(s: Settings) -> list[str]:
    problems: list[str] = []
    folders = {s.data_dir: "DATA_DIR"}
    if s.database_path is not None:
        folders.setdefault(s.database_path.parent, "DATABASE_PATH")
    for folder, name in folders.items():
        if reason := _not_writable(folder):
            shown = s.database_path if name == "DATABASE_PATH" else folder
            problems.append(
                f"{name}={shown} cannot be used ({reason}): choose a folder this user "
                f"(uid {os.getuid()}) may write, or fix its owner; in a container mount a volume "
                "at /data."
            )
    return problems


def _not_writable(folder: Path) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except FileExistsError:
        return "a file is in the way of the folder"
    except NotADirectoryError:
        return "part of the path is a file"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None
