"""`clipbridge compress INPUT "INSTRUCTION" [-o OUTPUT]`: the local engine from the shell.

The same request parser, planner and encoder as the chat bot, without a session: progress goes to
stderr, a one-line summary with sizes ends the run. Exit status: 0 done, 2 the input or the
instruction cannot be used (not a video, unclear, unreachable target), 1 the encode failed,
130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.backends.base import Progress
from bot.backends.local import plan as planning
from bot.backends.local._backend import note_text, notes_text, summarize_made
from bot.backends.local.audio import FORMATS
from bot.backends.local.defaults import Filled, after, fill, said
from bot.backends.local.ffmpeg import Ffmpeg
from bot.backends.local.intent import AudioFormat, Output, describe, parse
from bot.backends.local.job import Job, Made, prepare
from bot.backends.local.job import run as run_job
from bot.cli import megabytes
from bot.config import MB, Settings, absolute_path
from bot.core.explain import explain
from bot.defaults import CODECS, BadChoice, change, from_settings
from bot.errors import ClipbridgeError, InputError
from bot.media import ffmpeg_exe, probe
from bot.store import UserDefaults
from bot.texts import human_duration, human_size, t
from bot.texts.languages import CODES, DEFAULT

__all__ = ["add_arguments", "main"]

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=absolute_path, help="the video to compress")
    parser.add_argument("instruction", help='what to do, e.g. "under 8MB" or "720p, no audio"')
    parser.add_argument(
        "-o",
        "--output",
        action=_OutputAction,
        help="where to write the result: a file name, or a folder (default: beside the input)",
    )
    parser.add_argument(
        "--limit",
        type=megabytes,
        default=50.0,
        metavar="MB",
        help='the size "fit the chat" means, in MB (default 50, Telegram\'s limit)',
    )
    parser.add_argument("--lang", default=DEFAULT.code, choices=CODES, help="language of messages")
    defaults = parser.add_argument_group(
        "defaults", "used where the instruction says nothing (it always wins); DEFAULT_* settings"
    )
    defaults.add_argument(
        "--target", metavar="SIZE", help='size to make, e.g. 8MB or 10MiB; "chat" for --limit'
    )
    defaults.add_argument("--codec", choices=CODECS, help="codec (default H.264)")
    defaults.add_argument(
        "--max-height", type=int, metavar="PIXELS", help="largest picture height, e.g. 720"
    )
    defaults.add_argument("--audio", choices=("keep", "drop"), help="keep or drop the sound")


class _OutputAction(argparse.Action):
    """`-o PATH`, resolved once; a PATH ending in a slash is a folder, even one not made yet."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        raw = str(values)
        namespace.output = absolute_path(raw)
        namespace.output_is_dir = raw.endswith(("/", os.sep))


