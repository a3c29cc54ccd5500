"""The bot's lifecycle, in one place: `clipbridge run`.

    store ─▶ backend ─▶ conversation ─▶ (jobs left in flight) ─▶ HTTP server ─▶ adapters ─▶
    resume them ─▶ … SIGTERM …
    conversation.close(grace) ─▶ adapters ─▶ HTTP server ─▶ backend ─▶ store   (reverse order)

The registered platforms (`bot.ports.platforms()`) start when the settings turn them on (a token);
a platform's chat library is imported only then, so a Discord-only deployment never imports
`telegram`. On SIGTERM or SIGINT the bot stops taking work (new messages are told it is
restarting; a cluster front queues them for the other workers), gives running turns
`SHUTDOWN_GRACE` seconds, and leaves exports in the store, where the next start resumes and
delivers them.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.backends.base import Backend
from bot.config import Settings
from bot.conversation import Conversation
from bot.data_lock import data_dir_lock
from bot.errors import ClipbridgeError, ConfigError
from bot.media import clean_leftovers
from bot.ports import configured_platforms, platforms
from bot.store import SharedStore, SqliteStore, Store
from bot.store.upkeep import pruning_seen_updates

if TYPE_CHECKING:
    from bot.cluster.queue import ClusterQueue

log = logging.getLogger(__name__)

NO_PLATFORM = """\
No chat platform is configured, so there is nothing to run.
Set {switches} (in .env, see .env.example), or try the bot in
this terminal first with:  clipbridge chat"""


ALREADY_POLLING_EXIT = 3


class AlreadyPolling(ClipbridgeError):
    """Another process polls Telegram for this bot on this database (exit code 3)."""

    def __init__(self) -> None:
        super().__init__(
            "Another clipbridge is already polling Telegram for this bot on this database: "
            "stop it first, or run every replica in webhook mode (TELEGRAM_MODE=webhook)."
        )


PORT_TAKEN = (
    "HTTP_PORT {port} on {host} is already in use (another clipbridge on this machine?): give "
    "each process its own HTTP_PORT, or set HTTP_ENABLED=false where /healthz, /readyz and "
    "/metrics are not needed."
)

NO_CLUSTER = "--workers needs DATABASE_URL: without it, jobs run in this process and no other."

Serve = Callable[[Settings, asyncio.Event, asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Services:
    conversation: Conversation
    store: Store
    backend: Backend
    queue: ClusterQueue | None = None  # cluster mode (DATABASE_URL): the shared job queue


def open_store(settings: Settings) -> AbstractAsyncContextManager[Store]:
    """PostgreSQL when DATABASE_URL is set (psycopg imported only then), SQLite otherwise."""
    if settings.database_url is not None:
        from bot.store.postgres import PostgresStore

        return PostgresStore(settings.database_url.get_secret_value())
    return SqliteStore(settings.database)


def exclusive_locks(settings: Settings) -> list[str]:
    """What only one process per database may do with these settings: Telegram hands each
    update to one poller, and a second one for the same bot steals updates from the first. The
    lock is named by the bot id (the token's part before the colon), never the token."""
    token = settings.telegram_bot_token
    if token is None or settings.telegram_mode != "polling":
        return []
    return [f"telegram-poller:{token.get_secret_value().partition(':')[0]}"]


def build_backend(settings: Settings, store: Store) -> Backend:
    """The backend BACKEND chooses (`auto`: NemoVideo with a token, the local engine without)."""
    if settings.chosen_backend == "nemo":
        from bot.backends.nemo import NemoBackend

        return NemoBackend(settings, store)
    from bot.backends.local import LocalBackend

    return LocalBackend(settings)


@asynccontextmanager
async def open_queue(
    settings: Settings, store: Store, wanted: bool
) -> AsyncIterator[ClusterQueue | None]:
    """The shared job queue when wanted and DATABASE_URL is set (procrastinate imported only
    then)."""
    if not wanted or settings.database_url is None:
        yield None
        return
    from bot.cluster.queue import ClusterQueue
    from bot.store.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    async with ClusterQueue(store, settings) as queue:
        yield queue


@asynccontextmanager
async def working(core: Services, settings: Settings, concurrency: int) -> AsyncIterator[None]:
    """Run the shared queue's jobs in this process while inside (cluster mode; `concurrency`
    at once, none when 0), reaching chats through each platform's `Sender`."""
    if core.queue is None or not concurrency:
        yield
        return
    from bot.cluster.worker import Worker, senders
    from bot.store.postgres import PostgresStore

    assert isinstance(core.store, PostgresStore)
    async with senders(settings) as reach:
        for platform, sender in reach.items():
            if platform not in core.conversation.platforms:  # a front's adapters reach its own
                core.conversation.add_adapter(sender)
        worker = Worker(settings, core.queue, core.store, core.conversation, reach)
        async with worker.running(concurrency):
            yield


@asynccontextmanager
async def open_core(
    settings: Settings, *, locks: Sequence[str] = (), shared_queue: bool = False
) -> AsyncIterator[Services]:
    """The store, the backend and the conversation over them, closed in reverse order. `locks`
    (`exclusive_locks`) are taken right after the store opens, before anything is touched: a
    second poller must not even clean the work folder the first one is using. `shared_queue`:
    with DATABASE_URL, jobs go to the cluster's queue (`run`, `worker`); without it they run in
    this process whatever the store (the console chat)."""
    async with AsyncExitStack() as stack:
        stack.enter_context(data_dir_lock(settings.data_dir))  # before the store and the clean-up
        store = await stack.enter_async_context(open_store(settings))
        if isinstance(store, SharedStore):  # one process per database may do these
            for name in locks:
                if not await stack.enter_async_context(store.exclusive(name)):
                    raise AlreadyPolling
        await asyncio.to_thread(clean_leftovers, settings.work_dir)  # whatever the backend
        await stack.enter_async_context(pruning_seen_updates(store))
        queue = await stack.enter_async_context(open_queue(settings, store, shared_queue))
        backend = await stack.enter_async_context(build_backend(settings, store))
        fallback = None
        if settings.fallback_to_local and backend.name != "local":
            from bot.backends.local import LocalBackend

            fallback = await stack.enter_async_context(LocalBackend(settings))
        conversation = Conversation(settings, store, backend, fallback=fallback, queue=queue)
        try:
            yield Services(conversation, store, backend, queue)
        finally:
            await conversation.close(grace=0)


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    started: asyncio.Event | None = None,
    *,
    workers: int = 1,
) -> None:
    """Run every configured platform until `stop` is set, then shut down gracefully. `started`
    is set once start-up is over (until then, stopping means cancelling the start). In cluster
    mode this process also works `workers` of the queue's jobs at once."""
    from bot.http import HttpServer

    async with AsyncExitStack() as stack:
        core = await stack.enter_async_context(
            open_core(settings, locks=exclusive_locks(settings), shared_queue=True)
        )
        from bot.cluster import observe  # light: procrastinate only with a queue

        ready = {"store": core.store.ping, "backend": core.backend.credits}
        server = HttpServer(settings, ready | observe.checks(core))
        observe.watch(server, core)
        left = await core.conversation.left_behind()
        running = configured_platforms(settings)
        adapters = [platform.adapter(settings, core.conversation) for platform in running]
        for adapter in adapters:  # before the server starts and before a webhook is registered
            for route in adapter.routes:
                server.add_route(route.method, route.path, route.handler)
            core.conversation.add_adapter(adapter)
        if settings.http_enabled:
            await stack.enter_async_context(server)
        for adapter in adapters:
            await stack.enter_async_context(adapter)
        await core.conversation.resume(left)
        async with working(core, settings, workers):
            _tune_gc()
            log.info("clipbridge is running on %s with the %s backend",
                     " and ".join(p.title for p in running), core.backend.name)  # fmt: skip
            if started is not None:
                started.set()
            await stop.wait()
            log.info("stopping: letting running work finish for up to %.0fs",
                     settings.shutdown_grace)  # fmt: skip
        await core.conversation.close(settings.shutdown_grace)
    log.info("stopped")


