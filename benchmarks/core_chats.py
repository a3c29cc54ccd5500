"""The conversation core under many concurrent chats: latency, throughput and memory per chat.

    python -m benchmarks.core_chats                     # 100, 500, 1000 chats; writes its section
    python -m benchmarks.core_chats --no-write          # prints only
    python -m benchmarks.core_chats --chats 1000 --profile core.prof   # cProfile the bot side

Every case runs in two fresh child processes, so neither one's memory nor CPU is counted as the
other's:

- the fake (`--serve-fake`): `tests.fakes.nemovideo.FakeNemo` on loopback whose every turn is
  one tool call, then `ticks` ticks `interval` apart, each a `: ping` heartbeat, and on every
  `text_every`-th tick an ADK text event whose text carries the wall time of its emission
  (`time.time_ns()` just before the write). Each turn starts at a random phase within the first
  interval, so chats are not in lockstep; it prints its URL and serves until stdin closes.
- the bot (`--bot N`): a real `SqliteStore` in a temporary directory, a real `NemoBackend` on the
  fake with an operator token, a real `Conversation`, and one small port per chat that notes when
  `send_text` receives each stamped text. N messages ("compress this video to under 50MB") are
  handed to `Conversation.handle` at once, one per chat, and the core creates each chat's session
  itself; then `wait_idle()`. Latency = the port call's wall time minus the stamp (same machine,
  same clock). It prints one JSON line of figures.

Memory: RSS is read from /proc (current) and `ru_maxrss` (peak). The baseline is taken after a
warm-up chat has run one whole turn (code loaded, connections made) and the port's record arrays
are allocated; the idle figure after every turn has ended, ports dropped and `gc.collect()`; then
again after glibc's `malloc_trim(0)` returns freed heap to the system, which separates live data
from a high-water mark the allocator keeps. A separate run per N with `tracemalloc` on gives the
Python objects the core still holds per idle chat (tracemalloc slows the process, so its latency
figures are not used).

Connections: `NemoClient` caps its pool at 200 connections, so with more chats than that the
surplus turns wait in httpx's pool for a stream to end. Each N runs with the client as shipped
and again with a transport whose limit exceeds N (the `transport` option `NemoClient` offers for
tests and benchmarks), so the cap's effect shows on its own.
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

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Conversation core"
OPERATOR = "nmv_usr_benchmark"
REQUEST = "compress this video to under 50MB"
STAMP = re.compile(r"stamp=(\d+)")
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1_000_000
CLIENT_LIMIT = 200  # NemoClient's own max_connections
RAISED_LIMIT = 2000


@dataclass(frozen=True)
class TurnShape:
    """What every turn of the fake sends: one tool call, then `ticks` heartbeats `interval`
    apart, with a stamped text on every `text_every`-th tick."""

    interval: float = 0.2
    ticks: int = 8
    text_every: int = 2

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
        self.first_reply_ns = array.array("q", bytes(8 * chats))
        self.texts = 0
        self.other: list[str] = []  # anything but a stamped text or the progress message
        self.edits = 0
        self.typing = 0

    def text(self, index: int, text: str) -> None:
        now = time.time_ns()
        if not self.first_reply_ns[index]:
            self.first_reply_ns[index] = now
        found = STAMP.search(text)
        if found is None:
            if not text.startswith("⏳"):
                self.other.append(text)
            return
        self.latency_ns[self.texts] = now - int(found[1])
        self.delivered_ns[self.texts] = now
        self.texts += 1


class StampPort:
    """A `bot.ports.Port` that only tells `Records` what it was asked to do."""

    reply_to: str | None = None
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
            self._records.other.append(text)

    async def typing(self, action: str = "typing") -> None:
        self._records.typing += 1

    async def send_video(self, video: Any, caption: str) -> Any:
        self._records.other.append(f"video: {caption}")
        return self._ref()

    async def send_link(self, text: str, url: str, label: str) -> Any:
        self._records.other.append(f"link: {text}")
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
        return {"lag_p50_ms": _pct(lags, 50) * 1e3, "lag_p99_ms": _pct(lags, 99) * 1e3}


@dataclass(frozen=True)
class Case:
    """One measured run: `chats` chats whose messages arrive evenly over `ramp` seconds, on the
    client's own connection pool ("shipped") or a raised one."""

    chats: int
    pool: str = "shipped"
    ramp: float = 1.0
    trace: bool = False

    def args(self) -> list[str]:
        flags = ["--bot", str(self.chats), "--pool", self.pool, "--ramp", str(self.ramp)]
        return flags + (["--trace"] if self.trace else [])


