"""The platform registry (`bot.ports.platforms()`): `clipbridge run` starts what the settings turn
on and imports nothing else. A Discord-only bot runs for real against the Discord fake, in its
own process so that `sys.modules` is its own, and reports which chat libraries it loaded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.ports import configured_platforms, platforms
from tests.fakes.discord_api import FakeDiscord
from tests.support.secrets import REGISTRY_DISCORD_TOKEN as DISCORD_TOKEN
from tests.support.secrets import TELEGRAM_TOKEN
from tests.support.settings import make_settings

# `clipbridge run`, then (at exit, after SIGTERM) which chat libraries this process imported.
RUN_AND_REPORT = """
import atexit, runpy, sys
atexit.register(lambda: print("LOADED", sorted(m for m in ("telegram", "discord") if m in sys.modules), flush=True))
sys.argv = ["clipbridge", "run", "--env-file", ""]
runpy.run_module("bot", run_name="__main__")
"""  # noqa: E501


def _env(data: Path, **values: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(data),
        "BACKEND": "local",
        "HTTP_ENABLED": "false",
        **values,
    }


async def test_a_discord_only_bot_never_imports_telegram(tmp_path: Path) -> None:
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        env = _env(
            tmp_path / "data",
            DISCORD_BOT_TOKEN=DISCORD_TOKEN,
            DISCORD_API_URL=fake.api_base,
            DISCORD_GATEWAY_URL=fake.gateway_url,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN_AND_REPORT, env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert process.stdout is not None
        lines: list[str] = []
        try:
            async with asyncio.timeout(30):
                while b"clipbridge is running on" not in (line := await process.stdout.readline()):
                    assert line, "the bot exited before running:\n" + "".join(lines)
                    lines.append(line.decode())
            started = line.decode()
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                rest = (await process.stdout.read()).decode()
                assert await process.wait() == 0, rest
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert "clipbridge is running on Discord with the local backend" in started
    assert not [line for line in lines if " WARNING " in line], lines  # a clean start says so
    assert "LOADED ['discord']" in rest.splitlines()


def test_settings_and_doctor_checks_import_no_chat_library() -> None:
    """Every registered platform's checks run without its chat library (a machine may lack it)."""
    code = (
        "import sys, asyncio\n"
        "from bot.config import Settings\n"
        "from bot.doctor import run_checks\n"
        "from bot.settings_check import check_settings\n"
        f"s = Settings(_env_file=None, telegram_bot_token={TELEGRAM_TOKEN!r},\n"
        f"             discord_bot_token={DISCORD_TOKEN!r}, telegram_base_url='http://127.0.0.1:9/bot',\n"
        "             telegram_base_file_url='http://127.0.0.1:9/file/bot',\n"
        "             discord_api_url='http://127.0.0.1:9/api')\n"
        "check_settings(s, filesystem=False)\n"
        "asyncio.run(run_checks(s, wait=1))\n"
        "loaded = [m for m in ('telegram', 'discord') if m in sys.modules]\n"
        "sys.exit(f'imported {loaded}' if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_settings_decide_which_platforms_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    assert [p.name for p in platforms()][:2] == ["telegram", "discord"]

    def on(**values: str) -> list[str]:
        settings = make_settings(**values)
        return [p.name for p in configured_platforms(settings)]

    assert on() == []
    assert on(discord_bot_token=DISCORD_TOKEN) == ["discord"]
    assert on(telegram_bot_token=TELEGRAM_TOKEN, discord_bot_token=DISCORD_TOKEN) == [
        "telegram",
        "discord",
    ]
