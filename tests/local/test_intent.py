"""Reading a compression request, in English and Chinese: one row per phrase, whole result compared.

Every row compares the complete `EncodeRequest`, so a phrase that is read as something extra
(a size that is also a resolution, a duration that is also a frame rate) fails.
"""

from __future__ import annotations

import contextlib

import pytest

from bot.backends.local.intent import EXAMPLES_KEY, READ_AT_MOST, EncodeRequest, describe, parse
from bot.errors import UnclearRequest
from bot.texts import CATALOG, t

MB = 10**6
MIB = 2**20
GB = 10**9
GIB = 2**30
R = EncodeRequest


def _rows(*tables: dict[str, EncodeRequest]) -> list[object]:
    rows = [(text, want) for table in tables for text, want in table.items()]
    texts = [text for text, _ in rows]
    assert len(set(texts)) == len(texts), "a phrase in two tables would hide one of its rows"
    return [pytest.param(text, want, id=text) for text, want in rows]


SIZES = {
    "under 50MB": R(target_bytes=50 * MB),
    "8 MB": R(target_bytes=8 * MB),
    "0.5GB": R(target_bytes=GB // 2),
    "25MiB": R(target_bytes=25 * MIB),
    "1GiB": R(target_bytes=GIB),
    "500 kB": R(target_bytes=500_000),
    "512KiB": R(target_bytes=512 * 1024),
    "2 gigs": R(target_bytes=2 * GB),
    "10 mb or less": R(target_bytes=10 * MB),
    "< 10MB": R(target_bytes=10 * MB),
    "1,5 GB": R(target_bytes=1_500_000_000),  # a decimal comma: one or two digits after it
    "1,500 MB": R(target_bytes=1_500_000_000),  # a thousands separator: three digits after it
    "my 500MB video to 50MB": R(target_bytes=50 * MB),
    "compress the video from 100MB to 20MB": R(target_bytes=20 * MB, wants_compress=True),
    "from 500m to 50m": R(target_bytes=50 * MB),
    "no bigger than 10MB, it's 200MB now": R(target_bytes=10 * MB),
    "it's 8MB now, get it under 20MB": R(target_bytes=20 * MB),  # the size named as a target
    "16:10 aspect ratio, under 10MB": R(target_bytes=10 * MB, aspect=(16, 10)),
    "小于20MB": R(target_bytes=20 * MB),
    "小于２０ＭＢ": R(target_bytes=20 * MB),
    "压缩到20MB以内": R(target_bytes=20 * MB, wants_compress=True),
    "把视频压缩到20MB以内": R(target_bytes=20 * MB, wants_compress=True),
    "20M以下": R(target_bytes=20 * MB),
    "不超过 25MB": R(target_bytes=25 * MB),
    "控制在50兆以内": R(target_bytes=50 * MB),
    "二十兆以内": R(target_bytes=20 * MB),
    "从100M压缩到10M": R(target_bytes=10 * MB, wants_compress=True),
    "压缩到1.5G": R(target_bytes=1_500_000_000, wants_compress=True),
}

TIMES = {
    "from 0:10 to 0:45": R(trim_start=10.0, trim_end=45.0),
    "cut from 00:01:30 to 00:02:00": R(trim_start=90.0, trim_end=120.0),
    "between 0:05 and 0:20": R(trim_start=5.0, trim_end=20.0),
    "0:05-0:20": R(trim_start=5.0, trim_end=20.0),
    "from 10 to 45s": R(trim_start=10.0, trim_end=45.0),
    "from 1m30s to 2m": R(trim_start=90.0, trim_end=120.0),
    "first 30 seconds": R(trim_start=0.0, trim_end=30.0),
    "only the first 1m30s": R(trim_start=0.0, trim_end=90.0),
    "first 90 seconds": R(trim_start=0.0, trim_end=90.0),
    "first 1.5 minutes": R(trim_start=0.0, trim_end=90.0),
    "first 1 min 30 sec": R(trim_start=0.0, trim_end=90.0),
    "last 10 seconds": R(trim_start=-10.0),
    "trim to 30s": R(trim_start=0.0, trim_end=30.0),
    "just the first minute": R(trim_start=0.0, trim_end=60.0),
    "only the last minute": R(trim_start=-60.0),
    "make it under 30 seconds long": R(trim_start=0.0, trim_end=30.0),
    "start at 0:30": R(trim_start=30.0),
    "from 0:10 onwards": R(trim_start=10.0),
    "until 1:00": R(trim_end=60.0),
    "skip the first 10 seconds": R(trim_start=10.0),
    "remove the last 5 seconds": R(trim_end=-5.0),
    "trim 10 seconds off the start": R(trim_start=10.0),
    "cut 5 seconds from the end": R(trim_end=-5.0),
    "without the first 10 seconds": R(trim_start=10.0),
    "from 15:00 to 16:10": R(trim_start=900.0, trim_end=970.0),
    "前30秒": R(trim_start=0.0, trim_end=30.0),
    "前三十秒": R(trim_start=0.0, trim_end=30.0),
    "截取前1分30秒": R(trim_start=0.0, trim_end=90.0),
    "从0:10到0:45": R(trim_start=10.0, trim_end=45.0),
    "从10秒到45秒": R(trim_start=10.0, trim_end=45.0),
    "从第10秒到第20秒": R(trim_start=10.0, trim_end=20.0),
    "从1分钟到2分钟": R(trim_start=60.0, trim_end=120.0),
    "最后10秒": R(trim_start=-10.0),
    "最后两分钟": R(trim_start=-120.0),
    "只要后30秒": R(trim_start=-30.0),
    "前一分三十秒": R(trim_start=0.0, trim_end=90.0),
    "时长控制在30秒以内": R(trim_start=0.0, trim_end=30.0),
    "从0:30开始": R(trim_start=30.0),
    "到1:00为止": R(trim_end=60.0),
    "去掉开头3秒": R(trim_start=3.0),
    "前10秒不要": R(trim_start=10.0),
    "最后5秒去掉": R(trim_end=-5.0),
    "0分10秒到0分45秒": R(trim_start=10.0, trim_end=45.0),
    "10-20秒": R(trim_start=10.0, trim_end=20.0),
    "1:30到2:00": R(trim_start=90.0, trim_end=120.0),
    "压缩视频，去掉最后5秒": R(trim_end=-5.0, wants_compress=True),
}

CHAT_FIT = {
    # A named place is its own limit (see destinations); "this chat" is the chat's.
    "for Discord": R(destination="discord"),
    "discord-ready": R(destination="discord"),
    "fit Telegram": R(destination="telegram"),
    "make it discord-friendly and 720p": R(destination="discord", height=720),
    "under the discord limit": R(destination="discord"),
    "send it to telegram": R(destination="telegram"),
    "compress to 8mb for discord": R(
        target_bytes=8 * MB, destination="discord", wants_compress=True
    ),
    "适合Discord": R(destination="discord"),
    "适合电报": R(destination="telegram"),
    "适合Telegram": R(destination="telegram"),
    "适合微信": R(fit_chat=True),
    "发到电报": R(destination="telegram"),
    "Can you compress this so I can send it on WhatsApp?": R(
        destination="whatsapp", wants_compress=True
    ),
    "fits this chat": R(fit_chat=True),
    "for discord nitro": R(destination="discord_nitro"),
    "discord nitro basic": R(destination="discord_nitro_basic"),
    "for a level 2 boosted server": R(destination="discord_boost_2"),
    "适合邮件发送": R(destination="email"),
    "it's too big to send": R(fit_chat=True),
    "压缩一下发微信": R(fit_chat=True, wants_compress=True),
    "太大了发不出去": R(fit_chat=True, wants_compress=True),
}

FRACTIONS = {
    "half the size": R(size_fraction=0.5),
    "50% smaller": R(size_fraction=0.5),
    "make it 30% smaller": R(size_fraction=0.7),
    "reduce the size by 40%": R(size_fraction=0.6),
    "70% of the original size": R(size_fraction=0.7),
    "compress to 30%": R(size_fraction=0.3, wants_compress=True),
    "compress 30%": R(size_fraction=0.7),
    "a quarter of the size": R(size_fraction=0.25),
    "half the bitrate": R(size_fraction=0.5),
    "3x smaller": R(size_fraction=0.3333),
    "make it 1/4 the size": R(size_fraction=0.25),
    "shrink it by a factor of 4": R(size_fraction=0.25, wants_compress=True),
    "缩小4倍": R(size_fraction=0.25),
    "原来的1/3": R(size_fraction=0.3333),
    "体积减半": R(size_fraction=0.5),
    "大小减半": R(size_fraction=0.5),
    "压缩一半": R(size_fraction=0.5),
    "压缩30%": R(size_fraction=0.7),
    "压缩到30%": R(size_fraction=0.3),
    "原大小的30%": R(size_fraction=0.3),
    "体积缩小30%": R(size_fraction=0.7),
}

RESOLUTIONS = {
    "2160p": R(height=2160),
    "4k": R(height=2160),
    "1440p": R(height=1440),
    "2k": R(height=1440),
    "1080p": R(height=1080),
    "full hd": R(height=1080),
    "Full HD": R(height=1080),
    "720p": R(height=720),
    "make it hd": R(height=720),
    "480p": R(height=480),
    "360p": R(height=360),
    "240p": R(height=240),
    "1280x720": R(width=1280, height=720),
    "1280×720": R(width=1280, height=720),
    "1920 * 1080": R(width=1920, height=1080),
    "1280x720,30fps": R(width=1280, height=720, max_fps=30.0),  # a list, not a decimal comma
    "4k to 1080p": R(height=1080),
    "change resolution to 360": R(height=360),
    "downscale it to 480": R(height=480),
    "width 1280": R(width=1280),
    "1280 pixels wide": R(width=1280),
    "720 pixels tall": R(height=720),
    "宽1280": R(width=1280),
    "高度720": R(height=720),
    "1080p60": R(height=1080, max_fps=60.0),
    "half": R(scale=0.5),
    "half resolution": R(scale=0.5),
    "scale to 50%": R(scale=0.5),
    "scale 0.25": R(scale=0.25),
    "分辨率720": R(height=720),
    "分辨率改为1080p": R(height=1080),
    "一半分辨率": R(scale=0.5),
    "分辨率减半": R(scale=0.5),
    "缩小一半": R(scale=0.5),
    "缩小到50%": R(scale=0.5),
}

CODECS = {
    "h264": R(codec="h264"),
    "H.264": R(codec="h264"),
    "avc": R(codec="h264"),
    "x264": R(codec="h264"),
    "h265": R(codec="h265"),
    "use HEVC": R(codec="h265"),
    "x265": R(codec="h265"),
    "av1 please": R(codec="av1"),
    "vp9": R(codec="vp9"),
    "convert to webm": R(codec="vp9", container="webm"),
    "make it an mp4": R(codec="h264", container="mp4"),
    "av1 in a webm": R(codec="av1", container="webm"),
    "as an mkv": R(codec="h264", container="mkv"),
    "convert from h264 to hevc": R(codec="h265"),
    "用H265编码": R(codec="h265"),
    "转成AV1": R(codec="av1"),
}

FRAME_RATES = {
    "30fps": R(max_fps=30.0),
    "cap at 24 fps": R(max_fps=24.0),
    "frame rate to 25": R(max_fps=25.0),
    "fps 29.97": R(max_fps=29.97),
    "帧率30": R(max_fps=30.0),
    "帧率降到24": R(max_fps=24.0),
    "15帧": R(max_fps=15.0),
    "from 60fps to 30fps": R(max_fps=30.0),
    "1080p60 at 30fps": R(height=1080, max_fps=30.0),
}

AUDIO = {
    "remove the audio": R(remove_audio=True),
    "mute": R(remove_audio=True),
    "no audio": R(remove_audio=True),
    "without sound": R(remove_audio=True),
    "remove all audio": R(remove_audio=True),
    "audio 64k": R(audio_bitrate=64_000),
    "audio bitrate 128 kbps": R(audio_bitrate=128_000),
    "96k audio": R(audio_bitrate=96_000),
    "去掉音频": R(remove_audio=True),
    "去除声音": R(remove_audio=True),
    "把声音去掉": R(remove_audio=True),
    "音频删掉": R(remove_audio=True),
    "take the audio out": R(remove_audio=True),
    "去掉全部声音": R(remove_audio=True),
    "静音": R(remove_audio=True),
    "音频 96kbps": R(audio_bitrate=96_000),
    "音频码率128k": R(audio_bitrate=128_000),
}

QUALITY_SCOPE_VERB = {
    "without losing quality": R(keep_quality=True),
    "visually lossless": R(keep_quality=True),
    "keep the quality": R(keep_quality=True),
    "compress it and keep it sharp": R(keep_quality=True, wants_compress=True),
    "不损失画质": R(keep_quality=True),
    "无损": R(keep_quality=True),
    "画质不变": R(keep_quality=True),
    "don't lose quality": R(keep_quality=True),
    "best possible quality": R(keep_quality=True),
    "compress all": R(apply_to_all=True, wants_compress=True),
    "compress every video": R(apply_to_all=True, wants_compress=True),
    "720p for all of them": R(height=720, apply_to_all=True),
    "全部压缩到20MB": R(target_bytes=20 * MB, apply_to_all=True, wants_compress=True),
    "每个视频都转成720p": R(height=720, apply_to_all=True),
    "两个视频都压缩到10M": R(target_bytes=10 * MB, apply_to_all=True, wants_compress=True),
    "所有视频都静音": R(remove_audio=True, apply_to_all=True),
    "compress it": R(wants_compress=True),
    "make it smaller": R(wants_compress=True),
    "shrink this please": R(wants_compress=True),
    "small enough to email": R(wants_compress=True, destination="email"),
    "压缩一下": R(wants_compress=True),
    "压缩后十分清晰": R(wants_compress=True),  # 后 is "after", 十分 is "very": no trim
    "画质十分重要，压缩到10M": R(target_bytes=10 * MB, keep_quality=True, wants_compress=True),
    "quality is important": R(keep_quality=True),
    "变小一点": R(wants_compress=True),
    "减少体积": R(wants_compress=True),
    "视频太大了": R(wants_compress=True),
}

NEGATED = {
    "don't remove the audio, 720p": R(height=720),
    "do not mute it, under 10MB": R(target_bytes=10 * MB),
    "don’t mute, 720p": R(height=720),
    "no need for high quality, just make it small": R(wants_compress=True),
    "I don't need it for discord, 20MB": R(target_bytes=20 * MB),
    "not h265, h264 please": R(codec="h264"),
    "mute it, I don't care about quality": R(remove_audio=True),
    "不要去掉声音，压缩到10M": R(target_bytes=10 * MB, wants_compress=True),
    "不需要声音": R(remove_audio=True),  # "no sound needed" is itself the wish
}

SENTENCES = {
    "compress this video to under 50MB without losing quality": R(
        target_bytes=50 * MB, keep_quality=True, wants_compress=True
    ),
    "make it 720p and remove the audio": R(height=720, remove_audio=True),
    "Please shrink this to 25 MB, 1080p, h.265, 30 fps, audio 128kbps": R(
        target_bytes=25 * MB,
        height=1080,
        codec="h265",
        max_fps=30.0,
        audio_bitrate=128_000,
        wants_compress=True,
    ),
    "cut from 1:00 to 2:30 and compress to 10MB": R(
        target_bytes=10 * MB, trim_start=60.0, trim_end=150.0, wants_compress=True
    ),
    "I have a 3 minute video, make it 10MB": R(target_bytes=10 * MB),
    "把视频压缩到20MB以内，不损失画质": R(
        target_bytes=20 * MB, keep_quality=True, wants_compress=True
    ),
    "用H265编码，压缩到30M，帧率30，去掉声音": R(
        target_bytes=30 * MB, codec="h265", max_fps=30.0, remove_audio=True, wants_compress=True
    ),
    "适合Discord，720p，前30秒": R(
        destination="discord", height=720, trim_start=0.0, trim_end=30.0
    ),
    # numbers in names and links are nobody's wish; an extension is
    "compress my_video_1080p.mp4 to 8mb": R(
        target_bytes=8 * MB, codec="h264", container="mp4", wants_compress=True
    ),
    "https://example.com/v_720p_50mb make it smaller": R(wants_compress=True),
    "<@123456789012345678> under 10MB": R(target_bytes=10 * MB),
    "save it as out.webm": R(codec="vp9", container="webm"),
}


@pytest.mark.parametrize(
    ("text", "want"),
    _rows(
        SIZES,
        TIMES,
        CHAT_FIT,
        FRACTIONS,
        RESOLUTIONS,
        CODECS,
        FRAME_RATES,
        AUDIO,
        QUALITY_SCOPE_VERB,
        NEGATED,
        SENTENCES,
    ),
)
def test_parse(text: str, want: EncodeRequest) -> None:
    assert parse(text) == want


UNCLEAR = [
    "hello",
    "add a title",
    "make it pretty",
    "thanks!",
    "what can you do?",
    "2024",
    "make a 2024 recap",
    "30 seconds",  # a bare duration says nothing to do with it
    "00:01:30",
    "1080i",
    "add a title for all",  # "all" says which videos, not what to do
    "all of them",
    "你好",
    "reduce volume by 50%",  # loudness, not size
    "音量降低50%",
    "keep the first half",  # halves of the timeline need the duration: not a resolution
    "second half",
    "cut it in half",
    "前半段",
    "然后30秒",  # "then 30 seconds": 后 here is not "the last"
    "镜头30秒",  # "a 30-second shot": 头 here is not "the first"
    "加个标题",
    "全部",
    "",
]


@pytest.mark.parametrize("text", UNCLEAR)
def test_unclear(text: str) -> None:
    with pytest.raises(UnclearRequest):
        parse(text)


@pytest.mark.parametrize(
    "text",
    ["from 0:45 to 0:10", "从45秒到10秒", "last 10 seconds until 0:45", "first 0 seconds"],
)
def test_a_trim_that_contradicts_itself_is_unclear(text: str) -> None:
    with pytest.raises(UnclearRequest):
        parse(text)


@pytest.mark.parametrize(
    ("text", "not_this"),
    [
        ("under 50MB", "height"),  # a size, not a resolution
        ("30 seconds long", "max_fps"),
        ("first 30 seconds", "max_fps"),
        ("compress to 20mb at 720p", "trim_end"),
        ("audio 96k", "target_bytes"),
        ("compress, first 1m30s", "target_bytes"),
        ("from 500m to 50m", "trim_start"),
        ("compress the first 2 h264 videos", "trim_end"),
    ],
)
def test_no_false_reading(text: str, not_this: str) -> None:
    assert getattr(parse(text), not_this) in (None, False)


DESCRIBED = [
    (
        "compress this video to under 50MB without losing quality",
        None,
        "Understood: under 50.0 MB, keep quality, H.264.",
        "明白：小于 50.0 MB，尽量保持画质，H.264。",
    ),
    (
        "for discord, 720p, first 30s, mute, all videos",
        50 * MB,  # the chat's limit is not Discord's: Discord's own 10 MiB is meant
        "Understood: fits Discord (10.5 MB), 720p, the first 0:30, no audio, H.264, every video.",
        "明白：适合 Discord（10.5 MB），720p，前 0:30，去掉声音，H.264，所有视频。",
    ),
    (
        "fit this chat",
        None,
        "Understood: fits this chat's upload limit, H.264.",
        "明白：符合本聊天的上传上限，H.264。",
    ),
    (
        "fit telegram",
        None,
        "Understood: fits Telegram (50.0 MB), H.264.",
        "明白：适合 Telegram（50.0 MB），H.264。",
    ),
    (
        "half the size, 1280x720, 24fps, av1, audio 64k",
        None,
        "Understood: 50% of the original size, 1280×720, at most 24 fps, audio 64 kbps, AV1.",
        "明白：原大小的 50%，1280×720，帧率不超过 24，音频 64 kbps，AV1。",
    ),
    (
        "compress it, half resolution, from 0:10 to 1:05, vp9",
        None,
        "Understood: a smaller file, 50% resolution, from 0:10 to 1:05, VP9 in WebM.",
        "明白：减小体积，分辨率 50%，从 0:10 到 1:05，WebM 格式的 VP9。",
    ),
    (
        "width 1280, mp4",
        None,
        "Understood: 1280 pixels wide, H.264.",
        "明白：宽 1280 像素，H.264。",
    ),
    (
        "last 10 seconds, h265",
        None,
        "Understood: the last 0:10, H.265.",
        "明白：最后 0:10，H.265。",
    ),
    (
        "start at 0:30",
        None,
        "Understood: from 0:30 to the end, H.264.",
        "明白：从 0:30 到结尾，H.264。",
    ),
    (
        "skip the first 10 seconds and drop the last 5 seconds",
        None,
        "Understood: from 0:10, without the last 0:05, H.264.",
        "明白：从 0:10 开始，去掉最后 0:05，H.264。",
    ),
    (
        "from 1.5s to 2:00, audio 64k, mute",
        None,
        "Understood: from 0:01.5 to 2:00, no audio, H.264.",
        "明白：从 0:01.5 到 2:00，去掉声音，H.264。",
    ),
    (
        "remove the last 5 seconds",
        None,
        "Understood: without the last 0:05, H.264.",
        "明白：去掉最后 0:05，H.264。",
    ),
]


@pytest.mark.parametrize(("text", "limit", "en", "zh"), DESCRIBED, ids=[d[0] for d in DESCRIBED])
def test_describe(text: str, limit: int | None, en: str, zh: str) -> None:
    request = parse(text)
    assert describe(request, "en", chat_limit=limit) == en
    assert describe(request, "zh", chat_limit=limit) == zh
    assert describe(request, "zh-CN", chat_limit=limit) == zh


def test_examples_are_a_list_whose_every_line_is_understood() -> None:
    """The core puts its own sentence before the list; each line must work when copied."""
    counts = set()
    for locale in ("en", "zh"):
        lines = t(EXAMPLES_KEY, locale).splitlines()
        assert all(line.startswith("• ") for line in lines), lines
        counts.add(len(lines))
        for line in lines:
            assert parse(line.removeprefix("• ")) != EncodeRequest(), line
    assert len(counts) == 1 and counts.pop() >= 4
    assert set(CATALOG[EXAMPLES_KEY]) == {"en", "zh"}


# Ten times Telegram's 4096-character limit and more: parsing is linear, so each takes tens of
# milliseconds; a pattern that rescans to the end from every position would take many seconds.
HOSTILE = [
    " " * 40_000 + "x",
    "1 m " * 10_000,
    "from 1 m to 2 m " * 2500,
    "前后从到" * 10_000,
    "a." * 20_000,
    "十" * 40_000 + "秒",
]


@pytest.mark.timeout(3)
@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_text_is_answered_not_hung(text: str) -> None:
    with contextlib.suppress(UnclearRequest):
        parse(text)


# ---------------------------------------------------------------- hostile text: what it means
# How long parsing takes is measured in benchmarks/hostile_texts.py, never asserted here.

LONGEST = 4096  # Telegram's longest message

# Each says nothing on its own, and each is built to make some pattern rescan, backtrack or
# overflow: runs of digits, Chinese numerals, units, cues, whitespace, unclosed mentions, ...
MEANINGLESS = {
    "digits": "1",
    "zeros": "0",
    "Chinese numerals": "十",
    "Chinese digits": "一二",
    "Chinese numerals and units": "十秒",
    "units": "mb ",
    "cues": "under ",
    "spaces": " ",
    "tabs": "\t",
    "newlines": "\n",
    "ideographic spaces": "\u3000",
    "digits and dots": "1.",
    "digits and commas": "1,",
    "digits and colons": "1:",
    "digits and dashes": "1-",
    "dashes": "-",
    "digits and spaces": "1 ",
    "emoji": "😀",
    "前后从到": "前后从到",
    "a file name with no end": "a.",
    "negations": "don't ",
    "unclosed mentions": "<@",
    "links": "www.",
    "clock times": "0:00 ",
    "times without a cue": "1m30s",
    "ranges without units": "1 to ",
    "percent without a verb": "1%",
}
REQUESTS = {
    "compress to under 8MB, 720p, no audio": R(
        target_bytes=8 * MB, height=720, remove_audio=True, wants_compress=True
    ),
    "把视频压缩到20MB以内，前30秒": R(
        target_bytes=20 * MB, trim_start=0.0, trim_end=30.0, wants_compress=True
    ),
    "from 0:10 to 0:45, h265": R(trim_start=10.0, trim_end=45.0, codec="h265"),
}


def _fill(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.mark.parametrize("unit", MEANINGLESS.values(), ids=MEANINGLESS.keys())
def test_a_message_of_hostile_text_alone_is_not_understood(unit: str) -> None:
    with pytest.raises(UnclearRequest) as raised:
        parse(_fill(unit, LONGEST))
    assert raised.value.reason == "err_unclear"


@pytest.mark.parametrize("unit", MEANINGLESS.values(), ids=MEANINGLESS.keys())
@pytest.mark.parametrize("request_text", REQUESTS)
def test_hostile_text_after_a_request_adds_nothing(request_text: str, unit: str) -> None:
    text = request_text + " " + _fill(unit, LONGEST - len(request_text) - 1)
    assert len(text) == LONGEST
    assert parse(text) == REQUESTS[request_text]


@pytest.mark.parametrize("unit", MEANINGLESS.values(), ids=MEANINGLESS.keys())
@pytest.mark.parametrize("request_text", REQUESTS)
def test_hostile_text_before_a_request_in_the_head_hides_nothing(
    request_text: str, unit: str
) -> None:
    assert parse(_fill(unit, 900) + " " + request_text) == REQUESTS[request_text]


def test_only_the_head_of_a_message_is_read() -> None:
    """A request is a sentence or two: what follows the first READ_AT_MOST characters is not
    read, so no message costs more than a caption."""
    assert READ_AT_MOST == 1024
    far = "under 8MB" + " " * 2000 + "720p, no audio"
    assert parse(far) == R(target_bytes=8 * MB)
    with pytest.raises(UnclearRequest):
        parse(" " * READ_AT_MOST + "under 8MB")
    # NFKC lengthens "ﷺ" to 18 characters: the bound holds after it, too.
    with pytest.raises(UnclearRequest):
        parse("ﷺ" * 100 + " under 8MB")


def test_the_cut_leaves_out_a_number_it_would_split() -> None:
    """Cut after "5m" of "5mib", the rest would read as 5 MB: the split number is left out."""
    text = "under 20MB"
    text += " " * (READ_AT_MOST - len(text) - len(" under 5m")) + " under 5mib"
    assert text.index("5mib") + 2 == READ_AT_MOST  # the cut falls after "5m"
    assert parse(text) == R(target_bytes=20 * MB)


HUGE = "9" * 400
TOO_LARGE = {
    f"under 1{HUGE}MB": "intent_size_too_big",
    f"压缩到{HUGE}.5GB": "intent_size_too_big",
    f"under {HUGE}kb": "intent_size_too_big",
    "under 2000000GB": "intent_size_too_big",  # two petabytes
    f"{HUGE}x smaller": "intent_size_too_big",
    f"by a factor of {HUGE}": "intent_size_too_big",
    f"1/{HUGE} of the size": "intent_size_too_big",
    f"last {HUGE} seconds": "intent_time_too_big",
    f"first {HUGE}s": "intent_time_too_big",
    f"cut from 1:00 to {HUGE}:00": "intent_time_too_big",
    f"from 1h to {HUGE}h": "intent_time_too_big",
    "前" + "九" * 400 + "秒": "intent_time_too_big",
    "前" + "九" * 1000 + "秒": "intent_time_too_big",
}


@pytest.mark.parametrize(("text", "reason"), TOO_LARGE.items(), ids=[t[:24] for t in TOO_LARGE])
def test_a_number_too_large_to_mean_anything_has_its_own_answer(text: str, reason: str) -> None:
    with pytest.raises(UnclearRequest) as raised:
        parse(text)
    assert raised.value.reason == reason
    assert t(reason, "en").startswith("🤔 I didn't understand that ")
    assert "数字太大" in t(reason, "zh")


def test_the_largest_numbers_still_meant_are_read() -> None:
    assert parse("under 999999GB") == R(target_bytes=999_999 * GB)
    assert parse("1000x smaller") == R(size_fraction=0.001)
    assert parse("the first 100 hours") == R(trim_start=0.0, trim_end=360_000.0)


NOT_POSITIVE = ["under -5MB", "under −5MB", "under －5MB", "-5MB", "压缩到-5MB", "to -0.5 GB"]
NOT_POSITIVE += ["under 0MB", "under 0.0001kb", "0 mb or less"]


@pytest.mark.parametrize("text", NOT_POSITIVE)
def test_a_size_of_zero_or_less_is_refused_not_read_as_positive(text: str) -> None:
    with pytest.raises(UnclearRequest) as raised:
        parse(text)
    assert raised.value.reason == "intent_size_not_positive"
    assert "more than zero" in t("intent_size_not_positive", "en")
    assert "大于零" in t("intent_size_not_positive", "zh")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("5-10MB", R(target_bytes=10 * MB)),  # a range
        ("5 - 10MB", R(target_bytes=10 * MB)),
        ("between 5 -10MB", R(target_bytes=10 * MB)),
        ("720p-8MB", R(target_bytes=8 * MB, height=720)),  # a list
        ("h265-8MB", R(target_bytes=8 * MB, codec="h265")),
    ],
)
def test_a_dash_between_words_is_no_minus(text: str, want: EncodeRequest) -> None:
    assert parse(text) == want


