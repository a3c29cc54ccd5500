"""A fake Discord: REST API, gateway WebSocket and attachment CDN in one aiohttp server.

Written from Discord's developer documentation (REST v10, Gateway v10, interactions, webhooks),
importing nothing from `bot/` or `adapters/`. A real discord.py client connects to it when
`discord.http.Route.BASE` is `fake.api_base` and `DiscordWebSocket.DEFAULT_GATEWAY` is
`fake.gateway_url`.

What it does:
- login (`GET /users/@me`, `GET /oauth2/applications/@me`), command sync (global and guild `PUT`);
- gateway HELLO / heartbeat ACK / IDENTIFY -> READY (+ GUILD_CREATE per guild) / RESUME, and
  `dispatch()` for any event, with helpers that build INTERACTION_CREATE and MESSAGE_CREATE;
- sharding: an IDENTIFY with `shard: [id, count]` gets the guilds of that shard only, and each
  guild's events go to shard `(guild_id >> 22) % count` (`shard_of`), DMs to shard 0, as Discord
  routes them; a connection without `shard` gets everything;
- interaction callbacks, webhook follow-ups and edits (JSON or multipart with `files[n]`),
  channel messages and edits, typing, DM channel creation;
- interaction tokens that expire (`token_ttl`, 15 minutes like Discord's) with 401 / 50027;
- channels the bot may not post in (`deny_channel`: 403 / 50001);
- scripted failures of any request, at start-up or later, through `fail(method, path, kind)`:
  flood control (429 with `retry_after` and a `Via` header, as Discord's edge sends them), a 5xx,
  or "unsupported" (404 / 405 as Discord answers a route it does not have); `times=None` fails
  every matching request until `heal()`;
- the close code of every gateway connection the client closed (`gateway_closes`), since a bot
  that leaves without a 1000 close stays shown online for minutes;
- a CDN that streams attachments registered with `add_attachment`.

Every request is recorded in `calls` (headers, query, JSON body or multipart fields and file
sizes), and `wait_for()` waits on a condition over that log without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiohttp import WSMsgType, web

from tests.fakes.base import FailureScript, FakeServer

JSON = {"Content-Type": "application/json"}  # exactly this: discord.py checks it verbatim
CHUNK = 64 * 1024
DEFAULT_LIMIT = 10 * 1024 * 1024
ALL_PERMISSIONS = 2147483647
MANAGE_MESSAGES = 1 << 13


@dataclass
class UploadedPart:
    name: str
    filename: str | None
    content_type: str | None
    size: int
    sha256: str
    path: Path | None = None  # where its bytes were written, when the fake keeps uploads


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedPart] = field(default_factory=list)
    status: int = 0

    @property
    def payload(self) -> Any:
        """The JSON body, whether sent as JSON or as multipart `payload_json`."""
        if self.json is not None:
            return self.json
        raw = self.fields.get("payload_json")
        return json.loads(raw) if raw else None

    def text(self) -> str:
        """Everything this request carried, as one string, for secret scans."""
        parts = [self.method, self.path, json.dumps(self.query), json.dumps(self.headers)]
        parts += [json.dumps(self.json), json.dumps(self.fields)]
        return "\n".join(parts)


FailureKind = Literal["flood", "server", "unsupported"]


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a guild's events to (Discord's documented formula)."""
    return (guild_id >> 22) % count


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


