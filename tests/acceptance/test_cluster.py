"""Cluster mode as operators run it: two `clipbridge run --workers 0` fronts behind the Telegram
webhook (a round-robin proxy stands in for the load balancer), two `clipbridge worker`
processes, one PostgreSQL, the local engine; one worker is killed with SIGKILL mid-encode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.acceptance.balancer import SECRET, round_robin, webhook_cluster
from tests.acceptance.conftest import (
    Newcomer,
    http_env,
    nemo_env,
    wait_healthy,
)
from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(240)

CHATS = (101, 102, 103)
TARGETS = ("40", "60")  # each chat asks twice, in this order


async def until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll what another process makes true (a file): no event crosses processes."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_two_fronts_two_workers_one_killed_mid_encode_every_result_once_in_order(
    clipbridge: Newcomer,
    telegram: FakeTelegram,
    database_url: str,
    clip: Callable[..., Path],
    clone: Path,
) -> None:
    video = clip("clips/a.mp4", size="320x240", duration=3)
    started = clone / "encode-started"
    slow = clone / "slow-ffmpeg"
    slow.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 120\n")
    slow.chmod(0o755)
    shared = {
        **webhook_cluster(telegram, database_url),
        "BACKEND": "local",
        "WORKER_STALLED_AFTER": "2",
    }
    front_env = [{**shared, **http_env(), "DATA_DIR": f"data/front{n}"} for n in (1, 2)]
    doomed_env = {**shared, **http_env(), "DATA_DIR": "data/worker1", "FFMPEG_PATH": str(slow)}
    survivor_env = {**shared, **http_env(), "DATA_DIR": "data/worker2"}

    def ask(chat: int, target: str) -> dict[str, object]:
        upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
        return telegram.message(
            chat, user_id=chat, text=f"compress to under {target}KB", video=upload
        )

    async with (
        clipbridge("run", "--workers", "0", env=front_env[0]) as one,
        clipbridge("run", "--workers", "0", env=front_env[1]) as two,
    ):
        for front in (one, two):  # each has set its webhook (after the server is healthy)
            await front.expect("clipbridge is running")
        broken: list[str] = []  # every front stays up: no post may need a second front
        async with round_robin([one, two], broken) as balancer:
            telegram.webhook = {"url": balancer, "secret_token": SECRET}
            async with clipbridge("worker", env=doomed_env) as doomed:
                await doomed.expect("worker is running")
                await telegram.push(ask(CHATS[0], TARGETS[0]))
                await until(started.exists)  # chat 101's first encode runs in the doomed worker
                async with clipbridge("worker", "--jobs", "2", env=survivor_env) as survivor:
                    await survivor.expect("worker is running")
                    # A person sends the next video once the bot has answered the first: two
                    # updates of one chat arriving at two fronts in the same instant are queued
                    # in whichever order the fronts get there (docs/scaling.md).
                    await telegram.push(ask(CHATS[0], TARGETS[1]))
                    for chat in CHATS[1:]:
                        await telegram.push(ask(chat, TARGETS[0]))
                    for chat in CHATS[1:]:
                        await telegram.wait_for(lambda c=chat: telegram.sent(c), timeout=30)
                        await telegram.push(ask(chat, TARGETS[1]))
                    doomed.kill()
                    await telegram.wait_for(
                        lambda: len(telegram.calls_of("sendVideo")) >= len(CHATS) * 2, timeout=120
                    )
                    await survivor.expect("stalled", timeout=5)
                    await wait_healthy(survivor)  # a worker answers /readyz and /metrics too
                    async with httpx.AsyncClient() as client:
                        port = survivor.env["HTTP_PORT"]
                        shown = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                    assert 'clipbridge_stalled_jobs_total{outcome="retried"} 1.0' in shown, shown
                    assert "clipbridge_queue_wait_seconds_count" in shown
    sent = telegram.calls_of("sendVideo")
    assert len(sent) == len(CHATS) * 2, "every result delivered once"
    for chat in CHATS:
        captions = [str(c.params.get("caption")) for c in sent if int(c.params["chat_id"]) == chat]
        assert len(captions) == 2, (chat, captions)
        for target, caption in zip(TARGETS, captions, strict=True):  # per-chat order kept
            assert f"target {target}.0 KB" in caption, (chat, captions)
    assert set(telegram.webhook_deliveries) == {200}
    assert broken == [], broken


async def test_a_worker_killed_mid_export_leaves_the_render_to_another_that_delivers_it_once(
    clipbridge: Newcomer,
    telegram: FakeTelegram,
    nemo: FakeNemo,
    database_url: str,
    clip: Callable[..., Path],
) -> None:
    video = clip("clips/a.mp4", size="320x240", duration=3)
    nemo.script_render(polls=60, size=150_000)
    shared = {
        **webhook_cluster(telegram, database_url),
        **nemo_env(nemo),
        "WORKER_STALLED_AFTER": "2",
    }
    chat = CHATS[0]
    upload = telegram.video(video.stat().st_size, name="a.mp4", disk_path=video)
    async with (
        clipbridge(
            "run", "--workers", "0", env={**shared, **http_env(), "DATA_DIR": "d/f1"}
        ) as one,
        clipbridge(
            "run", "--workers", "0", env={**shared, **http_env(), "DATA_DIR": "d/f2"}
        ) as two,
    ):
        for front in (one, two):
            await front.expect("clipbridge is running")
        broken: list[str] = []  # every front stays up: no post may need a second front
        async with round_robin([one, two], broken) as balancer:
            telegram.webhook = {"url": balancer, "secret_token": SECRET}
            worker_env = {**shared, **http_env(), "DATA_DIR": "d/w1"}
            async with clipbridge("worker", env=worker_env) as doomed:
                await doomed.expect("worker is running")
                await telegram.push(telegram.message(chat, user_id=chat, video=upload))
                await telegram.wait_for(
                    lambda: any("Received" in str(m.get("text")) for m in telegram.sent(chat)),
                    timeout=30,
                )
                await telegram.push(telegram.message(chat, user_id=chat, text="/export"))
                await nemo.wait_calls("render_poll", 2, timeout=30)
                doomed.kill()
            worker_env = {**shared, **http_env(), "DATA_DIR": "d/w2"}
            async with clipbridge("worker", env=worker_env) as survivor:
                await survivor.expect("stalled", timeout=30)
                await telegram.wait_for(
                    lambda: telegram.calls_of("sendVideo") or telegram.calls_of("sendDocument"),
                    timeout=60,
                )
                assert survivor.returncode is None
    assert broken == [], broken
    assert len(nemo.renders) == 1, "the render was polled again, never submitted twice"
    delivered = telegram.calls_of("sendVideo") + telegram.calls_of("sendDocument")
    assert len(delivered) == 1, delivered
    said = [str(c.params.get("text")) for c in telegram.calls_of("sendMessage")]
    assert any("picking it up again" in text for text in said), said  # the survivor's line
