"""A worker's `/healthz`, `/readyz` and `/metrics`, over real HTTP: real `clipbridge worker`
processes on the throwaway PostgreSQL, jobs deferred by a front in this process."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from bot.cluster.observe import serving
from bot.streams import file_attachment
from tests.cluster.conftest import NodeFactory
from tests.cluster.test_failures import STALLED_AFTER, until, worker_process
from tests.core.conftest import fake_ffmpeg
from tests.recording_port import RecordingPort
from tests.support.postgres import free_port


def sample(text: str, name: str, **labels: str) -> float | None:
    """A sample's value in a /metrics answer (None when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


async def until_answers(url: str, timeout: float = 60.0) -> None:
    """Until the process's HTTP server answers (it offers no event across processes)."""
    async with httpx.AsyncClient() as client, asyncio.timeout(timeout):
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


def videos(out: Path, chat: str) -> int:
    file = out / f"{chat}.jsonl"
    if not file.exists():
        return 0
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    return sum(1 for line in lines if line["kind"] in ("video", "link"))


async def test_a_worker_serves_health_readiness_and_the_queues_figures(
    node: NodeFactory,
    chat: Callable[[str], RecordingPort],
    tiny_mp4: Path,
    tmp_path: Path,
    database_url: str,
) -> None:
    started = tmp_path / "encode-started"
    slow = fake_ffmpeg(tmp_path, f"touch {started}; exec sleep 60")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    base = {"DATABASE_URL": database_url, "BACKEND": "local", "HTTP_HOST": "127.0.0.1"}
    one_port, two_port = free_port(), free_port()
    doomed_env = {**base, "FFMPEG_PATH": str(slow), "HTTP_PORT": str(one_port)}
    settings = {"backend": "local", "worker_stalled_after": STALLED_AFTER}
    video = (file_attachment(tiny_mp4),)
    async with (
        node(**settings) as front,
        worker_process(first, doomed_env) as doomed,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{one_port}", timeout=10) as http,
    ):
        await until_answers(f"http://127.0.0.1:{one_port}/healthz")
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "checks": {"store": "ok", "queue": "ok"}}

        await front.say(chat("1"), "compress to under 40KB", attachments=video)
        await front.say(chat("2"), "compress to under 40KB", attachments=video)
        await until(started.exists, "chat 1's encode to start in the worker")
        text = (await http.get("/metrics")).text
        assert sample(text, "clipbridge_queue_depth") == 1  # chat 2, behind --jobs 1
        assert sample(text, "clipbridge_cluster_jobs_running") == 1
        assert sample(text, "clipbridge_worker_jobs_running") == 1
        assert sample(text, "clipbridge_queue_wait_seconds_count") == 1
        latency = sample(text, "clipbridge_queue_wait_seconds_sum")
        assert latency is not None and 0 <= latency < 30
        assert sample(text, "clipbridge_stalled_jobs_total", outcome="retried") == 0

        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        survivor_env = {**base, "HTTP_PORT": str(two_port)}
        async with worker_process(second, survivor_env):
            out = second / "out"
            await until(
                lambda: videos(out, "1") == 1 and videos(out, "2") == 1,
                "both chats' results, from the survivor",
                timeout=90,
            )
            await front.settled(chat("1"))
            await front.settled(chat("2"))
            url = f"http://127.0.0.1:{two_port}/metrics"
            text = (await http.get(url)).text
    assert sample(text, "clipbridge_stalled_jobs_total", outcome="retried") == 1
    assert sample(text, "clipbridge_stalled_jobs_total", outcome="dropped") == 0
    # chat 2's first attempt is timed; chat 1's second attempt (after the stall) is not
    assert sample(text, "clipbridge_queue_wait_seconds_count") == 1
    assert sample(text, "clipbridge_worker_jobs_running") == 0
    assert sample(text, "clipbridge_queue_depth") == 0
    assert sample(text, "clipbridge_cluster_jobs_running") == 0


async def test_readyz_says_the_queue_is_unavailable_when_its_tables_are_gone(
    node: NodeFactory, database_url: str
) -> None:
    async with node(http_port=0) as worker:
        async with serving(worker.settings, worker.core) as server:
            assert server is not None
            async with httpx.AsyncClient(base_url=server.url) as http:
                assert (await http.get("/readyz")).status_code == 200
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as db:
            await db.execute("ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away")
            try:
                async with (
                    serving(worker.settings, worker.core) as server,
                    httpx.AsyncClient(base_url=server.url if server else "") as http,
                ):
                    ready = await http.get("/readyz")
                    scraped = await http.get("/metrics")
            finally:
                await db.execute("ALTER TABLE procrastinate_jobs_away RENAME TO procrastinate_jobs")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "store": "ok",
        "queue": "QueueUnavailable: the job queue's tables are missing",
    }
    assert scraped.status_code == 200


async def test_no_http_server_with_http_disabled(node: NodeFactory) -> None:
    async with node(http_enabled=False) as worker, serving(worker.settings, worker.core) as server:
        assert server is None


async def test_a_worker_whose_http_port_is_taken_says_so_in_one_sentence(
    tmp_path: Path, database_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"DATABASE_URL": database_url, "BACKEND": "local", "HTTP_PORT": str(port)}
        async with worker_process(tmp_path, env) as worker:
            code = await asyncio.wait_for(worker.wait(), 60)
    said = (tmp_path / "worker.log").read_text()
    assert code == 2
    assert f"HTTP_PORT {port} on 127.0.0.1 is already in use" in said
    assert "give each process its own HTTP_PORT" in said
    assert "Traceback" not in said
