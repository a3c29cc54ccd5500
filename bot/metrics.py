"""Prometheus metrics: every collector in one place, on a registry of our own.

The core and the adapters call the small functions below; `bot.http` serves `render()` at
`/metrics`. The collectors live on a `Metrics` object with its own `CollectorRegistry` (not the
global default), so tests and several app instances in one process never clash: `install(Metrics())`
gives a fresh set and returns it.

What to call, and what it counts:

==============================================  ===================================================
call                                            metric
==============================================  ===================================================
`update_received(platform)`                     `clipbridge_updates_received_total{platform}`
`turn_started()`                                `clipbridge_turns_started_total`,
                                                `clipbridge_jobs_in_flight{kind="turn"}` +1
`turn_finished(seconds, outcome)`               `clipbridge_turns_total{outcome}`,
                                                `clipbridge_turn_duration_seconds`, in flight -1
`export_started()`                              `clipbridge_exports_started_total`,
                                                `clipbridge_jobs_in_flight{kind="export"}` +1
`export_finished(seconds, outcome)`             `clipbridge_exports_total{outcome}`,
                                                `clipbridge_job_duration_seconds{kind="export"}`
`encode_started()` / `encode_finished(s, o)`    the same for local encodes (`kind="encode"`)
`timed(kind)`                                   a context manager calling the two above, with the
                                                outcome taken from how the block ends
`failure(code)`                                 `clipbridge_failures_total{code}`: an error class
                                                name (`NoCredits`) or an exception
`set_queue_depth(n)`                            `clipbridge_queue_depth` (jobs waiting for a slot)
`bytes_relayed(n, direction)`                   `clipbridge_relayed_bytes_total{direction}`:
                                                `in` (chat to backend) or `out` (result to chat)
`set_cluster_queue(waiting, running)`           cluster mode, counted in the shared queue's table
                                                at each scrape (the same figures from every
                                                process: take the max, not the sum):
                                                `clipbridge_queue_depth` (the shared queue's
                                                waiting jobs), `clipbridge_cluster_jobs_running`
`queue_job_started(wait)` / `_finished()`       `clipbridge_queue_wait_seconds` (defer to start,
                                                first attempts), and
                                                `clipbridge_worker_jobs_running` (this process)
`stalled_job(outcome)`                          `clipbridge_stalled_jobs_total{outcome}`: a
                                                silent worker's job this process found and
                                                `retried` or `dropped` (out of attempts)
==============================================  ===================================================

`outcome` is one of `ok`, `failed`, `cancelled`. Label values are a short closed set: pass error
class names, never user text or ids. `clipbridge_info{version}` and the process collector
(memory, CPU, open files) come with every registry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from bot import __version__
from bot.errors import Cancelled

__all__ = [
    "CONTENT_TYPE",
    "Metrics",
    "Outcome",
    "bytes_relayed",
    "current",
    "encode_finished",
    "encode_started",
    "export_finished",
    "export_started",
    "failure",
    "install",
    "queue_job_finished",
    "queue_job_started",
    "render",
    "set_cluster_queue",
    "set_queue_depth",
    "stalled_job",
    "timed",
    "turn_finished",
    "turn_started",
    "update_received",
]

Outcome = Literal["ok", "failed", "cancelled"]
JobKind = Literal["turn", "export", "encode"]
Direction = Literal["in", "out"]
Stalled = Literal["retried", "dropped"]

CONTENT_TYPE = CONTENT_TYPE_LATEST

# A turn streams for seconds to 15 minutes; a render or encode for seconds to an hour.
_TURN_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900)
_JOB_BUCKETS = (5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)
# Defer to start: tens of milliseconds when a worker is free (NOTIFY), up to a job's length when
# the chat's earlier job runs or every worker is busy.
_WAIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)


class Metrics:
    """One registry and its collectors. `install()` makes an instance the one the functions use."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        info = Gauge("clipbridge_info", "The running version.", ["version"], registry=r)
        info.labels(__version__).set(1)
        self.updates = Counter(
            "clipbridge_updates_received",
            "Updates received from chat platforms.",
            ["platform"],
            registry=r,
        )
        self.started = Counter(
            "clipbridge_jobs_started", "Turns, exports and encodes started.", ["kind"], registry=r
        )
        self.turns = Counter(
            "clipbridge_turns", "Turns finished, by outcome.", ["outcome"], registry=r
        )
        self.exports = Counter(
            "clipbridge_exports", "Exports finished, by outcome.", ["outcome"], registry=r
        )
        self.encodes = Counter(
            "clipbridge_encodes", "Local encodes finished, by outcome.", ["outcome"], registry=r
        )
        self.failures = Counter(
            "clipbridge_failures", "Failures shown to people, by error.", ["code"], registry=r
        )
        self.queue_depth = Gauge(
            "clipbridge_queue_depth",
            "Jobs waiting for a free slot (cluster mode: in the shared queue, all processes).",
            registry=r,
        )
        self.in_flight = Gauge(
            "clipbridge_jobs_in_flight", "Jobs running now, by kind.", ["kind"], registry=r
        )
        self.relayed = Counter(
            "clipbridge_relayed_bytes",
            "Bytes streamed between chats and backends.",
            ["direction"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "clipbridge_turn_duration_seconds",
            "How long turns take.",
            buckets=_TURN_BUCKETS,
            registry=r,
        )
        self.job_seconds = Histogram(
            "clipbridge_job_duration_seconds",
            "How long exports and encodes take.",
            ["kind"],
            buckets=_JOB_BUCKETS,
            registry=r,
        )
        self.cluster_running = Gauge(
            "clipbridge_cluster_jobs_running",
            "Cluster mode: jobs running in the shared queue, all processes (as of this scrape).",
            registry=r,
        )
        self.queue_wait = Histogram(
            "clipbridge_queue_wait_seconds",
            "Cluster mode: seconds from a job's defer to its start here (first attempts).",
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self.worker_running = Gauge(
            "clipbridge_worker_jobs_running",
            "Cluster mode: jobs of the shared queue this process runs now.",
            registry=r,
        )
        self.stalled = Counter(
            "clipbridge_stalled_jobs",
            "Cluster mode: jobs of silent workers this process found, by what it did.",
            ["outcome"],
            registry=r,
        )
        # Zero-valued series exist from the start, so dashboards and rate() see them at once.
        for outcome in ("retried", "dropped"):
            self.stalled.labels(outcome)
        for kind in ("turn", "export", "encode"):
            self.in_flight.labels(kind)
            self.started.labels(kind)
        for direction in ("in", "out"):
            self.relayed.labels(direction)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when absent): for tests and the doctor."""
        found = self.registry.get_sample_value(name, labels)
        return found if found is not None else 0.0


_current = Metrics()


def current() -> Metrics:
    return _current


def install(metrics: Metrics) -> Metrics:
    """Make `metrics` the set the functions below update; returns it."""
    global _current  # noqa: PLW0603 - the one switch between registries, for tests and apps
    _current = metrics
    return metrics


def render() -> bytes:
    return _current.render()


def update_received(platform: str) -> None:
    _current.updates.labels(platform).inc()


def _started(kind: JobKind) -> None:
    _current.started.labels(kind).inc()
    _current.in_flight.labels(kind).inc()


def _finished(kind: JobKind, seconds: float, outcome: Outcome) -> None:
    _current.in_flight.labels(kind).dec()
    if kind == "turn":
        _current.turns.labels(outcome).inc()
        _current.turn_seconds.observe(seconds)
        return
    counter = _current.exports if kind == "export" else _current.encodes
    counter.labels(outcome).inc()
    _current.job_seconds.labels(kind).observe(seconds)


def turn_started() -> None:
    _started("turn")


def turn_finished(seconds: float, outcome: Outcome) -> None:
    _finished("turn", seconds, outcome)


def export_started() -> None:
    _started("export")


def export_finished(seconds: float, outcome: Outcome) -> None:
    _finished("export", seconds, outcome)


def encode_started() -> None:
    _started("encode")


def encode_finished(seconds: float, outcome: Outcome) -> None:
    _finished("encode", seconds, outcome)


@contextmanager
def timed(kind: JobKind) -> Iterator[None]:
    """Count a job from start to end: `ok` when the block returns, `cancelled` on cancellation or
    a `Cancelled` error, `failed` on any other exception (which is re-raised)."""
    _started(kind)
    begun = time.monotonic()
    outcome: Outcome = "failed"
    try:
        yield
        outcome = "ok"
    except (Cancelled, asyncio.CancelledError):
        outcome = "cancelled"
        raise
    finally:
        _finished(kind, time.monotonic() - begun, outcome)


def failure(code: str | BaseException) -> None:
    """Count a failure by its error class name (pass the exception or the name)."""
    name = code if isinstance(code, str) else type(code).__name__
    _current.failures.labels(name).inc()


def set_queue_depth(n: int) -> None:
    _current.queue_depth.set(n)


def bytes_relayed(n: int, direction: Direction) -> None:
    _current.relayed.labels(direction).inc(n)


def set_cluster_queue(waiting: int, running: int) -> None:
    _current.queue_depth.set(waiting)
    _current.cluster_running.set(running)


def queue_job_started(wait: float | None) -> None:
    """A queue job starts in this process; `wait`: seconds since its defer, when known."""
    _current.worker_running.inc()
    if wait is not None:
        _current.queue_wait.observe(max(wait, 0.0))


def queue_job_finished() -> None:
    _current.worker_running.dec()


def stalled_job(outcome: Stalled) -> None:
    _current.stalled.labels(outcome).inc()