def main(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.errors import ConfigError
    from bot.settings_check import describe_validation_error

    try:
        settings = Settings()  # only what compress reads: no folder made, no platform checked
    except ValidationError as exc:  # a bad setting is one sentence naming it, not a traceback
        sys.stderr.write(f"{ConfigError(describe_validation_error(exc))}\n")
        return EXIT_INPUT
    try:
        return asyncio.run(compress(args, settings))
    except KeyboardInterrupt:
        _say(t("cli_cancelled", args.lang))
        return EXIT_INTERRUPTED


async def compress(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Run one compression as the command does; returns the exit status."""
    locale: str = args.lang
    source: Path = args.input
    problem = _unusable(source, args.output, locale)
    if problem is not None:
        _say(problem)
        return EXIT_INPUT
    asked = _Asked.of(args)
    if asked.path is not None and asked.unknown_type:
        _say(t("cli_bad_extension", locale, suffix=asked.path.suffix))
        return EXIT_INPUT
    settings = settings or Settings()
    started = time.monotonic()
    limit = int(args.limit * MB)
    try:
        defaults = _defaults(args, settings)
    except BadChoice as bad:
        _say(t("cli_bad_default", locale, value=bad.value))
        return EXIT_INPUT
    try:
        job, filled = await _prepare(
            args.instruction, source, asked, settings, limit=limit, defaults=defaults
        )
    except InputError as error:
        _say(explain(error, locale, settings, local=True))
        return EXIT_INPUT
    applied = said(filled, defaults, locale, where="--target/--codec/--max-height/--audio")
    _say_understood(job, asked, locale, limit, applied)

    output = _output_path(source, asked.path, job, folder=asked.folder)
    # a folder of our own, named so it can never be one the person already has
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        work = Path(
            tempfile.mkdtemp(prefix=f".{output.name[:60]}.", suffix=".work", dir=output.parent)
        )
    except OSError as error:
        _say(_path_problem(output, error, locale))
        return EXIT_INPUT
    try:
        out = work / f"out{job.plan.suffix if job.plan is not None else output.suffix}"
        made = await _encode(job, out, settings, limit, locale)
        # a name asked for is kept as asked; a kept original keeps its own type in the default
        final = output if asked.path is not None else output.with_suffix(made.path.suffix)
        await _keep(made, source, final, work)
    except ClipbridgeError as error:
        _say("")
        _say(explain(error, locale, settings, local=True))
        return EXIT_FAILED
    except OSError as error:  # the output's name or folder, seen only when writing it
        _say("")
        _say(_path_problem(output, error, locale))
        return EXIT_FAILED
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _say_done(job, made, final, source, locale=locale, took=time.monotonic() - started)
    return 0


@dataclass(frozen=True, slots=True)
class _Asked:
    """What `-o` asks for: a file name (whose type may say what to make), or a folder for the
    default name."""

    path: Path | None = None
    folder: Path | None = None
    made_as: tuple[Output, AudioFormat | None] | None = None  # "-o clip.gif", "-o talk.mp3"
    container: str | None = None  # "-o clip.webm"

    @classmethod
    def of(cls, args: argparse.Namespace) -> _Asked:
        asked: Path | None = args.output
        if asked is None:
            return cls()
        if asked.is_dir() or getattr(args, "output_is_dir", False):
            return cls(folder=asked)  # "-o DIR": the default name, in that folder
        suffix = asked.suffix.lower()
        made_as = _OUTPUT_OF_SUFFIX.get(suffix)
        container = _container_of(asked) if suffix and not made_as else None
        return cls(path=asked, made_as=made_as, container=container)

    @property
    def unknown_type(self) -> bool:
        """A name whose type the engine cannot write ("-o clip.avi")."""
        named = self.path is not None and bool(self.path.suffix)
        return named and self.container is None and self.made_as is None


async def _prepare(
    instruction: str,
    source: Path,
    asked: _Asked,
    settings: Settings,
    *,
    limit: int,
    defaults: UserDefaults,
) -> tuple[Job, Filled]:
    """The job, decided, with the defaults it took: raises `InputError` for a request or a
    video that cannot be used."""
    request = parse(instruction)
    if asked.made_as is not None:
        kind, fmt = asked.made_as
        request = replace(request, output=kind, audio_format=fmt or request.audio_format)
    info = await probe(source)
    planning.check_load(info, settings.max_pixel_rate)
    filled = fill(request, defaults, info)
    return prepare(filled.request, info, upload_limit=limit, container=asked.container), filled


def _say_understood(job: Job, asked: _Asked, locale: str, limit: int, applied: str) -> None:
    request = job.request
    if asked.container is not None:  # the output name decided the format: say what it decided
        request = replace(request, codec=job.want.codec, container=job.want.container)  # type: ignore[arg-type]
    _say(after(describe(request, locale, chat_limit=limit), applied, locale))
    if job.notes:
        _say(notes_text(job.notes, locale))


async def _encode(job: Job, out: Path, settings: Settings, limit: int, locale: str) -> Made:
    """Run `job` into `out`, showing its progress."""
    made: Made | None = None
    events = run_job(job, Ffmpeg(ffmpeg_exe(settings)), out, target=job.want.target or limit,
                     limit=settings.encode_timeout)  # fmt: skip
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, Progress):
                _progress(event, locale)
            else:
                made = event
    assert made is not None
    return made


async def _keep(made: Made, source: Path, final: Path, work: Path) -> None:
    """Move the result to `final`; a kept original is copied, so editing one spares the other."""
    if made.outcome is not None and made.outcome.kept_source:
        copy = work / "copy"  # the engine links the source in
        await asyncio.to_thread(_copy, source, copy)
        copy.replace(final)
    else:
        made.path.replace(final)


def _say_done(job: Job, made: Made, final: Path, source: Path, *, locale: str, took: float) -> None:
    info, want = job.info, job.want
    _say("")
    note = note_text(made.outcome, want, info, locale) if made.outcome is not None else None
    if note:
        _say(note)
    _say(summarize_made(made, want, locale))
    ratio = f"{made.size / info.size:.0%}"
    done = t("cli_done", locale, input=source.name, source=human_size(info.size, locale),
             output=final, size=human_size(made.size, locale), ratio=ratio,
             elapsed=human_duration(took))  # fmt: skip
    print(done)  # noqa: T201  (the command's one line of output)


def _unusable(source: Path, output: Path | None, locale: str) -> str | None:
    """What is wrong with the paths given, in one sentence, or None when both can be used."""
    for path in (source, output):
        if path is None:
            continue
        try:
            path.exists()
        except OSError as error:
            return _path_problem(path, error, locale)
    if not source.is_file():
        return t("cli_no_file", locale, path=source)
    return None


def _path_problem(path: Path, error: OSError, locale: str) -> str:
    key = "cli_name_too_long" if error.errno == errno.ENAMETOOLONG else "cli_bad_path"
    return t(key, locale, path=_shorten(str(path)))


def _shorten(text: str, keep: int = 80) -> str:
    return text if len(text) <= keep else f"{text[: keep // 2]}…{text[-keep // 2 :]}"


_FICLONE = 0x40049409  # Linux's ioctl to share a file's blocks copy-on-write (btrfs, xfs)


def _copy(src: Path, dst: Path) -> None:
    """A copy of `src` that is a file of its own: a reflink where the filesystem has them."""
    with src.open("rb") as source, dst.open("wb") as target:
        try:
            fcntl.ioctl(target.fileno(), _FICLONE, source.fileno())
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)


def _output_path(source: Path, asked: Path | None, job: Job, *, folder: Path | None = None) -> Path:
    plan = job.plan
    if plan is None:  # a GIF, a WebP or an audio file
        suffix = (
            FORMATS[job.request.audio_format or "mp3"].suffix
            if job.kind == "audio"
            else (f".{job.kind}")
        )
        default = (folder or source.parent) / f"{source.stem}{suffix}"
        if default.resolve() == source.resolve():  # "convert to gif" of a .gif: never over it
            default = default.with_name(f"{source.stem}-edited{suffix}")
    else:
        suffix = source.suffix if plan.mode == "keep" else plan.suffix
        default = (folder or source.parent) / f"{source.stem}-compressed{suffix}"
    if asked is None or asked.resolve() == source.resolve():
        return default  # never overwrite the input
    return asked if asked.suffix else asked.with_name(asked.name + suffix)


_OUTPUT_OF_SUFFIX: dict[str, tuple[Output, AudioFormat | None]] = {
    ".gif": ("gif", None),
    ".webp": ("webp", None),
    ".mp3": ("audio", "mp3"),
    ".m4a": ("audio", "m4a"),
    ".opus": ("audio", "opus"),
}
_CONTAINER_OF_SUFFIX = {".mp4": "mp4", ".m4v": "mp4", ".webm": "webm", ".mkv": "mkv"}


def _container_of(path: Path) -> str | None:
    """The container an output name calls for, or None for a type the engine cannot write."""
    return _CONTAINER_OF_SUFFIX.get(path.suffix.lower())


def _defaults(args: argparse.Namespace, settings: Settings) -> UserDefaults:
    """The flags, else the DEFAULT_* settings: what the chat's `/settings` would hold. (A
    caller that builds its own `args` may leave the flags out.)"""
    base = from_settings(settings)
    flags = {key: getattr(args, key, None) for key in ("target", "codec", "audio")}
    height = getattr(args, "max_height", None)
    if height is not None:
        flags["resolution"] = str(height)
    for key, value in flags.items():
        if value is not None:
            base = change(base, key, value)  # type: ignore[arg-type]
    return base


_last_stage: list[str] = []


def _progress(event: Progress, locale: str) -> None:
    """One line redrawn in place on a terminal; a line per stage when stderr is a file."""
    tty = sys.stderr.isatty()
    if not tty and _last_stage[-1:] == [event.stage or ""]:
        return
    _last_stage[:] = [event.stage or ""]
    stage = t(event.stage or "stage_encode", locale)
    if event.eta is not None:
        line = t("progress_percent_eta", locale, stage=stage, percent=f"{event.percent:.0f}",
                 eta=human_duration(event.eta))  # fmt: skip
    else:
        line = t("progress_percent", locale, stage=stage, percent=f"{event.percent or 0:.0f}")
    sys.stderr.write(f"\r{line}\x1b[K" if tty else f"{line}\n")
    sys.stderr.flush()


def _say(line: str) -> None:
    if not sys.stderr.isatty():
        if line:
            sys.stderr.write(line + "\n")
        return
    sys.stderr.write(("\r\x1b[K" + line + "\n") if line else "\r\x1b[K")
    sys.stderr.flush()
