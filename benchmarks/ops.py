"""What the operations pieces cost: a redacted log line, a /metrics scrape, a /healthz probe.

Logging: records with a Telegram URL in their args go through the real handler from
`setup_logging` (context + redaction filters, then the formatter) into memory, compared with a
bare handler that formats only. HTTP: the real `HttpServer` on loopback, probed with httpx from
the same process. Writes the `## Operations` section of docs/benchmarks.md.

    python -m benchmarks.ops
"""

from __future__ import annotations

import asyncio
import io
import logging
import time

import httpx

from benchmarks.report import write_section
from bot import metrics
from bot.config import Settings
from bot.http import HttpServer
from bot.logs import log_context, setup_logging

SECTION = "## Operations"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
RECORDS = 20_000
PROBES = 300


def per_record(handler: logging.Handler) -> float:
    log = logging.getLogger("bench.ops")
    log.handlers = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    url = f"https://api.telegram.org/bot{TOKEN}/getFile"
    with log_context(chat="telegram:42", job="j1"):
        begun = time.perf_counter()
        for i in range(RECORDS):
            log.info("HTTP Request: POST %s %r (%d)", url, "HTTP/1.1 200 OK", i)
        elapsed = time.perf_counter() - begun
    log.handlers = []
    return elapsed / RECORDS * 1e6


def logging_rows() -> list[tuple[str, str]]:
    bare = logging.StreamHandler(io.StringIO())
    bare.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    rows = [("log record, stdlib formatter, no filters (baseline)", per_record(bare))]
    for fmt in ("plain", "json"):
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token=TOKEN, log_format=fmt
        )
        handler = setup_logging(settings, io.StringIO())
        logging.getLogger().removeHandler(handler)
        rows.append((f"log record, redacted, {fmt}", per_record(handler)))
        text = handler.stream.getvalue()  # type: ignore[attr-defined]
        assert TOKEN not in text and text.count("\n") >= RECORDS
    return [(what, f"{us:.1f} µs") for what, us in rows]


async def http_rows() -> list[tuple[str, str]]:
    metrics.install(metrics.Metrics())
    for platform in ("telegram", "discord", "console"):
        metrics.update_received(platform)
    for code in ("NoCredits", "FileTooLarge", "Transient", "TurnFailed", "RenderFailed"):
        metrics.failure(code)
    for seconds in (1, 5, 30, 120, 600):
        metrics.turn_started()
        metrics.turn_finished(seconds, "ok")
        metrics.export_started()
        metrics.export_finished(seconds * 3, "ok")

    async def store_ping() -> None:
        await asyncio.sleep(0)

    rows: list[tuple[str, str]] = []
    settings = Settings(_env_file=None, http_port=0)  # type: ignore[call-arg]
    async with (
        HttpServer(settings, {"store": store_ping}) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        for path in ("/healthz", "/readyz", "/metrics"):
            await client.get(path)
            begun = time.perf_counter()
            for _ in range(PROBES):
                response = await client.get(path)
                assert response.status_code == 200
            ms = (time.perf_counter() - begun) / PROBES * 1e3
            size = len(response.content)
            rows.append((f"GET {path} over loopback ({size:,} bytes)", f"{ms:.2f} ms"))
    began = time.perf_counter()
    for _ in range(PROBES):
        metrics.render()
    ms = (time.perf_counter() - began) / PROBES * 1e3
    rows.append(("rendering /metrics alone", f"{ms:.2f} ms"))
    return rows


def main() -> None:
    rows = logging_rows() + asyncio.run(http_rows())
    lines = [
        SECTION,
        "",
        "`python -m benchmarks.ops`: one process, one core; a log record carries a Telegram URL",
        f"with the token (mean of {RECORDS:,}); each HTTP figure is the mean of {PROBES} requests.",
        "",
        "| what | mean |",
        "|---|---|",
        *(f"| {what} | {figure} |" for what, figure in rows),
        "",
    ]
    text = "\n".join(lines)
    write_section(SECTION, text)
    print(text)


if __name__ == "__main__":
    main()
