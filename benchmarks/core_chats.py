"""The conversation core under many concurrent chats: latency, throughput and memory per chat.

    python -m benchmarks.core_chats                     # 100, 500, 1000 chats; writes its section
    python -m benchmarks.core_chats --no-write          # prints only
    python -m benchmarks.core_chats --chats 1000 --profile core.prof  # the bot under cProfile

Every case runs in two fresh child processes, so neither one's memory nor CPU is counted as the
other's:

- the fake (`--serve-fake`): `tests.fakes.nemovideo.FakeNemo` on loopback whose every turn is
  one tool call, then `ticks` `: ping` heartbeats `interval` apart, with an ADK text on every
  `text_every`-th tick whose text carries the wall time of its emission (`time.time_ns()` just
  before the write). Each turn starts at a random phase within the first interval. It prints its
  URL, serves until its stdin closes, then prints its CPU time.
- the bot (`--bot N`): a real `SqliteStore` in a temporary directory, a real `NemoBackend` on the
  fake with an operator token, a real `Conversation`, and one small port per chat that notes
  when `send_text` receives each stamped text. After start-up (`Conversation.resume()`) it calls
  `bot.app._tune_gc()`, as `bot.app.serve` does before it takes any traffic. The N messages
  ("compress this video to under 50MB") arrive evenly over `ramp` seconds, each handed to
  `Conversation.handle` in its own task as an adapter does; the core creates each chat's session
  itself. Then `wait_idle()`. Latency = the port call's wall time minus the stamp (same machine,
  same clock). It prints one JSON line of figures.

Memory: RSS from /proc (current) and `ru_maxrss` (peak). The baseline is taken after a warm-up
chat has run a whole turn (code loaded, connections made) and the record arrays are allocated;
the idle figure after every turn has ended and `gc.collect()`; then again after glibc's
`malloc_trim(0)`. A separate run with `tracemalloc` gives the Python memory the core still holds
per idle chat (tracemalloc slows the process: its timings are not used).

Connections: `NemoClient` has two httpx pools. A turn holds one connection of the stream pool
(`NEMO_MAX_CONNECTIONS`, none kept alive) for its whole stream and waits for one when all are
taken; the session and state calls before it use the pool for short calls. The bot samples how
many connections each pool holds open every 10 ms and reads both pools' limits from the running
client, so the tables name the pools as they were. Every size runs as shipped: the settings'
defaults. One contrast case runs a few chats with long turns and fewer stream connections than
chats (`--max-connections`), so that some turns wait for a connection longer than the request
timeout: it shows whether they wait or fail. The findings are written under
`## Conversation core` in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import ctypes
import gc
import json
import os
import platform
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Conversation core"
OPERATOR = "nmv_usr_benchmark"
REQUEST = "compress this video to under 50MB"
STAMP = re.compile(r"stamp=(\d+)")
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1_000_000
# The contrast: twice as many chats as stream connections, with turns long enough that the second
# half waits longer than the request timeout (30 s by default) for a connection.
CONTRAST_CHATS = 20
CONTRAST_CONNECTIONS = 10


@dataclass(frozen=True)
class TurnShape:
    """What every turn of the fake sends: one tool call, then `ticks` heartbeats `interval`
    apart, with a stamped text on every `text_every`-th tick."""

    interval: float = 0.5
    ticks: int = 24
    text_every: int = 4

    @property
    def texts(self) -> int:
        return self.ticks // self.text_every

    @property
    def events(self) -> int:
        """Backend events per turn: the tool call, the heartbeats, the texts."""
        return 1 + self.ticks + self.texts


# --- the fake's process -----------------------------------------------------------------------


async def serve_fake(shape: TurnShape) -> None:
    from tests.fakes.nemovideo import FakeNemo, Step, TurnStream

    class StampedTurn(Step):
        """One benchmark turn. Sleeps with plain `asyncio.sleep`: `TurnStream.sleep` polls every
        50 ms, which over 1000 open streams would spend the shared cores on the fake."""

        async def run(self, turn: TurnStream) -> None:
            call = {"functionCall": {"id": "c1", "name": "compress_video", "args": {}}}
            await turn.emit(turn.adk([call], author="nemo_agent"))
            await asyncio.sleep(random.uniform(0, shape.interval))
            for tick in range(1, shape.ticks + 1):
                await asyncio.sleep(shape.interval)
                await turn.write(": ping\n\n")
                if tick % shape.text_every == 0:
                    seq = tick // shape.text_every
                    text = f"Step {seq} of {shape.texts} done (stamp={time.time_ns()})."
                    await turn.emit(turn.adk([{"text": text}], author="nemo_agent"))

    async with FakeNemo(operator_token=OPERATOR) as fake:
        fake.default_turn = [StampedTurn()]
        print(json.dumps({"url": fake.url}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        print(json.dumps({"cpu_s": cpu_seconds()}), flush=True)


# --- the bot's process ------------------------------------------------------------------------


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / MB


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def malloc_trim() -> None:
    with contextlib.suppress(OSError):  # not glibc: the trimmed figure equals the untrimmed one
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Records:
    """What the ports saw, in arrays sized up front so recording allocates nothing per chat."""

    def __init__(self, chats: int, texts: int) -> None:
        self.latency_ns = array.array("q", bytes(8 * chats * texts))
        self.delivered_ns = array.array("q", bytes(8 * chats * texts))
        self.arrived_ns = array.array("q", bytes(8 * chats))
        self.first_reply_ns = array.array("q", bytes(8 * chats))
        self.first_text_ns = array.array("q", bytes(8 * chats))  # the turn's first stamped text
        self.failed = bytearray(chats)  # 1: the chat got something else than its texts
        self.texts = 0
        self.other: list[str] = []  # anything but a stamped text or the progress message
        self.edits = 0
        self.typing = 0

    def unexpected(self, index: int, text: str) -> None:
        self.failed[index] = 1
        if text not in self.other:
            self.other.append(text)

    def text(self, index: int, text: str) -> None:
        now = time.time_ns()
        if not self.first_reply_ns[index]:
            self.first_reply_ns[index] = now
        found = STAMP.search(text)
        if found is None:
            if not text.startswith("⏳"):
                self.unexpected(index, text)
            return
        if not self.first_text_ns[index]:
            self.first_text_ns[index] = now
        self.latency_ns[self.texts] = now - int(found[1])
        self.delivered_ns[self.texts] = now
        self.texts += 1


class StampPort:
    """A `bot.ports.Port` that only tells `Records` what it was asked to do."""

    hint: str | None = None
    message_limit = 4096
    caption_limit = 1024
    upload_limit = 50_000_000

    def __init__(self, chat: Any, index: int, records: Records) -> None:
        self.chat = chat
        self._index = index
        self._records = records
        self._ids = 0

    def _ref(self) -> Any:
        from bot.ports import MessageRef

        self._ids += 1
        return MessageRef(str(self._ids))

    async def send_text(self, text: str, buttons: Sequence[Any] = ()) -> Any:
        self._records.text(self._index, text)
        return self._ref()

    async def edit_text(self, ref: Any, text: str, buttons: Sequence[Any] = ()) -> None:
        self._records.edits += 1
        if not text.startswith(("⏳", "✅")):
            self._records.unexpected(self._index, text)

    async def typing(self, action: str = "typing") -> None:
        self._records.typing += 1

    async def send_video(self, video: Any, caption: str) -> Any:
        self._records.unexpected(self._index, f"video: {caption}")
        return self._ref()

    async def send_link(self, text: str, url: str, label: str) -> Any:
        self._records.unexpected(self._index, f"link: {text}")
        return self._ref()


class GcPauses:
    """How long the cyclic garbage collector stopped the process, per collection."""

    def __init__(self) -> None:
        self.pauses = array.array("d", bytes(8 * 100_000))
        self.count = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self.count < len(self.pauses):
            self.pauses[self.count] = time.perf_counter() - self._started
            self.count += 1

    def figures(self) -> dict[str, float]:
        pauses = self.pauses[: self.count]
        return {
            "gc_collections": self.count,
            "gc_total_ms": sum(pauses) * 1e3,
            "gc_max_ms": max(pauses, default=0.0) * 1e3,
        }


class LoopLag:
    """How late a 10 ms sleep wakes up: the event loop's own delay."""

    def __init__(self) -> None:
        self.samples = array.array("d", bytes(8 * 100_000))
        self.count = 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.stop.is_set() and self.count < len(self.samples):
            start = loop.time()
            await asyncio.sleep(0.01)
            self.samples[self.count] = loop.time() - start - 0.01
            self.count += 1

    def figures(self) -> dict[str, float]:
        lags = sorted(self.samples[: self.count])
        return {
            "lag_p50_ms": _pct(lags, 50) * 1e3,
            "lag_p99_ms": _pct(lags, 99) * 1e3,
            "lag_max_ms": (lags[-1] if lags else 0.0) * 1e3,
        }


