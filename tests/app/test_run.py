"""`clipbridge run` as operators run it: a real process against the Telegram and NemoVideo fakes.

A journey counted by /metrics; SIGTERM during a render, then a restart that delivers the result
exactly once; and the start-up refusals.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.nemovideo import FakeNemo
from tests.fakes.telegram_api import FakeTelegram
from tests.support.secrets import TELEGRAM_TOKEN as TOKEN

CHAT = 4242


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(tg: FakeTelegram, nemo: FakeNemo, data: Path, http_port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": tg.base_url,
        "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
        "BACKEND": "nemo",
        "NEMO_API_URL": nemo.url,
        "NEMO_RENDER_POLL_INTERVAL": "0.1",
        "EDIT_INTERVAL": "0.2",
        "DATA_DIR": str(data),
        "HTTP_PORT": str(http_port),
        "SHUTDOWN_GRACE": "2",
        "LOG_FORMAT": "json",
    }


@asynccontextmanager
async def running_bot(env: dict[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _wait_healthy(port: int, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if process.returncode is not None:
                raise AssertionError("the bot exited during start-up")
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the bot never became healthy")


@pytest.fixture
async def fakes(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, FakeNemo]]:
    async with FakeTelegram(TOKEN) as tg, FakeNemo() as nemo:
        yield tg, nemo


async def test_sigterm_mid_render_then_restart_delivers_once_and_metrics_count_it(
    fakes: tuple[FakeTelegram, FakeNemo], tmp_path: Path
) -> None:
    tg, nemo = fakes
    nemo.script_render(polls=60, size=120_000)  # about 6 s of rendering at 0.1 s a poll
    port = _free_port()
    env = _env(tg, nemo, tmp_path / "data", port)
    clip = tg.video(50_000, name="clip.mp4")

    async with running_bot(env, tmp_path) as first:
        await _wait_healthy(port, first)
        await tg.push(tg.message(CHAT, video=clip))
        await nemo.wait_calls("upload", timeout=20)
        await tg.wait_for(lambda: any("Received" in m.get("text", "") for m in tg.sent(CHAT)))
        await tg.push(tg.message(CHAT, text="/export"))
        await nemo.wait_calls("render_poll", 3, timeout=20)
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), 20) == 0
    assert not tg.calls_of("sendVideo"), "nothing was delivered before the restart"

    async with running_bot(env, tmp_path) as second:
        await _wait_healthy(port, second)
        await tg.wait_for(lambda: len(tg.calls_of("sendVideo")) == 1, timeout=30)
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            ready = await client.get(f"http://127.0.0.1:{port}/readyz")
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 20) == 0
        output = (await second.stdout.read()).decode() if second.stdout else ""

    assert len(tg.calls_of("sendVideo")) == 1, "delivered exactly once"
    assert len(nemo.calls("render_submit")) == 1, "resumed by polling, not resubmitted"
    assert ready.status_code == 200
    assert 'clipbridge_exports_total{outcome="ok"} 1.0' in metrics
    assert 'clipbridge_relayed_bytes_total{direction="out"} 120000.0' in metrics
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


async def test_run_with_no_platform_points_at_chat(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path)}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 2
    assert b"clipbridge chat" in err and b"TELEGRAM_BOT_TOKEN" in err


async def test_run_with_bad_settings_names_each_setting(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_MODE": "webhook",
        "HTTP_PORT": "99999",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 2
    assert b"HTTP_PORT" in err
    assert TOKEN.encode() not in err