EDITS = {
    # output kinds
    "convert to gif": R(output="gif"),
    "导出为gif": R(output="gif"),
    "把前5秒做成动图": R(output="gif", trim_start=0.0, trim_end=5.0),
    "animated webp": R(output="webp"),
    "gif under 5MB from 0:02 to 0:06": R(
        output="gif", target_bytes=5 * MB, trim_start=2.0, trim_end=6.0
    ),
    "extract the audio as mp3": R(output="audio", audio_format="mp3"),
    "只要音频": R(output="audio"),
    "提取音频，m4a": R(output="audio", audio_format="m4a"),
    "as opus": R(output="audio", audio_format="opus"),
    "webm with opus audio": R(codec="vp9", container="webm"),  # the video's own track
    "extract audio 96k": R(output="audio", audio_bitrate=96_000),
    # speed
    "2x speed": R(speed=2.0),
    "x2 speed": R(speed=2.0),
    "slow motion 0.5x": R(speed=0.5),
    "slow it down 2x": R(speed=0.5),
    "play at half speed": R(speed=0.5),
    "加速2倍": R(speed=2.0),
    "加速两倍": R(speed=2.0),
    "慢放0.5倍": R(speed=0.5),
    "放慢2倍": R(speed=0.5),
    "1.5倍速": R(speed=1.5),
    # rotation and flips
    "rotate 90 degrees": R(rotate=90),
    "rotate left": R(rotate=270),
    "rotate 90 counterclockwise": R(rotate=270),
    "upside down": R(rotate=180),
    "旋转90度": R(rotate=90),
    "逆时针旋转90度": R(rotate=270),
    "mirror": R(hflip=True),
    "flip it upside down": R(vflip=True),
    "上下翻转": R(vflip=True),
    "水平翻转": R(hflip=True),
    # aspect
    "make it vertical 9:16 for tiktok": R(aspect=(9, 16)),
    "square": R(aspect=(1, 1)),
    "16:9": R(aspect=(16, 9)),
    "crop to 4:5": R(aspect=(4, 5), fit="crop"),
    "9:16 don't crop": R(aspect=(9, 16), fit="blur"),
    "9:16 with black bars": R(aspect=(9, 16), fit="bars"),
    "竖屏": R(aspect=(9, 16)),
    "正方形，裁剪": R(aspect=(1, 1), fit="crop"),
    "from 0:02 to 0:06": R(trim_start=2.0, trim_end=6.0),  # times, not shapes
    # reverse, smallest
    "reverse it": R(reverse=True),
    "倒放": R(reverse=True),
    "don't reverse it, 720p": R(height=720),
    "as small as possible but watchable": R(smallest=True),
    "尽量小": R(smallest=True),
    # places
    "for discord": R(destination="discord"),
    "for email": R(destination="email"),
    # combinations
    "9:16 720p no audio": R(aspect=(9, 16), height=720, remove_audio=True),
    "2x speed, rotate left, under 90KB": R(speed=2.0, rotate=270, target_bytes=90_000),
    "倒放，正方形，导出为gif，100KB以内": R(
        reverse=True, aspect=(1, 1), output="gif", target_bytes=100_000
    ),
}