class PoolWatch:
    """How many connections each of `NemoClient`'s pools holds open, sampled every 10 ms."""

    def __init__(self, pools: dict[str, Any]) -> None:
        self.pools = pools  # name -> httpcore.AsyncConnectionPool
        self.peak = dict.fromkeys(pools, 0)
        self.stop = asyncio.Event()

    async def run(self) -> None:
        while not self.stop.is_set():
            for name, pool in self.pools.items():
                self.peak[name] = max(self.peak[name], len(pool.connections))
            await asyncio.sleep(0.01)

    def figures(self) -> dict[str, dict[str, int]]:
        return {
            name: {
                "max": pool._max_connections,
                "keepalive": pool._max_keepalive_connections,
                "peak": self.peak[name],
                "open_idle": len(pool.connections),  # once every turn has ended
            }
            for name, pool in self.pools.items()
        }


@dataclass(frozen=True)
class Case:
    """One measured run: `chats` chats whose messages arrive evenly over `ramp` seconds, with
    `NEMO_MAX_CONNECTIONS` as shipped (None) or `max_connections`, and turns of `shape` (None:
    the run's)."""

    chats: int
    ramp: float = 1.0
    max_connections: int | None = None
    trace: bool = False
    shape: TurnShape | None = None

    @property
    def shipped(self) -> bool:
        return self.max_connections is None

    def args(self) -> list[str]:
        flags = ["--bot", str(self.chats), "--ramp", str(self.ramp)]
        if self.max_connections is not None:
            flags += ["--max-connections", str(self.max_connections)]
        return flags + ["--trace"] * self.trace


