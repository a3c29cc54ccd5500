"""The load balancer in front of cluster fronts: each Telegram webhook POST goes to the next
front (round robin), and to the one after when the connection breaks before an answer, which is
what Telegram's own retry of an unanswered delivery amounts to."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientConnectorError, ClientError, ClientSession, TraceConfig, web

from tests.acceptance.conftest import Program, telegram_env
from tests.fakes.base import serving
from tests.fakes.telegram_api import FakeTelegram

WEBHOOK = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET = "cluster-Secret_1"


def webhook_cluster(telegram: FakeTelegram, database_url: str) -> dict[str, str]:
    """The settings every process of a Telegram webhook cluster shares: the bot, the database,
    and the webhook that reaches the fronts through this balancer."""
    return {
        **telegram_env(telegram),
        "DATABASE_URL": database_url,
        "TELEGRAM_MODE": "webhook",
        "PUBLIC_URL": "https://bot.example",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }


@asynccontextmanager
async def round_robin(
    fronts: list[Program], broken: list[str], reached: asyncio.Event | None = None
) -> AsyncIterator[str]:
    """The URL to post to. `broken` gets a line for each front whose connection broke (a test
    where every front stays up asserts it stays empty); `reached` is set once a request has
    been sent to a front."""
    turn = itertools.cycle(fronts)
    tracing = TraceConfig()

    async def sent(session: ClientSession, context: SimpleNamespace, params: Any) -> None:
        if reached is not None:
            reached.set()

    tracing.on_request_headers_sent.append(sent)
    async with ClientSession(trace_configs=[tracing]) as session:

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            headers = {SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}
            for _ in fronts:
                front = next(turn)
                url = f"http://127.0.0.1:{front.env['HTTP_PORT']}{WEBHOOK}"
                try:
                    async with session.post(url, data=body, headers=headers) as answer:
                        return web.Response(status=answer.status, body=await answer.read())
                except ClientConnectorError:
                    broken.append(f"{front.env['DATA_DIR']}: not reached")
                except ClientError:  # connected, then the connection broke unanswered
                    broken.append(f"{front.env['DATA_DIR']}: broken")
            return web.Response(status=502, text="no front answered")

        app = web.Application()
        app.router.add_post(WEBHOOK, forward)
        async with serving(app) as base:
            yield f"{base}{WEBHOOK}"
