"""The log pipeline: chat/job ids on every line, JSON lines, and no secret in any record."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.logs import log_context, redact, register_secret, setup_logging
from tests.fakes.base import serving
from tests.support.secrets import OPS_DISCORD_TOKEN as DISCORD_TOKEN
from tests.support.secrets import OPS_NEMO_TOKEN as NEMO_TOKEN
from tests.support.secrets import OPS_TELEGRAM_TOKEN as TG_TOKEN
from tests.support.secrets import WEBHOOK_SECRET
from tests.support.settings import make_settings

UNCONFIGURED_TG = "987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"
SECRETS = (TG_TOKEN, DISCORD_TOKEN, NEMO_TOKEN, WEBHOOK_SECRET)


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": TG_TOKEN,
        "discord_bot_token": DISCORD_TOKEN,
        "nemo_token": NEMO_TOKEN,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return make_settings(**values)


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    hooks = sys.excepthook, threading.excepthook
    handler = setup_logging(settings(), stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


def assert_clean(text: str) -> None:
    for secret in (*SECRETS, UNCONFIGURED_TG, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"):
        assert secret not in text
    assert "/file/bot" not in text


def test_message_and_args_are_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("token %s and %s in args", TG_TOKEN, DISCORD_TOKEN)
    log.warning(f"inline {NEMO_TOKEN} and secret={WEBHOOK_SECRET}")
    log.info("dict args %(t)s", {"t": NEMO_TOKEN})
    text = output.getvalue()
    assert_clean(text)
    assert text.count("[REDACTED]") >= 5
    assert "token [REDACTED] and [REDACTED] in args" in text


def test_telegram_urls_are_redacted_even_with_unconfigured_tokens(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("download https://api.telegram.org/file/bot%s/videos/file_12.mp4 now", UNCONFIGURED_TG)
    log.info("download http://127.0.0.1:8081/file/bot%s/documents/a.mkv", TG_TOKEN)
    log.info("call https://api.telegram.org/bot%s/getMe", UNCONFIGURED_TG)
    log.info("short fake token in a url http://127.0.0.1:1/bot123:ABC/getUpdates")
    text = output.getvalue()
    assert_clean(text)
    assert "file_12.mp4" not in text
    assert "123:ABC" not in text
    assert "https://api.telegram.org/bot[REDACTED]/getMe" in text
    assert text.count("<telegram file URL [REDACTED]>") == 2


def test_discord_interaction_tokens_are_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("discord.http")
    token = "aW50ZXJhY3Rpb246MTIzNDU2.some-token_value"
    log.debug("POST https://discord.com/api/v10/interactions/123/%s/callback: 204", token)
    log.debug("PATCH https://discord.com/api/v10/webhooks/700/%s/messages/@original", token)
    log.debug('WebSocket Event: {"t": "INTERACTION_CREATE", "d": {"token": "%s"}}', token)
    log.debug("event %s", {"id": "1", "token": token})
    text = output.getvalue()
    assert "some-token" not in text
    assert "/interactions/123/[REDACTED]/callback" in text
    assert "/webhooks/700/[REDACTED]/messages/@original" in text
    assert text.count("[REDACTED]") == 4


def test_exceptions_and_tracebacks_are_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")

    def fail(token: str) -> None:
        raise RuntimeError(f"cannot fetch https://api.telegram.org/file/bot{token}/x.mp4 {token}")

    try:
        fail(TG_TOKEN)
    except RuntimeError:
        log.exception("failed with %s", NEMO_TOKEN)
    try:
        raise ValueError(f"Authorization: Bearer {UNCONFIGURED_TG}xyz and Bot {DISCORD_TOKEN}")
    except ValueError as exc:
        log.error("wrapped", exc_info=exc)
    log.info("stack", stack_info=True, extra={"detail": f"extra field {WEBHOOK_SECRET}"})
    log.info("headers", extra={"headers": {"Authorization": f"Bot {DISCORD_TOKEN}"}})
    text = output.getvalue()
    assert_clean(text)
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: cannot fetch <telegram file URL [REDACTED]>" in text
    assert "Bearer [REDACTED]" in text


def test_runtime_registered_secret_is_redacted(output: io.StringIO) -> None:
    anonymous = "nmv_anon_runtime_token_0123456789"
    register_secret(anonymous)
    logging.getLogger("bot.test").info("got token %s", anonymous)
    assert anonymous not in output.getvalue()
    assert redact(f"x {anonymous} y") == "x [REDACTED] y"


async def test_httpx_library_logger_is_redacted(output: io.StringIO) -> None:
    """httpx logs each request's full URL at INFO; a Bot API URL carries the token."""

    async def get_me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": {"id": 1}})

    app = web.Application()
    app.router.add_route("POST", "/bot{token}/getMe", get_me)
    app.router.add_route("GET", "/file/bot{token}/{path:.*}", get_me)
    async with serving(app) as base, httpx.AsyncClient() as client:
        for token in (TG_TOKEN, UNCONFIGURED_TG):
            response = await client.post(f"{base}/bot{token}/getMe")
            assert response.status_code == 200
        file_url = f"{base}/file/bot{UNCONFIGURED_TG}/videos/f.mp4"
        assert (await client.get(file_url)).status_code == 200
    text = output.getvalue()
    assert "HTTP Request: POST" in text  # the library's own line is there...
    assert_clean(text)  # ...without the token


