"""Every error the core can meet, in one tree.

Backends raise these (the NemoVideo client maps envelope codes and HTTP statuses onto them; the
local engine raises the input and target ones); adapters raise `RetryAfter`. The core turns each
into a sentence from `bot.texts` in the person's language, so no class here carries user text.

    ClipbridgeError
    ├── ConfigError                the settings cannot be used; one sentence per problem
    ├── RetryAfter                 a platform asked us to wait N seconds (flood control)
    ├── AccessDenied               allowlist or per-user quota says no
    ├── NotDelivered               a finished result the chat platform would not take (retried)
    ├── InputError                 the person's file or words cannot be used
    │   ├── NotAVideo              not a video (an image or text renamed .mp4, audio only)
    │   ├── CorruptInput           truncated, empty, zero duration, absurd resolution
    │   │   └── TooShort           a frame or two: a still picture, not a clip
    │   ├── UnsupportedFile        a type the backend does not accept          (NemoVideo 4001)
    │   ├── FileTooLarge           over the backend's or platform's size limit  (NemoVideo 4002)
    │   ├── NoInput                nothing to work on yet: no video in the session
    │   ├── LinkRefused            a link the bot will not fetch, whatever the reason (one answer)
    │   ├── UnclearRequest         an instruction the local engine cannot read
    │   ├── TargetUnreachable      a size target that cannot be met; carries the smallest that can
    │   ├── FormatMismatch         a codec asked in a container that cannot hold it (H.264 .webm)
    │   ├── EditRefused            an edit this video cannot have (a reverse too long to hold)
    │   └── NoResult               /export with no finished result to hand over
    └── BackendError               the backend could not do what we asked
        ├── TokenError             bad or expired token that a refresh did not fix (1001)
        ├── SessionNotFound        the backend forgot the session (1002, HTTP 404)
        ├── NoCredits              out of credits (2001)
        ├── PlanRequired           the plan cannot export (HTTP 402)
        ├── RateLimited            still rate limited after one polite retry (HTTP 429)
        ├── Transient              5xx, connection or read errors after bounded retries
        │   └── TimedOut           a turn outran our own time bound (whole turn, or only heartbeats)
        ├── ProtocolError          an answer we cannot make sense of; a bug on one side
        ├── TurnFailed             the agent reported an error inside a turn
        ├── RenderFailed           an export ended in `failed`, or a local encode did
        │   ├── RenderTimedOut     an export not done within NEMO_RENDER_TIMEOUT, stopped by us
        │   └── DiskFull           work files could not be written: the disk is full
        └── Cancelled              the work was cancelled on request
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "BackendError",
    "Cancelled",
    "ClipbridgeError",
    "ConfigError",
    "CorruptInput",
    "DiskFull",
    "EditRefused",
    "EncodeTimeout",
    "FileTooLarge",
    "FormatMismatch",
    "InputError",
    "LinkRefused",
    "NoCredits",
    "NoInput",
    "NoResult",
    "NotAVideo",
    "NotDelivered",
    "PlanRequired",
    "ProtocolError",
    "RateLimited",
    "RenderFailed",
    "RenderTimedOut",
    "RetryAfter",
    "SessionNotFound",
    "TargetUnreachable",
    "TimedOut",
    "TokenError",
    "TooHeavy",
    "TooShort",
    "Transient",
    "TurnFailed",
    "UnclearRequest",
    "UnsupportedFile",
    "WorkspaceFull",
]


class ClipbridgeError(Exception):
    """Base of every error raised on purpose. `detail` is for logs, never shown to users."""

    def __init__(self, detail: str = "", *, code: int | None = None) -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail
        self.code = code


class ConfigError(ClipbridgeError):
    """Start-up found settings it cannot run with. Each of `problems` names the environment
    variable and the fix; operators read these, so they are English, never user text."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{count} configuration problem{'s' if count != 1 else ''}:\n{lines}")


class RetryAfter(ClipbridgeError):
    """A platform's flood control: wait `seconds` before the next call to that chat."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds}s")
        self.seconds = seconds


class AccessDenied(ClipbridgeError):
    """The allowlist or a per-user quota refuses this person. `reason` is a `bot.texts` key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


class InputError(ClipbridgeError):
    """The person's input cannot be used as it is; they can fix it."""


class NotAVideo(InputError):
    """The file is not a video (an image, text, or audio only)."""


class CorruptInput(InputError):
    """The file is truncated, empty, has zero duration or an absurd resolution."""


