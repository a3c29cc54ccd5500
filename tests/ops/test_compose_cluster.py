"""compose.cluster.yaml runs the cluster docs/scaling.md describes: two webhook fronts, two
workers, one PostgreSQL, a TLS proxy for the webhook.

No Docker engine runs here, so these read the file (as tests/ops/test_container.py reads the
Dockerfile and compose.yaml): every command is a `clipbridge` command and options `bot.cli`
accepts, the fronts are webhook replicas that only receive, every process has the one
DATABASE_URL, each service has a health check, and the checks themselves, run for real against
our HTTP server, pass when it is healthy and fail when it is not.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import re
import shlex
import sys
from fractions import Fraction
from pathlib import Path

from adapters.telegram._adapter import WEBHOOK_PATH
from bot.cli import COMMANDS
from bot.http import HttpServer
from tests.support.settings import make_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = (ROOT / "compose.cluster.yaml").read_text(encoding="utf-8")
PER_PROCESS = 15  # connections, docs/scaling.md
ANCHOR = "<<: *clipbridge"


def services() -> dict[str, str]:
    """Each service's block of lines, by name (keys indented two spaces under `services:`)."""
    block = COMPOSE.split("\nservices:\n", 1)[1]
    block = re.split(r"^\S", block, maxsplit=1, flags=re.MULTILINE)[0]
    found: dict[str, str] = {}
    for part in re.split(r"^  (?=[a-z][\w-]*:\n)", block, flags=re.MULTILINE)[1:]:
        name, _, body = part.partition(":\n")
        found[name] = body
    return found


def clipbridge_services() -> dict[str, str]:
    return {name: body for name, body in services().items() if ANCHOR in body}


def anchor(name: str) -> str:
    """The lines of a top-level `x-...: &name` block."""
    found = re.search(rf"^x-[\w-]+: &{name}\n(.*?)(?=^\S)", COMPOSE, re.MULTILINE | re.DOTALL)
    assert found, name
    return found.group(1)


def value(block: str, key: str) -> str:
    found = re.search(rf"^\s+{key}: (.+)$", block, re.MULTILINE)
    assert found, key
    return found.group(1).strip()


def command(body: str) -> list[str]:
    argv: list[str] = json.loads(value(body, "command"))  # a YAML flow list of strings is JSON
    return argv


def parsed(argv: list[str]) -> argparse.Namespace:
    """`argv` as `clipbridge` parses it (bot.cli: the subcommand's own options)."""
    assert argv[0] in COMMANDS, f"{argv[0]} is not a clipbridge command"
    parser = argparse.ArgumentParser(prog=f"clipbridge {argv[0]}", exit_on_error=False)
    importlib.import_module(COMMANDS[argv[0]][0]).add_arguments(parser)
    return parser.parse_args(argv[1:])


def replicas(body: str) -> int:
    return int(value(body, "replicas"))


def test_the_cluster_is_postgres_fronts_workers_and_a_proxy() -> None:
    assert set(services()) == {"postgres", "front", "worker", "proxy"}
    assert set(clipbridge_services()) == {"front", "worker"}
    for name in ("front", "worker"):
        assert replicas(services()[name]) == 2, name
    assert "build: ." in anchor("clipbridge")
    assert "condition: service_healthy" in anchor("clipbridge")  # PostgreSQL first


def test_every_command_is_one_clipbridge_accepts() -> None:
    for body in clipbridge_services().values():
        parsed(command(body))  # an unknown option would exit here
    front, worker = (command(services()[n]) for n in ("front", "worker"))
    assert front[0] == "run" and parsed(front).workers == 0  # receives only
    assert worker[0] == "worker" and parsed(worker).jobs >= 1
    one_off = r"docker compose -f compose\.cluster\.yaml run --rm \w+ (.+)"
    for comment in re.findall(one_off, COMPOSE):
        parsed(shlex.split(comment))


def test_fronts_take_the_webhook_and_workers_do_not() -> None:
    front, worker = services()["front"], services()["worker"]
    assert value(front, "TELEGRAM_MODE") == "webhook"
    assert value(front, "PUBLIC_URL").startswith("https://")
    assert "TELEGRAM_WEBHOOK_SECRET: ${TELEGRAM_WEBHOOK_SECRET:?" in front  # required, shared
    assert "TELEGRAM_MODE" not in worker and "ports:" not in worker and "ports:" not in front
    caddy = COMPOSE.split("content: |", 1)[1]
    assert f"@webhook path {WEBHOOK_PATH}\n" in caddy  # only the webhook goes out
    assert f"dynamic a front {value(anchor('environment'), 'HTTP_PORT').strip(chr(34))}" in caddy
    assert "condition: service_healthy" in services()["proxy"]


def test_one_database_url_for_every_process() -> None:
    assert COMPOSE.count("DATABASE_URL:") == 1
    url = value(anchor("environment"), "DATABASE_URL")
    for name, body in clipbridge_services().items():
        assert re.search(r"^    environment:\n      <<: \*environment$", body, re.MULTILINE), name
    postgres = services()["postgres"]
    user, database = value(postgres, "POSTGRES_USER"), value(postgres, "POSTGRES_DB")
    assert url.startswith(f"postgresql://{user}:${{POSTGRES_PASSWORD:?")
    assert url.endswith(f"@postgres:5432/{database}")


def test_sizes_fit_the_processes() -> None:
    processes = sum(replicas(body) for body in clipbridge_services().values())
    share = value(anchor("environment"), "TELEGRAM_RATE_SHARE")
    default = re.fullmatch(r"\$\{TELEGRAM_RATE_SHARE:-([\d.]+)\}", share)
    assert default and Fraction(default.group(1)) == Fraction(1, processes)
    limit = re.search(r"max_connections=(\d+)", services()["postgres"])
    assert limit and int(limit.group(1)) >= PER_PROCESS * 10  # room to scale to ten


def healthcheck(body: str) -> list[str]:
    test: list[str] = json.loads(value(body, "test"))
    assert test[0] == "CMD"
    return test[1:]


async def run_check(argv: list[str], port: int) -> int:
    argv = [a.replace("127.0.0.1:8080", f"127.0.0.1:{port}") for a in argv]
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await asyncio.wait_for(process.wait(), 30)


async def test_each_services_health_check_passes_when_healthy_and_fails_when_not() -> None:
    assert "healthcheck:" in services()["postgres"]
    port = value(anchor("environment"), "HTTP_PORT").strip('"')

    async def ok() -> None:
        return None

    async def down() -> None:
        raise ConnectionError("the queue does not answer")

    for name, body in clipbridge_services().items():
        argv = healthcheck(body)
        assert any(f"127.0.0.1:{port}/" in a for a in argv), name
        async with HttpServer(make_settings(http_port=0), {"queue": ok}) as server:
            assert await run_check(argv, server.port) == 0, name
        async with HttpServer(make_settings(http_port=0), {"queue": down}) as server:
            failed = await run_check(argv, server.port)
        if name == "worker":  # ready means its database and queue answer
            assert failed != 0
        else:  # a front is only asked whether it is alive (its readiness asks NemoVideo)
            assert failed == 0