class FakeDiscord(FakeServer):
    """The server. Use as `async with FakeDiscord() as fake:`."""

    def __init__(
        self,
        *,
        token: str = "fake.bot-token.secret",
        app_id: int = 700_000_000_000_000_001,
        bot_id: int = 700_000_000_000_000_001,
        token_ttl: float = 900.0,
        guilds: tuple[dict[str, Any], ...] = (),
        message_content_granted: bool = True,
    ) -> None:
        """`message_content_granted=False`: the privileged Message Content intent is not turned
        on in the (fake) developer portal, so an IDENTIFY asking for it is closed with 4014."""
        super().__init__()
        self._pressed: dict[str, str] = {}  # interaction token -> the message its button is on
        self.keep_uploads: Path | None = None  # a folder: each uploaded file is written there
        self.token = token
        self.message_content_granted = message_content_granted
        self.app_id = app_id
        self.bot_id = bot_id
        self.token_ttl = token_ttl
        self.guilds = list(guilds)
        self.bot_user = {
            "id": str(bot_id),
            "username": "clipbridge",
            "discriminator": "0",
            "global_name": "clipbridge",
            "avatar": None,
            "bot": True,
        }
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.identified = asyncio.Event()
        self.identify: dict[str, Any] = {}  # the last IDENTIFY's `d`, for intent checks
        self.identifies: list[dict[str, Any]] = []  # every IDENTIFY's `d` (one per shard)
        self._shard_of_socket: dict[web.WebSocketResponse, tuple[int, int] | None] = {}
        self._session_shards: dict[str, tuple[int, int] | None] = {}
        self._ids = itertools.count(900_000_000_000_000_000)
        self._seq = itertools.count(1)
        self.failures: FailureScript[Call, _Failure] = FailureScript()
        self._denied: set[str] = set()
        self._tokens: dict[str, tuple[float, str]] = {}  # token -> (born, channel_id)
        self._originals: dict[str, str] = {}  # token -> message id of the original response
        self._cdn: dict[str, tuple[bytes | Path, str]] = {}
        self._dm_channels: dict[str, dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self.gateway_closes: list[int | None] = []  # close code of each connection, as it ended
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/gateway", self._gateway)
        router.add_get("/attachments/{rest:.*}", self._cdn_get)
        router.add_route("*", "/api/v10/{rest:.*}", self._api)

    async def before_close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    @property
    def base_url(self) -> str:
        return self.url

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # --- scripting --------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        kind: FailureKind = "flood",
        *,
        times: int | None = 1,
        retry_after: float = 0.05,
        status: int | None = None,
        code: int = 0,
    ) -> None:
        """Answer the next `times` requests matching `method` and the regex `path` (every one
        with `times=None`, until `heal()`) with an error:

        - "flood": 429 with Discord's body (`retry_after`) and a `Via` header, like the real edge;
        - "server": a 5xx (`status`, default 500);
        - "unsupported": 404 "Not Found" (or `status=405`, "Method Not Allowed"), what Discord
          answers for a route or method it does not have.
        """
        headers: dict[str, str] = {}
        if kind == "flood":
            status = 429
            body: dict[str, Any] = {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": False,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Scope": "user",
            }
        elif kind == "server":
            status = status or 500
            body = {"message": "scripted failure", "code": code}
        else:
            status = status or 404
            reason = "405: Method Not Allowed" if status == 405 else "404: Not Found"
            body = {"message": reason, "code": code}
        verb, pattern = method.upper(), re.compile(path)
        self.failures.add(
            lambda call: call.method == verb and bool(pattern.search(call.path)),
            _Failure(status, body, headers),
            times=times,
        )

    def heal(self) -> None:
        """Stop every scripted failure still waiting."""
        self.failures.heal()

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        retry_after: float = 0.05,
        times: int = 1,
        code: int = 0,
    ) -> None:
        """The next `times` matching requests answer `status` (429: flood control); see `fail`."""
        kind: FailureKind = "flood" if status == 429 else "server"
        self.fail(
            method, path, kind, times=times, retry_after=retry_after, status=status, code=code
        )

    def deny_channel(self, channel_id: int | str) -> None:
        """The bot lacks access to this channel: posting there answers 403 / 50001."""
        self._denied.add(str(channel_id))

    def add_attachment(
        self,
        filename: str,
        content: bytes | Path,
        content_type: str | None,
        *,
        channel_id: int | str = 1,
    ) -> dict[str, Any]:
        """Register a file on the CDN and return its attachment object."""
        att_id = self.new_id()
        size = content.stat().st_size if isinstance(content, Path) else len(content)
        path = f"/attachments/{channel_id}/{att_id}/{filename}"
        self._cdn[path] = (content, content_type or "application/octet-stream")
        url = f"{self.base_url}{path}?ex=67a1b2c3&is=67a06143&hm={'ab' * 32}&"
        data: dict[str, Any] = {
            "id": att_id,
            "filename": filename,
            "size": size,
            "url": url,
            "proxy_url": url,
        }
        if content_type:
            data["content_type"] = content_type
        return data

    # --- payload builders -------------------------------------------------------------------

    def user(self, user_id: int = 42, name: str = "alice") -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
        }

    def dm_channel(self, channel_id: int, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(channel_id), "type": 1, "recipients": [user]}

    def text_channel(self, channel_id: int, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "clips",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }

    def thread_channel(self, thread_id: int, parent_id: int, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(guild_id),
            "name": "render",
            "parent_id": str(parent_id),
            "owner_id": "42",
            "message_count": 1,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
        }

    def guild(
        self,
        guild_id: int,
        *,
        premium_tier: int = 0,
        channels: tuple[dict[str, Any], ...] = (),
        threads: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        return {
            "id": str(guild_id),
            "name": "clips guild",
            "icon": None,
            "owner_id": "1",
            "premium_tier": premium_tier,
            "features": [],
            "roles": [],
            "emojis": [],
            "stickers": [],
            "member_count": 2,
            "members": [],
            "voice_states": [],
            "presences": [],
            "channels": list(channels),
            "threads": list(threads),
            "large": False,
            "unavailable": False,
            "joined_at": _now_iso(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "preferred_locale": "en-US",
        }

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        channel: dict[str, Any],
        user: dict[str, Any],
        guild_id: int | None,
        locale: str,
        size_limit: int,
        message: dict[str, Any] | None = None,
        permissions: int = ALL_PERMISSIONS,
    ) -> dict[str, Any]:
        # Unique across fakes, as Discord's are: discord.py keeps one lock per interaction token
        # for the whole process, and a token reused by a later test's fake (on a new event loop)
        # would meet a lock bound to the old loop.
        token = f"aW50ZXJhY3Rpb246{self.new_id()}.{secrets.token_hex(4)}"
        payload: dict[str, Any] = {
            "id": self.new_id(),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": size_limit,
            "channel_id": channel["id"],
            "channel": channel,
            "locale": locale,
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {"0" if guild_id else "1": user["id"]},
            "context": 0 if guild_id else 1,
            "data": data,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["member"] = {
                "user": user,
                "roles": [],
                "joined_at": _now_iso(),
                "deaf": False,
                "mute": False,
                "permissions": str(permissions),  # the member's, in this channel
                "flags": 0,
            }
        else:
            payload["user"] = user
        if message is not None:
            payload["message"] = message
        return payload

    def slash_command(
        self,
        name: str,
        options: list[dict[str, Any]] = (),  # type: ignore[assignment]
        *,
        attachments: tuple[dict[str, Any], ...] = (),
        channel: dict[str, Any],
        user: dict[str, Any] | None = None,
        guild_id: int | None = None,
        locale: str = "en-US",
        size_limit: int = DEFAULT_LIMIT,
        permissions: int = ALL_PERMISSIONS,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND interaction (type 2) for a chat-input command (type 1).
        `permissions`: the member's in the channel (a server moderator has Manage Messages)."""
        data: dict[str, Any] = {
            "id": self.new_id(),
            "name": name,
            "type": 1,
            "options": list(options),
        }
        if attachments:
            data["resolved"] = {"attachments": {a["id"]: a for a in attachments}}
        return self._interaction(
            2,
            data,
            channel=channel,
            user=user or self.user(),
            guild_id=guild_id,
            locale=locale,
            size_limit=size_limit,
            permissions=permissions,
        )

    def message_command(
        self,
        name: str,
        target: dict[str, Any],
        *,
        channel: dict[str, Any],
        user: dict[str, Any] | None = None,
        guild_id: int | None = None,
        locale: str = "en-US",
        size_limit: int = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """A context-menu command on a message (command type 3) with the message resolved."""
        data = {
            "id": self.new_id(),
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return self._interaction(
            2,
            data,
            channel=channel,
            user=user or self.user(),
            guild_id=guild_id,
            locale=locale,
            size_limit=size_limit,
        )

    def component(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        channel: dict[str, Any],
        user: dict[str, Any] | None = None,
        guild_id: int | None = None,
        locale: str = "en-US",
        size_limit: int = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """A button press (interaction type 3, component type 2) on `message`."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(
            3,
            data,
            channel=channel,
            user=user or self.user(),
            guild_id=guild_id,
            locale=locale,
            size_limit=size_limit,
            message=message,
        )

    def message(
        self,
        content: str,
        *,
        channel_id: int | str,
        author: dict[str, Any] | None = None,
        attachments: tuple[dict[str, Any], ...] = (),
        guild_id: int | None = None,
        mentions: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload (also usable as a context-menu target)."""
        data: dict[str, Any] = {
            "id": self.new_id(),
            "channel_id": str(channel_id),
            "type": 0,
            "author": author or self.user(),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": list(mentions),
            "mention_roles": [],
            "attachments": list(attachments),
            "embeds": [],
            "pinned": False,
            "flags": 0,
            "components": [],
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    # --- gateway ----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch (op 0) to every connected client that serves it: a sharded client
        gets the events of its shard's guilds only (`shard_of`), DMs on shard 0."""
        if event == "INTERACTION_CREATE":
            self._tokens[data["token"]] = (time.monotonic(), data["channel_id"])
            if "message" in data:  # a press: its response may update the message pressed
                self._pressed[data["token"]] = data["message"]["id"]
        await self.identified.wait()
        frame = json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
        guild = data.get("guild_id")
        for ws in list(self._sockets):
            if self._serves(ws, int(guild) if guild is not None else None):
                await ws.send_str(frame)

    def _serves(self, ws: web.WebSocketResponse, guild_id: int | None) -> bool:
        shard = self._shard_of_socket.get(ws)
        if shard is None:
            return True  # not sharded: every event
        shard_id, count = shard
        return shard_id == (shard_of(guild_id, count) if guild_id is not None else 0)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        call = Call("GET", "/gateway", dict(request.query), dict(request.headers))
        refused = self._scripted(call)  # `fail("GET", "/gateway", ...)`: the upgrade is refused
        self._record(call)
        if refused is not None:
            return refused
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identify = frame["d"]
                self.identifies.append(frame["d"])
                if frame["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                if not self.message_content_granted and frame["d"].get("intents", 0) & 1 << 15:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                shard = frame["d"].get("shard")
                self._shard_of_socket[ws] = (int(shard[0]), int(shard[1])) if shard else None
                self._sockets.append(ws)
                await self._send_ready(ws)
            elif op == 6:
                session = str(frame["d"].get("session_id", ""))
                self._shard_of_socket[ws] = self._session_shards.get(session)
                self._sockets.append(ws)
                await ws.send_str(
                    json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
                )
        if ws in self._sockets:
            self._sockets.remove(ws)
        self._shard_of_socket.pop(ws, None)
        self.gateway_closes.append(ws.close_code)
        await self.changed()
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse) -> None:
        """READY, then GUILD_CREATE for each guild the connection's shard serves."""
        shard = self._shard_of_socket.get(ws)
        guilds = [g for g in self.guilds if self._serves(ws, int(g["id"]))]
        session = f"fake-session-{shard[0]}" if shard else "fake-session"
        self._session_shards[session] = shard
        ready = {
            "v": 10,
            "user": self.bot_user,
            "session_id": session,
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "resume_gateway_url": self.gateway_url,
            "private_channels": [],
            "relationships": [],
            "application": {"id": str(self.app_id), "flags": 0},
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        for guild in guilds:
            frame = {"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": guild}
            await ws.send_str(json.dumps(frame))
        self.identified.set()
        await self.changed()  # `wait_for` sees each READY (one per shard)

    # --- CDN --------------------------------------------------------------------------------

    async def _cdn_get(self, request: web.Request) -> web.StreamResponse:
        self._record(Call("GET", request.path, dict(request.query), dict(request.headers)))
        entry = self._cdn.get(request.path)
        if entry is None:
            return web.Response(status=404, text="Not Found")
        content, ctype = entry
        size = content.stat().st_size if isinstance(content, Path) else len(content)
        resp = web.StreamResponse(headers={"Content-Type": ctype, "Content-Length": str(size)})
        await resp.prepare(request)
        if isinstance(content, Path):
            with content.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    await resp.write(chunk)
        else:
            for start in range(0, size, CHUNK):
                await resp.write(content[start : start + CHUNK])
        await resp.write_eof()
        return resp

    # --- REST -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        call = await self._read(request)
        response = self._scripted(call) or await self._route(call, request)
        call.status = response.status
        self._record(call)
        return response

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        asyncio.get_running_loop().create_task(self.changed())

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked after every request); return it."""

        async def loop() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(loop(), timeout)

    async def _read(self, request: web.Request) -> Call:
        path = request.path.removeprefix("/api/v10")
        call = Call(request.method, path, dict(request.query), dict(request.headers))
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part is None or not hasattr(part, "read_chunk"):
                    continue
                if part.filename is None:
                    call.fields[part.name or ""] = (await part.read()).decode()
                    continue
                digest, size = hashlib.sha256(), 0
                kept = None
                if self.keep_uploads is not None:
                    self.keep_uploads.mkdir(parents=True, exist_ok=True)
                    kept = self.keep_uploads / f"{self.new_id()}-{Path(part.filename).name}"
                with contextlib.ExitStack() as stack:
                    out = stack.enter_context(kept.open("wb")) if kept else None
                    while chunk := await part.read_chunk(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if out is not None:
                            out.write(chunk)
                call.files.append(
                    UploadedPart(
                        part.name or "",
                        part.filename,
                        part.headers.get("Content-Type"),
                        size,
                        digest.hexdigest(),
                        kept,
                    )
                )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                call.json = json.loads(raw)
        return call

    def _scripted(self, call: Call) -> web.Response | None:
        failure = self.failures.take(call)
        if failure is None:
            return None
        return _json(failure.body, failure.status, failure.headers)

    async def _route(self, call: Call, request: web.Request) -> web.Response:
        p, m = call.path, call.method
        webhook = re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/([^/]+))?", p)
        callback = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p)
        if webhook or callback:
            token = (webhook or callback).group(2)  # type: ignore[union-attr]
            born = self._tokens.get(token)
            if born is None or time.monotonic() - born[0] > self.token_ttl:
                return _json({"message": "Invalid Webhook Token", "code": 50027}, 401)
            if callback:
                return self._callback(token, born[1], call)
            assert webhook is not None
            return self._webhook(token, born[1], webhook.group(3), call)
        if call.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if p == "/users/@me" and m == "GET":
            return _json(self.bot_user)
        if p == "/oauth2/applications/@me" and m == "GET":
            return _json(
                {
                    "id": str(self.app_id),
                    "name": "clipbridge",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": self.bot_user,
                    "verify_key": "00",
                    "flags": 0,
                }
            )
        sync = re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", p)
        if sync and m == "PUT":
            scope = sync.group(2) or "global"
            # Discord fills what the client left out (a context menu has an empty description).
            defaults = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
            }
            echoed = [
                {
                    **defaults,
                    **c,
                    "id": self.new_id(),
                    "application_id": str(self.app_id),
                    "version": "1",
                }
                for c in call.json
            ]
            self.commands[scope] = echoed
            return _json(echoed)
        if p == "/users/@me/channels" and m == "POST":
            uid = str(call.json["recipient_id"])
            channel = self._dm_channels.setdefault(
                uid, {"id": self.new_id(), "type": 1, "recipients": [self.user(int(uid))]}
            )
            return _json(channel)
        msgs = re.fullmatch(r"/channels/(\d+)/(messages|typing)(?:/(\d+))?", p)
        if msgs:
            channel_id, what, mid = msgs.groups()
            if channel_id in self._denied:
                return _json({"message": "Missing Access", "code": 50001}, 403)
            if what == "typing":
                return web.Response(status=204)
            if m == "POST" and mid is None:
                return _json(self._create(channel_id, call, author=self.bot_user))
            if m == "PATCH" and mid is not None:
                return self._edit(mid, call)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _callback(self, token: str, channel_id: str, call: Call) -> web.Response:
        kind = call.payload["type"]
        if kind in (4, 5):
            message = self._create(
                channel_id,
                call if kind == 4 else None,
                author=self.bot_user,
                flags=128 if kind == 5 else 0,
            )
            self.messages[message["id"]]["interaction_token"] = token
            self._originals[token] = message["id"]
        elif kind == 6 and token in self._pressed:  # DEFERRED_UPDATE_MESSAGE: edits the pressed
            mid = self._pressed[token]
            if mid in self.messages:
                self.messages[mid]["interaction_token"] = token
                self._originals[token] = mid
        body = {
            "interaction": {
                "id": call.path.split("/")[2],
                "type": 2,
                "response_message_loading": kind == 5,
            }
        }
        return _json(body)

    def _webhook(self, token: str, channel_id: str, mid: str | None, call: Call) -> web.Response:
        if mid is None and call.method == "POST":
            message = self._create(channel_id, call, author=self.bot_user)
            self.messages[message["id"]]["interaction_token"] = token
            return _json(message)
        if mid == "@original":
            mid = self._originals.get(token)
        if mid is None or self.messages.get(mid, {}).get("interaction_token") != token:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if call.method == "PATCH":
            return self._edit(mid, call)
        if call.method == "GET":
            return _json(self._public(self.messages[mid]))
        return _json({"message": "405: Method Not Allowed", "code": 0}, 405)

    def _create(
        self, channel_id: str, call: Call | None, *, author: dict[str, Any], flags: int = 0
    ) -> dict[str, Any]:
        message = self.message("", channel_id=channel_id, author=author)
        message["flags"] = flags
        message["history"] = []
        if call is not None:
            self._apply(message, call)
        self.messages[message["id"]] = message
        return self._public(message)

    def _edit(self, mid: str, call: Call) -> web.Response:
        message = self.messages.get(mid)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if message["author"]["id"] != self.bot_user["id"]:
            return _json(
                {"message": "Cannot edit a message authored by another user", "code": 50005}, 403
            )
        message["history"].append(message["content"])
        message["edited_timestamp"] = _now_iso()
        self._apply(message, call)
        return _json(self._public(message))

    def _apply(self, message: dict[str, Any], call: Call) -> None:
        payload = call.payload or {}
        if "content" in payload:
            message["content"] = payload["content"] or ""
        if "components" in payload:
            message["components"] = payload["components"]
        message["flags"] = message["flags"] & ~128  # no longer "thinking"
        for n, part in enumerate(call.files):
            message["attachments"].append(
                {
                    "id": self.new_id(),
                    "filename": part.filename,
                    "size": part.size,
                    "sha256": part.sha256,
                    "content_type": part.content_type,
                    "index": n,
                    "url": f"{self.base_url}/attachments/x/{part.filename}",
                    "proxy_url": "",
                }
            )

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        hidden = {"history", "interaction_token"}
        out = {k: v for k, v in message.items() if k not in hidden}
        out["attachments"] = [
            {k: v for k, v in a.items() if k not in ("sha256", "index")}
            for a in message["attachments"]
        ]
        return out

    # --- queries for tests ------------------------------------------------------------------

    def in_channel(self, channel_id: int | str) -> list[dict[str, Any]]:
        """The messages in a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    def mention_rules(self) -> list[tuple[str, Any]]:
        """The `allowed_mentions` of every request that posted or edited a message's content, with
        its path; None where a request set none (Discord's default then pings whatever the text
        names: `@everyone`, roles, users)."""
        found = []
        for call in self.calls:
            payload = call.payload
            if call.method not in ("POST", "PATCH") or not isinstance(payload, dict):
                continue
            body = payload.get("data", payload) if call.path.endswith("/callback") else payload
            if isinstance(body, dict) and "content" in body:
                found.append((call.path, body.get("allowed_mentions")))
        return found

    def dm_channel_of(self, user_id: int | str) -> str | None:
        channel = self._dm_channels.get(str(user_id))
        return channel["id"] if channel else None


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), headers={**JSON, **(headers or {})}
    )
