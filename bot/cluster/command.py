"""`clipbridge worker`: a process that only runs the shared queue's jobs (cluster mode).

It reads the same settings as `clipbridge run` and opens the same store, backend and
conversation, but receives no updates: it reaches chats through each platform's `Sender`. Its
HTTP port (HTTP_PORT, unless HTTP_ENABLED=false) serves `/healthz`, `/readyz` and `/metrics`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings

log = logging.getLogger(__name__)

NEEDS_DATABASE = (
    "clipbridge worker needs DATABASE_URL (the PostgreSQL the bot's other processes use): "
    "without it there is no shared queue to take jobs from."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="jobs run at once (default 1)"
    )


def main(args: argparse.Namespace) -> int:
    from bot.app import run_until_signalled, settings_to_serve
    from bot.logs import setup_logging

    settings = settings_to_serve(args.env_file)
    if settings is None:
        return 2
    if settings.database_url is None:
        print(NEEDS_DATABASE, file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("--jobs is a number of jobs at once: 1 or more.", file=sys.stderr)
        return 2
    setup_logging(settings)

    async def work(settings: Settings, stop: asyncio.Event, started: asyncio.Event) -> None:
        from bot.app import open_core, working
        from bot.cluster.observe import serving

        async with (
            open_core(settings, shared_queue=True) as core,
            serving(settings, core),
            working(core, settings, args.jobs),
        ):
            log.info("clipbridge worker is running %d job(s) at once with the %s backend",
                     args.jobs, core.backend.name)  # fmt: skip
            started.set()
            await stop.wait()
            log.info("stopping: letting running jobs finish for up to %.0fs",
                     settings.shutdown_grace)  # fmt: skip

    return asyncio.run(run_until_signalled(settings, work))
