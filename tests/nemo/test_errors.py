"""Every error code and status on every endpoint, mapped onto `bot.errors`, and the retry rules."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from bot.backends.nemo import NemoClient
from bot.errors import (
    ClipbridgeError,
    FileTooLarge,
    NoCredits,
    PlanRequired,
    ProtocolError,
    RateLimited,
    SessionNotFound,
    TokenError,
    Transient,
    UnsupportedFile,
)
from bot.models import ByteStream
from bot.store import SqliteStore
from tests.fakes.nemovideo import FakeNemo
from tests.nemo.conftest import FAST, ClientFactory, make_settings

Call = Callable[[NemoClient, str], Awaitable[object]]


@asynccontextmanager
async def _ten_bytes() -> AsyncIterator[ByteStream]:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"0123456789"

    yield chunks()


async def _turn(client: NemoClient, session: str) -> object:
    return [event async for event in client.turn(session, "hi")]


async def _download(client: NemoClient, session: str) -> object:
    async with client.download("render_x") as stream:
        return [chunk async for chunk in stream]


CALLS: dict[str, tuple[str, Call]] = {
    "session": ("session", lambda c, s: c.create_session("en")),
    "turn": ("turn", _turn),
    "upload": (
        "upload",
        lambda c, s: c.upload_stream(s, "clip.mp4", 10, "video/mp4", _ten_bytes),
    ),
    "upload_url": ("upload", lambda c, s: c.upload_url(s, "https://cdn.example/clip.mp4")),
    "credits": ("credits", lambda c, s: c.credits()),
    "state": ("state", lambda c, s: c.state(s)),
    "render_submit": ("render_submit", lambda c, s: c.submit_render("render_x", s, {"t": []})),
    "render_poll": ("render_poll", lambda c, s: c.render_status("render_x")),
    "render_download": ("render_download", _download),
    "render_cancel": ("render_cancel", lambda c, s: c.cancel_render("render_x")),
    "claim": ("claim", lambda c, s: c.claim_link("task_1", s)),
}
IDEMPOTENT = {"credits", "state", "render_poll", "render_download"}
SESSION_SCOPED = {"turn", "state", "upload", "upload_url"}

# (fail() arguments, expected error, expected code)
CASES: dict[str, tuple[dict[str, object], type[ClipbridgeError], int | None]] = {
    "1002": ({"code": 1002}, SessionNotFound, 1002),
    "2001": ({"code": 2001}, NoCredits, 2001),
    "4001": ({"code": 4001}, UnsupportedFile, 4001),
    "4002": ({"code": 4002}, FileTooLarge, 4002),
    "2001-msg-key": ({"code": 2001, "message_key": "msg", "message": "no money"}, NoCredits, 2001),
    "2001-over-500": ({"code": 2001, "status": 500}, NoCredits, 2001),
    "unknown-code": ({"code": 9999}, ProtocolError, 9999),
    "402": ({"status": 402}, PlanRequired, 402),
    "400": ({"status": 400}, ProtocolError, 400),
    "not-json": ({"status": 502, "body": "<html>oops</html>", "times": None}, Transient, 502),
    "429": ({"status": 429, "retry_after": 0, "times": 2}, RateLimited, 429),
    "500": ({"status": 500, "times": None}, Transient, 500),
    "503": ({"status": 503, "times": None}, Transient, 503),
    "1001": ({"code": 1001, "times": None}, TokenError, 1001),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("call", list(CALLS))
async def test_error_mapping(call: str, case: str, client: NemoClient, fake: FakeNemo) -> None:
    endpoint, run = CALLS[call]
    options, expected, code = CASES[case]
    session = (await client.create_session("en")).session_id
    fake.fail(endpoint, **options)  # type: ignore[arg-type]
    before = len(fake.calls(endpoint))

    with pytest.raises(expected) as caught:
        await run(client, session)

    assert caught.value.code == code
    sent = len(fake.calls(endpoint)) - before
    if case in ("500", "503", "not-json"):
        assert sent == (FAST["retries"] + 1 if call in IDEMPOTENT else 1)
    elif case in ("429", "1001"):
        assert sent == 2  # waited out or refreshed once, then given up
    else:
        assert sent == 1
    if case == "1001":
        assert fake.tokens_issued == 2
    if case == "2001-msg-key":
        assert "no money" in caught.value.detail
    if isinstance(caught.value, NoCredits):
        user = fake.sessions[session].user_id
        assert caught.value.link == f"https://web.example/register?bind={user}"


@pytest.mark.parametrize("call", list(CALLS))
async def test_404(call: str, client: NemoClient, fake: FakeNemo) -> None:
    endpoint, run = CALLS[call]
    session = (await client.create_session("en")).session_id
    fake.fail(endpoint, status=404)
    expected = SessionNotFound if call in SESSION_SCOPED else ProtocolError
    with pytest.raises(expected):
        await run(client, session)


async def test_unknown_session_on_turn_is_session_not_found(client: NemoClient) -> None:
    with pytest.raises(SessionNotFound):
        await _turn(client, "424242")


async def test_rate_limit_waits_then_succeeds(client: NemoClient, fake: FakeNemo) -> None:
    await client.credits()
    fake.fail("credits", status=429, retry_after=0.3)
    started = time.monotonic()
    balance = await client.credits()
    assert time.monotonic() - started >= 0.3
    assert balance.available == 25000
    assert len(fake.calls("credits")) == 3


async def test_rate_limit_without_retry_after_waits_the_default(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    async with open_client(client_options={"rate_limit_wait": 0.3}) as client:
        session = (await client.create_session("en")).session_id
        fake.fail("turn", status=429)
        started = time.monotonic()
        events = await _turn(client, session)
    assert time.monotonic() - started >= 0.3
    assert isinstance(events, list) and events
    assert len(fake.turns) == 1


async def test_transient_get_is_retried(client: NemoClient, fake: FakeNemo) -> None:
    session = (await client.create_session("en")).session_id
    fake.fail("state", status=503, times=2)
    state = await client.state(session)
    assert state.session_id == session
    assert len(fake.calls("state")) == 3


@pytest.mark.parametrize("endpoint", ["session", "render_submit", "upload", "render_cancel"])
async def test_transient_post_is_not_retried(
    endpoint: str, client: NemoClient, fake: FakeNemo
) -> None:
    session = (await client.create_session("en")).session_id
    fake.fail(endpoint, status=502)
    with pytest.raises(Transient):
        await CALLS[endpoint][1](client, session)
    assert len(fake.calls(endpoint)) == (2 if endpoint == "session" else 1)


async def test_connection_refused_is_transient_after_retries(store: SqliteStore) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(f"http://127.0.0.1:{port}", nemo_token="nmv_usr_x")
    async with NemoClient(settings, store, **FAST) as client:
        with pytest.raises(Transient) as caught:
            await client.credits()
    assert "ConnectError" in caught.value.detail
    assert "nmv_usr_x" not in str(caught.value)


async def test_operator_token_no_credits_carries_no_bind_link(store: SqliteStore) -> None:
    async with FakeNemo(operator_token="nmv_usr_op") as fake:
        settings = make_settings(fake.url, nemo_token="nmv_usr_op")
        async with NemoClient(settings, store, **FAST) as client:
            fake.fail("credits", code=2001)
            with pytest.raises(NoCredits) as caught:
                await client.credits()
    assert caught.value.link is None


async def test_answer_of_unknown_shape_is_logged_once(
    client: NemoClient, fake: FakeNemo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.backends.nemo")
    fake.fail("credits", body={"code": 0, "data": {"balance": "lots", "unit": "c"}}, times=2)
    for _ in range(2):
        with pytest.raises(ProtocolError) as caught:
            await client.credits()
        assert "available" in caught.value.detail
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "NemoVideo sent an unknown shape at GET /api/credits/balance/simple: "
        "keys ['balance', 'unit']"
    ]


async def test_session_id_stays_a_string(client: NemoClient, fake: FakeNemo) -> None:
    fake.fail("session", body={"code": 0, "data": {"session_id": 5529798706024415232}})
    created = await client.create_session("en")
    assert created.session_id == "5529798706024415232"
