"""The edits people ask a video bot for, on real clips through the real backend, each result
probed: GIF and WebP, audio only, speed, rotation and flips, aspect, reversal, "smaller" and
"as small as possible", named destinations, and the specific answers for what it cannot do."""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import replace
from pathlib import Path

import av
import pytest

from bot.backends.base import Failure, Text, TurnContext, TurnEvent
from bot.backends.local import LocalBackend
from bot.backends.local import edits as editing
from bot.backends.local.destinations import DESTINATIONS
from bot.backends.local.intent import parse
from bot.backends.local.job import prepare
from bot.errors import EditRefused, UnclearRequest
from bot.media import probe
from bot.texts import t
from tests.local.conftest import FFMPEG, BackendFactory, Clips, ffmpeg
from tests.local.test_engine import only_result, results, run_turn, session_with

EN = TurnContext(locale="en", upload_limit=50_000_000, chat="console:1")
ZH = TurnContext(locale="zh", upload_limit=50_000_000, chat="console:2")
MIB = 2**20


def said(events: list[TurnEvent], locale: str = "en") -> str:
    """What the person reads: the turn's texts, and a refusal as its last word."""
    texts = [e.text for e in events if isinstance(e, Text)]
    refused = [e.error for e in events if isinstance(e, Failure)]
    texts += [t(e.key, locale, **e.params) for e in refused if isinstance(e, EditRefused)]
    return "\n".join(texts)


def streams(path: Path) -> dict[str, object]:
    """What a player sees in `path`: container, codecs, picture, rate, length."""
    with av.open(str(path)) as c:
        video = c.streams.video[0] if c.streams.video else None
        audio = c.streams.audio[0] if c.streams.audio else None
        duration = (c.duration or 0) / 1_000_000
        return {
            "format": c.format.name,
            "video": video.codec_context.name if video else None,
            "width": video.codec_context.width if video else None,
            "height": video.codec_context.height if video else None,
            "fps": float(video.average_rate or 0) if video else None,
            "audio": audio.codec_context.name.removesuffix("float") if audio else None,
            "channels": audio.codec_context.channels if audio else None,
            "duration": duration,
        }


