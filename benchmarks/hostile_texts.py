"""How long the request parser takes on hostile text, before and after it was made linear:
`python -m benchmarks.hostile_texts [--before REF]`.

Each hostile shape (a run of digits, of Chinese numerals, of units, of cues, of whitespace after a
keyword, ...) is repeated to 1k, 4k (Telegram's longest message), 10k and 100k characters and
given to `parse()`. "after" is `bot.backends.local.intent` as it is now, best of 5 runs in this
process. "before" is the module as it was at REF (by default the last commit before the fix), read
with `git show` at run time and never kept: each of its runs happens in a child process that is
stopped after BUDGET seconds, since some shapes took minutes (and one is cubic). A shape that
ran out of budget at one length is not tried at longer ones.

Prints the table and writes the `## Hostile texts` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import write_section
from bot.backends.local.intent import parse
from bot.errors import UnclearRequest

SECTION = "## Hostile texts"
ROOT = Path(__file__).resolve().parent.parent
BEFORE = "7631200"  # main just before the parser was made linear
BUDGET = 5.0  # seconds one "before" run may take
LENGTHS = (1_000, 4_096, 10_000, 100_000)

# name -> (what the text starts with, the unit repeated to the length)
SHAPES: dict[str, tuple[str, str]] = {
    "digits `1111…`": ("", "1"),
    "Chinese numerals `十十十…`": ("", "十"),
    "units `mb mb mb …`": ("", "mb "),
    "cues `under under …`": ("", "under "),
    "spaces": ("", " "),
    "digits and dots `1.1.1.…`": ("", "1."),
    "emoji `😀😀😀…`": ("", "😀"),
    "unclosed mentions `<@<@<@…`": ("", "<@"),
    "a name with no extension `a.a.a.…`": ("", "a."),
    "`compress to under 8MB, no audio` then spaces": ("compress to under 8MB, no audio", " "),
    "`from 1` then newlines": ("from 1", "\n"),
    "`ﷺ` (18 characters after NFKC)": ("", "ﷺ"),
}

_CHILD = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("intent_before", sys.argv[1])
module = sys.modules["intent_before"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
text = sys.stdin.read()
started = time.perf_counter()
try:
    module.parse(text)
except Exception:  # UnclearRequest, and the OverflowError a huge number raised before
    pass
print(time.perf_counter() - started)
"""


def _text(start: str, unit: str, length: int) -> str:
    body = unit * ((length - len(start)) // len(unit) + 1)
    return (start + body)[:length]


def _after(text: str, repeats: int = 5) -> float:
    """Seconds for one parse, best of `repeats`: other work on a shared machine only adds time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        with contextlib.suppress(UnclearRequest):
            parse(text)
        best = min(best, time.perf_counter() - started)
    return best


def _before(module: Path, text: str) -> float | None:
    """Seconds for one parse by the old module in a child process; None when over BUDGET."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(module)],
            input=text,
            capture_output=True,
            text=True,
            timeout=BUDGET + 5,  # the child's own start-up is not part of the budget
            check=True,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None
    seconds = float(done.stdout.strip())
    return seconds if seconds <= BUDGET else None


def _figure(seconds: float | None) -> str:
    if seconds is None:
        return f"> {BUDGET:g} s"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def measure(before_ref: str) -> list[list[str]]:
    old = subprocess.run(
        ["git", "show", f"{before_ref}:bot/backends/local/intent.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "intent_before.py"
        module.write_text(old)
        for name, (start, unit) in SHAPES.items():
            row, over_budget = [name], False
            for length in LENGTHS:
                text = _text(start, unit, length)
                before = None if over_budget else _before(module, text)
                over_budget = before is None
                row.append(f"{_figure(before)} → {_figure(_after(text))}")
            rows.append(row)
            print(" | ".join(row), file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help=f"git ref of 'before' ({BEFORE})")
    args = parser.parse_args()
    rows = measure(args.before)
    header = " | ".join(f"{n:,} chars" for n in LENGTHS)
    lines = [
        SECTION,
        "",
        "`python -m benchmarks.hostile_texts`: one `parse()` of each hostile shape, before the"
        f" parser was made linear ({args.before}; a child process, stopped after {BUDGET:g} s)"
        " → after (best of 5 runs). One core, pure Python, on a shared machine, so small figures"
        " carry noise. Only the first 1024 characters are read now, so a longer text costs what"
        " 4096 characters do.",
        "",
        f"| shape | {header} |",
        "|---|" + "---|" * len(LENGTHS),
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
    ]
    text = "\n".join(lines) + "\n"
    write_section(SECTION, text)
    print(text)


if __name__ == "__main__":
    main()
