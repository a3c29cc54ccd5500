"""`.env.example`, `docs/configuration.md` and the settings model stay in step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.config_docs import ENV_EXAMPLE, MARKDOWN, render_env_example, render_markdown

REGENERATE = "regenerate with `.venv/bin/python -m bot.config_docs`"
SETTINGS = {name.upper() for name in Settings.model_fields}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


def test_every_setting_has_a_docstring() -> None:
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert not undocumented, f"add a docstring under these fields in bot/config.py: {undocumented}"


def test_generated_files_are_current() -> None:
    assert ENV_EXAMPLE.read_text(encoding="utf-8") == render_env_example(), REGENERATE
    assert MARKDOWN.read_text(encoding="utf-8") == render_markdown(), REGENERATE


def test_env_example_lists_every_setting_once_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    names = [m.group(1) for line in lines if (m := re.fullmatch(r"# ([A-Z0-9_]+)=.*", line))]
    assert sorted(names) == sorted(SETTINGS)
    for i, line in enumerate(lines):
        if re.fullmatch(r"# [A-Z0-9_]+=.*", line):
            comment = lines[i - 1]
            assert comment.startswith("# ") and not re.fullmatch(r"# [A-Z0-9_]+=.*", comment)
            assert len(comment) > 10


def test_configuration_md_has_a_row_per_setting() -> None:
    text = MARKDOWN.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \|", text, flags=re.MULTILINE)
    assert sorted(rows) == sorted(SETTINGS)


def test_env_example_defaults_are_the_real_defaults(tmp_path: Path) -> None:
    """Uncommenting every line changes nothing: the file shows the true defaults."""
    uncommented = [
        line[2:]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if re.fullmatch(r"# [A-Z0-9_]+=.*", line)
    ]
    env = tmp_path / "uncommented.env"
    env.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    from_file = Settings(_env_file=env)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_file.model_dump() == defaults.model_dump()


def test_secrets_are_marked_and_never_have_a_default() -> None:
    text = MARKDOWN.read_text(encoding="utf-8")
    for name in (
        "NEMO_TOKEN",
        "TELEGRAM_BOT_TOKEN",
        "DISCORD_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
    ):
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.endswith("Secret. |")
        assert f"| `{name}` | unset |" in row