async def run_bot(url: str, shape: TurnShape, case: Case) -> dict[str, Any]:
    from bot.app import _tune_gc
    from bot.backends.nemo import NemoBackend
    from bot.config import Settings
    from bot.conversation import Conversation
    from bot.models import ChatKey, Inbound, UserRef
    from bot.store import SqliteStore

    chats = case.chats
    limit: dict[str, Any] = {}
    if case.max_connections is not None:
        limit["nemo_max_connections"] = case.max_connections
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            backend="nemo",
            nemo_api_url=url,
            nemo_token=OPERATOR,
            data_dir=Path(tmp),
            edit_interval=1.0,
            **limit,
        )
        async with (
            SqliteStore(settings.database) as store,
            NemoBackend(settings, store) as backend,
        ):
            conversation = Conversation(settings, store, backend)
            try:
                # Start-up as `bot.app.serve` does it: resume, then the collector tuned before
                # any traffic.
                await conversation.resume()
                _tune_gc()
                # Warm-up: one chat's whole turn loads every code path and opens a connection.
                warm = Records(1, shape.texts)
                warm_key = ChatKey("warmup", "0")
                await conversation.handle(
                    Inbound(warm_key, UserRef("warmup", "0", "W"), REQUEST),
                    StampPort(warm_key, 0, warm),
                )
                await conversation.wait_idle()
                if warm.texts != shape.texts or warm.other:
                    raise RuntimeError(f"warm-up turn went wrong: {warm.other}")

                records = Records(chats, shape.texts)
                gc_pauses = GcPauses()
                lag = LoopLag()
                gc.collect()
                malloc_trim()
                if case.trace:
                    tracemalloc.start()
                    traced_before = tracemalloc.take_snapshot()
                rss_before = rss_mb()

                async def arrive(i: int) -> None:
                    await asyncio.sleep(case.ramp * i / chats)
                    # Made here, after the baseline: the core keeps the key, so it is its cost.
                    key = ChatKey("bench", str(i))
                    inbound = Inbound(key, UserRef("bench", str(i), f"user {i}"), REQUEST)
                    records.arrived_ns[i] = time.time_ns()
                    await conversation.handle(inbound, StampPort(key, i, records))

                # httpx keeps each client's httpcore pool on its transport: private, read only.
                client = backend.client
                watch = PoolWatch(
                    {
                        "streams": client.streams._transport._pool,  # type: ignore[attr-defined]
                        "short": client.http._transport._pool,  # type: ignore[attr-defined]
                    }
                )
                watcher = asyncio.create_task(watch.run())
                gc.callbacks.append(gc_pauses)
                lagger = asyncio.create_task(lag.run())
                started = time.time_ns()
                cpu_started = cpu_seconds()
                # Each chat's message in its own task, as an adapter hands concurrent updates
                # to the core.
                await asyncio.gather(*(arrive(i) for i in range(chats)))
                await conversation.wait_idle()
                ended = time.time_ns()
                cpu = cpu_seconds() - cpu_started
                gc.callbacks.remove(gc_pauses)
                lag.stop.set()
                await lagger
                watch.stop.set()
                await watcher
                pools = watch.figures()
                peak = peak_rss_mb()

                held = {
                    # What the core and the backend still keep per chat once all are idle.
                    "chats_held": len(conversation._chats),
                    "tasks_held": len(backend._tasks),
                }
                gc.collect()
                rss_idle = rss_mb()
                malloc_trim()
                rss_trimmed = rss_mb()
                traced: dict[str, Any] = {}
                if case.trace:
                    traced = retained(traced_before, tracemalloc.take_snapshot())
                    tracemalloc.stop()
            finally:
                await conversation.close(grace=0)

    n = records.texts
    latencies = sorted(records.latency_ns[:n])
    first_reply = sorted(
        reply - arrived
        for reply, arrived in zip(records.first_reply_ns, records.arrived_ns, strict=True)
        if reply
    )
    first_text = sorted(
        text - arrived
        for text, arrived in zip(records.first_text_ns, records.arrived_ns, strict=True)
        if text
    )
    delivered = sorted(records.delivered_ns[:n])
    span = (delivered[-1] - delivered[0]) / 1e9 if n > 1 else 0.0
    wall = (ended - started) / 1e9
    return {
        "chats": chats,
        "ramp": case.ramp,
        "max_connections": settings.nemo_max_connections,
        "max_connections_set": case.max_connections,
        "request_timeout_s": settings.nemo_request_timeout,
        "shape": [shape.interval, shape.ticks, shape.text_every],
        "pools": pools,
        "shipped": case.shipped,
        "gc_threshold": list(gc.get_threshold()),
        "gc_frozen": gc.get_freeze_count(),
        **held,
        "texts": n,
        "texts_expected": chats * shape.texts,
        "other": records.other[:5],
        "failed_chats": sum(records.failed),
        "edits": records.edits,
        "typing": records.typing,
        "p50_ms": _pct(latencies, 50) / 1e6,
        "p99_ms": _pct(latencies, 99) / 1e6,
        "max_ms": latencies[-1] / 1e6 if latencies else 0.0,
        "over_100ms": sum(1 for latency in latencies if latency > 100_000_000),
        "first_reply_p50_ms": _pct(first_reply, 50) / 1e6,
        "first_reply_p99_ms": _pct(first_reply, 99) / 1e6,
        "first_text_p50_s": _pct(first_text, 50) / 1e9,
        "first_text_min_s": (first_text[0] if first_text else 0) / 1e9,
        "first_text_max_s": (first_text[-1] if first_text else 0) / 1e9,
        "wall_s": wall,
        "cpu_s": cpu,
        "texts_at_s": [round((_pct(delivered, p) - started) / 1e9, 2) for p in (1, 50, 100)],
        "texts_per_s": n / span if span else 0.0,
        "events_per_s": chats * shape.events / wall,
        **gc_pauses.figures(),
        **lag.figures(),
        "rss_before_mb": rss_before,
        "rss_idle_mb": rss_idle,
        "rss_trimmed_mb": rss_trimmed,
        "peak_rss_mb": peak,
        "idle_kb_per_chat": (rss_idle - rss_before) * 1000 / chats,
        "trimmed_kb_per_chat": (rss_trimmed - rss_before) * 1000 / chats,
        **traced,
    }


