"""Every error the bot raises reads as a sentence, in each language, from the one mapping."""

from __future__ import annotations

import errno

import pytest

from bot.config import Settings
from bot.core.explain import explain, explain_broken, explain_unexpected
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
    NotDelivered,
    PlanRequired,
    ProtocolError,
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
from bot.texts import CATALOG

ERRORS: list[ClipbridgeError] = [
    AccessDenied("err_quota_concurrent"),
    AccessDenied("err_quota_daily"),
    TokenError("expired", code=1001),
    SessionNotFound("gone"),
    NoCredits("empty", link="https://web.example/bind?x"),
    PlanRequired("pro"),
    RateLimited("slow down"),
    Transient("502"),
    TurnFailed("agent"),
    TooHeavy("8k", width=7680, height=4320, fps=60),
    EncodeTimeout("slow"),
    DiskFull("full"),
    RenderFailed("exit 1"),
    RenderTimedOut("slow", seconds=3600),
    Cancelled("stop"),
    UnsupportedFile(".exe"),
    WorkspaceFull("busy", limit=10**9),
    FileTooLarge("big", limit=50 * 10**6),
    FileTooLarge("big"),
    LinkRefused("private address"),
    NotAVideo("text/plain"),
    CorruptInput("moov"),
    TooShort(0.04),
    NotDelivered("ServerError"),
    NoInput("nothing"),
    NoResult("no file"),
    FormatMismatch(codec="vp9", container="mp4", fits=("webm", "mkv")),
    UnclearRequest("pop"),
    TargetUnreachable("tiny", target=5_000, smallest=90_000),
    ProtocolError("garbled"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_every_error_is_a_sentence(error: ClipbridgeError, locale: str) -> None:
    settings = Settings(_env_file=None)
    for admin in (False, True):
        text = explain(error, locale, settings, admin=admin)
        assert text.strip()
        assert f"{type(error).__name__}:" not in text  # never an exception as printed
        assert "{" not in text  # every field filled


def test_the_bind_link_goes_to_admins_and_never_into_a_group() -> None:
    settings = Settings(_env_file=None)
    error = NoCredits("empty", link="https://web.example/bind?x")
    assert "bind?x" in explain(error, "en", settings, admin=True)
    assert "bind?x" not in explain(error, "en", settings, admin=True, group=True)
    assert "bind?x" not in explain(error, "en", settings)


def test_the_local_engine_says_its_own_encode_failed() -> None:
    settings = Settings(_env_file=None)
    local = explain(RenderFailed("exit 1"), "en", settings, local=True)
    cloud = explain(RenderFailed("exit 1"), "en", settings)
    assert local != cloud
    assert local == CATALOG["err_encode_failed"]["en"]


def test_quota_sentences_name_their_own_limit() -> None:
    settings = Settings(_env_file=None, max_jobs_per_user=2, max_jobs_per_day=7)
    assert "7" in explain(AccessDenied("err_quota_daily"), "en", settings)
    assert "2" in explain(AccessDenied("err_quota_concurrent"), "en", settings)


def test_broken_streams_and_unexpected_errors() -> None:
    quiet = explain_broken(TimedOut("quiet", seconds=90, quiet=True), "en")
    assert "1:30" in quiet
    assert explain_broken(Transient("reset"), "zh") == CATALOG["stream_broken"]["zh"]
    full = OSError(errno.ENOSPC, "No space left on device", "/work/x")
    assert explain_unexpected(full, "en", "encode") == CATALOG["err_disk_full"]["en"]
    bug = explain_unexpected(KeyError("x"), "en", "turn")
    assert CATALOG["doing_turn"]["en"] in bug