def gray_frame(path: Path, at: float, size: str = "32x24") -> bytes:
    """One frame at `at` seconds, shrunk to `size` grey pixels: enough to tell pictures apart."""
    out = subprocess.run(
        [FFMPEG, "-nostdin", "-loglevel", "error", "-ss", f"{at}", "-i", str(path),
         "-frames:v", "1", "-vf", f"scale={size}", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return out


def distance(a: bytes, b: bytes) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def tone(path: Path) -> float:
    """The frequency (Hz) of the sine in `path`'s sound, by counting zero crossings."""
    pcm = subprocess.run(
        [FFMPEG, "-nostdin", "-loglevel", "error", "-i", str(path), "-vn", "-ac", "1",
         "-ar", "48000", "-f", "s16le", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    samples = [int.from_bytes(pcm[i : i + 2], "little", signed=True) for i in range(0, len(pcm), 2)]
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]  # away from fades
    crossings = sum(1 for a, b in itertools.pairwise(middle) if (a < 0) != (b < 0))
    return crossings / 2 / (len(middle) / 48_000)


async def one(
    backend_factory: BackendFactory, clip: Path, text: str, ctx: TurnContext = EN
) -> tuple[list[TurnEvent], LocalBackend, str]:
    async with backend_factory() as backend:
        session = await session_with(backend, clip)
        events = await run_turn(backend, session, text, ctx)
        return events, backend, session


# --- GIF and WebP --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ctx"), [("convert to gif", EN), ("导出为gif", ZH)])
async def test_gif_loops_with_a_palette_and_fits_the_chat(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None and result.filename == "main.gif"
    facts = streams(result.path)
    assert facts["format"] == "gif" and facts["audio"] is None
    assert (facts["width"], facts["height"]) == (320, 240)  # under 480: kept
    assert facts["duration"] == pytest.approx(4.0, abs=0.2)
    data = result.path.read_bytes()
    assert b"NETSCAPE2.0\x03\x01\x00\x00" in data  # loop forever
    assert result.size <= ctx.upload_limit
    assert ("GIF" in said(events)) and ("GIF 320x240" in result.summary)
    assert ("循环" if ctx.locale == "zh" else "loops") in result.summary


async def test_gif_under_a_target_from_a_window(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, _, _ = await one(backend_factory, clips.main, "gif under 120KB from 0:01 to 0:03")
    result = only_result(events)
    assert result.path is not None
    assert result.size <= 120_000
    facts = streams(result.path)
    assert facts["duration"] == pytest.approx(2.0, abs=0.2)
    assert "under 120.0 KB, from 0:01 to 0:03" in said(events)


@pytest.mark.parametrize("text", ["animated webp", "动态webp"])
async def test_animated_webp_loops(
    backend_factory: BackendFactory, clips: Clips, text: str
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text)
    result = only_result(events)
    assert result.path is not None and result.filename.endswith(".webp")
    data = result.path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP" and b"ANIM" in data[:64]
    anim = data.index(b"ANIM")
    assert data[anim + 12 : anim + 14] == b"\x00\x00"  # loop count 0: forever


async def test_a_gif_too_long_is_refused_with_the_longest_it_makes(clips: Clips) -> None:
    info = replace(await probe(clips.main), duration=20.0)
    prepare(parse("gif at 2x speed"), info, upload_limit=None)  # 10 s played: made
    with pytest.raises(editing.EditRefused) as refused:
        prepare(parse("gif at 0.25x speed"), info, upload_limit=None)  # 80 s played
    assert refused.value.key == "edit_gif_too_long"
    assert refused.value.params == {"length": "80", "longest": "60"}


# --- audio only ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "codec", "suffix"),
    [
        ("extract the audio as mp3", EN, "mp3", ".mp3"),
        ("只要音频", ZH, "mp3", ".mp3"),
        ("audio only as m4a", EN, "aac", ".m4a"),
        ("导出音频为opus", ZH, "opus", ".opus"),
    ],
)
async def test_audio_only_has_no_picture(
    backend_factory: BackendFactory,
    clips: Clips,
    text: str,
    ctx: TurnContext,
    codec: str,
    suffix: str,
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None and result.filename == f"main{suffix}"
    facts = streams(result.path)
    assert facts["video"] is None and facts["audio"] == codec
    assert facts["duration"] == pytest.approx(4.0, abs=0.2)
    assert tone(result.path) == pytest.approx(440, rel=0.03)


async def test_audio_under_a_target(backend_factory: BackendFactory, clips: Clips) -> None:
    events, _, _ = await one(backend_factory, clips.main, "extract the audio as mp3 under 40KB")
    result = only_result(events)
    assert result.size <= 40_000
    assert "target 40.0 KB" in result.summary
    assert streams(result.path)["audio"] == "mp3"  # type: ignore[arg-type]


async def test_audio_of_a_silent_video_is_a_clear_sentence(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, _, _ = await one(backend_factory, clips.silent, "只要音频", ZH)
    assert not results(events)
    assert "没有声音" in said(events, "zh")


# --- speed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "length"),
    [("2x speed", EN, 2.0), ("加速2倍", ZH, 2.0), ("slow motion 0.5x", EN, 8.0)],
)
async def test_speed_keeps_frame_rate_and_pitch(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext, length: float
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None
    facts = streams(result.path)
    assert facts["duration"] == pytest.approx(length, abs=0.2)
    assert facts["fps"] == pytest.approx(25, abs=0.5)
    assert facts["video"] == "h264" and facts["audio"] == "aac"
    assert tone(result.path) == pytest.approx(440, rel=0.03)  # atempo, not a pitch shift


async def test_speed_out_of_range_says_the_range(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, _, _ = await one(backend_factory, clips.main, "speed it up 8x")
    failure = next(e for e in events if isinstance(e, Failure))
    assert isinstance(failure.error, UnclearRequest)
    assert failure.error.reason == "intent_speed_range"


# --- rotate and flip -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ctx"), [("rotate 90 degrees", EN), ("旋转90度", ZH)])
async def test_rotate_turns_the_picture_clockwise(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext, tmp_path: Path
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None
    facts = streams(result.path)
    assert (facts["width"], facts["height"]) == (240, 320)
    for turn, closer in (("clock", True), ("cclock", False)):
        reference = tmp_path / f"{turn}.mp4"
        ffmpeg("-i", str(clips.main), "-vf", f"transpose={turn}", "-t", "1", str(reference))
        d = distance(gray_frame(result.path, 0.5, "24x32"), gray_frame(reference, 0.5, "24x32"))
        assert (d < 12) is closer, (turn, d)


async def test_mirror_flips_left_to_right(
    backend_factory: BackendFactory, clips: Clips, tmp_path: Path
) -> None:
    events, _, _ = await one(backend_factory, clips.main, "mirror it")
    result = only_result(events)
    assert result.path is not None
    reference = tmp_path / "mirrored.mp4"
    ffmpeg("-i", str(clips.main), "-vf", "hflip", "-t", "1", str(reference))
    assert distance(gray_frame(result.path, 0.5), gray_frame(reference, 0.5)) < 12
    assert distance(gray_frame(result.path, 0.5), gray_frame(clips.main, 0.5)) > 12
    assert "mirrored" in said(events)


# --- aspect --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "size", "words"),
    [
        ("make it vertical 9:16 for tiktok", EN, (208, 370), "blurred copy"),
        ("竖屏9:16", ZH, (208, 370), "模糊"),
        ("square", EN, (240, 240), "cropped to the centre"),
        ("正方形", ZH, (240, 240), "居中裁剪"),
        ("9:16 with black bars", EN, (208, 370), "black bars"),
        ("vertical, crop it", EN, (136, 240), "cropped to the centre"),
    ],
)
async def test_aspect_by_crop_or_padding_and_the_reply_says_which(
    backend_factory: BackendFactory,
    clips: Clips,
    text: str,
    ctx: TurnContext,
    size: tuple[int, int],
    words: str,
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None
    facts = streams(result.path)
    assert (facts["width"], facts["height"]) == size
    assert facts["audio"] == "aac"
    assert words in said(events)


# --- reverse -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ctx"), [("reverse it", EN), ("倒放", ZH)])
async def test_reverse_plays_backwards(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.path is not None
    facts = streams(result.path)
    assert facts["duration"] == pytest.approx(4.0, abs=0.2) and facts["audio"] == "aac"
    first = gray_frame(result.path, 0.0)
    assert distance(first, gray_frame(clips.main, 3.9)) < distance(first, gray_frame(clips.main, 0))


async def test_reverse_of_a_long_clip_is_refused_with_how_long_it_can_be(
    backend_factory: BackendFactory, clips: Clips, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the budget stands for memory this machine would not have: 1 s of 320x240 at 25 fps
    monkeypatch.setattr(editing, "REVERSE_BUDGET", 320 * 240 * 1.5 * 25)
    events, _, _ = await one(backend_factory, clips.main, "reverse", EN)
    assert not results(events)
    text = said(events)
    assert "at most 1 seconds" in text and "this part is 4 seconds" in text
    events, _, _ = await one(backend_factory, clips.main, "倒放", ZH)
    assert "最多能倒放 1 秒" in said(events, "zh")


# --- smaller, smallest ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx"), [("make it smaller", EN), ("压缩一下", ZH), ("compress it", EN)]
)
async def test_smaller_is_always_smaller_at_good_quality(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext
) -> None:
    source = clips.main.stat().st_size
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.size <= source / 2 + 1
    facts = streams(result.path)  # type: ignore[arg-type]
    assert (facts["width"], facts["height"]) == (320, 240) and facts["audio"] == "aac"


async def test_smaller_of_a_compact_video_says_so_with_numbers(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    lean = tmp_path / "lean.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=320x240:rate=25:duration=4",
           "-c:v", "libx264", "-crf", "40", "-pix_fmt", "yuv420p", str(lean))  # fmt: skip
    events, _, _ = await one(backend_factory, lean, "make it smaller")
    assert not results(events)
    text = said(events)
    assert "already compact" in text and "kbit/s" in text and "320×240" in text
    events, _, _ = await one(backend_factory, lean, "压缩一下", ZH)
    assert "已经很紧凑" in said(events, "zh")


@pytest.mark.parametrize(("text", "ctx"), [("as small as possible but watchable", EN),
                                           ("尽量小", ZH)])  # fmt: skip
async def test_smallest_meets_its_stated_floor(
    backend_factory: BackendFactory, clips: Clips, text: str, ctx: TurnContext
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text, ctx)
    result = only_result(events)
    assert result.size < clips.main.stat().st_size / 4
    # the floor said is the target kept: 0.04 bits a pixel, 25 fps, 64 kbit/s of sound
    floor = (320 * 240 * 25 * 0.04 + 64_000) * 4 / 8
    assert result.size <= floor
    facts = streams(result.path)  # type: ignore[arg-type]
    assert facts["audio"] == "aac" and facts["video"] == "h264"
    assert ("480p" in said(events)) and (result.size >= floor * 0.8)


# --- destinations --------------------------------------------------------------------------------


async def test_for_discord_is_discords_limit_except_in_a_discord_chat(clips: Clips) -> None:
    info = await probe(clips.main)
    terminal = prepare(parse("for discord"), info, upload_limit=50_000_000, platform="console")
    assert terminal.want.asked == 10 * MIB
    in_discord = prepare(parse("for discord"), info, upload_limit=25 * MIB, platform="discord")
    assert in_discord.want.asked == 25 * MIB  # a boosted server: the chat knows better
    here = prepare(parse("fits this chat"), info, upload_limit=8 * MIB, platform="telegram")
    assert here.want.asked == 8 * MIB
    email = prepare(parse("small enough to email"), info, upload_limit=None)
    assert email.want.asked == DESTINATIONS["email"].limit


async def test_a_destination_bounds_the_result(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    ctx = TurnContext(locale="en", upload_limit=50_000_000, chat="telegram:5")
    events, _, _ = await one(backend_factory, clips.main, "for whatsapp, 2x speed", ctx)
    assert "fits WhatsApp (16.0 MB), 2× speed" in said(events)
    assert only_result(events).size <= 16_000_000


# --- what it cannot do ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("add subtitles", "intent_cannot_subtitles"),
        ("加字幕", "intent_cannot_subtitles"),
        ("remove the background", "intent_cannot_background"),
        ("去背景", "intent_cannot_background"),
        ("make it look better", "intent_cannot_enhance"),
        ("让画面变清晰", "intent_cannot_enhance"),
        ("add some music", "intent_cannot_music"),
        ("去水印", "intent_cannot_watermark"),
        ("asdf qwerty", "err_unclear"),
    ],
)
async def test_what_it_cannot_do_gets_its_own_answer(
    backend_factory: BackendFactory, clips: Clips, text: str, reason: str
) -> None:
    events, _, _ = await one(backend_factory, clips.main, text)
    failure = next(e for e in events if isinstance(e, Failure))
    assert isinstance(failure.error, UnclearRequest) and failure.error.reason == reason


# --- combinations --------------------------------------------------------------------------------


async def test_vertical_720p_no_audio(backend_factory: BackendFactory, clips: Clips) -> None:
    events, _, _ = await one(backend_factory, clips.main, "9:16 720p no audio")
    result = only_result(events)
    facts = streams(result.path)  # type: ignore[arg-type]
    assert facts["audio"] is None
    assert facts["width"] * 16 == pytest.approx(facts["height"] * 9, rel=0.02)  # type: ignore[operator]


async def test_speed_rotate_and_a_size_together(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, backend, session = await one(
        backend_factory, clips.main, "2x speed, rotate left, under 90KB"
    )
    result = only_result(events)
    assert not list(backend.workspace.dir(session).glob(".edit-*"))  # the intermediate is gone
    assert result.size <= 90_000
    facts = streams(result.path)  # type: ignore[arg-type]
    assert (facts["width"], facts["height"]) == (240, 320)
    assert facts["duration"] == pytest.approx(2.0, abs=0.2)
    assert "under 90.0 KB, 2× speed, pitch kept, rotated 270° clockwise" in said(events)


async def test_reversed_square_gif_in_chinese(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, _, _ = await one(backend_factory, clips.main, "倒放，正方形，导出为gif，100KB以内", ZH)
    result = only_result(events)
    assert result.path is not None and result.size <= 100_000
    facts = streams(result.path)
    assert facts["format"] == "gif" and facts["width"] == facts["height"]
    assert "倒放" in said(events) and "GIF" in said(events)


async def test_a_shape_it_already_has_is_said_and_nothing_is_redone(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    events, _, _ = await one(backend_factory, clips.main, "4:3")
    result = only_result(events)
    assert result.path is not None and result.path.read_bytes() == clips.main.read_bytes()
    assert "It is already 4:3." in said(events)


async def test_odd_sized_awkward_input_squares_and_turns(
    backend_factory: BackendFactory, clips: Clips
) -> None:
    # 321x241, 4:4:4 in Matroska: the crop rounds down, never past the picture
    events, _, _ = await one(backend_factory, clips.odd, "square, rotate 90")
    facts = streams(only_result(events).path)  # type: ignore[arg-type]
    assert (facts["width"], facts["height"]) == (240, 240) and facts["video"] == "h264"
