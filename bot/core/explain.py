"""The one mapping from an error to the sentence a person reads: what happened, what to do.

The chat core and `clipbridge compress` both explain failures here, so a refusal reads the same
wherever it happens. `explain` covers the bot's own errors; `explain_broken` a turn whose stream
ended early; `explain_unexpected` anything else (the work disk, or a bug).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import formats
from bot.config import Settings
from bot.errors import (
    AccessDenied,
    Cancelled,
    ClipbridgeError,
    CorruptInput,
    DiskFull,
    EditRefused,
    EncodeTimeout,
    FileTooLarge,
    FormatMismatch,
    LinkRefused,
    NoCredits,
    NoInput,
    NoResult,
    NotAVideo,
    NotDelivered,
    PlanRequired,
    RateLimited,
    RenderFailed,
    RenderTimedOut,
    SessionNotFound,
    TargetUnreachable,
    TimedOut,
    TokenError,
    TooHeavy,
    TooShort,
    Transient,
    TurnFailed,
    UnclearRequest,
    UnsupportedFile,
    WorkspaceFull,
)
from bot.texts import human_duration, human_size, limit_sentence, t

ACCEPTED_FORMATS = formats.listed(formats.NEMO)  # only NemoVideo refuses a type by its list
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True, slots=True)
class _Asked:
    """Who is told, and where: what a sentence may depend on besides the error."""

    locale: str
    settings: Settings
    admin: bool
    local: bool
    group: bool
    receiving: bool


def explain(
    error: ClipbridgeError,
    locale: str,
    settings: Settings,
    *,
    admin: bool = False,
    local: bool = False,
    group: bool = False,
    receiving: bool = False,
) -> str:
    """`local`: the local engine failed (on this computer, not at a service). `admin`: the
    person is one of the bot's ADMINS. In a `group` the bind link, which hands over the bot's
    account, is never shown. `receiving`: it happened while a file was coming in, so nothing of
    it was kept."""
    asked = _Asked(locale, settings, admin, local, group, receiving)
    for kind in type(error).__mro__:  # the most specific kind of error that has a sentence
        found = _SENTENCES.get(kind)
        if isinstance(found, str):
            return t(found, locale)
        if found is not None:
            return found(error, asked)
    return t("err_protocol", locale)


def _access(error: AccessDenied, asked: _Asked) -> str:
    daily = error.reason == "err_quota_daily"
    limit = asked.settings.max_jobs_per_day if daily else asked.settings.max_jobs_per_user
    return t(error.reason, asked.locale, n=limit)


def _token(error: TokenError, asked: _Asked) -> str:
    if asked.admin:
        return t("err_token_admin", asked.locale, code=error.code or 1001)
    return t("err_token", asked.locale)


def _no_credits(error: NoCredits, asked: _Asked) -> str:
    locale = asked.locale
    if not (asked.admin and error.link):
        return t("err_no_credits", locale)
    if asked.group:
        return t("err_no_credits", locale) + "\n" + t("credits_in_private", locale)
    return t("err_no_credits_admin", locale, link=error.link)


def _limit(error: TooHeavy | EncodeTimeout, asked: _Asked) -> str:
    return limit_sentence(error, asked.locale, asked.settings)


def _transient(error: Transient, asked: _Asked) -> str:
    """A file that broke off on its way in: from the platform or to the service alike, it is
    to be sent again (no project holds it). Otherwise the service, which keeps the project."""
    return t("err_transient_receiving" if asked.receiving else "err_transient", asked.locale)


def _render(error: RenderFailed, asked: _Asked) -> str:
    return t("err_encode_failed" if asked.local else "err_render_failed", asked.locale)


def _too_short(error: TooShort, asked: _Asked) -> str:
    return t("err_too_short", asked.locale, seconds=f"{error.seconds:.2f}")


def _render_timeout(error: RenderTimedOut, asked: _Asked) -> str:
    return t("err_render_timeout", asked.locale, waited=human_duration(error.seconds))


def _unsupported(error: UnsupportedFile, asked: _Asked) -> str:
    return t("err_unsupported", asked.locale, formats=ACCEPTED_FORMATS)


def _too_large(error: FileTooLarge, asked: _Asked) -> str:
    if error.limit:
        return t("err_too_large", asked.locale, limit=human_size(error.limit, asked.locale))
    return t("err_too_large_nolimit", asked.locale)


def _link(error: LinkRefused, asked: _Asked) -> str:
    settings, locale = asked.settings, asked.locale
    return t("err_link_refused", locale, limit=human_size(settings.link_max_size, locale),
             seconds=f"{settings.link_timeout:g}")  # fmt: skip


def _format(error: FormatMismatch, asked: _Asked) -> str:
    return t("err_format_mismatch", asked.locale, codec=error.codec, container=error.container,
             fits=", ".join(error.fits))  # fmt: skip


def _unclear(error: UnclearRequest, asked: _Asked) -> str:
    return t(error.reason, asked.locale, examples=t("intent_examples", asked.locale))


def _unreachable(error: TargetUnreachable, asked: _Asked) -> str:
    locale = asked.locale
    return t("err_unreachable", locale, target=human_size(error.target, locale),
             smallest=human_size(error.smallest, locale))  # fmt: skip


# Each kind of error and its sentence: a catalog key, or a function of the error and who asks.
# Looked up along the error's class hierarchy, so a subclass (DiskFull, a RenderFailed) may say
# something of its own; an error with no entry is the service answering in a way we do not know.
def _refused(error: EditRefused, asked: _Asked) -> str:
    return t(error.key, asked.locale, **error.params)


_SENTENCES: dict[type[ClipbridgeError], str | Callable[[Any, _Asked], str]] = {
    AccessDenied: _access,
    SessionNotFound: "session_lost",
    TokenError: _token,
    NoCredits: _no_credits,
    PlanRequired: "err_plan",
    RateLimited: "err_rate_limited",
    Transient: _transient,
    TurnFailed: "err_turn_failed",
    TooHeavy: _limit,
    EncodeTimeout: _limit,
    DiskFull: "err_disk_full",
    RenderFailed: _render,
    RenderTimedOut: _render_timeout,
    Cancelled: "err_cancelled",
    UnsupportedFile: _unsupported,
    WorkspaceFull: "err_workspace_full",
    FileTooLarge: _too_large,
    LinkRefused: _link,
    NotAVideo: "err_not_video",
    CorruptInput: "err_corrupt",
    TooShort: _too_short,
    NoInput: "err_no_input",
    NoResult: "err_no_result",
    NotDelivered: "err_not_delivered",
    FormatMismatch: _format,
    UnclearRequest: _unclear,
    TargetUnreachable: _unreachable,
    EditRefused: _refused,
}


def explain_broken(error: ClipbridgeError, locale: str) -> str:
    """Why a turn's stream ended early: we stopped waiting, or the connection dropped."""
    if isinstance(error, TimedOut):
        key = "turn_quiet_timeout" if error.quiet else "turn_timeout"
        return t(key, locale, waited=human_duration(error.seconds))
    return t("stream_broken", locale)


def on_disk(error: BaseException) -> bool:
    """An error of this computer's disk: full, or a work file that could not be read or written
    (an OSError naming a file). Network errors are OSErrors too, but name no file."""
    return isinstance(error, OSError) and (error.errno in DISK_FULL or error.filename is not None)


def explain_unexpected(error: BaseException, locale: str, doing: str) -> str:
    """An error that is not one of ours: the work disk, said as such, or a bug while `doing`."""
    if on_disk(error):
        full = isinstance(error, OSError) and error.errno in DISK_FULL
        return t("err_disk_full" if full else "err_disk_io", locale)
    return t("err_unexpected", locale, doing=t(f"doing_{doing}", locale))
