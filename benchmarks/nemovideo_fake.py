"""Measures the fake NemoVideo server's streaming: a 200 MB upload in, a 200 MB render out.

Shows that neither body sits in memory (tracemalloc peak of client and fake together, in one
process) and how fast loopback moves them, so tests can lean on the fake for big files.
Writes the `## Fake NemoVideo` section of docs/benchmarks.md.

    .venv/bin/python -m benchmarks.nemovideo_fake [--mb 200]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator

import httpx

from benchmarks.report import write_section
from tests.fakes.nemovideo import FakeNemo

HEADERS = {"X-Skill-Source": "clipbridge", "X-Skill-Version": "bench", "X-Skill-Platform": "bench"}
BLOCK = b"\x01" * 65536
SECTION = "## Fake NemoVideo"


async def upload(client: httpx.AsyncClient, sid: str, size: int) -> None:
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"\r\n\r\n'
    tail = b"\r\n--b--\r\n"
    blocks = size // len(BLOCK)

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(blocks):
            yield BLOCK
        yield tail

    length = len(head) + blocks * len(BLOCK) + len(tail)
    answer = await client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(length)},
    )
    assert answer.json()["code"] == 0, answer.text


async def download(client: httpx.AsyncClient, url: str) -> int:
    received = 0
    async with client.stream("GET", url) as resp:
        async for chunk in resp.aiter_bytes():
            received += len(chunk)
    return received


async def measure(size: int, traced: bool) -> tuple[float, float, int]:
    """(upload seconds, download seconds, tracemalloc peak bytes or 0)."""
    async with (
        FakeNemo() as fake,
        httpx.AsyncClient(base_url=fake.url, headers=HEADERS, timeout=60) as client,
    ):
        token = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "bench"})
        client.headers["Authorization"] = f"Bearer {token.json()['data']['token']}"
        session = await client.post("/api/tasks/me/with-session/nemo_agent", json={})
        sid = session.json()["data"]["session_id"]
        fake.script_render(polls=0, size=size)
        await client.post(
            "/api/render/proxy/lambda", json={"id": "render_bench", "sessionId": sid, "draft": {}}
        )
        poll = await client.get("/api/render/proxy/lambda/render_bench")
        url = poll.json()["output"]["url"]
        if traced:
            tracemalloc.start()
        try:
            started = time.perf_counter()
            await upload(client, sid, size)
            uploaded = time.perf_counter()
            assert await download(client, url) == size
            done = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            if traced:
                tracemalloc.stop()
    return uploaded - started, done - uploaded, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    size = parser.parse_args().mb * 1024 * 1024
    up, down, _ = asyncio.run(measure(size, traced=False))
    _, _, peak = asyncio.run(measure(size, traced=True))
    mib = size / 2**20
    text = (
        f"{SECTION}\n\n"
        "`python -m benchmarks.nemovideo_fake`: httpx against the fake on loopback, "
        "one process.\n\n"
        "| what | figure |\n|---|---|\n"
        f"| {mib:.0f} MiB multipart upload (streamed, Content-Length) | {up:.2f} s, "
        f"{mib / up:.0f} MiB/s |\n"
        f"| {mib:.0f} MiB render download (streamed) | {down:.2f} s, {mib / down:.0f} MiB/s |\n"
        f"| tracemalloc peak over both, client and fake together | {peak / 2**20:.2f} MiB |\n"
    )
    write_section(SECTION, text)
    print(text)


if __name__ == "__main__":
    main()
