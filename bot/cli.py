"""The `clipbridge` command: `run`, `chat`, `compress`, `doctor`.

Each subcommand lives in its own module and is imported only when chosen, so `clipbridge compress`
never imports a chat platform and a Discord-only deployment never imports `telegram`.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys

from bot import __version__
from bot.store import DatabaseUnusable
from bot.texts import t

# subcommand -> (module exposing `add_arguments(parser)` and `main(args) -> int`, help)
COMMANDS = {
    "run": ("bot.app", "start every configured platform (Telegram, Discord) with the backend"),
    "worker": ("bot.cluster.command", "with DATABASE_URL: only run queued jobs (cluster mode)"),
    "chat": ("adapters.console", "talk to the bot in this terminal"),
    "compress": ("bot.backends.local.command", "compress one file with the local engine"),
    "doctor": ("bot.doctor", "check the configuration, ffmpeg, the database and each service"),
}


_MOST_MEGABYTES = 10**9  # a petabyte, the largest size the request parser accepts


def megabytes(text: str) -> float:
    """An argparse type for a size in MB (`--limit`): a number above 0, never nan or inf, which
    `float` accepts and which would fail later as a traceback."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= _MOST_MEGABYTES:  # also false for nan
        raise argparse.ArgumentTypeError(t("cli_bad_megabytes", None, value=text))
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clipbridge", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"clipbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = (argv if argv is not None else sys.argv[1:])[:1]
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if chosen == [name]:
            importlib.import_module(module_name).add_arguments(command)
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        code: int = module.main(args)
    except DatabaseUnusable as error:
        # `run` and `chat` both open the store first; a file only the operator can fix is one
        # sentence (which file, what to do), not a traceback.
        print(error, file=sys.stderr)
        return 1
    return code