class TooShort(CorruptInput):
    """A video of a frame or two (`seconds` long): readable, but nothing to work on."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"{seconds:.3f}s long")
        self.seconds = seconds


class UnsupportedFile(InputError):
    """The backend does not accept this file type (NemoVideo 4001)."""


class LinkRefused(InputError):
    """A link was not fetched: a private address, a closed port, too slow, too big, not a video.

    People get one answer for all of these (different answers would map the operator's network);
    `detail` names the real reason for the log, with the link shown without its query string.
    """


class FileTooLarge(InputError):
    """The file is over a size limit; `limit` is that limit in bytes when known (NemoVideo 4002)."""

    def __init__(self, detail: str = "", *, limit: int | None = None, code: int | None = None):
        super().__init__(detail, code=code)
        self.limit = limit


class TooHeavy(InputError):
    """More pixels a second than the engine decodes (`MAX_PIXEL_RATE`): a decode bomb."""

    def __init__(self, detail: str = "", *, width: int = 0, height: int = 0, fps: float = 0):
        super().__init__(detail)
        self.width = width
        self.height = height
        self.fps = fps


class WorkspaceFull(FileTooLarge):
    """The local engine's work folder has no room for this now (other files fill the budget)."""


class NoInput(InputError):
    """Nothing to work on yet: the session holds no video."""


class UnclearRequest(InputError):
    """The local engine could not understand the instruction; the core answers with `reason`
    (a `bot.texts` key given `examples`): the examples, or what was wrong ("under -5MB")."""

    def __init__(self, detail: str = "", *, reason: str = "err_unclear") -> None:
        super().__init__(detail)
        self.reason = reason


class TargetUnreachable(InputError):
    """A size target cannot be met. `smallest` is the smallest size in bytes that can be met."""

    def __init__(self, detail: str = "", *, target: int, smallest: int) -> None:
        super().__init__(detail or f"target {target} unreachable, smallest {smallest}")
        self.target = target
        self.smallest = smallest


class FormatMismatch(InputError):
    """The codec asked cannot go in the container asked. `codec` is its label ("H.264"),
    `container` the file type ("webm"), `fits` the codecs that container can hold."""

    def __init__(self, *, codec: str, container: str, fits: tuple[str, ...]) -> None:
        super().__init__(f"{codec} cannot go in {container}")
        self.codec = codec
        self.container = container
        self.fits = fits


class EditRefused(InputError):
    """An edit the local engine will not do on this video (a reverse too long to hold in memory,
    an animation that stays over its size, a sound track that is not there): `key` is the
    `bot.texts` sentence and `params` its numbers."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NoResult(InputError):
    """An export was asked but no finished result is waiting: the last request failed, was
    cancelled, or its result was already sent. Never answered with the untouched original."""


class NotDelivered(ClipbridgeError):
    """The result was ready, but the chat platform would not take it (5xx, a broken connection,
    a rate limit that did not pass) after bounded retries: the work was done, the post failed."""


class BackendError(ClipbridgeError):
    """The backend could not do what we asked."""


class TokenError(BackendError):
    """The token is bad or expired and a refresh did not help (1001)."""


class SessionNotFound(BackendError):
    """The backend has no such session (1002 or HTTP 404 "Session not found")."""


class NoCredits(BackendError):
    """The account is out of credits (2001). `link` (bind or top-up page) is for admins only."""

    def __init__(self, detail: str = "", *, link: str | None = None, code: int | None = 2001):
        super().__init__(detail, code=code)
        self.link = link


class PlanRequired(BackendError):
    """The account's plan cannot export (HTTP 402): register or upgrade, not a credits problem."""


class RateLimited(BackendError):
    """Rate limited after one polite retry (HTTP 429). `retry_after` in seconds when known."""

    def __init__(self, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(detail, code=429)
        self.retry_after = retry_after


class Transient(BackendError):
    """A 5xx, connection or read error that bounded retries did not get past."""


class TimedOut(Transient):
    """A turn outran a bound we set: `quiet` when only heartbeats came for `seconds`, else the
    whole turn took longer than `seconds`. The work may still go on at the service."""

    def __init__(self, detail: str = "", *, seconds: float, quiet: bool) -> None:
        super().__init__(detail or f"timed out after {seconds:g}s")
        self.seconds = seconds
        self.quiet = quiet


class ProtocolError(BackendError):
    """An answer that cannot be understood: a bug on one side, logged with its keys."""


class TurnFailed(BackendError):
    """The agent reported an error inside a turn."""


class RenderFailed(BackendError):
    """An export ended in `failed`, or a local encode failed (the core says which by backend)."""


class RenderTimedOut(RenderFailed):
    """An export still not done after `seconds` (NEMO_RENDER_TIMEOUT): we stopped it."""

    def __init__(self, detail: str, *, seconds: float) -> None:
        super().__init__(detail)
        self.seconds = seconds


class DiskFull(RenderFailed):
    """Work files could not be written because the disk is full (the encoder said so)."""


class EncodeTimeout(RenderFailed):
    """An encode ran past `ENCODE_TIMEOUT` and was stopped."""


class Cancelled(BackendError):
    """The work was cancelled on request."""
