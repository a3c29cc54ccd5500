"""`examples/http_lines.py`, the minimal platform, run as its reader would run it: a real process
with the real core and the local engine, spoken to over HTTP. It needs no change in `bot/`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.texts import t
from tests.clips import make_clip

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "http_lines.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def example(tmp: Path) -> AsyncIterator[str]:
    """The example running in `tmp`; its base URL once it says it is running."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(tmp / "data"),
        "BACKEND": "local",
        "HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), env=env, cwd=tmp,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        seen = b""
        async with asyncio.timeout(30):
            while b"clipbridge is running on HTTP lines" not in seen:
                line = await process.stdout.readline()
                assert line, f"the example exited:\n{seen.decode()}"
                seen += line
        yield f"http://127.0.0.1:{port}"
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.stdout.read()
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _until(client: httpx.AsyncClient, chat: str, pattern: str) -> str:
    """The chat's messages once one matches `pattern` (the example long-polls)."""
    async with asyncio.timeout(60):
        while True:
            answer = await client.get("/lines", params={"chat": chat, "after": "0"})
            if re.search(pattern, answer.text):
                return answer.text
            # Nothing new is answered after the example's own wait; changed text is seen at once.
            await asyncio.sleep(0.2)


async def test_the_example_platform_runs_the_real_core(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", duration=2)
    async with example(tmp_path) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        said = await client.post("/lines", params={"chat": "ada"}, content="/help")
        assert said.status_code == 200
        welcome = t("welcome", "en").splitlines()[0]
        assert welcome in await _until(client, "ada", re.escape(welcome))

        said = await client.post(
            "/lines", params={"chat": "bo", "file": str(clip)}, content="compress to under 100KB"
        )
        assert said.status_code == 200
        chat = await _until(client, "bo", r"\[video\] (\S+)")
    kept = Path(re.findall(r"\[video\] (\S+)", chat)[0])
    assert kept.parent == tmp_path / "data" / "lines"
    assert 0 < kept.stat().st_size <= 100_000
    assert "Here is your video" in chat