async def test_chat_and_job_ids_follow_tasks(output: io.StringIO) -> None:
    log = logging.getLogger("bot.conversation")

    async def chat_task(chat: str) -> None:
        with log_context(chat=chat):
            await asyncio.sleep(0)
            with log_context(job=f"job-{chat}"):
                await asyncio.sleep(0)
                log.info("working")
            log.info("done")

    await asyncio.gather(chat_task("telegram:1"), chat_task("discord:2"))
    log.info("outside")
    lines = output.getvalue().splitlines()
    assert sum(" chat=telegram:1 job=job-telegram:1 working" in line for line in lines) == 1
    assert sum(" chat=discord:2 job=job-discord:2 working" in line for line in lines) == 1
    assert sum(" chat=discord:2 done" in line for line in lines) == 1
    assert any(line.endswith("bot.conversation outside") for line in lines)


@pytest.fixture
def restore_hooks() -> Iterator[None]:
    hooks = sys.excepthook, threading.excepthook
    yield
    sys.excepthook, threading.excepthook = hooks


@pytest.mark.usefixtures("restore_hooks")
def test_json_lines() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(settings(log_format="json", log_level="INFO"), stream)
    try:
        log = logging.getLogger("bot.test")
        with log_context(chat="telegram:42", job="j1"):
            try:
                raise KeyError(TG_TOKEN)
            except KeyError:
                log.exception(
                    "boom %s", NEMO_TOKEN, extra={"request": {"url": f"/bot{TG_TOKEN}/getMe"}}
                )
        log.debug("not shown at INFO")
        logging.getLogger("httpx").info("quiet at INFO: only warnings from httpx")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR"
    assert entry["chat"] == "telegram:42"
    assert entry["job"] == "j1"
    assert entry["msg"] == "boom [REDACTED]"
    assert entry["request"] == "{'url': '/bot[REDACTED]/getMe'}"
    assert "KeyError" in entry["exc"]
    assert_clean(lines[0])


@pytest.mark.usefixtures("restore_hooks")
def test_setup_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    level = root.level
    first = setup_logging(settings(), io.StringIO())
    second = setup_logging(settings(), io.StringIO())
    try:
        assert first not in root.handlers
        assert sum(h.get_name() == "clipbridge" for h in root.handlers) == 1
    finally:
        root.removeHandler(second)
        root.setLevel(level)


def test_uncaught_exceptions_go_through_the_filter(output: io.StringIO) -> None:
    try:
        raise RuntimeError(f"crash while calling https://api.telegram.org/bot{TG_TOKEN}/getMe")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def crash() -> None:
        raise ValueError(NEMO_TOKEN)

    thread = threading.Thread(target=crash, name="worker")
    thread.start()
    thread.join(5)
    text = output.getvalue()
    assert "CRITICAL clipbridge uncaught exception\nTraceback" in text
    assert "uncaught exception in thread worker" in text
    assert_clean(text)
