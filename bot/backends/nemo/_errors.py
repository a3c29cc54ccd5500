"""Every NemoVideo answer mapped onto `bot.errors`, in one function: `check`
(docs/nemovideo-protocol.md#answers-and-errors).

The envelope code is authoritative whatever the HTTP status; the status speaks only when there is
no envelope code. The mapping, drawn as the part of the tree it reaches:

    BackendError
    ├── TokenError        envelope 1001, HTTP 401                (refreshed once, then raised)
    ├── SessionNotFound   envelope 1002, HTTP 404 "Session not found ..."
    ├── NoCredits         envelope 2001                          (the client adds the bind link)
    ├── PlanRequired      HTTP 402
    ├── RateLimited       HTTP 429, with Retry-After             (waited out once, then raised)
    ├── Transient         HTTP 5xx, connection and read errors   (retried on idempotent calls)
    │   └── MaybeSent           the connection failed after the request went out
    └── ProtocolError     HTTP 400 and other 4xx, unknown codes, answers that are not JSON
        ├── DuplicateRenderId   a render submit whose id was taken (new id, retried once)
        └── RenderRunning       HTTP 409 otherwise: the session already has a render running
    InputError
    ├── UnsupportedFile   envelope 4001
    └── FileTooLarge      envelope 4002

Messages from the server go into `detail` (for logs); no token ever reaches them, since tokens
travel only in request headers and the server's answers never echo them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

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

log = logging.getLogger("bot.backends.nemo")

SUCCESS = 0
TOKEN_INVALID = 1001
SESSION_NOT_FOUND = 1002
NO_CREDITS = 2001
UNSUPPORTED_FILE = 4001
FILE_TOO_LARGE = 4002


class DuplicateRenderId(ProtocolError):
    """A render was submitted under an id the server already knows."""


class RenderRunning(ProtocolError):
    """A render submit refused because the session already renders (one export at a time)."""


class MaybeSent(Transient):
    """The connection failed after the request may have reached the server (a turn that must
    not be resent: the core polls the state instead)."""


def check(status: int, headers: Mapping[str, str], body: bytes, *, where: str) -> Any:
    """The useful part of an answer (the envelope's `data`, or the bare object), or raise.

    `where` names the call ("POST /api/render/proxy/lambda") for log lines and error details.
    """
    try:
        payload: Any = json.loads(body) if body.strip() else None
    except ValueError:
        payload = None
        if status < 400:
            raise ProtocolError(f"{where}: HTTP {status}, answer is not JSON") from None

    message = _message(payload)
    if isinstance(payload, dict) and "code" in payload and _is_int(payload["code"]):
        code = int(payload["code"])
        if code == SUCCESS:
            return payload.get("data")
        raise _for_code(code, message, status, headers, where)
    if status >= 400:
        raise _for_status(status, message, headers, where, payload)
    if isinstance(payload, dict) and "success" in payload:
        if payload["success"] is True:
            data = payload.get("data")
            rest = {k: v for k, v in payload.items() if k not in ("success", "data")}
            if data is None:
                return rest
            # Keys beside `data` (an `error` next to it, say) are kept under data's own.
            return {**rest, **data} if isinstance(data, dict) else data
        if _is_duplicate(message):
            raise DuplicateRenderId(f"{where}: {message}")
        raise ProtocolError(f"{where}: success=false: {message}")
    return payload


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _for_code(
    code: int, message: str, status: int, headers: Mapping[str, str], where: str
) -> ClipbridgeError:
    detail = f"{where}: code {code}: {message}" if message else f"{where}: code {code}"
    if code == TOKEN_INVALID:
        return TokenError(detail, code=code)
    if code == SESSION_NOT_FOUND:
        return SessionNotFound(detail, code=code)
    if code == NO_CREDITS:
        return NoCredits(detail, code=code)
    if code == UNSUPPORTED_FILE:
        return UnsupportedFile(detail, code=code)
    if code == FILE_TOO_LARGE:
        return FileTooLarge(detail, code=code)
    if _is_duplicate(message):
        return DuplicateRenderId(detail, code=code)
    if status >= 400:
        return _for_status(status, message, headers, where, None, code=code)
    log.warning("NemoVideo answered an unknown code %s at %s", code, where)
    return ProtocolError(detail, code=code)


def _for_status(
    status: int,
    message: str,
    headers: Mapping[str, str],
    where: str,
    payload: Any,
    *,
    code: int | None = None,
) -> ClipbridgeError:
    detail = f"{where}: HTTP {status}" + (f": {message}" if message else "")
    code = code if code is not None else status
    if status == 401:
        return TokenError(detail, code=code)
    if status == 402:
        return PlanRequired(detail, code=code)
    if status == 404 and "session not found" in message.lower():
        return SessionNotFound(detail, code=code)
    if _is_duplicate(message):
        return DuplicateRenderId(detail, code=code)
    if status == 409:
        return RenderRunning(detail, code=code)
    if status == 429:
        return RateLimited(detail, retry_after=retry_after(headers))
    if status >= 500:
        return Transient(detail, code=code)
    if status == 400:
        # On the token call this is a missing X-Client-Id: our bug, so say it loudly.
        log.error("NemoVideo refused a request as malformed: %s", detail)
    if payload is not None and not isinstance(payload, dict):
        log.warning("NemoVideo error answer of unknown shape at %s", where)
    return ProtocolError(detail, code=code)


def _message(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    for key in ("message", "msg", "detail", "error", "errorMessage"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            inner = value.get("message") or value.get("msg")
            if isinstance(inner, str):
                return inner
    return ""


def _is_duplicate(message: str) -> bool:
    lowered = message.lower()
    return "duplicate" in lowered or "already exists" in lowered


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.lstrip("-").isdigit()