@pytest.mark.parametrize(("text", "want"), _rows(EDITS))
def test_parse_edits(text: str, want: EncodeRequest) -> None:
    assert parse(text) == want


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("speed up 10x", "intent_speed_range"),
        ("rotate 45 degrees", "intent_rotate_right_angles"),
        ("add subtitles", "intent_cannot_subtitles"),
        ("加字幕", "intent_cannot_subtitles"),
        ("remove the background", "intent_cannot_background"),
        ("抠图", "intent_cannot_background"),
        ("make it look better", "intent_cannot_enhance"),
        ("画质增强", "intent_cannot_enhance"),
        ("add some music", "intent_cannot_music"),
        ("加背景音乐", "intent_cannot_music"),
        ("remove the watermark", "intent_cannot_watermark"),
        ("merge these videos", "intent_cannot_merge"),
        ("asdfgh", "err_unclear"),
    ],
)
def test_what_the_engine_cannot_do_has_its_reason(text: str, reason: str) -> None:
    with pytest.raises(UnclearRequest) as raised:
        parse(text)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("text", "output"),
    [
        ("keep the audio, under 100KB", "video"),
        ("720p and keep the sound", "video"),
        ("keep only the audio", "audio"),
        ("keep just the sound as mp3", "audio"),
    ],
)
def test_keeping_the_audio_is_not_audio_only(text: str, output: str) -> None:
    assert parse(text).output == output
