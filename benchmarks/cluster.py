"""Cluster mode's overhead: local-engine jobs through the PostgreSQL queue, and a quick command
through a front replica.

    python -m benchmarks.cluster             # writes "## Cluster mode" in docs/benchmarks.md
    python -m benchmarks.cluster --no-write  # prints only

PostgreSQL is the tests' throwaway server (tests/support/postgres.py: loopback, fsync off). For
each layout, 1, 2 and 4 real `clipbridge worker` processes (the tests' "test" platform
registered, `python -m tests.cluster.platform worker`, each chat a file of JSON lines) share the
same total of jobs at once (`--jobs` and ENCODE_WORKERS = 4 / processes), so the figures show
what the processes and the queue cost, not a speed-up: this machine has 2 cores. A front opened
in this process (`open_core` with the shared queue and no worker, as `run --workers 0` opens
it) hands each job to the conversation as a chat message: a small generated clip with
"compress to under 30KB" (two passes of the real encoder), one chat and one person per job.

- **paced**: jobs arrive one every `--interval` seconds, fewer than the workers can take, so
  their defer -> start is the queue's own latency (NOTIFY, fetch, lock), read from
  procrastinate's events (copied by a trigger of this benchmark before the jobs are deleted).
- **burst**: `--burst` jobs deferred at once; jobs per minute from the first defer to the last
  result written.
- **embedded**: the same burst without DATABASE_URL, one process (the in-process queue), as the
  baseline.
- **quick command**: `/status` posted to a real `clipbridge run` in webhook mode by the fake
  Bot API, timed to the answer's sendMessage: the embedded default (SQLite) against a front
  replica (`run --workers 0` with DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.report import write_section
from bot import ports
from bot.app import open_core
from bot.config import Settings
from bot.models import ChatKey, Inbound, UserRef
from bot.streams import file_attachment
from tests.clips import make_clip
from tests.cluster import platform
from tests.fakes.telegram_api import FakeTelegram
from tests.support.postgres import EmbeddedPostgres, embedded_postgres, free_port

SECTION = "## Cluster mode"
ROOT = Path(__file__).resolve().parent.parent
TOTAL = 4  # jobs at once over all workers
LAYOUTS = (1, 2, 4)  # worker processes
ASK = "compress to under 30KB"
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw3"
SECRET = "bench-Secret_1"
START_TIMEOUT = 60.0

Probe = Callable[[int], Awaitable[float]]

# Copies procrastinate's events (deleted with their job once it ends) into a table of our own.
OBSERVE = """
CREATE TABLE bench_events (job_id bigint, type text, at timestamptz);
CREATE FUNCTION bench_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_events VALUES (NEW.job_id, NEW.type::text, NEW.at);
    RETURN NEW;
END $$;
CREATE TRIGGER bench_copy AFTER INSERT ON procrastinate_events
    FOR EACH ROW EXECUTE FUNCTION bench_copy();
