"""Lines per module and per class under the given folders (default `bot/core` and
`bot/conversation.py`), largest first: `python scripts/sizes.py [PATH ...]`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    files = sorted(
        f
        for p in map(Path, paths or ["bot/core", "bot/conversation.py"])
        for f in ([p] if p.is_file() else p.rglob("*.py"))
    )
    classes: list[tuple[int, str]] = []
    out = sys.stdout.write
    out("lines  module\n")
    for file in sorted(files, key=lambda f: -len(f.read_text().splitlines())):
        text = file.read_text()
        out(f"{len(text.splitlines()):5d}  {file}\n")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                classes.append((node.end_lineno - node.lineno + 1, f"{file}::{node.name}"))
    out("lines  class\n")
    for lines, name in sorted(classes, reverse=True)[:10]:
        out(f"{lines:5d}  {name}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
