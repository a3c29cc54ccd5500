"""A person's defaults: how `/settings` words read, and where the local engine fills them in
(only where a request is silent; an instruction always wins on its own point)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.backends.local.defaults import after, fill, said
from bot.backends.local.intent import parse
from bot.defaults import BadChoice, operator_defaults, read_change
from bot.media import MediaInfo
from bot.store import UserDefaults

INFO = MediaInfo(
    path=Path("a.mp4"), size=30_000_000, duration=10.0, width=1920, height=1080, coded_width=1920,
    coded_height=1080, rotation=0, fps=30.0, codec="h264", pix_fmt="yuv420p", bit_depth=8,
    has_audio=True,
)  # fmt: skip
ALL = UserDefaults(target_bytes=8_000_000, codec="h265", max_height=720, drop_audio=True)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("codec hevc", UserDefaults(codec="h265")),
        ("size 10 MiB", UserDefaults(target_bytes=10 * 2**20)),
        ("target 8MB codec av1 audio drop", UserDefaults(8_000_000, "av1", drop_audio=True)),
        ("resolution 720p send file", UserDefaults(max_height=720, as_file=True)),
        ("target chat", UserDefaults()),
        ("resolution source", UserDefaults()),
    ],
)
def test_settings_words(words: str, expected: UserDefaults) -> None:
    start = UserDefaults(target_bytes=1_000_000) if "chat" in words else UserDefaults()
    start = replace(start, max_height=480) if "source" in words else start
    assert read_change(words, start).defaults == expected


@pytest.mark.parametrize("words", ["codec x264", "size 5", "size 50KB", "audio maybe", "hello"])
def test_a_bad_choice_is_refused(words: str) -> None:
    with pytest.raises(BadChoice):
        read_change(words, UserDefaults())


def test_a_language_is_read_apart_from_the_rest() -> None:
    change = read_change("lang 中文", UserDefaults(codec="av1"))
    assert change.language == "zh" and change.defaults == UserDefaults(codec="av1")


def test_operator_defaults() -> None:
    assert operator_defaults("10MiB", "av1", 480, "drop", "file") == UserDefaults(
        10 * 2**20, "av1", 480, drop_audio=True, as_file=True
    )


def test_a_silent_request_takes_every_default_and_says_so() -> None:
    filled = fill(parse("rotate 90"), ALL, INFO)
    r = filled.request
    assert (r.target_bytes, r.codec, r.height, r.remove_audio) == (8_000_000, "h265", 720, True)
    assert said(filled, ALL, "en") == (
        "Your defaults: under 8.0 MB, H.265, at most 720p, no audio (/settings)."
    )
    assert after("明白：旋转 90°。", said(filled, ALL, "zh"), "zh").startswith(
        "明白：旋转 90°。已用你的默认设置：小于 8.0 MB，H.265，"
    )
    assert after("Understood: rotate.", "", "en") == "Understood: rotate."


def test_what_a_request_says_wins() -> None:
    filled = fill(parse("under 20MB in h264 480p with 64k audio"), ALL, INFO)
    assert filled.applied == ()
    assert said(filled, ALL, "en") == ""
    filled = fill(parse("fit discord as vp9 half the resolution"), ALL, INFO)
    assert filled.applied == ("audio",)  # the one point it is silent on


def test_defaults_a_video_already_meets_are_not_applied() -> None:
    small = replace(INFO, width=640, height=360, size=5_000_000, has_audio=False)
    filled = fill(parse("make it smaller"), ALL, small)
    assert filled.applied == ("codec",)  # under 8 MB already, 360p, silent: the engine's smaller
    assert filled.request.target_bytes is None


def test_a_gif_or_a_sound_takes_no_video_codec_or_audio_default() -> None:
    assert fill(parse("convert to gif"), ALL, INFO).applied == ("target",)
    assert fill(parse("extract the audio as mp3"), ALL, INFO).applied == ("target",)
