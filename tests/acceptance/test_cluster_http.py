"""A front in cluster mode (`clipbridge run --workers 0` with DATABASE_URL) shows the shared queue
on its HTTP port as a worker does: `/readyz` asks the queue too, `/metrics` counts its jobs."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance.conftest import Newcomer, http_env, telegram_env, wait_healthy
from tests.fakes.telegram_api import FakeTelegram


def sample(text: str, name: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and not found.labels:
                return float(found.value)
    return None


async def test_a_front_answers_readyz_with_the_queue_and_counts_it_in_metrics(
    clipbridge: Newcomer, telegram: FakeTelegram, database_url: str, clip: Callable[..., Path]
) -> None:
    env = {**telegram_env(telegram), **http_env(), "DATABASE_URL": database_url}
    env["BACKEND"] = "local"
    video = clip("clips/a.mp4")
    upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
    async with clipbridge("run", "--workers", "0", env=env) as front:
        await wait_healthy(front)
        await front.expect("clipbridge is running")
        # no worker anywhere: the job waits in the shared queue
        await telegram.push(telegram.message(77, text="compress to under 200KB", video=upload))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{env['HTTP_PORT']}") as http:
            ready = await http.get("/readyz")
            # The front defers it once it has read the video; scraped until then (no event
            # crosses processes).
            shown = (await http.get("/metrics")).text
            async with asyncio.timeout(30):
                while sample(shown, "clipbridge_queue_depth") != 1:
                    await asyncio.sleep(0.1)
                    shown = (await http.get("/metrics")).text
        front.signal(signal.SIGTERM)
        assert await front.wait(30) == 0, front.transcript[-3000:]
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"store": "ok", "backend": "ok", "queue": "ok"}
    assert sample(shown, "clipbridge_cluster_jobs_running") == 0