def _tune_gc() -> None:
    """Everything loaded so far lives as long as the process: keep it out of every collection,
    and collect the young generation less often. With a thousand turns streaming this halved the
    p99 latency and the longest GC pause (docs/benchmarks.md, "Conversation core")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="with DATABASE_URL: jobs this process runs at once besides receiving updates "
        "(default 1; 0: receive only, `clipbridge worker` processes run the jobs)",
    )


def settings_to_serve(env_file: str) -> Settings | None:
    """The settings a serving process (`run`, `worker`) starts with, or None once stderr says why
    it cannot start: a setting is wrong, or no platform is configured for results to go to."""
    from bot.settings_check import load_settings

    try:
        settings = load_settings(env_file)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None
    if not configured_platforms(settings):
        switches = " and/or ".join(p.switch for p in platforms())
        print(NO_PLATFORM.format(switches=switches), file=sys.stderr)
        return None
    return settings


def main(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging

    settings = settings_to_serve(args.env_file)
    if settings is None:
        return 2
    workers = args.workers
    if workers is not None and settings.database_url is None:
        print(NO_CLUSTER, file=sys.stderr)
        return 2
    if workers is not None and workers < 0:
        print("--workers is a number of jobs at once: 0 or more.", file=sys.stderr)
        return 2
    setup_logging(settings)

    async def serving(settings: Settings, stop: asyncio.Event, started: asyncio.Event) -> None:
        await serve(settings, stop, started, workers=1 if workers is None else workers)

    return asyncio.run(run_until_signalled(settings, serving))


async def run_until_signalled(settings: Settings, serve: Serve) -> int:
    """Run `serve(settings, stop, started)` until SIGTERM or SIGINT sets `stop`; the exit code."""
    stop, running = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    if sys.platform != "win32":  # Windows event loops take no signal handlers
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    serving = asyncio.create_task(serve(settings, stop, running))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not serving.done() and not running.is_set():
        # Stopped while still starting (say, retrying a Telegram that cannot be reached): there
        # is no work to let finish, so the start is cancelled and undone.
        log.info("stopping during start-up")
        serving.cancel()
    try:
        await serving
    except asyncio.CancelledError:
        log.info("stopped")
    except ConfigError as error:
        # A platform refused a setting (a token): one sentence, no traceback.
        print(error.problems[0] if len(error.problems) == 1 else error, file=sys.stderr)
        return 2
    except AlreadyPolling as error:
        print(error, file=sys.stderr)
        return ALREADY_POLLING_EXIT
    except OSError as error:
        if error.errno != errno.EADDRINUSE:  # only the HTTP server binds a port
            raise
        print(PORT_TAKEN.format(port=settings.http_port, host=settings.http_host), file=sys.stderr)
        return 2
    return 0
