"""NemoVideo upload throughput and the client's memory: 1 GB through `NemoClient` vs a plain copy.

    python -m benchmarks.nemo_upload               # writes its section of docs/benchmarks.md
    python -m benchmarks.nemo_upload --no-write    # prints only
    python -m benchmarks.nemo_upload --size-mb 200 --repeat 1

The servers run in a child process (the NemoVideo fake, and a plain sink that reads a body and
throws it away), so this process is the client alone and its peak RSS (ru_maxrss) is the
client's. In this process, the same bytes (a 256 KiB block repeated) go three ways, each timed
from the first byte to the answer:

1. `NemoClient.upload_stream` into the fake: streamed multipart with Content-Length, parsed by
   the fake (aiohttp's multipart reader), as in production;
2. `NemoClient.upload_stream` into the plain sink (same client, a server that does not parse);
3. a plain aiohttp-to-aiohttp loopback copy: `aiohttp.ClientSession.post` of an async generator
   into the plain sink.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from benchmarks.report import write_section

MB = 1_000_000
BLOCK = 256 * 1024
OPERATOR = "nmv_usr_benchmark"
ROOT = Path(__file__).resolve().parent.parent
SECTION = "## NemoVideo upload"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


# --- the child: servers -------------------------------------------------------------------------


async def serve() -> None:
    from aiohttp import web

    from tests.fakes.nemovideo import FakeNemo

    sink_bytes: list[int] = []

    async def sink(request: web.Request) -> web.Response:
        total = 0
        async for chunk in request.content.iter_any():
            total += len(chunk)
        sink_bytes.append(total)
        files = [{"filename": "sink.mp4", "size": total}]
        return web.json_response({"code": 0, "data": {"files": files}})

    async with FakeNemo(operator_token=OPERATOR, max_upload=4000 * MB) as fake:

        async def received(request: web.Request) -> web.Response:
            uploads = [
                {
                    "content_length": int(r.headers.get("Content-Length") or -1),
                    "body_size": r.body_size,
                    "file_size": r.files[0].size if r.files else None,
                }
                for r in fake.calls("upload")
            ]
            return web.json_response({"nemo": uploads, "sink": sink_bytes})

        app = web.Application(client_max_size=1024**4)
        app.router.add_post("/sink", sink)
        app.router.add_post("/api/upload-video/nemo_agent/me/{sid}", sink)
        app.router.add_get("/received", received)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        sink_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        print(json.dumps({"nemo": fake.url, "sink": sink_url}), flush=True)
        # Serve until the parent closes our stdin.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()


# --- the parent: the client -----------------------------------------------------------------------


def source(size: int) -> AsyncIterator[bytes]:
    block = os.urandom(BLOCK)

    async def chunks() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            piece = block if left >= BLOCK else block[:left]
            left -= len(piece)
            yield piece

    return chunks()


@asynccontextmanager
async def opener(size: int) -> AsyncIterator[AsyncIterator[bytes]]:
    yield source(size)


async def via_client(url: str, size: int, store: Any, *, fake: bool) -> float:
    from bot.backends.nemo import NemoClient
    from bot.config import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        nemo_api_url=url,
        nemo_token=OPERATOR,
        nemo_max_upload=4000 * MB,
        nemo_request_timeout=120.0,
    )
    async with NemoClient(settings, store) as client:
        session = (await client.create_session("en")).session_id if fake else "1"
        started = time.perf_counter()
        files = await client.upload_stream(
            session, "bench.mp4", size, "video/mp4", lambda: opener(size)
        )
        seconds = time.perf_counter() - started
    assert files, "the upload answer listed no file"
    return seconds


async def via_aiohttp(url: str, size: int) -> float:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(
            f"{url}/sink", data=source(size), headers={"Content-Length": str(size)}
        ) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.perf_counter() - started


async def main(size: int, repeat: int, write: bool) -> str:
    sys.path.insert(0, str(ROOT))
    import aiohttp

    import bot.backends.nemo  # noqa: F401 (loaded before "ready", as a running bot has it)
    from bot.store import SqliteStore

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.nemo_upload", "--serve",
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    urls = json.loads(await asyncio.wait_for(proc.stdout.readline(), 60))
    times: dict[str, list[float]] = {"client_fake": [], "client_sink": [], "plain": []}
    with tempfile.TemporaryDirectory() as tmp:
        async with SqliteStore(Path(tmp) / "bench.sqlite3") as store:
            ready = peak_rss_mb()
            for _ in range(repeat):
                times["client_fake"].append(await via_client(urls["nemo"], size, store, fake=True))
                times["client_sink"].append(await via_client(urls["sink"], size, store, fake=False))
            peak_client = peak_rss_mb()
            for _ in range(repeat):
                times["plain"].append(await via_aiohttp(urls["sink"], size))
            peak_all = peak_rss_mb()
    async with aiohttp.ClientSession() as session, session.get(f"{urls['sink']}/received") as r:
        received = await r.json()
    proc.stdin.close()
    await proc.wait()

    for upload in received["nemo"]:
        assert upload["file_size"] == size, upload
        assert upload["content_length"] == upload["body_size"] > size, upload
    assert all(n > size for n in received["sink"][:repeat]), received["sink"]  # multipart
    assert received["sink"][repeat:] == [size] * repeat, received["sink"]  # the plain copy

    best = {name: min(values) for name, values in times.items()}
    rate = {name: size / seconds / MB for name, seconds in best.items()}
    median = {name: size / statistics.median(values) / MB for name, values in times.items()}
    ratio = rate["client_fake"] / rate["plain"]
    median_ratio = median["client_fake"] / median["plain"]
    gb = f"{size / 1000 / MB:g} GB" if size >= 1000 * MB else f"{size / MB:g} MB"
    cpu = os.cpu_count()
    report = "\n".join([
        SECTION,
        "",
        f"`python -m benchmarks.nemo_upload`: {gb} streamed from an async source, best of"
        f" {repeat}, on loopback with {cpu} cores. The servers (the NemoVideo fake and a plain"
        " sink that reads and discards) run in a child process, so the peak RSS (ru_maxrss) is"
        " the client process alone: Python, httpx, aiohttp, pydantic and the store loaded.",
        "",
        "| path | best time | best throughput | median throughput |",
        "|---|---|---|---|",
        f"| `NemoClient.upload_stream` into the NemoVideo fake (multipart, Content-Length) |"
        f" {best['client_fake']:.2f} s | {rate['client_fake']:.0f} MB/s |"
        f" {median['client_fake']:.0f} MB/s |",
        f"| `NemoClient.upload_stream` into the plain sink | {best['client_sink']:.2f} s |"
        f" {rate['client_sink']:.0f} MB/s | {median['client_sink']:.0f} MB/s |",
        f"| plain aiohttp-to-aiohttp loopback copy into the plain sink | {best['plain']:.2f} s |"
        f" {rate['plain']:.0f} MB/s | {median['plain']:.0f} MB/s |",
        "",
        "| figure | value |",
        "|---|---|",
        f"| client into the fake / plain copy, best | {ratio:.2f} (target at least 0.5) |",
        f"| client into the fake / plain copy, median | {median_ratio:.2f} |",
        f"| RSS before the first upload | {ready:.0f} MB |",
        f"| peak RSS after the client's uploads | {peak_client:.0f} MB (target under 80 MB) |",
        f"| peak RSS after the plain copy as well | {peak_all:.0f} MB |",
        "",
        "The fake checked every upload: the file part's byte count equals the size sent and the"
        " body read equals the `Content-Length` the client computed up front. The client's"
        " memory does not grow with the file (a few MB over the process at rest, which is the"
        " libraries). Loopback figures on a shared 2-core machine swing from run to run (other"
        " work competes for the cores), hence best and median. The client into the plain sink"
        " is the client's own cost without the fake's multipart parsing.",
        "",
    ])  # fmt: skip
    if write:
        write_section(SECTION, report)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
    else:
        print(asyncio.run(main(args.size_mb * MB, args.repeat, write=not args.no_write)))
