"""Cluster mode, a front killed while holding a webhook request: it never answered, so the update
is not lost. Telegram retries an unanswered delivery; here the balancer stands in for that retry
(on a broken connection it posts to the next front), and the result arrives exactly once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.balancer import SECRET, round_robin, webhook_cluster
from tests.acceptance.conftest import Newcomer, http_env
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(240)


async def test_a_front_killed_holding_a_webhook_request_leaves_it_to_another_delivered_once(
    clipbridge: Newcomer,
    telegram: FakeTelegram,
    database_url: str,
    clip: Callable[..., Path],
) -> None:
    video = clip("clips/a.mp4", size="320x240", duration=2)
    shared = {**webhook_cluster(telegram, database_url), "BACKEND": "local"}
    front_env = [{**shared, **http_env(), "DATA_DIR": f"data/front{n}"} for n in (1, 2)]
    worker_env = {**shared, **http_env(), "DATA_DIR": "data/worker"}
    upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
    update = telegram.message(101, user_id=101, text="compress to under 60KB", video=upload)
    reached, broken = asyncio.Event(), list[str]()

    async with (
        clipbridge("run", "--workers", "0", env=front_env[0]) as doomed,
        clipbridge("run", "--workers", "0", env=front_env[1]) as survivor,
        clipbridge("worker", env=worker_env) as worker,
    ):
        for front in (doomed, survivor):
            await front.expect("clipbridge is running")
        await worker.expect("worker is running")
        async with round_robin([doomed, survivor], broken, reached) as balancer:
            telegram.webhook = {"url": balancer, "secret_token": SECRET}
            doomed.signal(signal.SIGSTOP)  # it holds the request it is sent, answering nothing
            delivery = asyncio.create_task(telegram.push(update))
            await asyncio.wait_for(reached.wait(), 10)
            assert not delivery.done()
            doomed.kill()
            await asyncio.wait_for(delivery, 30)
            await telegram.wait_for(lambda: telegram.calls_of("sendVideo"), timeout=120)
    assert broken == ["data/front1: broken"], broken
    assert telegram.webhook_deliveries == [200]  # Telegram saw one answer: the survivor's
    [sent] = telegram.calls_of("sendVideo")
    assert int(sent.params["chat_id"]) == 101
    assert "target 60.0 KB" in str(sent.params.get("caption"))
