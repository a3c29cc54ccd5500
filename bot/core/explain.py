"""The one mapping from an error to the sentence a person reads: what happened, what to do.

The chat core and `clipbridge compress` both explain failures here, so a refusal reads the same
wherever it happens. `explain` covers the bot's own errors; `explain_broken` a turn whose stream
ended early; `explain_unexpected` anything else (the work disk, or a bug).
"""

from __future__ import annotations

import errno

from bot.config import Settings
from bot.errors import (
    AccessDenied,
    Cancelled,
    ClipbridgeError,
    CorruptInput,
    DiskFull,
    EncodeTimeout,
    FileTooLarge,
    FormatMismatch,
    LinkRefused,
    NoCredits,
    NoInput,
    NoResult,
    NotAVideo,
    PlanRequired,
    RateLimited,
    RenderFailed,
    SessionNotFound,
    TargetUnreachable,
    TimedOut,
    TokenError,
    TooHeavy,
    Transient,
    TurnFailed,
    UnclearRequest,
    UnsupportedFile,
    WorkspaceFull,
)
from bot.texts import human_duration, human_size, limit_sentence, t

ACCEPTED_FORMATS = "mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, m4a, aac"
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def explain(
    error: ClipbridgeError,
    locale: str,
    settings: Settings,
    *,
    admin: bool = False,
    local: bool = False,
    group: bool = False,
) -> str:
    """`local`: the local engine failed (on this computer, not at a service). `admin`: the
    person is one of the bot's ADMINS. In a `group` the bind link, which hands over the bot's
    account, is never shown."""
    match error:
        case AccessDenied(reason="err_quota_daily"):
            return t("err_quota_daily", locale, n=settings.max_jobs_per_day)
        case AccessDenied(reason=reason):
            return t(reason, locale, n=settings.max_jobs_per_user)
        case SessionNotFound():
            return t("session_lost", locale)
        case TokenError() if admin:
            return t("err_token_admin", locale, code=error.code or 1001)
        case TokenError():
            return t("err_token", locale)
        case NoCredits(link=link) if admin and link and group:
            return t("err_no_credits", locale) + "\n" + t("credits_in_private", locale)
        case NoCredits(link=link) if admin and link:
            return t("err_no_credits_admin", locale, link=link)
        case NoCredits():
            return t("err_no_credits", locale)
        case PlanRequired():
            return t("err_plan", locale)
        case RateLimited():
            return t("err_rate_limited", locale)
        case Transient():
            return t("err_transient", locale)
        case TurnFailed():
            return t("err_turn_failed", locale)
        case TooHeavy() | EncodeTimeout():
            return limit_sentence(error, locale, settings)
        case DiskFull():
            return t("err_disk_full", locale)
        case RenderFailed() if local:
            return t("err_encode_failed", locale)
        case RenderFailed():
            return t("err_render_failed", locale)
        case Cancelled():
            return t("err_cancelled", locale)
        case _:
            return _explain_input(error, locale, settings)


def _explain_input(error: ClipbridgeError, locale: str, settings: Settings) -> str:
    """What is wrong with what the person sent or asked for."""
    match error:
        case UnsupportedFile():
            return t("err_unsupported", locale, formats=ACCEPTED_FORMATS)
        case WorkspaceFull():
            return t("err_workspace_full", locale)
        case FileTooLarge(limit=limit) if limit:
            return t("err_too_large", locale, limit=human_size(limit, locale))
        case FileTooLarge():
            return t("err_too_large_nolimit", locale)
        case LinkRefused():
            most, seconds = human_size(settings.link_max_size, locale), settings.link_timeout
            return t("err_link_refused", locale, limit=most, seconds=f"{seconds:g}")
        case NotAVideo():
            return t("err_not_video", locale)
        case CorruptInput():
            return t("err_corrupt", locale)
        case NoInput():
            return t("err_no_input", locale)
        case NoResult():
            return t("err_no_result", locale)
        case FormatMismatch(codec=codec, container=container, fits=fits):
            return t("err_format_mismatch", locale, codec=codec, container=container,
                     fits=", ".join(fits))  # fmt: skip
        case UnclearRequest(reason=reason):
            return t(reason, locale, examples=t("intent_examples", locale))
        case TargetUnreachable(target=target, smallest=smallest):
            return t("err_unreachable", locale, target=human_size(target, locale),
                     smallest=human_size(smallest, locale))  # fmt: skip
        case _:
            return t("err_protocol", locale)


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