def retained(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> dict[str, Any]:
    """Python memory allocated since `before` and still held, without this script's own."""
    ours = tracemalloc.Filter(False, __file__)
    changes = after.filter_traces([ours]).compare_to(before.filter_traces([ours]), "lineno")
    grown = [change for change in changes if change.size_diff > 0]
    return {
        "retained_bytes": sum(change.size_diff for change in changes),
        "retained_top": [
            f"{change.traceback[0]}: {change.size_diff} B in {change.count_diff}"
            for change in sorted(grown, key=lambda c: -c.size_diff)[:8]
        ],
    }


def _pct(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return 0.0
    rank = max(0, min(len(values) - 1, -(-len(values) * percent // 100) - 1))
    return float(values[int(rank)])


# --- the parent: one fake and one bot per case --------------------------------------------------


async def measure(case: Case, shape: TurnShape, profile: str | None = None) -> dict[str, Any]:
    """Run `case` in a fresh fake and a fresh bot process; the bot's figures and the fake's CPU,
    the machine's 1-minute load average before it (other work shares the cores), and how long the
    case took. Turns have the case's own shape if it has one, else `shape`."""
    load_before = os.getloadavg()[0]
    run_started = time.monotonic()
    shape = case.shape or shape
    shape_args = ["--interval", str(shape.interval), "--ticks", str(shape.ticks),
                  "--text-every", str(shape.text_every)]  # fmt: skip
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.core_chats", "--serve-fake", *shape_args,
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert fake.stdout is not None and fake.stdin is not None
    try:
        url = json.loads(await asyncio.wait_for(fake.stdout.readline(), 60))["url"]
        python = [sys.executable] + (["-m", "cProfile", "-o", profile] if profile else [])
        bot = await asyncio.create_subprocess_exec(
            *python, "-m", "benchmarks.core_chats", "--url", url, *case.args(), *shape_args,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(bot.communicate(), 300)
        if bot.returncode != 0:
            raise RuntimeError(f"the bot child of {case} failed ({bot.returncode})")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        fake.stdin.close()
        tail = await asyncio.wait_for(fake.stdout.read(), 30)
        await asyncio.wait_for(fake.wait(), 30)
    result["fake_cpu_s"] = json.loads(tail.decode().strip().splitlines()[-1])["cpu_s"]
    result["load_before"] = load_before
    result["run_s"] = time.monotonic() - run_started
    return result


def plan(sizes: list[int], rate: float, shape: TurnShape) -> list[Case]:
    """Every size arriving at `rate` chats a second as shipped; the largest again under
    tracemalloc; and the contrast: `CONTRAST_CHATS` chats on `CONTRAST_CONNECTIONS` stream
    connections, with turns that last about 40 s, so the second half waits a whole turn."""
    cases = [Case(chats, chats / rate) for chats in sizes]
    largest = max(sizes)
    cases.append(Case(largest, largest / rate, trace=True))
    long_turn = TurnShape(interval=2.0, ticks=20, text_every=shape.text_every)
    cases.append(Case(CONTRAST_CHATS, CONTRAST_CHATS / rate, CONTRAST_CONNECTIONS, shape=long_turn))
    return cases


async def main(sizes: list[int], shape: TurnShape, rate: float, write: bool) -> str:
    results: list[tuple[Case, dict[str, Any]]] = []
    for case in plan(sizes, rate, shape):
        result = await measure(case, shape)
        print(json.dumps(result), file=sys.stderr, flush=True)
        check(case, result)
        results.append((case, result))
    report = render(shape, rate, results)
    if write:
        write_section(SECTION, report)
    return report


def check(case: Case, result: dict[str, Any]) -> None:
    """Every chat got every text and nothing else, or the figures mean nothing. A turn that
    failed (the chat was told so instead) is a finding, counted in the table, not an error."""
    failed = result["failed_chats"]
    missing = result["texts_expected"] - result["texts"]
    if missing > failed * (result["texts_expected"] // case.chats):
        raise RuntimeError(
            f"{case}: {result['texts']} of {result['texts_expected']} texts, {failed} chats"
            f" got something else, e.g. {result['other']}"
        )


def case_of(result: dict[str, Any]) -> Case:
    """The case a result line was measured for."""
    interval, ticks, text_every = result["shape"]
    return Case(
        result["chats"],
        result["ramp"],
        result["max_connections_set"],
        "retained_bytes" in result,
        TurnShape(interval, ticks, text_every),
    )


def _pool(pool: dict[str, int]) -> str:
    return f"{pool['max']}, keep-alive {pool['keepalive']}"


def _label(case: Case, r: dict[str, Any]) -> str:
    """The pools a case ran with, as read from its client, as the tables name them."""
    pools = r["pools"]
    which = "shipped" if case.shipped else "contrast"
    return f"streams {_pool(pools['streams'])}; short calls {_pool(pools['short'])} ({which})"


def render(shape: TurnShape, rate: float, results: list[tuple[Case, dict[str, Any]]]) -> str:
    seconds = shape.ticks * shape.interval
    rows, memory = [], []
    for case, r in results:
        if case.trace:
            continue
        pool = _label(case, r)
        failed = f"**{r['failed_chats']}**" if r["failed_chats"] else "0"
        peaks = f"{r['pools']['streams']['peak']} / {r['pools']['short']['peak']}"
        rows.append(
            f"| {case.chats} | {case.ramp:g} s | {pool} | {peaks} | {failed} |"
            f" {r['p50_ms']:.1f} ms | {r['p99_ms']:.0f} ms | {r['max_ms']:.0f} ms |"
            f" {r['over_100ms'] / max(r['texts'], 1) * 100:.0f}% |"
            f" {r['first_reply_p99_ms']:.0f} ms |"
            f" {r['first_text_p50_s']:.1f} s ({r['first_text_max_s']:.1f} s) |"
            f" {r['texts_per_s']:.0f} | {r['events_per_s']:.0f} | {r['wall_s']:.0f} s |"
            f" {r['cpu_s']:.1f} s | {r['lag_p99_ms']:.0f} ms ({r['lag_max_ms']:.0f} ms) |"
            f" {r['gc_max_ms']:.0f} ms ({r['gc_total_ms'] / 1e3:.2f} s) |"
            f" {r['load_before']:.1f} |"
        )
        if not case.shipped:
            continue  # a handful of chats: per-chat memory would be noise
        peak_per_chat = (r["peak_rss_mb"] - r["rss_before_mb"]) * 1000 / case.chats
        memory.append(
            f"| {case.chats} | {r['rss_before_mb']:.1f} MB | {r['peak_rss_mb']:.1f} MB |"
            f" {peak_per_chat:.0f} KB | {r['rss_idle_mb']:.1f} MB |"
            f" {r['idle_kb_per_chat']:.0f} KB | {r['trimmed_kb_per_chat']:.0f} KB |"
            f" {r['chats_held']} | {r['tasks_held']} |"
        )
    traced_case, traced = next((case, r) for case, r in results if case.trace)
    per_chat = traced["retained_bytes"] / traced_case.chats
    top = "\n".join(f"- {_source(line, traced_case.chats)}" for line in traced["retained_top"][:7])
    failures = sorted({text for _, r in results for text in r["other"]})
    why = "; ".join(f"“{text}”" for text in failures) or "none"
    shipped = [(c, r) for c, r in results if c.shipped and not c.trace]
    largest = max(c.chats for c, _ in shipped)
    big = next(r for c, r in shipped if c.chats == largest)
    streams, short = big["pools"]["streams"], big["pools"]["short"]
    loads = [r["load_before"] for _, r in results]
    cores = os.cpu_count() or 1
    total = sum(r["run_s"] for _, r in results)
    span = f"{min(loads):.1f}" + (
        f" to {max(loads):.1f}" if max(loads) - min(loads) >= 0.05 else ""
    )
    shared = (
        f" In this run it was {span} on {cores} cores: other work shared them, so the latencies"
        " carry its noise; the bot's CPU time is the steadier figure."
        if max(loads) > cores
        else ""
    )
    return "\n".join([
        SECTION,
        "",
        f"`python -m benchmarks.core_chats` (this run: {total / 60:.0f} minutes): N chats, each"
        f" one turn of the real `Conversation` on the real `NemoBackend` and `SqliteStore`"
        f" against the NemoVideo fake on loopback, {cores} cores, Python"
        f" {platform.python_version()}. The fake and the bot run in fresh separate processes"
        f" for every case, so only the bot's CPU and memory are counted. Each turn is a tool"
        f" call, then {shape.ticks} `: ping` heartbeats {shape.interval:g} s apart"
        f" ({seconds:g} s, from a random phase) with an ADK text on every"
        f" {shape.text_every}th ({shape.texts} texts), each text carrying the wall time it was"
        f" emitted. The chats' messages arrive evenly, {rate:g} a second, each handed to"
        f" `Conversation.handle` in its own task as an adapter does; the core creates every"
        f" chat's session itself (`POST` session, job row, `GET` state, `/run_sse`)."
        f" **Shipped** is the product as it is now: the settings' defaults (except"
        f" `edit_interval` 1 s and an operator token) and `bot.app._tune_gc()` called after"
        f" start-up as `bot.app.serve` does (after `Conversation.resume()`, before any traffic:"
        f" `gc.freeze()`, thresholds {tuple(big['gc_threshold'])}). `NemoClient` then has two"
        f" pools, read from the running client: **streams** for turns, uploads and downloads"
        f" ({streams['max']} connections, `NEMO_MAX_CONNECTIONS`, {streams['keepalive']} kept"
        f" alive) and **short calls** for the rest ({short['max']} connections,"
        f" {short['keepalive']} kept alive). Every case checked that each chat got all its"
        f" texts and nothing else, except failed turns, which are counted.",
        "",
        *_contrast_setup(results),
        "Latency: from the fake's `time.time_ns()` just before it writes a text event to the"
        " port's `send_text` receiving it (same machine, same clock): loopback, httpx, SSE"
        " parsing, the core. Over 100 ms: the share of texts later than the target. Peak open:"
        " the most connections each pool held open at once (streams / short calls), sampled"
        " every 10 ms. First reply: from a chat's message to its first answer (the progress"
        " message). First text: from a chat's message to its turn's first text, median"
        " (longest); it includes any wait for a stream connection. Texts/s: texts delivered"
        " over the span from the first to the last; events/s: every backend event (tool call,"
        " heartbeats, texts) over the wall time. CPU: the bot process over the run. Loop lag:"
        " how late a 10 ms sleep wakes, p99 (longest). GC: the longest collection (all"
        " collections together). Load: the machine's 1-minute load average before the case."
        + shared,
        "",
        "| chats | arriving over | pools | peak open | failed turns | p50 latency | p99 latency"
        " | max | over 100 ms | first reply p99 | first text | texts/s | events/s | wall |"
        " bot CPU | loop lag p99 (max) | GC pause max (total) | load before |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Failed turns answered: {why}",
        "",
        "Memory, for the shipped sizes. Baseline: after a warm-up chat's whole turn, before the"
        " N chats. Peak: the process's high-water mark (ru_maxrss); per chat: (peak − baseline)"
        " / N. Idle: every turn over, `gc.collect()`; per idle chat: (idle − baseline) / N;"
        " trimmed: after glibc `malloc_trim(0)` as well. Chats held: entries left in"
        " `Conversation._chats` once every chat is idle; task ids held: entries in"
        " `NemoBackend._tasks` (the warm-up chat's included).",
        "",
        "| chats | RSS baseline | peak RSS | peak per chat | RSS idle | RSS per idle chat |"
        " per idle chat, trimmed | chats held | task ids held |",
        "|---|---|---|---|---|---|---|---|---|",
        *memory,
        "",
        f"What the core still holds, by tracemalloc ({traced_case.chats} chats arriving over"
        f" {traced_case.ramp:g} s as shipped, a separate run whose timings are not used; the"
        f" benchmark's own allocations excluded): {traced['retained_bytes'] / 1e6:.2f} MB,"
        f" {per_chat:.0f} bytes per idle chat. Largest sources:",
        "",
        top,
        "",
        "Targets at 1000 chats: p99 under 100 ms, under 100 KB per idle chat.",
        "",
        verdict(results),
        "",
        "What the figures show:",
        "",
        *_findings(results),
        "",
    ])  # fmt: skip


def _contrast_setup(results: list[tuple[Case, dict[str, Any]]]) -> list[str]:
    """The paragraph that says what the contrast row is, if the run had one."""
    contrast = next(((c, r) for c, r in results if not c.shipped), None)
    if contrast is None:
        return []
    case, r = contrast
    interval, ticks, text_every = r["shape"]
    return [
        f"The **contrast** row: {case.chats} chats on {r['pools']['streams']['max']} stream"
        f" connections (`NEMO_MAX_CONNECTIONS={case.max_connections}`), each turn"
        f" {ticks * interval:g} s ({ticks} heartbeats {interval:g} s apart, a text on every"
        f" {text_every}th), everything else as shipped. Once every stream connection is taken,"
        f" a turn has to wait for one to be freed, here about a whole turn, longer than the"
        f" {r['request_timeout_s']:g} s request timeout (`NEMO_REQUEST_TIMEOUT`): the row"
        f" shows whether such turns wait or fail.",
        "",
    ]


def _findings(results: list[tuple[Case, dict[str, Any]]]) -> list[str]:
    """The findings as bullets, every figure from `results`."""
    shipped = sorted(((c, r) for c, r in results if c.shipped and not c.trace), key=_chats)
    largest, big = shipped[-1]
    streams, short = big["pools"]["streams"], big["pools"]["short"]
    cpu = ", ".join(f"{r['cpu_s'] / c.chats * 1e3:.0f} ms at {c.chats}" for c, r in shipped)
    lags = ", ".join(f"{r['lag_p99_ms']:.0f} ms at {c.chats}" for c, r in shipped)
    p99s = ", ".join(f"{r['p99_ms']:.0f} ms at {c.chats}" for c, r in shipped)
    found = [
        f"- **Pools.** At {largest.chats} chats the stream pool held up to {streams['peak']}"
        f" connections open at once (of {streams['max']}) and {streams['open_idle']} once every"
        f" turn had ended; the short-call pool held up to {short['peak']} (of {short['max']})"
        f" and kept {short['open_idle']} open at the end (it keeps up to {short['keepalive']}).",
        "",  # the cost per chat, below
        f"- **Garbage collection:** with `_tune_gc()` the longest collection at"
        f" {largest.chats} chats was {big['gc_max_ms']:.0f} ms, all together"
        f" {big['gc_total_ms'] / 1e3:.2f} s of a {big['wall_s']:.0f} s run.",
    ]
    first, last = shipped[0][1]["cpu_s"] / shipped[0][0].chats, big["cpu_s"] / largest.chats
    grows = "grows with the chats" if last > 1.5 * first else "stays about level"
    found[1] = (
        f"- **The bot's CPU per chat {grows}** ({last / first:.1f}× from"
        f" {shipped[0][0].chats} to {largest.chats} chats): {cpu}. p99 latency: {p99s}; the"
        f" loop's p99 lag: {lags}."
    )
    contrast = next(((c, r) for c, r in results if not c.shipped), None)
    if contrast is not None:
        case, r = contrast
        interval, ticks, _ = r["shape"]
        waited = r["first_text_max_s"] - r["first_text_min_s"]
        failed = r["failed_chats"]
        waits = "wait" if not failed and waited > r["request_timeout_s"] else "do not all wait"
        outcome = (
            "none failed"
            if not failed
            else f"**{failed} failed** (answered: {'; '.join(r['other']) or '?'})"
        )
        found.append(
            f"- **Turns past `NEMO_MAX_CONNECTIONS` {waits}.** In the contrast the stream pool"
            f" held up to {r['pools']['streams']['peak']} connections while the short-call pool"
            f" served the session and state calls (up to {r['pools']['short']['peak']} open)."
            f" The first chat saw its turn's first text {r['first_text_min_s']:.1f} s after its"
            f" message, the last {r['first_text_max_s']:.1f} s after: {waited:.0f} s later,"
            f" against {ticks * interval:g} s turns and a {r['request_timeout_s']:g} s request"
            f" timeout. Of {case.chats} turns {outcome}; the texts that came had p99"
            f" {r['p99_ms']:.0f} ms."
        )
    traced = next(r for c, r in results if c.trace)
    live = traced["retained_bytes"] / traced["chats"] / 1000
    held = (
        "`Conversation._chats` was empty once every turn ended at every size"
        if all(r["chats_held"] == 0 for _, r in shipped)
        else "`Conversation._chats` still held chats once every turn ended (the chats held column)"
    )
    kept = (
        "; `NemoBackend._tasks` held one entry per chat ever seen (the task ids column), so it"
        " grows with every new chat"
        if all(r["tasks_held"] == c.chats + 1 for c, r in shipped)
        else ""
    )
    found.append(
        f"- **Memory:** {big['idle_kb_per_chat']:.0f} KB of RSS per idle chat at"
        f" {largest.chats} chats ({big['trimmed_kb_per_chat']:.0f} KB after `malloc_trim`),"
        f" of which {live:.1f} KB are Python allocations still live by tracemalloc; the rest"
        f" is memory the process keeps beyond them. {held}{kept}."
    )
    return found


def _chats(item: tuple[Case, dict[str, Any]]) -> int:
    return item[0].chats


def verdict(results: list[tuple[Case, dict[str, Any]]]) -> str:
    """One paragraph: the largest shipped size's figures against the targets."""
    shipped_cases = [(c, r) for c, r in results if c.shipped and not c.trace]
    largest = max(c.chats for c, _ in shipped_cases)
    shipped = next(r for c, r in shipped_cases if c.chats == largest)
    idle = shipped["idle_kb_per_chat"]
    met = shipped["p99_ms"] < 100 and not shipped["failed_chats"]
    failed = shipped["failed_chats"]
    late = shipped["over_100ms"] / max(shipped["texts"], 1) * 100
    return (
        f"**Result at {largest} chats, as shipped.** p99 latency {'met' if met else 'missed'}:"
        f" {shipped['p99_ms']:.0f} ms ({late:.0f}% of texts over 100 ms), {failed} of"
        f" {largest} turns failed. Memory {'met' if idle < 100 else 'missed'}: {idle:.0f} KB of"
        f" RSS per idle chat."
    )


SOURCES = {
    "decoder.py": "a session id and a task id per chat, kept in `NemoBackend._tasks`",
    "_asyncio.py": "anyio locks and read queues of open connections (per connection)",
    "locks.py": "asyncio events of open connections (per connection)",
}


def _source(line: str, chats: int) -> str:
    """`line` from `retained` shortened, with what it is where known."""
    where, _, rest = line.partition(": ")
    file, _, number = where.rpartition(":")
    count = int(rest.rsplit(" in ", 1)[1])
    name = Path(file).name
    if name in SOURCES:
        note = SOURCES[name]
    elif count < 10:
        blocks = "block" if count == 1 else "blocks"
        note = f"{count} {blocks} for {chats} chats: not per chat (a container grown and kept)"
    else:
        note = ""
    shown = f"`{name}:{number}`: {rest}"
    return f"{shown} — {note}" if note else shown


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--rate", type=float, default=100.0, help="chats arriving per second")
    parser.add_argument("--interval", type=float, default=TurnShape.interval)
    parser.add_argument("--ticks", type=int, default=TurnShape.ticks)
    parser.add_argument("--text-every", type=int, default=TurnShape.text_every)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument(
        "--profile", metavar="FILE", help="one case (the first --chats) under cProfile, to FILE"
    )
    parser.add_argument(
        "--max-connections", type=int, help="NEMO_MAX_CONNECTIONS, the stream pool's size"
    )
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ramp", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--render", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--bot", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    turn_shape = TurnShape(args.interval, args.ticks, args.text_every)
    if args.serve_fake:
        asyncio.run(serve_fake(turn_shape))
    elif args.bot:
        bot_case = Case(args.bot, args.ramp, args.max_connections, args.trace)
        print(json.dumps(asyncio.run(run_bot(args.url, turn_shape, bot_case))), flush=True)
    elif args.render:  # the report again from the figures a run printed to stderr
        found = [json.loads(line) for line in Path(args.render).read_text().splitlines()]
        done = [(case_of(r), r) for r in found]
        report = render(turn_shape, args.rate, done)
        if not args.no_write:
            write_section(SECTION, report)
        print(report)
    elif args.profile:
        one = Case(args.chats[0], args.chats[0] / args.rate, args.max_connections)
        print(json.dumps(asyncio.run(measure(one, turn_shape, args.profile)), indent=1))
    else:
        print(asyncio.run(main(args.chats, turn_shape, args.rate, not args.no_write)))
