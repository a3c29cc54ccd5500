"""What kind of file comes out: a video, a GIF, an animated WebP or a sound file."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.backends.local.intent.audio import AUDIO, AUDIO_ZH, KBPS, bits_per_second
from bot.backends.local.intent.request import AudioFormat, EncodeRequest
from bot.backends.local.intent.text import NUM, L, R, Text, affirmed, verbose

_GIF = verbose(
    r"""(?<![a-z0-9])(?:animated\s+)?gif(?:s)?(?![a-z0-9])
      | 动图 | 表情包"""
)
_WEBP = verbose(r"""(?<![a-z0-9])(?:animated\s+)?webp(?![a-z0-9]) | 动态\s*webp""")
# mp3 and m4a are files of sound only; aac, opus and ogg are also a video's sound track, so they
# name an audio file only after "as", "to", "into" (or beside an audio-only wish).
_AUDIO_FORMAT = verbose(
    rf"""(?P<to>{L}(?:as|to|into|in)\s+(?:an?\s+)?|转成|转为|转换成|转换为|导出为?|保存为?|提取为)?
        (?:{L}(?P<mp3>mp3)|{L}(?P<m4a>m4a|aac)|{L}(?P<opus>opus|ogg))
        (?:\s*(?:at\s+)?(?P<k>{NUM})\s*{KBPS})?{R}"""
)
_BARE_KBPS = verbose(rf"{L}(?P<k>{NUM})\s*{KBPS}{R}")
_AUDIO_ONLY = verbose(
    rf"""{L}(?:extract|rip|pull|save|export|get|grab)\s+(?:out\s+)?(?:just\s+|only\s+)?
            (?:the\s+|its\s+)?{AUDIO}(?:\s+(?:track|only))?{R}
      | {L}keep\s+(?:just|only)\s+(?:the\s+|its\s+)?{AUDIO}{R}
      | {L}(?:just|only)\s+(?:the\s+|its\s+)?{AUDIO}{R}
      | {L}{AUDIO}\s+only{R} | {L}audio\s+(?:file|track)\s+(?:only|out){R}
      | {L}(?:no|without(?:\s+the)?|drop\s+the|remove\s+the)\s+(?:video|picture|image){R}
      | {L}(?:as|to|into)\s+(?:an?\s+)?(?:audio|sound)(?:\s+file)?{R}
      | (?:只要|只保留|只留|提取|导出|抽取|分离出?|转成|转为|转换成|转换为|保存为?|保存成)
        (?:出)?(?:的)?{AUDIO_ZH}
      | {AUDIO_ZH}\s*(?:提取|导出|单独)
      | 不要画面 | 去掉画面 | 只要声音"""
)


def read_output(src: Text, r: EncodeRequest) -> EncodeRequest:
    """A GIF, an animated WebP or a sound file (with its format and bit rate), else the video."""
    if any(affirmed(src, m) for m in src.take(_WEBP)):
        r = replace(r, output="webp")
    elif any(affirmed(src, m) for m in src.take(_GIF)):
        r = replace(r, output="gif")
    formats = src.take(_AUDIO_FORMAT)
    if any(affirmed(src, m) for m in src.take(_AUDIO_ONLY)):
        r = replace(r, output="audio")
    for m in formats:
        r = _with_audio_format(r, m)
    if r.output == "audio":
        for m in src.take(_BARE_KBPS):  # "extract the audio, 96k"
            if (bps := bits_per_second(float(m.group("k")))) is not None:
                r = replace(r, audio_bitrate=bps)
    return r


def _with_audio_format(r: EncodeRequest, m: re.Match[str]) -> EncodeRequest:
    """`r` making the sound file `m` names ("as mp3", "to m4a at 128k")."""
    fmt: AudioFormat = "mp3" if m.group("mp3") else "m4a" if m.group("m4a") else "opus"
    file_of_sound = m.group("to") is not None or fmt == "mp3" or m.group(0).endswith("m4a")
    if not (file_of_sound or r.output == "audio"):
        return r  # "webm with opus": the video's own sound track
    r = replace(r, audio_format=fmt, output="audio")
    if m.group("k") and (bps := bits_per_second(float(m.group("k")))) is not None:
        r = replace(r, audio_bitrate=bps)
    return r
