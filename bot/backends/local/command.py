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
import shutil
import sys
import time
from pathlib import Path

from bot.backends.base import Progress
from bot.backends.local import plan as planning
from bot.backends.local._backend import build_want, note_text, summarize
from bot.backends.local.encode import Outcome, encode
from bot.backends.local.ffmpeg import Ffmpeg
from bot.backends.local.intent import EXAMPLES_KEY, describe, parse
from bot.cli import megabytes
from bot.config import MB, Settings, absolute_path
from bot.errors import (
    ClipbridgeError,
    CorruptInput,
    FileTooLarge,
    InputError,
    NotAVideo,
    TargetUnreachable,
    UnclearRequest,
)
from bot.media import ffmpeg_exe, probe
from bot.texts import human_duration, human_size, t

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
        type=absolute_path,
        help="where to write the result (default: beside the input)",
    )
    parser.add_argument(
        "--limit",
        type=megabytes,
        default=50.0,
        metavar="MB",
        help='the size "fit the chat" means, in MB (default 50, Telegram\'s limit)',
    )
    parser.add_argument("--lang", default="en", choices=("en", "zh"), help="language of messages")


def main(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(compress(args))
    except KeyboardInterrupt:
        _say(t("cli_cancelled", args.lang))
        return EXIT_INTERRUPTED


async def compress(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Run one compression as the command does; returns the exit status."""
    locale: str = args.lang
    source: Path = args.input
    if not _is_file(source):
        _say(t("cli_no_file", locale, path=source))
        return EXIT_INPUT
    settings = settings or Settings()
    started = time.monotonic()
    try:
        request = parse(args.instruction)
        info = await probe(source)
        want, _ = build_want(request, info, int(args.limit * MB))
        plan = planning.plan(info, want)
    except InputError as error:
        _say(_explain(error, locale))
        return EXIT_INPUT
    _say(describe(request, locale, chat_limit=int(args.limit * MB)))

    output = _output_path(source, args.output)
    work = output.parent / f".{output.name}.work"
    work.mkdir(parents=True, exist_ok=True)
    outcome: Outcome | None = None
    try:
        events = encode(Ffmpeg(ffmpeg_exe(settings)), info, want, plan, work / "out.mp4")
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, Progress):
                    _progress(event, locale)
                else:
                    outcome = event
        assert outcome is not None
        final = output.with_suffix(outcome.path.suffix)
        outcome.path.replace(final)
    except ClipbridgeError as error:
        _say("")
        _say(_explain(error, locale))
        return EXIT_FAILED
    finally:
        shutil.rmtree(work, ignore_errors=True)

    _say("")
    note = note_text(outcome, want, info, locale)
    if note:
        _say(note)
    _say(summarize(outcome, want, locale))
    ratio = f"{outcome.size / info.size:.0%}"
    elapsed = human_duration(time.monotonic() - started)
    done = t("cli_done", locale, input=source.name, source=human_size(info.size, locale),
             output=final, size=human_size(outcome.size, locale), ratio=ratio,
             elapsed=elapsed)  # fmt: skip
    print(done)  # noqa: T201  (the command's one line of output)
    return 0


def _is_file(path: Path) -> bool:
    return path.is_file()


def _output_path(source: Path, asked: Path | None) -> Path:
    default = source.with_name(f"{source.stem}-compressed.mp4")
    if asked is None or asked.resolve() == source.resolve():
        return default  # never overwrite the input
    return asked


def _explain(error: ClipbridgeError, locale: str) -> str:
    if isinstance(error, UnclearRequest):
        return t(error.reason, locale, examples=t(EXAMPLES_KEY, locale))
    if isinstance(error, TargetUnreachable):
        return t("err_unreachable", locale, target=human_size(error.target, locale),
                 smallest=human_size(error.smallest, locale))  # fmt: skip
    if isinstance(error, NotAVideo):
        return t("err_not_video", locale)
    if isinstance(error, CorruptInput):
        return t("err_corrupt", locale)
    if isinstance(error, FileTooLarge) and error.limit:
        return t("err_too_large", locale, limit=human_size(error.limit, locale))
    return f"{type(error).__name__}: {error.detail or error}"


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
