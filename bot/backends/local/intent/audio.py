"""The sound track: its bit rate, or none at all."""

from __future__ import annotations

from dataclasses import replace

from bot.backends.local.intent.request import EncodeRequest
from bot.backends.local.intent.text import NUM, L, R, Text, affirmed, verbose

AUDIO = r"(?:audio|sound|soundtrack|sound\s+track)"
AUDIO_ZH = r"(?:音频|声音|音轨|原声|伴音)"
KBPS = r"(?:kbps|kb/s|kbit/s|kbits?|k)"
_AUDIO_BITRATE = verbose(
    rf"""{L}(?:{AUDIO}|{AUDIO_ZH})\s*(?:(?:bit\s*rate|bitrate|码率|比特率)\s*)?
        (?:(?:to|at|of|=|:|为|到|改为|设为|设置为|降到|降为)\s*)?(?P<a>{NUM})\s*{KBPS}{R}
      | {L}(?P<b>{NUM})\s*{KBPS}{R}\s*(?:{AUDIO}|{AUDIO_ZH})"""
)
_REMOVE_AUDIO = verbose(
    rf"""{L}(?:remove|strip|drop|delete|kill|cut|lose|get\s+rid\s+of|take\s+out|turn\s+off)
            \s+(?:the\s+|all\s+|its\s+|any\s+)?(?:\w+\s+)?{AUDIO}{R}
      | {L}(?:no|without|without\s+any|zero)\s+(?:the\s+)?{AUDIO}{R}
      | {L}{AUDIO}\s+off{R}
      | {L}(?:un)?mute[ds]?{R} | {L}silent(?:ly)?{R} | {L}silence\s+it{R}
      | {L}(?:take|strip|cut|pull)\s+(?:the\s+)?{AUDIO}\s+out{R}
      | (?:去掉|去除|删除|删掉|移除|取消|不要|关掉|关闭|去|消除|拿掉)
        (?:所有|全部)?(?:的)?{AUDIO_ZH}
      | {AUDIO_ZH}\s*(?:都|全|全部)?(?:去掉|删掉|去除|删除|拿掉|关掉|移除|不要了?)
      | 静音 | 无声 | 没有声音 | 不要声音 | 不需要声音"""
)


def read_audio(src: Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_AUDIO_BITRATE):
        if (bps := bits_per_second(float(m.group("a") or m.group("b")))) is not None:
            r = replace(r, audio_bitrate=bps)
    for m in src.take(_REMOVE_AUDIO):
        if affirmed(src, m) and not m.group(0).startswith("unmute"):
            r = replace(r, remove_audio=True, audio_bitrate=None)  # no audio has no bitrate
    return r


def bits_per_second(kbps: float) -> int | None:
    """`kbps` as bits per second, or None for a rate no sound track is encoded at."""
    return round(kbps * 1000) if 6 <= kbps <= 640 else None
