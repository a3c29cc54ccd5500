"""Where every benchmark writes its figures: its own `## ` section of docs/benchmarks.md.

Each script owns one section and replaces only that one, so the scripts can run in any order and
each rerun leaves the others' figures as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, text: str, report: Path = REPORT) -> None:
    """Replace the section under `heading` (a `## ` line; `text` starts with it), or append it."""
    existing = report.read_text() if report.exists() else "# Benchmarks\n"
    section = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    body = text.rstrip("\n") + "\n\n"
    if section.search(existing):
        updated = section.sub(lambda _: body, existing, count=1)
    else:
        updated = existing.rstrip("\n") + "\n\n" + body
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(updated.rstrip("\n") + "\n")
