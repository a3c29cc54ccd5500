"""The NemoVideo cloud agent: `NemoBackend` for the core, `NemoClient` for its HTTP API.

    async with NemoBackend(settings, store) as backend:
        session = await backend.open_session("en")
        async for event in backend.turn(session, "compress to 50MB", ctx): ...

Private modules, one job each: `_client` (the calls and their retries), `_auth` (tokens, single
flight), `_sse` (the turn stream to events), `_multipart` (the streamed upload body), `_payloads`
(one model per answer, the draft), `_errors` (answers to `bot.errors`), `_timeline` (draft to
`Timeline`), `_backend` (the `Backend`). The wire format is in docs/nemovideo-protocol.md.
"""

from ._backend import NemoBackend
from ._client import NemoClient

__all__ = ["NemoBackend", "NemoClient"]
