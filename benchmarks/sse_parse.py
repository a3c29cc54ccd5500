"""How the turn stream's SSE framing copes with one huge line: `python -m benchmarks.sse_parse`.

Feeds `bot.backends.nemo._sse.frames` one `data:` line of N MiB in 64 KiB chunks (what httpx
hands over from a socket) and times it until it yields the event or refuses the line at
`EVENT_LIMIT`. The "before" column is the framing as it was before issue 12 (kept below as
`_before`, only for this comparison): it appended each chunk to a growing buffer and searched it
again from the start, so one line cost time quadratic in its length. Writes the `## SSE framing`
section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import codecs
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable

from benchmarks.report import write_section
from bot.backends.nemo._sse import EVENT_LIMIT, EventTooLarge, frames

SECTION = "## SSE framing"
CHUNK = 64 * 1024
MIB = 1024 * 1024


async def _before(chunks: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
    """The framing before issue 12, reduced to data lines: the baseline, not used by the bot."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    data: list[str] | None = None
    async for chunk in chunks:
        pending += decoder.decode(chunk)
        while True:
            match = re.search(r"\r\n|\r|\n", pending)
            if match is None:
                break
            line, pending = pending[: match.start()], pending[match.end() :]
            if not line:
                if data is not None:
                    yield "\n".join(data)
                data = None
            elif line.startswith("data:"):
                (data := data if data is not None else []).append(line[5:].lstrip())


async def _line(mib: int) -> AsyncIterator[bytes]:
    chunk = b"x" * CHUNK
    yield b"data: "
    for _ in range(mib * MIB // CHUNK):
        yield chunk
    yield b"\n\n"


async def _time(parser: Callable[[AsyncIterator[bytes]], AsyncIterator[object]], mib: int) -> str:
    started = time.perf_counter()
    outcome = "parsed"
    try:
        async for _ in parser(_line(mib)):
            pass
    except EventTooLarge:
        outcome = "refused at the cap"
    return f"{time.perf_counter() - started:.2f} s, {outcome}"


async def measure() -> list[tuple[str, str, str]]:
    rows = []
    for mib in (1, 3, 8, 20):
        # The baseline at 20 MiB takes about half a minute of CPU: measured up to 8 MiB only.
        before = await _time(_before, mib) if mib <= 8 else "about 30 s (issue 12)"
        rows.append((f"one {mib} MiB data line", before, await _time(frames, mib)))
    return rows


def main() -> None:
    rows = asyncio.run(measure())
    lines = [
        SECTION,
        "",
        "`python -m benchmarks.sse_parse`: one `data:` line of N MiB fed in 64 KiB chunks to the "
        f"turn stream's framing, one core. The cap (`EVENT_LIMIT`) is {EVENT_LIMIT // MIB} MiB per "
        "line or event; over it the turn ends with a clear failure and the stream is dropped.",
        "",
        "| what | before (quadratic, no cap) | now (linear, capped) |",
        "|---|---|---|",
        *(f"| {what} | {before} | {now} |" for what, before, now in rows),
        "",
    ]
    text = "\n".join(lines) + "\n"
    write_section(SECTION, text)
    print(text)


if __name__ == "__main__":
    main()
