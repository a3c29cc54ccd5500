"""Relay throughput and peak memory: a video from the fake Bot API into the NemoVideo fake.

    python -m benchmarks.telegram_relay             # writes its section of docs/benchmarks.md
    python -m benchmarks.telegram_relay --no-write  # prints only

This process runs the fakes (a cloud and a local-mode fake Bot API, the NemoVideo fake, and a
plain sink). Each case runs in a fresh child process that starts the real `TelegramAdapter`
(polling), receives the video message, and streams the attachment into `NemoBackend.upload`, so
its peak RSS is the relay's alone. In the same child, a plain loopback copy of the same bytes
(httpx GET or a disk read, straight into a streamed POST to the sink) gives the ceiling.

Cases: 19 MB in cloud mode (just under the 20 MB download limit), 1.5 GB in local mode (read
from the local server's disk; a sparse file, so the disk is not the bottleneck). A third case
times sending a 19 MB result with `sendVideo`: uploaded from disk, or fetched by Telegram from
its public URL (`url_fetch=True`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.report import write_section

MB = 1_000_000
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw3"
CHUNK = 256 * 1024
ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Telegram relay"


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MB
    return 0.0


# --- the child: one case ----------------------------------------------------------------------


async def child(config: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from adapters.telegram import TelegramAdapter
    from bot.backends.nemo import NemoBackend
    from bot.config import Settings
    from bot.models import ChatKey, Inbound
    from bot.ports import OutboundVideo, Port
    from bot.store import SqliteStore

    class Core:
        def __init__(self) -> None:
            self.inbound: asyncio.Queue[Inbound] = asyncio.Queue()

        async def handle(self, inbound: Inbound, port: Port) -> None:
            await self.inbound.put(inbound)

    data = Path(tempfile.mkdtemp(prefix="relay-"))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,
        telegram_base_url=config["base_url"],
        telegram_base_file_url=config["base_file_url"],
        telegram_local_mode=config["local"],
        nemo_api_url=config["nemo_url"],
        nemo_max_upload=2000 * MB,
        nemo_request_timeout=120,
        data_dir=data,
    )
    result: dict[str, Any] = {}
    core = Core()
    async with (
        SqliteStore(data / "db.sqlite3") as store,
        NemoBackend(settings, store) as backend,
        TelegramAdapter(settings, core, poll_timeout=1.0, url_fetch=config.get("url_fetch", False))
        as adapter,
        httpx.AsyncClient(timeout=120) as client,
    ):  # fmt: skip
        session = await backend.open_session("en")
        result["rss_ready"] = current_rss_mb()
        print("ready", flush=True)
        if config["case"] == "send":
            path = Path(config["path"])
            video = OutboundVideo(path, path.stat().st_size, "out.mp4", duration=10, width=640,
                                  height=360, source_url=config["source_url"])  # fmt: skip
            port = adapter.port_for(ChatKey("telegram", "42"))
            started = time.perf_counter()
            await port.send_video(video, "done")
            result["seconds"] = time.perf_counter() - started
            result["peak_relay"] = rss_mb()
            return result

        inbound = await asyncio.wait_for(core.inbound.get(), 30)
        [attachment] = inbound.attachments
        started = time.perf_counter()
        await backend.upload(session, attachment)
        result["seconds"] = time.perf_counter() - started
        result["peak_relay"] = rss_mb()
        result["size"] = attachment.size

        async def adapter_stream() -> AsyncIterator[bytes]:
            async with attachment.open() as stream:
                async for chunk in stream:
                    yield chunk

        started = time.perf_counter()
        answer = await client.post(
            config["sink_url"],
            content=adapter_stream(),
            headers={"Content-Length": str(attachment.size)},
        )
        result["sink_seconds"] = time.perf_counter() - started
        result["sink_bytes"] = int(answer.text)
        result["peak_sink"] = rss_mb()

        async def source() -> AsyncIterator[bytes]:
            if config["local"]:
                with open(config["path"], "rb") as handle:
                    while chunk := await asyncio.to_thread(handle.read, 1024 * 1024):
                        yield chunk
            else:
                async with client.stream("GET", config["plain_url"]) as response:
                    async for chunk in response.aiter_bytes(CHUNK):
                        yield chunk

        started = time.perf_counter()
        answer = await client.post(
            config["sink_url"], content=source(), headers={"Content-Length": str(attachment.size)}
        )
        result["plain_seconds"] = time.perf_counter() - started
        result["plain_bytes"] = int(answer.text)
        result["peak_total"] = rss_mb()
    return result


# --- the parent: fakes and the report ---------------------------------------------------------


class Sink:
    """A plain loopback peer: serves N generated bytes, and counts what it is sent."""

    def __init__(self) -> None:
        self.block = os.urandom(CHUNK)

    async def source(self, request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        response = web.StreamResponse()
        response.content_length = size
        await response.prepare(request)
        sent = 0
        while sent < size:
            piece = self.block[: min(CHUNK, size - sent)]
            await response.write(piece)
            sent += len(piece)
        return response

    async def sink(self, request: web.Request) -> web.Response:
        total = 0
        while chunk := await request.content.read(CHUNK):
            total += len(chunk)
        return web.Response(text=str(total))


async def run_case(config: dict[str, Any], push: Any) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.telegram_relay", "--child", json.dumps(config),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.strip() == b"ready", line
    if push is not None:
        await push()
    out = await asyncio.wait_for(proc.stdout.read(), 600)
    await proc.wait()
    assert proc.returncode == 0, out
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def main(write: bool) -> str:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.nemovideo import FakeNemo
    from tests.fakes.telegram_api import FakeTelegram

    tmp = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    big = tmp / "big.mp4"
    with big.open("wb") as handle:
        handle.truncate(1500 * MB)  # sparse: measures the relay, not the disk
    small = tmp / "small.mp4"
    small.write_bytes(os.urandom(19 * MB))
    sink = Sink()
    app = web.Application(client_max_size=1024**4)
    app.router.add_get("/source", sink.source)
    app.router.add_post("/sink", sink.sink)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sink_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    rows: list[str] = []
    peaks: list[float] = []
    ready = 0.0
    async with (
        FakeTelegram(TOKEN) as cloud,
        FakeTelegram(TOKEN, local_mode=True, local_dir=tmp) as local,
        FakeNemo(max_upload=2000 * MB) as nemo,
    ):
        for name, fake, size, path in (
            ("19 MB, cloud Bot API (HTTP download)", cloud, 19 * MB, None),
            ("1.5 GB, local Bot API (read from disk)", local, 1500 * MB, big),
        ):
            video = fake.video(size, disk_path=path)
            config = {
                "case": "relay", "local": fake is local, "base_url": fake.base_url,
                "base_file_url": fake.base_file_url, "nemo_url": nemo.url,
                "plain_url": f"{sink_url}/source?size={size}", "sink_url": f"{sink_url}/sink",
                "path": str(path) if path else None,
            }  # fmt: skip

            async def push(fake: FakeTelegram = fake, video: dict[str, Any] = video) -> None:
                await fake.push(fake.message(42, text="compress", video=video))

            got = await run_case(config, push)
            upload = nemo.calls("upload")[-1]
            received = upload.files[0].size if upload.files else None
            assert received == size, (received, size)
            assert got["plain_bytes"] == size
            assert got["sink_bytes"] == size
            relay = size / got["seconds"] / MB
            plain = size / got["plain_seconds"] / MB
            sink_rate = size / got["sink_seconds"] / MB
            peaks.append(got["peak_sink"])
            ready = got["rss_ready"]
            rows.append(
                f"| {name} | {got['seconds']:.2f} s, {relay:.0f} MB/s | "
                f"{got['sink_seconds']:.2f} s, {sink_rate:.0f} MB/s | "
                f"{got['plain_seconds']:.2f} s, {plain:.0f} MB/s | {got['rss_ready']:.0f} MB | "
                f"{got['peak_sink']:.0f} MB (+{got['peak_sink'] - got['rss_ready']:.0f}) | "
                f"{got['peak_total']:.0f} MB |"
            )
        sends: list[str] = []
        for how, url_fetch in (("uploaded from disk (multipart)", False),
                               ("fetched by Telegram from its URL", True)):  # fmt: skip
            before = sum(u.size for u in cloud.uploads)
            config = {
                "case": "send", "local": False, "base_url": cloud.base_url,
                "base_file_url": cloud.base_file_url, "nemo_url": nemo.url,
                "path": str(small), "source_url": f"{sink_url}/source?size={19 * MB}",
                "url_fetch": url_fetch,
            }  # fmt: skip
            got = await run_case(config, None)
            through = sum(u.size for u in cloud.uploads) - before
            sends.append(
                f"| 19 MB result, {how} | {got['seconds']:.2f} s | {through / MB:.0f} MB | "
                f"{got['peak_relay']:.0f} MB |"
            )
    await runner.cleanup()
    big.unlink()

    report = "\n".join([
        SECTION,
        "",
        "`python -m benchmarks.telegram_relay`: the real `TelegramAdapter` (python-telegram-bot,"
        " polling) receives the video from the fake Bot API and `NemoBackend.upload` streams it"
        " into the NemoVideo fake; each case in a fresh child process on loopback, 2 cores. The"
        " plain copy moves the same bytes in the same child with nothing but httpx (GET or disk"
        " read into a streamed POST). RSS \"ready\" is the child with Python, PTB, httpx,"
        " aiohttp, pydantic and the store loaded and every connection open, before the first"
        " byte; a peak is the child's high-water mark up to that point (ru_maxrss). The plain"
        " sink (a raw aiohttp reader) isolates the adapter's own streaming from the NemoVideo"
        " client and fake, which parse and frame multipart.",
        "",
        "| relay | adapter to NemoVideo | adapter to a plain sink | plain loopback copy |"
        " RSS ready | peak RSS, both adapter relays | peak RSS, after the plain copy |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Sending a result (`sendVideo`, 19 MB):",
        "",
        "| how | time | bytes through the bot | peak RSS |",
        "|---|---|---|---|",
        *sends,
        "",
        f"The relay's memory does not grow with the file: the 1.5 GB relay peaks at"
        f" {peaks[1]:.0f} MB against {peaks[0]:.0f} MB for 19 MB, {peaks[1] - ready:.1f} MB over"
        " the process at rest (target: under 80 MB); that floor is the libraries themselves."
        " The adapter's stream runs close to the plain copy; the relay into NemoVideo is bounded"
        " by the multipart client and the fake's parser, not by the adapter. On loopback a URL"
        " fetch saves little time (the fake fetches the same bytes over the same loopback);"
        " against the real Telegram it saves the bot's upstream"
        " bandwidth, but the Bot API ignores a custom thumbnail unless the video is uploaded as"
        " multipart. The adapter therefore uploads from disk by default (thumbnail, duration and"
        " size always right) and lets Telegram fetch by URL only when built with"
        " `url_fetch=True`, falling back to the upload when Telegram cannot fetch it.",
        "",
    ])  # fmt: skip
    if write:
        write_section(SECTION, report)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(json.loads(args.child)))), flush=True)
    else:
        print(asyncio.run(main(write=not args.no_write)))
