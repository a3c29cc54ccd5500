"""The fake Discord itself, with a plain HTTP client: the wire shapes the adapter relies on."""

from __future__ import annotations

import aiohttp

from tests.fakes.discord_api import FakeDiscord


async def test_rest_answers_look_like_discords(fake: FakeDiscord) -> None:
    fake.fail_next("PATCH", r"^/channels/1/messages/2$", status=429, retry_after=0.25)
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bot {fake.token}"}
        async with http.get(f"{fake.api_base}/users/@me", headers=auth) as me:
            assert me.headers["Content-Type"] == "application/json"  # exactly, no charset
            assert (await me.json())["bot"] is True
        async with http.get(f"{fake.api_base}/users/@me") as anonymous:
            assert anonymous.status == 401
        async with http.patch(f"{fake.api_base}/channels/1/messages/2", headers=auth,
                              json={"content": "x"}) as limited:  # fmt: skip
            assert limited.status == 429 and limited.headers["Via"]
            assert await limited.json() == {"message": "You are being rate limited.",
                                            "retry_after": 0.25, "global": False}  # fmt: skip
        async with http.patch(f"{fake.api_base}/channels/1/messages/2", headers=auth,
                              json={"content": "x"}) as after:  # fmt: skip
            assert after.status == 404  # the script was used up; no such message


async def test_interaction_tokens_expire_and_the_cdn_streams(fake: FakeDiscord) -> None:
    fake.token_ttl = 0.0
    payload = fake.slash_command("status", channel=fake.dm_channel(9, fake.user()))
    fake.identified.set()  # no gateway client in this test
    await fake.dispatch("INTERACTION_CREATE", payload)
    body = bytes(range(256)) * 1000
    att = fake.add_attachment("x.mp4", body, "video/mp4")
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_base}/webhooks/{fake.app_id}/{payload['token']}"
        async with http.post(url, json={"content": "late"}) as late:
            assert late.status == 401 and (await late.json())["code"] == 50027
        async with http.get(att["url"]) as cdn:
            assert cdn.headers["Content-Type"] == "video/mp4"
            assert await cdn.read() == body
