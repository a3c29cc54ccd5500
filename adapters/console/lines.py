"""What a typed line means in the console: files to send (with an instruction), a path that does
not exist, or text for the conversation.

People type paths the way their terminal gives them: bare (`clips/a.mp4`, spaces and all),
quoted, with backslash-escaped spaces, or as `file://` URIs (dragging a file into most terminals
produces one of these). A line that names no existing file but looks like a path or a video file
name is a typo, never an instruction: sending it to the conversation would re-edit the previous
video.
"""

from __future__ import annotations

import io
import mimetypes
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from bot import formats

# `/tmp/x`, `./x`, `../x`, `~/x`, `C:\x`: a path, whatever it ends with. `/export` is a command.
# The most words a path with spaces is tried with: each try joins and looks up a candidate, so a
# 4096-character message of 2000 words would otherwise take a second of lookups.
_MOST_WORDS = 32
_PATH_START = re.compile(r"^(?:~|\.{1,2})?[/\\].*[/\\.]|^~[/\\]|^\.{1,2}[/\\]|^[A-Za-z]:[/\\]")


@dataclass(frozen=True, slots=True)
class Files:
    """Existing files to send, and what to do with them (may be empty)."""

    paths: tuple[Path, ...]
    instruction: str


@dataclass(frozen=True, slots=True)
class Missing:
    """A path that names no file: nothing there, or a folder (`folder`). `near` is the folder
    where it was looked for."""

    path: str
    folder: bool = False
    near: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Line = Files | Missing | Text


def parse(line: str) -> Line | None:
    """What `line` means; None for a blank line."""
    text = line.strip()
    if not text:
        return None
    explicit = text == "/attach" or text.startswith("/attach ")
    if explicit:
        text = text.removeprefix("/attach").strip()
    found = _leading_files(text)
    if found is not None:
        return found
    folder = _folder(text)
    if folder is not None:
        return Missing(folder, folder=True, near=str(Path.cwd()))
    named = _path_named(text)
    if named is None and explicit and text:  # `/attach x`: x was meant as a file, whatever it is
        named = (_words(text) or [text])[0]
    if named is not None:
        path = Path.cwd() / Path(_as_path(named)).expanduser()
        return Missing(named, folder=_is_dir(path), near=str(path.parent))
    return Text(text or "/attach")


def _leading_files(text: str) -> Files | None:
    """The existing files the line starts with, however each was written, and the rest."""
    paths: list[Path] = []
    rest = text
    while rest and (found := _leading_file(rest)) is not None:
        path, rest = found
        paths.append(path)
    return Files(tuple(paths), rest) if paths else None


def _leading_file(text: str) -> tuple[Path, str] | None:
    # Bare, unquoted: the longest run of words that is a file (`my clips/holiday video.mp4 720p`).
    words = text.split()
    for end in range(min(len(words), _MOST_WORDS), 0, -1):
        candidate = Path(_as_path(" ".join(words[:end]))).expanduser()
        if _is_file(candidate):
            return candidate, _rest(text, words, end)
    # Quoted, backslash-escaped, or a URI, as dragging a file into a terminal writes it.
    stream = io.StringIO(text)
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split = True
    try:
        token = lexer.get_token()
    except ValueError:  # an unbalanced quote ("it's"): not a path
        return None
    if token:
        candidate = Path(_as_path(token)).expanduser()
        if _is_file(candidate):
            return candidate, stream.read().strip()
    return None


def _path_named(text: str) -> str | None:
    """The path `text` starts with when it looks like one (it does not exist: checked before)."""
    # An unquoted path with spaces: `my clips/nothere video.mp4`, `/home/me/My Videos/x.mov`.
    words = text.split()
    for end in range(min(len(words), _MOST_WORDS), 1, -1):
        prefix = " ".join(words[:end])
        if ("/" in prefix or "\\" in prefix) and _is_media_name(prefix):
            return prefix
    tokens = _words(text)
    if tokens and _looks_like_path(tokens[0]):
        return tokens[0]
    return None


def _folder(text: str) -> str | None:
    """The folder the whole line names (`clips`, `my clips/`, a folder dragged in), if it does."""
    words = _words(text)
    for name in (text, *(words[:1] if len(words) == 1 else [])):
        if _is_dir(Path(_as_path(name)).expanduser()):
            return name
    return None


def _is_file(path: Path) -> bool:
    """`Path.is_file()`, and False for a name too long to be a path (a 4096-character message):
    pathlib swallows a missing file's error but not ENAMETOOLONG."""
    try:
        return path.is_file()
    except OSError:
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _looks_like_path(token: str) -> bool:
    return token.startswith("file://") or bool(_PATH_START.match(token)) or _is_media_name(token)


def _is_media_name(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    if not suffix or suffix == name.lower():
        return False
    kind = (mimetypes.guess_type(f"x{suffix}")[0] or "").split("/")[0]
    # The formats table first (`mimetypes` may not know .mkv on every system), then any media
    # type this system knows.
    return suffix in formats.MEDIA_EXTENSIONS or kind in ("video", "audio", "image")


def _as_path(token: str) -> str:
    """A `file://` URI as the local path it names; anything else as it is."""
    if token.startswith("file://"):
        return unquote(urlparse(token).path)
    return token


def _words(text: str) -> list[str]:
    """Shell-like words: quotes and backslash escapes as a terminal's drag-and-drop writes them."""
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote ("it's"): plain words
        return text.split()


def _rest(text: str, words: list[str], used: int) -> str:
    """`text` after its first `used` whitespace-separated words, spacing kept."""
    pattern = r"\s*" + r"\s+".join(re.escape(word) for word in words[:used])
    return re.sub(pattern, "", text, count=1).strip()
