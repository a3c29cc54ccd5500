"""How fast the local engine reads a request: `python -m benchmarks.intent_parse`.

Times `bot.backends.local.intent.parse` on everyday requests (English and Chinese), on a
message at the platforms' length limit, and on hostile text built to make regular expressions
backtrack. Writes the `## Request parser` section of docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from benchmarks.report import write_section
from bot.backends.local.intent import parse
from bot.errors import UnclearRequest

SECTION = "## Request parser"

EVERYDAY = [
    "compress this video to under 50MB without losing quality",
    "make it 720p and remove the audio",
    "Please shrink this to 25 MB, 1080p, h.265, 30 fps, audio 128kbps",
    "cut from 1:00 to 2:30 and compress to 10MB",
    "for discord",
    "half the size",
    "add a title",
    "把视频压缩到20MB以内",
    "用H265编码，压缩到30M，帧率30，去掉声音",
    "适合Discord，720p，前30秒",
    "你好",
]

HOSTILE = {
    "20 000 spaces": " " * 20_000 + "x",
    "'1 m ' x 3000": "1 m " * 3000,
    "'from 1 m to 2 m ' x 1000": "from 1 m to 2 m " * 1000,
    "'keep the ' x 4000": "keep the " * 4000,
    "'1:' x 5000": "1:" * 5000,
    "'前后从到' x 3000": "前后从到" * 3000,
}


def _once(text: str) -> None:
    with contextlib.suppress(UnclearRequest):
        parse(text)


def _per_call(fn: Callable[[], None], calls: int, repeats: int = 5) -> float:
    """Seconds per call, best of `repeats` runs: other work on a shared machine only adds time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - started) / calls)
    return best


def measure() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    rounds = 200

    def everyday() -> None:
        for text in EVERYDAY:
            _once(text)

    per_text = _per_call(everyday, rounds) / len(EVERYDAY)
    rows.append(
        (f"everyday request ({len(EVERYDAY)} texts, en and zh), mean", f"{per_text * 1e6:.0f} µs")
    )
    long_text = (EVERYDAY[0] + " " + EVERYDAY[8] + " ") * 40
    long_text = long_text[:4096]
    rows.append(
        (
            "a 4096-character message (Telegram's limit)",
            f"{_per_call(lambda: _once(long_text), 20) * 1e3:.1f} ms",
        )
    )
    for name, text in HOSTILE.items():
        rows.append((f"hostile: {name}", f"{_per_call(lambda t=text: _once(t), 3) * 1e3:.1f} ms"))
    return rows


def main() -> None:
    rows = measure()
    lines = [
        SECTION,
        "",
        "`python -m benchmarks.intent_parse`: the local engine's `parse()`, one core, pure Python;"
        " best of 5 runs.",
        "",
        "| what | per call |",
        "|---|---|",
        *(f"| {what} | {figure} |" for what, figure in rows),
        "",
    ]
    text = "\n".join(lines) + "\n"  # a blank line before whatever section follows
    write_section(SECTION, text)
    print(text)


if __name__ == "__main__":
    main()
