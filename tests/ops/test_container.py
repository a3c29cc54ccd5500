"""The container runs what CI tests: the Dockerfile installs with the README's own command.

No Docker engine runs here, so these read the files: the Dockerfile's install step is the
README's `bash scripts/dev.sh run`, whose lock files it copies in; the image runs as a non-root
user with the data on a volume; and its HEALTHCHECK command, run for real against our HTTP
server, passes while the server is up and fails when it is not.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

from bot.cli import COMMANDS
from bot.http import HttpServer
from tests.support.settings import make_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
DEV_SH = (ROOT / "scripts" / "dev.sh").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMPOSE = (ROOT / "compose.yaml").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def run_branch_locks() -> list[str]:
    """The lock files `dev.sh run` installs (the README's install)."""
    branch = re.search(r"^\s*run\)\n(.*?);;", DEV_SH, flags=re.MULTILINE | re.DOTALL)
    assert branch, "dev.sh has no `run)` branch"
    setup = re.search(r"^\s*setup (.+)$", branch.group(1), flags=re.MULTILINE)
    assert setup
    return setup.group(1).split()


def test_install_is_the_readmes_command() -> None:
    assert "bash scripts/dev.sh run" in README
    build = stages()[0]
    runs = [rest for keyword, rest in build if keyword == "RUN"]
    assert runs == ["bash scripts/dev.sh run --version"]
    every_run = [rest for keyword, rest in instructions() if keyword == "RUN"]
    assert not any(re.search(r"pip3? install", run) for run in every_run)  # one install path
    copied = " ".join(rest for keyword, rest in build if keyword == "COPY").split()
    locks = run_branch_locks()
    assert locks == ["requirements.lock", "requirements-build.lock"]
    for needed in (*locks, "pyproject.toml", "README.md", "scripts/", "bot/", "adapters/"):
        assert needed in copied, needed


def test_dev_sh_installs_with_hashes_and_the_project_without_deps() -> None:
    assert "--require-hashes" in DEV_SH
    assert "--no-deps --no-build-isolation -e ." in DEV_SH


def test_stages_base_user_volume_and_healthcheck() -> None:
    build, runtime = stages()
    python = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text())
    assert python
    base = re.search(r"ARG PYTHON_IMAGE=(\S+)", DOCKERFILE)
    assert base and base.group(1).startswith(f"python:{python.group(1)}-slim")
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build")
    assert runtime[0][0] == "FROM"
    runtime_map = dict(runtime)
    assert "COPY" in runtime_map and "--from=build /app /app" in runtime_map["COPY"]
    assert runtime_map["USER"] not in ("root", "0")
    assert runtime_map["VOLUME"] == '["/data"]'
    assert "DATA_DIR=/data" in runtime_map["ENV"]
    assert "HTTP_HOST=0.0.0.0" in runtime_map["ENV"]
    assert "/healthz" in runtime_map["HEALTHCHECK"]
    assert runtime_map["ENTRYPOINT"] == '["clipbridge"]'
    assert runtime_map["CMD"] == '["run"]'
    assert "run" in COMMANDS


def healthcheck_command() -> list[str]:
    check = dict(stages()[-1])["HEALTHCHECK"]
    command = check.split(" CMD ", 1)[1]
    return ["sh", "-c", command]


async def run_healthcheck(port: int) -> int:
    env = dict(os.environ, HTTP_PORT=str(port))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    process = await asyncio.create_subprocess_exec(
        *healthcheck_command(),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 30)


async def test_healthcheck_command_probes_healthz() -> None:
    settings = make_settings(http_port=0)
    async with HttpServer(settings) as server:
        assert await run_healthcheck(server.port) == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert await run_healthcheck(closed) != 0


def test_compose_bot_and_optional_local_bot_api() -> None:
    assert "build: ." in COMPOSE
    assert re.search(r"^\s+- data:/data$", COMPOSE, flags=re.MULTILINE)
    local = COMPOSE.split("  telegram-bot-api:\n", 1)[1]
    assert "profiles: [local-bot-api]" in local
    assert "TELEGRAM_LOCAL" in local
    # The bot reads the local server's files at the paths the server reports.
    assert "- telegram-bot-api:/var/lib/telegram-bot-api:ro" in COMPOSE
    assert "- telegram-bot-api:/var/lib/telegram-bot-api\n" in local
    assert "TELEGRAM_BASE_URL=http://telegram-bot-api:8081/bot" in COMPOSE


def test_dockerignore_keeps_secrets_out_of_the_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".env", ".venv", "data/"):
        assert entry in ignored
