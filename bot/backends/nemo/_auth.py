"""Which token to send: the operator's `NEMO_TOKEN`, or an anonymous one kept fresh.

An anonymous token is fetched with a client id that is generated once and persisted (the
store's `credentials` of backend "nemo"), and is itself persisted with its expiry, so a restart
reuses it instead of spending the 1-per-7-days allowance.
It is refreshed shortly before it expires and when the server says 1001. Refreshes are single
flight: callers that all hold the same stale token wait on one fetch and share its result.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.errors import TokenError
from bot.logs import register_secret
from bot.store import Store

from ._payloads import AnonymousToken

log = logging.getLogger("bot.backends.nemo")

BACKEND = "nemo"  # whose credentials these are, in the store

FetchToken = Callable[[str], Awaitable[AnonymousToken]]
"""Asks the service for an anonymous token for the given client id."""


@dataclass(frozen=True, slots=True)
class _Held:
    token: str
    expires_at: float | None  # epoch seconds
    user_id: str | None


class TokenProvider:
    """Hands out the token to send, fetching and refreshing an anonymous one when needed."""

    def __init__(
        self,
        store: Store,
        fetch: FetchToken,
        *,
        operator_token: str | None = None,
        client_id: str | None = None,
        refresh_margin: float = 3600.0,
    ) -> None:
        self._store = store
        self._fetch = fetch
        self._client_id = client_id
        self._margin = refresh_margin
        self._held = _Held(operator_token, None, None) if operator_token else None
        register_secret(operator_token)
        self._anonymous = operator_token is None
        self._loaded = False
        self._lock = asyncio.Lock()

    @property
    def anonymous(self) -> bool:
        """True when the token is an anonymous one this process obtains itself."""
        return self._anonymous

    @property
    def user_id(self) -> str | None:
        """The anonymous account's `anon_...` id, when the service told us."""
        return self._held.user_id if self._held else None

    async def remember_user(self, user_id: str | None) -> None:
        """Keep a user id learned from another answer (session creation, state)."""
        if user_id and self._held and self._anonymous and not self._held.user_id:
            self._held = _Held(self._held.token, self._held.expires_at, user_id)
            await self._save(self._held)

    async def current(self) -> str:
        """The token to send now; fetches or refreshes an anonymous one first when due."""
        held = self._held
        if held is not None and (not self._anonymous or not self._due(held)):
            return held.token
        return await self._renew(held.token if held else None)

    async def refresh(self, stale: str) -> str:
        """The server refused `stale`. Returns a fresh token, fetching one unless another caller
        already did. Raises `TokenError` for an operator token: only its owner can fix it."""
        if not self._anonymous:
            raise TokenError("the configured NEMO_TOKEN was refused (1001)", code=1001)
        return await self._renew(stale, force=True)

    async def client_id(self) -> str:
        """The stable client id: configured, else stored, else generated now and stored."""
        if self._client_id is None:
            stored = (await self._store.credentials(BACKEND)).client_id
            if stored is None:
                stored = str(uuid.uuid4())
                await self._store.save_client_id(BACKEND, stored)
                log.info("generated a NemoVideo client id")
            self._client_id = stored
        return self._client_id

    async def _renew(self, stale: str | None, *, force: bool = False) -> str:
        async with self._lock:
            if not self._loaded:
                self._loaded = True
                self._held = await self._load()
            held = self._held
            if held is not None and held.token != stale and not self._due(held):
                return held.token  # someone else refreshed while we waited, or it was stored
            if held is not None and not force and not self._due(held):
                return held.token
            fresh = await self._fetch(await self.client_id())
            register_secret(fresh.token)  # before anything (a DEBUG SQL log) can print it
            self._held = _Held(
                fresh.token,
                fresh.expires_at.timestamp() if fresh.expires_at else None,
                fresh.user_id or (held.user_id if held else None),
            )
            await self._save(self._held)
            log.info("obtained an anonymous NemoVideo token")
            return self._held.token

    def _due(self, held: _Held) -> bool:
        return held.expires_at is not None and time.time() >= held.expires_at - self._margin

    async def _load(self) -> _Held | None:
        stored = await self._store.credentials(BACKEND)
        if not stored.token:
            return None
        register_secret(stored.token)
        return _Held(stored.token, stored.expires_at, stored.user_id)

    async def _save(self, held: _Held) -> None:
        await self._store.save_token(BACKEND, held.token, held.expires_at, held.user_id)