async def run_bot(url: str, shape: TurnShape, case: Case) -> dict[str, Any]:
    import httpx

    from bot.backends.nemo import NemoBackend
    from bot.config import Settings
    from bot.conversation import Conversation
    from bot.models import ChatKey, Inbound, UserRef
    from bot.store import SqliteStore

    chats = case.chats
    options: dict[str, Any] = {}
    if case.pool == "raised":
        limits = httpx.Limits(max_connections=RAISED_LIMIT, max_keepalive_connections=20)
        options["transport"] = httpx.AsyncHTTPTransport(limits=limits)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            backend="nemo",
            nemo_api_url=url,
            nemo_token=OPERATOR,
            data_dir=Path(tmp),
            edit_interval=1.0,
        )
        async with (
            SqliteStore(settings.database) as store,
            NemoBackend(settings, store, **options) as backend,
        ):
            conversation = Conversation(settings, store, backend)
            try:
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
                    await conversation.handle(inbound, StampPort(key, i, records))

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
                peak = peak_rss_mb()

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
    first_reply = sorted(reply - started for reply in records.first_reply_ns if reply)
    delivered = sorted(records.delivered_ns[:n])
    span = (delivered[-1] - delivered[0]) / 1e9 if n > 1 else 0.0
    wall = (ended - started) / 1e9
    return {
        "chats": chats,
        "pool": case.pool,
        "ramp": case.ramp,
        "texts": n,
        "texts_expected": chats * shape.texts,
        "other": records.other[:5],
        "other_count": len(records.other),
        "edits": records.edits,
        "typing": records.typing,
        "p50_ms": _pct(latencies, 50) / 1e6,
        "p99_ms": _pct(latencies, 99) / 1e6,
        "max_ms": latencies[-1] / 1e6 if latencies else 0.0,
        "first_reply_p50_ms": _pct(first_reply, 50) / 1e6,
        "first_reply_p99_ms": _pct(first_reply, 99) / 1e6,
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
    """Run `case` in a fresh fake and a fresh bot process; the bot's figures and the fake's CPU."""
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
    return result


def plan(sizes: list[int], ramp: float) -> list[Case]:
    """Every size on the shipped pool; above its limit on a raised one too; the largest also
    all at once (no ramp), and once more under tracemalloc."""
    cases = []
    for chats in sizes:
        cases.append(Case(chats, "shipped", ramp))
        if chats > CLIENT_LIMIT:
            cases.append(Case(chats, "raised", ramp))
    largest = max(sizes)
    cases.append(Case(largest, "raised" if largest > CLIENT_LIMIT else "shipped", 0.0))
    cases.append(Case(largest, "shipped", ramp, trace=True))
    return cases


async def main(sizes: list[int], shape: TurnShape, ramp: float, write: bool) -> str:
    results: list[tuple[Case, dict[str, Any]]] = []
    for case in plan(sizes, ramp):
        result = await measure(case, shape)
        print(json.dumps(result), file=sys.stderr, flush=True)
        check(result)
        results.append((case, result))
    report = render(shape, results)
    if write:
        update_section(ROOT / "docs" / "benchmarks.md", report)
    return report


def check(result: dict[str, Any]) -> None:
    """Every chat got every text and nothing else went wrong, or the figures mean nothing."""
    if result["texts"] != result["texts_expected"] or result["other_count"]:
        raise RuntimeError(
            f"{result['chats']} chats ({result['pool']} pool): {result['texts']} of"
            f" {result['texts_expected']} texts, {result['other_count']} unexpected messages,"
            f" e.g. {result['other']}"
        )


def render(shape: TurnShape, results: list[tuple[Case, dict[str, Any]]]) -> str:
    seconds = shape.ticks * shape.interval
    rows, memory = [], []
    traced = next(r for case, r in results if case.trace)
    for case, r in results:
        if case.trace:
            continue
        limit = f"{CLIENT_LIMIT} (shipped)" if case.pool == "shipped" else f"{RAISED_LIMIT}"
        arrival = f"over {case.ramp:g} s" if case.ramp else "at once"
        rows.append(
            f"| {case.chats} | {arrival} | {limit} | {r['p50_ms']:.1f} ms |"
            f" {r['p99_ms']:.0f} ms | {r['max_ms']:.0f} ms | {r['first_reply_p99_ms']:.0f} ms |"
            f" {r['texts_per_s']:.0f} | {r['events_per_s']:.0f} | {r['wall_s']:.1f} s |"
            f" {r['cpu_s']:.1f} s | {r['lag_p99_ms']:.0f} ms | {r['gc_max_ms']:.0f} ms"
            f" ({r['gc_total_ms'] / 1e3:.1f} s) |"
        )
        if case.pool == "shipped":
            objects = ""
            if case.chats == traced["chats"] and case.ramp == traced["ramp"]:
                objects = f"{traced['retained_bytes'] / case.chats / 1000:.2f} KB"
            memory.append(
                f"| {case.chats} | {r['rss_before_mb']:.1f} MB | {r['peak_rss_mb']:.1f} MB"
                f" ({(r['peak_rss_mb'] - r['rss_before_mb']) * 1000 / case.chats:.0f} KB per"
                f" chat) | {r['rss_idle_mb']:.1f} MB | {r['idle_kb_per_chat']:.1f} KB |"
                f" {r['trimmed_kb_per_chat']:.1f} KB | {objects or '—'} |"
            )
    top = "\n".join(f"    {line}" for line in traced["retained_top"][:5])
    cpu = os.cpu_count()
    python = platform.python_version()
    return "\n".join([
        SECTION,
        "",
        f"`python -m benchmarks.core_chats`: N chats, each one turn of the real `Conversation`"
        f" on the real `NemoBackend` and `SqliteStore` against the NemoVideo fake on loopback;"
        f" {cpu} cores, Python {python}. The fake and the bot run in fresh separate processes"
        f" per case, so only the bot's CPU and memory are counted. Every turn is a tool call,"
        f" then {shape.ticks} `: ping` heartbeats {shape.interval:g} s apart ({seconds:g} s,"
        f" from a random phase) with an ADK text on every {shape.text_every}nd"
        f" ({shape.texts} texts), each carrying the wall time it was emitted. Each chat's"
        f" message goes to `Conversation.handle` in its own task, the N arriving evenly over"
        f" the time given; the core creates every chat's session itself (`POST` session, job"
        f" row, `GET` state, `/run_sse`). Production settings except `edit_interval` 1 s and an"
        f" operator token (`still_working_interval` default). Every case checked that each chat"
        f" got all its texts and no other message.",
        "",
        "Latency: from the fake's `time.time_ns()` just before it writes a text event to the"
        " port's `send_text` receiving it (same machine, same clock): loopback, httpx, SSE"
        " parsing, the core. First reply: from the first message to the last chat's first"
        " answer (the progress message). Texts/s: texts delivered over the span from the first"
        " to the last; events/s: every backend event (tool call, heartbeats, texts) over the"
        " wall time. CPU: the bot process. Loop lag: how late a 10 ms sleep wakes. GC: the"
        " longest collection (all collections together).",
        "",
        "| chats | arriving | connection limit | p50 latency | p99 latency | max | first reply"
        " p99 | texts/s | events/s | wall | bot CPU | loop lag p99 | GC pause max (total) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Memory on the shipped pool. Baseline: after a warm-up chat's whole turn. Idle: every"
        " turn over, `gc.collect()`; trimmed: then glibc `malloc_trim(0)`. Objects: tracemalloc"
        " in a separate run of the largest case, Python memory still held after the turns"
        " (the benchmark's own excluded), per chat.",
        "",
        "| chats | RSS baseline | peak RSS | RSS idle | RSS per idle chat | per idle chat,"
        " trimmed | objects per idle chat |",
        "|---|---|---|---|---|---|---|",
        *memory,
        "",
        f"What the core still holds per idle chat, largest first ({traced['chats']} chats):",
        "",
        top,
        "",
        "Targets at 1000 chats: p99 under 100 ms, under 100 KB per idle chat.",
        "",
    ])  # fmt: skip


def update_section(path: Path, report: str) -> None:
    """Replace this benchmark's own `##` section, leaving every other section as it is."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == SECTION), None)
    if start is None:
        path.write_text(text.rstrip("\n") + "\n\n" + report)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = "".join(lines[end:])
    path.write_text("".join(lines[:start]) + report + ("\n" + rest if rest else ""))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds over which chats arrive")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--ticks", type=int, default=8)
    parser.add_argument("--text-every", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument(
        "--profile", metavar="FILE", help="one case (the first --chats) under cProfile, to FILE"
    )
    parser.add_argument("--pool", choices=["shipped", "raised"], default="shipped")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bot", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    turn_shape = TurnShape(args.interval, args.ticks, args.text_every)
    if args.serve_fake:
        asyncio.run(serve_fake(turn_shape))
    elif args.bot:
        bot_case = Case(args.bot, args.pool, args.ramp, args.trace)
        print(json.dumps(asyncio.run(run_bot(args.url, turn_shape, bot_case))), flush=True)
    elif args.profile:
        one = Case(args.chats[0], args.pool, args.ramp)
        print(json.dumps(asyncio.run(measure(one, turn_shape, args.profile)), indent=1))
    else:
        print(asyncio.run(main(args.chats, turn_shape, args.ramp, not args.no_write)))
