"""The HTTP server's routes and the metrics it exposes, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import web

from bot import metrics
from bot.config import Settings
from bot.errors import Cancelled, NoCredits
from bot.http import HttpServer
from tests.support.secrets import READINESS_NEMO_TOKEN as SECRET
from tests.support.settings import make_settings


def settings() -> Settings:
    return make_settings(http_port=0, nemo_token=SECRET)


@pytest.fixture
def fresh() -> Iterator[metrics.Metrics]:
    before = metrics.current()
    yield metrics.install(metrics.Metrics())
    metrics.install(before)


async def ok() -> None:
    return None


async def test_health_ready_and_custom_route() -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.json_response({"got": await request.json()})

    async with HttpServer(settings(), {"store": ok}) as server:
        assert server.port > 0
        server.add_route("POST", "/telegram/webhook", webhook)  # after start, too
        async with httpx.AsyncClient(base_url=server.url) as client:
            health = await client.get("/healthz")
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ok", "checks": {"store": "ok"}}
            hook = await client.post("/telegram/webhook", json={"update_id": 1})
            assert hook.json() == {"got": {"update_id": 1}}
            assert (await client.get("/nowhere")).status_code == 404
            wrong = await client.get("/telegram/webhook")
            assert wrong.status_code == 405
            assert wrong.headers["Allow"] == "POST"
    with pytest.raises(RuntimeError):
        _ = server.port


async def test_readyz_names_failing_checks_without_secrets() -> None:
    async def broken() -> None:
        raise ConnectionError(f"cannot reach https://x/api?token={SECRET}")

    async def hangs() -> None:
        await asyncio.Event().wait()

    checks = {"store": ok, "backend": broken, "slow": hangs}
    async with (
        HttpServer(settings(), checks, readiness_timeout=0.2) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["backend"].startswith("ConnectionError: cannot reach")
    assert body["checks"]["slow"] == "no answer within 0.2s"
    assert SECRET not in ready.text


async def test_busy_port_fails_clearly() -> None:
    async with HttpServer(settings()) as first:
        taken = make_settings(http_port=first.port)
        with pytest.raises(OSError, match=r"(?i)address already in use"):
            async with HttpServer(taken):
                pass


async def test_metrics_endpoint_exposes_counters(fresh: metrics.Metrics) -> None:
    metrics.update_received("telegram")
    metrics.update_received("telegram")
    metrics.update_received("discord")
    metrics.turn_started()
    metrics.turn_finished(2.5, "ok")
    metrics.export_started()
    metrics.export_finished(40.0, "failed")
    metrics.failure(NoCredits())
    metrics.failure("RenderFailed")
    metrics.set_queue_depth(3)
    metrics.bytes_relayed(1_000_000, "in")
    metrics.bytes_relayed(500, "out")
    with metrics.timed("encode"):
        assert fresh.value("clipbridge_jobs_in_flight", kind="encode") == 1
    with pytest.raises(Cancelled), metrics.timed("encode"):
        raise Cancelled()
    with pytest.raises(ValueError), metrics.timed("turn"):
        raise ValueError("boom")

    async with (
        HttpServer(settings()) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    expected = [
        'clipbridge_updates_received_total{platform="telegram"} 2.0',
        'clipbridge_updates_received_total{platform="discord"} 1.0',
        'clipbridge_turns_total{outcome="ok"} 1.0',
        'clipbridge_turns_total{outcome="failed"} 1.0',
        'clipbridge_exports_total{outcome="failed"} 1.0',
        'clipbridge_encodes_total{outcome="ok"} 1.0',
        'clipbridge_encodes_total{outcome="cancelled"} 1.0',
        'clipbridge_failures_total{code="NoCredits"} 1.0',
        'clipbridge_failures_total{code="RenderFailed"} 1.0',
        "clipbridge_queue_depth 3.0",
        'clipbridge_jobs_in_flight{kind="turn"} 0.0',
        'clipbridge_jobs_in_flight{kind="export"} 0.0',
        'clipbridge_relayed_bytes_total{direction="in"} 1e+06',
        'clipbridge_relayed_bytes_total{direction="out"} 500.0',
        "clipbridge_turn_duration_seconds_count 2.0",
        'clipbridge_turn_duration_seconds_bucket{le="5.0"} 2.0',
        'clipbridge_job_duration_seconds_bucket{kind="export",le="30.0"} 0.0',
        'clipbridge_job_duration_seconds_bucket{kind="export",le="60.0"} 1.0',
        'clipbridge_info{version="0.1.0"} 1.0',
    ]
    missing = [line for line in expected if line not in text.splitlines()]
    assert not missing, missing


async def test_scrape_hooks_run_before_each_answer_and_a_failing_one_is_only_logged(
    fresh: metrics.Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    counted = iter(range(1, 100))

    async def count() -> None:
        metrics.set_cluster_queue(next(counted), 0)

    async def broken() -> None:
        raise ConnectionError(f"no database at postgresql://u:{SECRET}@db/x")

    async with HttpServer(settings()) as server, httpx.AsyncClient(base_url=server.url) as client:
        server.on_scrape(count)
        server.on_scrape(broken)
        first = await client.get("/metrics")
        second = await client.get("/metrics")
    assert first.status_code == second.status_code == 200
    assert "clipbridge_queue_depth 1.0" in first.text
    assert "clipbridge_queue_depth 2.0" in second.text
    warnings = [r.getMessage() for r in caplog.records if "could not bring" in r.getMessage()]
    assert len(warnings) == 2 and "ConnectionError" in warnings[0]
    assert not any(SECRET in w for w in warnings)


def test_registries_are_independent(fresh: metrics.Metrics) -> None:
    metrics.update_received("telegram")
    other = metrics.Metrics()
    assert other.value("clipbridge_updates_received_total", platform="telegram") == 0
    assert fresh.value("clipbridge_updates_received_total", platform="telegram") == 1


def test_ops_modules_import_no_chat_platform() -> None:
    """A Discord-only deployment never loads `telegram`, and the reverse: ops code is neutral."""
    code = (
        "import sys, bot.http, bot.metrics, bot.logs, bot.settings_check, bot.doctor; "
        "loaded = [m for m in ('telegram', 'discord') if m in sys.modules]; "
        "sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
