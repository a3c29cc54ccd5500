"""How long the readers of user text take on hostile text, before and after they were made
linear: `python -m benchmarks.hostile_texts [--before REF]`.

Each hostile shape (a run of digits, of Chinese numerals, of units, of cues, of whitespace after a
keyword, ...) is repeated to 1k, 4k (Telegram's longest message), 10k and 100k characters and
given to the request parser's `parse()` and to the log redaction's `redact()` (which every log
record passes, a message's text included at DEBUG). "after" is the module as it is now, best of 5
runs in this process. "before" is the module as it was at REF (by default the last commit before
the fix), read with `git show` at run time and never kept: each of its runs happens in a child
process that is stopped after BUDGET seconds, since some shapes took minutes (and one is cubic).
A shape that ran out of budget at one length is not tried at longer ones.

Prints the tables and writes the `## Hostile texts` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.report import write_section
from bot.backends.local.intent import parse
from bot.errors import UnclearRequest
from bot.logs import redact

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


def _parse(text: str) -> None:
    with contextlib.suppress(UnclearRequest):
        parse(text)


# title -> (the module's path in the repository, its function, the function as it is now)
READERS: dict[str, tuple[str, str, Callable[[str], object]]] = {
    "Request parser, `parse()`": ("bot/backends/local/intent.py", "parse", _parse),
    "Log redaction, `redact()`": ("bot/logs.py", "redact", redact),
}

_CHILD = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("module_before", sys.argv[1])
module = sys.modules["module_before"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
function = getattr(module, sys.argv[2])
text = sys.stdin.read()
started = time.perf_counter()
try:
    function(text)
except Exception:  # UnclearRequest, and the OverflowError a huge number raised before
    pass
print(time.perf_counter() - started)
"""


def _text(start: str, unit: str, length: int) -> str:
    body = unit * ((length - len(start)) // len(unit) + 1)
    return (start + body)[:length]


def _after(read: Callable[[str], object], text: str, repeats: int = 5) -> float:
    """Seconds for one call, best of `repeats`: other work on a shared machine only adds time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        read(text)
        best = min(best, time.perf_counter() - started)
    return best


def _before(module: Path, function: str, text: str) -> float | None:
    """Seconds for one call of the old module in a child process; None when over BUDGET."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(module), function],
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


def measure(
    before_ref: str, path: str, function: str, read: Callable[[str], object]
) -> list[list[str]]:
    """One row per shape: before → after at each length."""
    show = ["git", "show", f"{before_ref}:{path}"]
    old = subprocess.run(show, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "module_before.py"
        module.write_text(old)
        for name, (start, unit) in SHAPES.items():
            row, over_budget = [name], False
            for length in LENGTHS:
                text = _text(start, unit, length)
                before = None if over_budget else _before(module, function, text)
                over_budget = before is None
                row.append(f"{_figure(before)} → {_figure(_after(read, text))}")
            rows.append(row)
            print(" | ".join(row), file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help=f"git ref of 'before' ({BEFORE})")
    args = parser.parse_args()
    header = " | ".join(f"{n:,} chars" for n in LENGTHS)
    lines = [
        SECTION,
        "",
        "`python -m benchmarks.hostile_texts`: one call on each hostile shape, before the"
        f" readers were made linear ({args.before}; a child process, stopped after {BUDGET:g} s)"
        " → after (best of 5 runs). One core, pure Python, on a shared machine, so small figures"
        " carry noise. The parser reads only the first 1024 characters now, so a longer text"
        " costs what 4096 characters do; redaction reads all of a log line.",
        "",
    ]
    for title, (path, function, read) in READERS.items():
        rows = measure(args.before, path, function, read)
        lines += [
            f"### {title}",
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