"""
WAITS = """
SELECT extract(epoch FROM min(s.at) - min(d.at))
  FROM bench_events d JOIN bench_events s USING (job_id)
 WHERE d.type = 'deferred' AND s.type = 'started'
 GROUP BY job_id
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def span(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def settings(data: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data, backend="local", http_enabled=False, **values)  # type: ignore[call-arg]


def results(out: Path) -> int:
    """Results the workers wrote into the chats' files so far."""
    count = 0
    for file in out.glob("*.jsonl"):
        for line in file.read_text().splitlines():
            count += json.loads(line)["kind"] in ("video", "link")
    return count


async def until(condition: Callable[[], bool], timeout: float) -> None:
    """Poll what other processes make true (files): no event crosses processes."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


# --- workers and the front ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def workers(count: int, url: str, folder: Path) -> AsyncIterator[Path]:
    """`count` real `clipbridge worker` processes, TOTAL jobs at once in all; their chats'
    folder. Stopped (SIGTERM, then their exact PID killed) when the block ends."""
    out = folder / "out"
    out.mkdir(parents=True)
    each = TOTAL // count
    processes: list[tuple[asyncio.subprocess.Process, Path]] = []
    try:
        for n in range(count):
            log = folder / f"worker{n}.log"
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": os.environ.get("HOME", "/tmp"),
                "DATABASE_URL": url,
                "BACKEND": "local",
                "ENCODE_WORKERS": str(each),
                "DATA_DIR": str(folder / f"worker{n}"),
                "CLUSTER_TEST_OUT": str(out),
                "HTTP_ENABLED": "false",
                "LOG_LEVEL": "INFO",
            }
            with log.open("wb") as sink:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.cluster.platform", "worker", "--jobs", str(each),
                    "--env-file", str(folder / "none"), cwd=ROOT, env=env, stdout=sink,
                    stderr=sink,
                )  # fmt: skip
            processes.append((process, log))
        for _, log in processes:
            await until(lambda log=log: "worker is running" in log.read_text(), START_TIMEOUT)
        yield out
    finally:
        for process, _ in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


class Front:
    """Hands jobs to a conversation as the chats' messages; one chat and person per job."""

    def __init__(self, handle: Callable[[Inbound, Any], Awaitable[None]], clip: Path) -> None:
        self._handle = handle
        self._clip = clip
        self._numbers = iter(range(1, 1_000_000))

    async def job(self) -> ChatKey:
        n = next(self._numbers)
        chat = ChatKey(platform.NAME, str(n))
        user = UserRef(platform.NAME, f"u{n}", f"Person {n}")
        inbound = Inbound(chat, user, ASK, attachments=(file_attachment(self._clip),))
        await self._handle(inbound, platform.port(chat))
        return chat


async def waits(url: str) -> list[float]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db:
        cursor = await db.execute(WAITS)
        found = [float(row[0]) for row in await cursor.fetchall()]
        await db.execute("TRUNCATE bench_events")
    return found


async def layout(
    server: EmbeddedPostgres, count: int, clip: Path, folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    url = server.new_database()
    front_settings = settings(folder / "front", database_url=url, max_jobs_per_user=10)
    async with open_core(front_settings, shared_queue=True) as core:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db:
            await db.execute(OBSERVE)
        front = Front(core.conversation.handle, clip)
        async with workers(count, url, folder / "workers") as out:
            await front.job()  # warm-up: see the report's note on the first job
            await until(lambda: results(out) == 1, 120)
            await waits(url)
            for _ in range(args.paced):
                await front.job()
                await asyncio.sleep(args.interval)
            await until(lambda: results(out) == 1 + args.paced, 120)
            paced = await waits(url)
            begun = time.perf_counter()
            await asyncio.gather(*(front.job() for _ in range(args.burst)))
            await until(lambda: results(out) == 1 + args.paced + args.burst, 600)
            seconds = time.perf_counter() - begun
            burst = await waits(url)
        await core.conversation.close(grace=0)
    return {
        "processes": count,
        "jobs_each": TOTAL // count,
        "per_minute": args.burst / seconds * 60,
        "paced_p50": percentile(paced, 0.5),
        "paced_p99": percentile(paced, 0.99),
        "burst_p50": percentile(burst, 0.5),
        "burst_p99": percentile(burst, 0.99),
    }


async def embedded(clip: Path, folder: Path, burst: int) -> dict[str, Any]:
    """The same burst in one process without DATABASE_URL: the in-process queue."""
    values = settings(folder, encode_workers=TOTAL, max_jobs_per_user=10)
    async with open_core(values) as core:
        front = Front(core.conversation.handle, clip)
        begun = time.perf_counter()
        chats = await asyncio.gather(*(front.job() for _ in range(burst)))
        for chat in chats:
            await platform.port(chat).wait_for(lambda sent: sent.kind == "video", timeout=600)
        seconds = time.perf_counter() - begun
        await core.conversation.close(grace=0)
    return {"per_minute": burst / seconds * 60}


# --- a quick command through a front ------------------------------------------------------------


@contextlib.asynccontextmanager
async def front_process(
    url: str | None, folder: Path
) -> AsyncIterator[Callable[[int], Awaitable[float]]]:
    """A real `clipbridge run` in webhook mode (`--workers 0` with DATABASE_URL `url`) on a fake
    Bot API of its own; yields `probe(chat)`: seconds from the webhook POST of `/status` in
    that chat to the answer's sendMessage."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_MODE": "webhook",
        "PUBLIC_URL": "https://bot.example",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "DATA_DIR": str(folder),
        "BACKEND": "local",
        "LOG_LEVEL": "WARNING",
    }
    argv = ["run"]
    if url is not None:
        env["DATABASE_URL"] = url
        argv += ["--workers", "0"]
    folder.mkdir(parents=True)
    async with FakeTelegram(TOKEN) as telegram:
        env["TELEGRAM_BASE_URL"] = telegram.base_url
        env["TELEGRAM_BASE_FILE_URL"] = telegram.base_file_url
        with (folder / "run.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *argv, "--env-file", str(folder / "none"),
                cwd=ROOT, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        try:
            await telegram.wait_for(lambda: telegram.calls_of("setWebhook"), START_TIMEOUT)
            hook = f"http://127.0.0.1:{port}/telegram/webhook"
            telegram.webhook = {"url": hook, "secret_token": SECRET}

            async def probe(chat: int) -> float:
                begun = time.perf_counter()
                await telegram.push(telegram.message(chat, user_id=chat, text="/status"))
                await telegram.wait_for(lambda: telegram.sent(chat), 30)
                return time.perf_counter() - begun

            yield probe
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def quick_commands(url: str, folder: Path, probes: int) -> tuple[list[float], list[float]]:
    """`/status` through the embedded default and through a front replica, both running, probed
    in turn (one at a time, each in a chat of its own), so the machine's load weighs on both
    alike; the first five of each warm up."""
    embedded_times: list[float] = []
    replica_times: list[float] = []
    async with (
        front_process(None, folder / "q-sqlite") as embedded_probe,
        front_process(url, folder / "q-postgres") as replica_probe,
    ):
        for n in range(probes + 5):
            one, two = await embedded_probe(5000 + n), await replica_probe(5000 + n)
            if n >= 5:
                embedded_times.append(one)
                replica_times.append(two)
    return embedded_times, replica_times


# --- the run and its report ---------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    ports.register(platform.NAME, platform.PLATFORM)
    load_before = os.getloadavg()[0]
    report: dict[str, Any] = {"layouts": []}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as temp:
        folder = Path(temp)
        clip = make_clip(folder / "clip.mp4", size="160x120", duration=2)
        with embedded_postgres() as server:
            if server is None:
                raise SystemExit("no PostgreSQL binaries for this platform")
            report["embedded"] = await embedded(clip, folder / "embedded", args.burst)
            for count in LAYOUTS:
                found = await layout(server, count, clip, folder / f"layout{count}", args)
                print(found, flush=True)
                report["layouts"].append(found)
            report["quick_sqlite"], report["quick_postgres"] = await quick_commands(
                server.new_database(), folder, args.probes
            )
    report["load"] = (load_before, os.getloadavg()[0])
    return report


def table(report: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    ms = 1000.0
    before, after = report["load"]
    lines = [
        SECTION,
        "",
        f"`{command}` (benchmarks/cluster.py says how). PostgreSQL 18 on loopback (the tests' "
        "throwaway server, fsync off); real `clipbridge worker` processes on the local engine, "
        f"{TOTAL} jobs at once in all (`--jobs` and `ENCODE_WORKERS` = {TOTAL} / processes); "
        f'each job a 2-second 160x120 clip with "{ASK}" (two passes of the real encoder), one '
        "chat each, handed to a front in the benchmark's process. Measured on the shared 2-core "
        f"machine with other sessions running (load average {before:.1f} before, {after:.1f} "
        "after): the figures compare overheads, they are not this machine's capacity, and "
        "more processes on 2 cores cannot be faster.",
        "",
        f"| layout | jobs per minute ({args.burst} at once) | defer → start, paced, p50 / p99 "
        f"| defer → start, all {args.burst} at once, p50 / p99 |",
        "|---|---|---|---|",
        f"| embedded default (no DATABASE_URL), 1 process | "
        f"{report['embedded']['per_minute']:.0f} | in-process | in-process |",
    ]
    for row in report["layouts"]:
        lines.append(
            f"| {row['processes']} worker process{'es' if row['processes'] > 1 else ''} × "
            f"{row['jobs_each']} | {row['per_minute']:.0f} | {span(row['paced_p50'])} / "
            f"{span(row['paced_p99'])} | {span(row['burst_p50'])} / {span(row['burst_p99'])} |"
        )
    sqlite, postgres = report["quick_sqlite"], report["quick_postgres"]
    added = statistics.median(postgres) - statistics.median(sqlite)

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values) * ms:.0f} ms / {percentile(values, 0.99) * ms:.0f} ms"

    lines += [
        "",
        f"Paced: {args.paced} jobs, one every {args.interval:g} s after one warm-up job, fewer "
        "than the workers can take, so defer → start is the queue's own latency: the front's "
        "NOTIFY reaches every worker's LISTEN, one fetches the job (a locked row update) and "
        "starts it. Both instants are procrastinate's events, stamped by the database. A job "
        "deferred while a worker's LISTEN connection is still opening (in the first second "
        "after it says it is running) waits for its poll, once a second: without the warm-up "
        "job, a first run showed that as a p99 of 1.1 s with one worker process. At once: each "
        f"job also waits for a free slot among the {TOTAL}, so that column is the line, not "
        "overhead.",
        "",
        f"A quick command, `/status`, {args.probes} times through each of two real "
        "`clipbridge run` processes in webhook mode running side by side and probed in turn, "
        "one at a time, each in a chat of its own: from the fake Bot API's webhook POST to the "
        "answer's sendMessage, p50 / p99:",
        "",
        "| front | `/status`, p50 / p99 |",
        "|---|---|",
        f"| embedded default (SQLite, in-process queue) | {spread(sqlite)} |",
        f"| front replica (`run --workers 0`, DATABASE_URL) | {spread(postgres)} |",
        "",
        f"The replica's median minus the embedded one: {added * ms:+.0f} ms. What it adds is "
        "round trips to PostgreSQL instead of calls into SQLite (the update id, the chat's "
        "session and language) and the queue's table for what the chat is running. "
        'docs/scaling.md ("Sizing") works out what 10 workers on 10 machines give and where '
        "the next limit is.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paced", type=int, default=12, help="paced jobs per layout")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between paced jobs")
    parser.add_argument("--burst", type=int, default=24, help="jobs deferred at once")
    parser.add_argument("--probes", type=int, default=100, help="quick commands per front")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    command = "python -m benchmarks.cluster" + "".join(
        f" --{k} {v}"
        for k, v, default in (
            ("paced", args.paced, 12),
            ("interval", args.interval, 1.0),
            ("burst", args.burst, 24),
            ("probes", args.probes, 100),
        )
        if v != default
    )
    text = table(report, args, command)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
