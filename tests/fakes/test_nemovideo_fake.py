"""Proves the fake NemoVideo server itself, with plain httpx over loopback."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import pytest

from tests.fakes.nemovideo import (
    Envelope,
    FakeNemo,
    UrlShape,
    adk_error,
    adk_reply,
    adk_run_error,
    adk_text,
    adk_tool_call,
    adk_tool_result,
    change_draft,
    cut,
    error_event,
    every,
    heartbeat,
    mp4ish_bytes,
    pause,
    raw,
    temporary_issue,
    typed_text,
    typed_tool_call,
)

ATTRIBUTION = {"X-Skill-Source": "clipbridge", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "t"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeNemo]:
    async with FakeNemo() as server:
        yield server


@pytest.fixture
async def client(fake: FakeNemo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.url, headers=ATTRIBUTION, timeout=5) as c:
        answer = await c.post("/api/auth/anonymous-token", headers={"X-Client-Id": "cid-1"})
        c.headers["Authorization"] = f"Bearer {answer.json()['data']['token']}"
        yield c


async def new_session(client: httpx.AsyncClient) -> str:
    answer = await client.post(
        "/api/tasks/me/with-session/nemo_agent", json={"task_name": "project", "language": "en"}
    )
    sid: str = answer.json()["data"]["session_id"]
    return sid


def turn_body(sid: str, text: str = "compress") -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": text}]},
    }


async def test_token_needs_client_id_and_headers_are_enforced(fake: FakeNemo) -> None:
    async with httpx.AsyncClient(base_url=fake.url, timeout=5) as c:
        assert (await c.post("/api/auth/anonymous-token")).status_code == 400
        token = (
            await c.post("/api/auth/anonymous-token", headers={"X-Client-Id": "cid", **ATTRIBUTION})
        ).json()["data"]
        assert token["token"].startswith("nmv_usr_") and token["expires_at"].endswith("Z")
        assert fake.tokens_issued == 1
        bearer = {"Authorization": f"Bearer {token['token']}"}
        # No attribution: the call is served but recorded; an export is refused with 402.
        credits = await c.get("/api/credits/balance/simple", headers=bearer)
        assert credits.json()["data"]["total"] == 25040
        export = await c.post("/api/render/proxy/lambda", headers=bearer, json={})
        assert export.status_code == 402
        assert [v.endpoint for v in fake.header_violations] == ["token", "credits", "render_submit"]
        bad = await c.get("/api/credits/balance/simple", headers={"Authorization": "Bearer x"})
        assert bad.json()["code"] == 1001


async def test_token_expiry_and_scripted_failures(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    fake.expire_tokens_after(1)
    assert (await client.get("/api/credits/balance/simple")).json()["code"] == 0
    assert (await client.get("/api/credits/balance/simple")).json()["code"] == 1001
    fake.fail("credits", status=429, retry_after=3)
    limited = await client.get("/api/credits/balance/simple")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    fake.fail("credits", code=2001, message_key="msg")
    assert (await client.get("/api/credits/balance/simple")).json() == {
        "code": 2001,
        "msg": "Insufficient credits",
        "data": None,
    }


async def test_scripted_turn_streams_sse_bytes(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    sid = await new_session(client)
    draft = {"t": [{"tt": 7, "sg": [{"d": 3000, "m": {"title": "Hi"}}]}]}
    fake.script_turn(
        adk_tool_call("compress_video", {"target_mb": 50}),
        heartbeat("comment"),
        heartbeat("empty"),
        adk_tool_result("compress_video", {"ok": True}),
        change_draft(draft),
        adk_text("Your video is ready", pieces=3),
        session=sid,
    )
    headers = {"Accept": "text/event-stream"}
    async with client.stream("POST", "/run_sse", json=turn_body(sid), headers=headers) as resp:
        assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
        body = (await resp.aread()).decode()
    blocks = body.split("\n\n")[:-1]
    assert blocks[1:3] == [": ping", "data:"]
    events = [json.loads(b.removeprefix("data: ")) for b in blocks if b.startswith("data: {")]
    call = events[0]["content"]["parts"][0]["functionCall"]
    result = events[1]["content"]["parts"][0]["functionResponse"]
    assert call["name"] == "compress_video" and result["id"] == call["id"]
    texts = [(e.get("partial", False), e["content"]["parts"][0]["text"]) for e in events[2:]]
    assert "".join(t for partial, t in texts if partial) == "Your video is ready"
    assert texts[-1] == (False, "Your video is ready")
    assert fake.sessions[sid].draft == draft
    assert fake.sessions[sid].messages == ["compress"]
    assert fake.header_violations == []


async def _adk_events(client: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Accept": "text/event-stream"}
    async with client.stream("POST", "/run_sse", json=body, headers=headers) as resp:
        text = (await resp.aread()).decode()
    return [json.loads(b.removeprefix("data: ")) for b in text.split("\n\n") if b.strip()]


def _parts(event: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = event["content"]["parts"]
    return parts


REPLY = adk_reply("I'll compress it.", calls=[("compress_video", {"target_mb": 8})])


async def test_adk_reply_without_streaming_is_one_event(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)
    fake.script_turn(REPLY, adk_tool_result("compress_video"), adk_reply("Done."), session=sid)
    events = await _adk_events(client, turn_body(sid))
    reply, result, done = events
    assert "partial" not in reply and reply["finishReason"] == "STOP"
    text, call = _parts(reply)
    assert text == {"text": "I'll compress it."}
    assert call["functionCall"]["name"] == "compress_video"
    assert call["functionCall"]["args"] == {"target_mb": 8}
    assert call["functionCall"]["id"].startswith("adk-")
    assert reply["longRunningToolIds"] == []
    assert {"actions", "nodeInfo", "invocationId", "id", "timestamp"} <= reply.keys()
    assert _parts(result)[0]["functionResponse"]["id"] == call["functionCall"]["id"]
    assert result["content"]["role"] == "user"
    assert _parts(done) == [{"text": "Done."}] and "longRunningToolIds" not in done
    assert fake.turns[0].streaming is False and fake.turns[0].requested_streaming is None


async def test_adk_reply_streams_when_asked(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    sid = await new_session(client)
    fake.script_turn(REPLY, session=sid)
    events = await _adk_events(client, {**turn_body(sid), "streaming": True})
    *pieces, call_event, final = events
    assert all(e["partial"] is True for e in [*pieces, call_event])
    assert "".join(_parts(e)[0]["text"] for e in pieces) == "I'll compress it."
    assert not any("finishReason" in e for e in pieces)
    assert call_event["finishReason"] == "STOP"
    (call,) = _parts(call_event)
    assert final["partial"] is False and final["finishReason"] == "STOP"
    assert _parts(final) == [{"text": "I'll compress it."}, call]  # the whole text, again
    assert fake.turns[0].streaming is True and fake.turns[0].requested_streaming is True


async def test_adk_streaming_can_be_forced_and_long_running_ids_listed(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)
    fake.adk_streaming = True  # the gateway streams whatever the client asked
    fake.script_turn(adk_reply(calls=["render"], long_running=True), session=sid)
    call_event, final = await _adk_events(client, turn_body(sid))
    assert call_event["partial"] is True and final["partial"] is False
    call_id = _parts(final)[0]["functionCall"]["id"]
    assert final["longRunningToolIds"] == [call_id]
    assert fake.turns[0].streaming is True and fake.turns[0].requested_streaming is None
    bad = await client.post("/run_sse", json={**turn_body(sid), "streaming": "yes"})
    assert bad.status_code == 422


async def test_run_error_after_the_stream_started(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)
    fake.script_turn(adk_run_error("RuntimeError: boom"), session=sid)
    (error,) = await _adk_events(client, turn_body(sid))
    assert error == {"error": "RuntimeError: boom", "error_details": {"type": "RuntimeError"}}


async def test_a_client_leaving_before_the_end_is_recorded(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    sid = await new_session(client)
    fake.script_turn(adk_reply("Done."), pause(1.0), session=sid)
    headers = {"Accept": "text/event-stream"}
    async with client.stream("POST", "/run_sse", json=turn_body(sid), headers=headers) as resp:
        async for _ in resp.aiter_bytes():
            break  # the first event is in: leave
    turns = await fake.wait_turns(outcome="disconnected")
    assert [t.outcome for t in turns] == ["disconnected"]


async def test_unknown_session_and_cut_stream(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    missing = await client.post("/run_sse", json=turn_body("123"))
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Session not found: 123"}
    sid = await new_session(client)
    fake.script_turn(adk_text("half", pieces=2, final=False), cut())
    with pytest.raises(httpx.RemoteProtocolError):
        async with client.stream("POST", "/run_sse", json=turn_body(sid)) as resp:
            await resp.aread()
    assert [t.outcome for t in await fake.wait_turns(outcome="cut")] == ["cut"]


async def test_upload_is_counted_as_a_stream(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    sid = await new_session(client)
    payload = b"\x00" * 300_000
    answer = await client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", files={"files": ("clip.mp4", payload)}
    )
    assert answer.json()["data"]["files"][0]["filename"] == "clip.mp4"
    (rec,) = fake.calls("upload")
    assert rec.files[0].size == 300_000 and rec.files[0].largest_chunk <= 64 * 1024
    assert rec.body_size == int(rec.headers["Content-Length"])
    refused = await client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", files={"files": ("notes.txt", b"hi")}
    )
    assert refused.json()["code"] == 4001
    fake.max_upload = 1000
    too_big = await client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", files={"files": ("big.mp4", payload)}
    )
    assert too_big.json()["code"] == 4002
    assert fake.calls("upload")[-1].body_size == 0  # refused from Content-Length, body unread


@pytest.mark.parametrize(
    ("url_shape", "envelope"),
    [("output.url", "bare"), ("outputUrl", "success"), ("data.outputUrl", "bare")],
)
async def test_render_completes_and_downloads(
    fake: FakeNemo, client: httpx.AsyncClient, url_shape: UrlShape, envelope: Envelope
) -> None:
    sid = await new_session(client)
    await client.post(f"/api/upload-video/nemo_agent/me/{sid}", files={"files": ("a.mp4", b"1")})
    draft = (await client.get(f"/api/state/nemo_agent/me/{sid}/latest")).json()["data"]["state"][
        "draft"
    ]
    assert draft["t"][0]["sg"]
    fake.script_render(polls=2, url_shape=url_shape, envelope=envelope, size=150_000)
    body = {"id": "render_1", "sessionId": sid, "draft": draft, "output": {"format": "mp4"}}
    assert (await client.post("/api/render/proxy/lambda", json=body)).status_code == 200
    statuses = []
    for _ in range(3):
        poll = (await client.get("/api/render/proxy/lambda/render_1")).json()
        statuses.append((poll.get("data", poll) if envelope == "success" else poll)["status"])
    assert statuses == ["pending", "processing", "completed"]
    inner = poll["data"] if envelope == "success" or url_shape.startswith("data.") else poll
    url = inner["output"]["url"] if "output" in inner else inner["outputUrl"]
    async with httpx.AsyncClient(timeout=5) as cdn:
        video = await cdn.get(url)
    assert video.content == mp4ish_bytes(150_000) and video.content[4:8] == b"ftyp"


@pytest.mark.parametrize(
    ("envelope", "error_at", "where"),
    [
        ("bare", None, ("error",)),
        ("success", None, ("data", "error")),
        ("bare", "data.error", ("data", "error")),
    ],
)
async def test_render_fails_with_error_where_scripted(
    fake: FakeNemo,
    client: httpx.AsyncClient,
    envelope: Envelope,
    error_at: Literal["error", "data.error"] | None,
    where: tuple[str, ...],
) -> None:
    sid = await new_session(client)
    fake.script_render(
        polls=0,
        outcome="failed",
        envelope=envelope,
        error="boom",
        error_at=error_at,
        duplicate_id_first=True,
    )
    body = {"id": "render_a", "sessionId": sid, "draft": {}, "output": {"format": "mp4"}}
    duplicate = await client.post("/api/render/proxy/lambda", json=body)
    assert duplicate.status_code == 409 and "Duplicate" in duplicate.json()["error"]
    assert (
        await client.post("/api/render/proxy/lambda", json={**body, "id": "render_b"})
    ).is_success
    poll: Any = (await client.get("/api/render/proxy/lambda/render_b")).json()
    for key in where:
        poll = poll[key]
    assert poll == "boom"
    assert (await client.get("/api/render/proxy/render_b/download")).status_code == 404


async def test_cancel_claim_and_session_scoped_failures(
    fake: FakeNemo, client: httpx.AsyncClient
) -> None:
    sid, other = await new_session(client), await new_session(client)
    fake.fail("state", code=1002, session=sid, after=1)
    state = f"/api/state/nemo_agent/me/{sid}/latest"
    assert (await client.get(state)).json()["code"] == 0
    assert (await client.get(f"/api/state/nemo_agent/me/{other}/latest")).json()["code"] == 0
    assert (await client.get(state)).json() == {
        "code": 1002,
        "message": f"Session not found: {sid}",
        "data": None,
    }
    fake.fail("turn", status=503)
    sse = {"Accept": "text/event-stream"}
    assert (await client.post("/run_sse", json=turn_body(sid), headers=sse)).status_code == 503
    body = {"id": "render_c", "sessionId": sid, "draft": {}, "output": {"format": "mp4"}}
    await client.post("/api/render/proxy/lambda", json=body)
    busy = await client.post("/api/render/proxy/lambda", json={**body, "id": "render_d"})
    assert busy.status_code == 409  # one export per session at a time
    await client.post("/api/render/proxy/lambda/render_c/cancel")
    poll = (await client.get("/api/render/proxy/lambda/render_c")).json()
    assert (poll["status"], poll["error"]) == ("failed", "Render cancelled")
    task_id = fake.sessions[sid].task_id
    claim = await client.post("/api/auth/claim-token", json={"task_id": task_id, "session_id": sid})
    assert claim.json()["data"]["claim_token"].startswith("clm_")
    assert fake.header_violations == []


async def test_a_large_upload_is_never_buffered(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    sid = await new_session(client)
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"\r\n\r\n'
    tail = b"\r\n--b--\r\n"
    block, blocks = b"\x01" * 65536, 512  # 32 MiB

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(blocks):
            yield block
        yield tail

    length = len(head) + len(block) * blocks + len(tail)
    tracemalloc.start()
    try:
        answer = await client.post(
            f"/api/upload-video/nemo_agent/me/{sid}",
            content=body(),
            headers={
                "Content-Type": "multipart/form-data; boundary=b",
                "Content-Length": str(length),
            },
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.json()["code"] == 0
    (rec,) = fake.calls("upload")
    assert (rec.files[0].size, rec.body_size) == (len(block) * blocks, length)
    assert peak < 8 * 1024 * 1024  # both ends of a 32 MiB upload stay well under 8 MiB


async def test_typed_and_error_steps_and_latency(fake: FakeNemo, client: httpx.AsyncClient) -> None:
    sid = await new_session(client)
    fake.script_turn(
        typed_tool_call("edit_multitrack", {"op": "trim"}),
        every(0.01, heartbeat("typed"), for_=0.03),
        typed_text("Trimmed."),
        adk_error("RESOURCE_EXHAUSTED", "quota"),
        error_event("backend exploded"),
        temporary_issue(style="typed"),
        raw(": custom comment"),
    )
    async with client.stream("POST", "/run_sse", json=turn_body(sid)) as resp:
        body = (await resp.aread()).decode()
    blocks = body.split("\n\n")[:-1]
    assert blocks[-1] == ": custom comment"
    events = [json.loads(b.removeprefix("data: ")) for b in blocks[:-1]]
    assert [e.get("type") for e in events[:5]] == ["tool_call"] + ["heartbeat"] * 3 + ["text"]
    assert (events[5]["errorCode"], events[5]["errorMessage"]) == ("RESOURCE_EXHAUSTED", "quota")
    assert events[6] == {"error": "backend exploded"}
    assert events[7]["content"].startswith("I encountered a temporary issue")
    fake.latency["credits"] = 30
    slow = asyncio.create_task(client.get("/api/credits/balance/simple"))
    await fake.wait_calls("credits")
    assert not slow.done()  # recorded at once, answered only after the latency
    slow.cancel()
