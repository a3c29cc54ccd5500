"""Headers on every request, the client id, anonymous and operator tokens, single-flight refresh."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest
from aiohttp import web

import bot
from bot.backends.nemo import NemoClient
from bot.errors import ProtocolError, RateLimited, TokenError, Transient
from bot.logs import REDACTED, redact
from bot.store import SqliteStore
from tests.fakes.nemovideo import FakeNemo
from tests.nemo.conftest import FAST, ClientFactory, make_settings
from tests.support.databases import first_schema_database


async def _every_call(client: NemoClient, fake: FakeNemo) -> None:
    session = (await client.create_session("en")).session_id
    fake.script_render(polls=0, size=1000)
    await client.credits()
    await client.state(session)
    async for _ in client.turn(session, "hello"):
        pass
    await client.upload_url(session, "https://cdn.example/clip.mp4")
    state = await client.state(session)
    job = await client.submit_render("render_h1", session, state.raw_draft or {})
    status = await client.render_status(job.id or "render_h1")
    async with client.download("render_h1", status.url) as stream:
        assert sum([len(chunk) async for chunk in stream]) == 1000
    async with client.download("render_h1") as stream:  # the fallback route
        assert sum([len(chunk) async for chunk in stream]) == 1000
    await client.cancel_render("render_h1")
    await client.claim_link(state.task_id or "", session)


async def test_every_request_carries_the_token_and_attribution(
    client: NemoClient, fake: FakeNemo
) -> None:
    await _every_call(client, fake)

    assert fake.header_violations == []
    token = fake.valid_tokens[0]
    seen = {r.endpoint for r in fake.requests}
    assert seen >= {"token", "session", "turn", "upload", "credits", "state", "render_submit"}
    assert seen >= {"render_poll", "render_download", "render_cancel", "claim"}
    for request in fake.requests:
        assert request.headers["X-Skill-Source"] == "clipbridge"
        assert request.headers["X-Skill-Version"] == bot.__version__
        assert request.headers["X-Skill-Platform"] == "clipbridge"
        if request.endpoint == "token":
            assert "Authorization" not in request.headers
            assert request.headers["X-Client-Id"]
        else:
            assert request.headers["Authorization"] == f"Bearer {token}"


async def test_download_from_another_host_carries_no_token(client: NemoClient) -> None:
    seen: list[dict[str, str]] = []

    async def serve(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=b"x" * 5000, content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/result.mp4", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        # Same machine, another origin (a CDN, say): the port differs from the API's.
        async with client.download("r1", f"http://{host}:{port}/result.mp4") as stream:
            assert b"".join([chunk async for chunk in stream]) == b"x" * 5000
    finally:
        await runner.cleanup()
    assert len(seen) == 1
    assert "Authorization" not in seen[0]
    assert not any(name.lower().startswith("x-skill") for name in seen[0])


async def test_attribution_headers_follow_the_settings(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    async with open_client(nemo_skill_source="acme", nemo_skill_platform="acme-bot") as client:
        await client.credits()
    assert {r.headers["X-Skill-Source"] for r in fake.requests} == {"acme"}
    assert {r.headers["X-Skill-Platform"] for r in fake.requests} == {"acme-bot"}


async def test_client_id_is_generated_once_and_token_persisted(
    open_client: ClientFactory, fake: FakeNemo, store: SqliteStore
) -> None:
    async with open_client() as client:
        await client.credits()
    stored = await store.credentials("nemo")
    client_id = stored.client_id
    assert client_id and fake.client_ids == [client_id]
    assert stored.token == fake.valid_tokens[0]
    assert stored.expires_at and stored.expires_at > time.time() + 6 * 24 * 3600
    assert stored.user_id and stored.user_id.startswith("anon_")

    # A restart reuses both: no second token call.
    async with open_client() as client:
        await client.credits()
        assert client.bind_link() == f"https://web.example/register?bind={stored.user_id}"
    assert fake.tokens_issued == 1
    assert (await store.credentials("nemo")).client_id == client_id


async def test_a_token_the_first_schema_kept_in_meta_is_reused_after_the_upgrade(
    open_client: ClientFactory, fake: FakeNemo, store: SqliteStore, tmp_path: Path
) -> None:
    """A database of the first release held the client id and token as meta keys; the bot that
    opens it after the upgrade must not spend the 1-per-7-days allowance again."""
    async with open_client() as client:
        await client.credits()
    held = await store.credentials("nemo")
    token = {"token": held.token, "expires_at": held.expires_at, "user_id": held.user_id}
    path = first_schema_database(
        tmp_path / "first.sqlite3",
        {
            "meta": [
                {"key": "nemo.client_id", "value": held.client_id},
                {"key": "nemo.token", "value": json.dumps(token)},
            ]
        },
    )
    async with SqliteStore(path) as upgraded:
        settings = make_settings(fake.url)
        async with NemoClient(settings, upgraded, **FAST) as client:
            await client.credits()
    assert fake.tokens_issued == 1, "the migrated token was used"
    assert fake.client_ids == [held.client_id]


async def test_configured_client_id_is_used(open_client: ClientFactory, fake: FakeNemo) -> None:
    async with open_client(nemo_client_id="my-stable-client") as client:
        await client.credits()
    assert fake.client_ids == ["my-stable-client"]


async def test_operator_token_is_used_as_is(store: SqliteStore) -> None:
    async with FakeNemo(operator_token="nmv_usr_operator") as fake:
        settings = make_settings(fake.url, nemo_token="nmv_usr_operator")
        async with NemoClient(settings, store, **FAST) as client:
            await client.credits()
            assert client.bind_link() is None
        assert fake.tokens_issued == 0
        assert fake.calls("credits")[0].headers["Authorization"] == "Bearer nmv_usr_operator"


async def test_refused_operator_token_is_not_refreshed(store: SqliteStore) -> None:
    async with FakeNemo(operator_token="nmv_usr_operator") as fake:
        fake.revoke("nmv_usr_operator")
        settings = make_settings(fake.url, nemo_token="nmv_usr_operator")
        async with NemoClient(settings, store, **FAST) as client:
            with pytest.raises(TokenError) as caught:
                await client.credits()
        assert fake.tokens_issued == 0
        assert len(fake.calls("credits")) == 1
        assert "nmv_usr_operator" not in str(caught.value)


async def test_token_expiry_mid_conversation(client: NemoClient, fake: FakeNemo) -> None:
    session = (await client.create_session("en")).session_id
    first = fake.valid_tokens[0]
    fake.expire_tokens_after(1)
    await client.state(session)  # the last call the old token may make
    fake.script_turn()
    events = [event async for event in client.turn(session, "add music")]  # meets 1001

    assert events[-1].__class__.__name__ == "TurnEnded"
    assert fake.tokens_issued == 2
    assert first not in fake.valid_tokens
    turns = fake.calls("turn")
    assert len(turns) == 2  # refused with 1001 (not run), then sent again with the new token
    assert len(fake.turns) == 1  # the agent ran it once
    assert turns[-1].headers["Authorization"] == f"Bearer {fake.valid_tokens[0]}"


async def test_single_flight_refresh(client: NemoClient, fake: FakeNemo) -> None:
    await client.credits()
    fake.revoke(fake.valid_tokens[0])

    answers = await asyncio.gather(*(client.credits() for _ in range(100)))

    assert len(answers) == 100
    assert fake.tokens_issued == 2  # the first token and exactly one refresh
    assert len(fake.client_ids) == 2


async def test_token_is_refreshed_before_it_expires(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    fake.token_ttl = 30.0  # inside the refresh margin below
    async with open_client(client_options={"token_refresh_margin": 60.0}) as client:
        await client.credits()
        await client.credits()
    assert fake.tokens_issued == 2  # the second call refreshed first...
    assert len(fake.calls("credits")) == 2  # ...so nothing was refused and sent again


async def test_token_without_expiry_is_kept(open_client: ClientFactory, fake: FakeNemo) -> None:
    fake.token_minimal = True  # only token and credits
    async with open_client() as client:
        await client.credits()
        await client.credits()
        assert client.bind_link() is None  # no user id known yet
        await client.create_session("en")  # ...which the session answer provides
        assert client.bind_link() is not None
    assert fake.tokens_issued == 1


async def test_token_rate_limit_waits_retry_after_once(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    fake.fail("token", status=429, retry_after=0.2)
    async with open_client() as client:
        started = time.monotonic()
        await client.credits()
        assert time.monotonic() - started >= 0.2
    assert len(fake.calls("token")) == 2


async def test_token_rate_limit_twice_gives_up(open_client: ClientFactory, fake: FakeNemo) -> None:
    fake.fail("token", status=429, times=2)  # no Retry-After: the configured wait
    async with open_client() as client:
        with pytest.raises(RateLimited):
            await client.credits()
    assert len(fake.calls("token")) == 2


async def test_token_rate_limit_for_days_is_not_waited(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    fake.tokens_per_client = 0
    fake.rate_limit_retry_after = 7 * 24 * 3600
    async with open_client() as client:
        with pytest.raises(RateLimited) as caught:
            await client.credits()
    assert caught.value.retry_after == 7 * 24 * 3600
    assert len(fake.calls("token")) == 1


async def test_token_call_missing_client_id_is_loud(
    open_client: ClientFactory, fake: FakeNemo, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("token", status=400, message="X-Client-Id header is required")
    async with open_client() as client:
        with pytest.raises(ProtocolError):
            await client.credits()
    assert any(r.levelno == logging.ERROR for r in caplog.records)


async def test_tokens_never_reach_logs_or_errors(
    client: NemoClient, fake: FakeNemo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _every_call(client, fake)
    fake.revoke(fake.valid_tokens[0])
    fake.fail("credits", code=1001, times=None)
    with pytest.raises(TokenError) as caught:
        await client.credits()
    tokens = list(fake._tokens)
    assert len(tokens) == 2
    errors = f"{caught.value} {caught.value.detail}"
    for token in tokens:
        assert token not in errors
        assert redact(f"x {token} y") == f"x {REDACTED} y"  # registered with the log filter
        for record in caplog.records:
            message = record.getMessage()
            if record.name != "aiosqlite":  # logs SQL parameters at DEBUG: redacted on output
                assert token not in message, record.name
            assert token not in redact(message)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"status": 500}, Transient),
        ({"status": 503, "body": "<html>down</html>"}, Transient),
        ({"code": 1001}, TokenError),
        ({"code": 9999}, ProtocolError),
        ({"body": {"code": 0, "data": {"credits": 100}}}, ProtocolError),  # no token in it
    ],
)
async def test_token_call_failures(
    options: dict[str, object], expected: type[Exception], client: NemoClient, fake: FakeNemo
) -> None:
    fake.fail("token", **options)  # type: ignore[arg-type]
    with pytest.raises(expected):
        await client.credits()
    assert len(fake.calls("token")) == 1  # not idempotent: rate limited per client, never retried
    assert fake.calls("credits") == []
    await client.credits()  # the next call tries again and succeeds
    assert fake.tokens_issued == 1
