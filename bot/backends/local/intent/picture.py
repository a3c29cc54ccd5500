"""Resolution, frame rate, codec and container: "720p", "1280x720", "30fps", "hevc", "as webm"."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.backends.local.intent.request import Codec, Container, EncodeRequest
from bot.backends.local.intent.text import NUM, L, R, Text, affirmed, group, verbose

_DIMENSIONS = verbose(rf"{L}(?P<w>\d{{3,5}})\s*[x×*]\s*(?P<h>\d{{3,5}}){R}")
_HEIGHT_P = verbose(rf"{L}(?P<h>\d{{3,4}})\s?p(?P<fps>\d{{2,3}})?{R}")
_HEIGHT_WORDS = verbose(
    rf"""{L}(?P<w>8k|4k|uhd|2k|qhd|full\s*hd|fhd|hd){R}
      | (?:{L}(?:resolution|res|height|resize|rescale|downscale|scale|downsize)
            \s*(?:it\s+|this\s+|the\s+video\s+)?(?:(?:to|of|at|=|:)\s*)?
         |分辨率\s*(?:(?:改为|改成|降到|降为|调到|设为|为|到)\s*)?)
        (?P<h>\d{{3,4}})p?{R}
      | (?P<h2>\d{{3,4}})\s*(?:的)?分辨率
      | {L}(?P<h3>\d{{3,4}})(?:\s*(?:px|pixels))?\s+(?:tall|high){R}
      | (?:高度|高)\s*(?:(?:改为|改成|设为|为|到)\s*)?(?P<h4>\d{{3,4}})(?:px|像素)?{R}"""
)
_WIDTH = verbose(
    rf"""{L}width\s*(?:(?:to|of|at|=|:)\s*)?(?P<w>\d{{3,5}})(?:\s*(?:px|pixels))?{R}
      | {L}(?P<w2>\d{{3,5}})(?:\s*(?:px|pixels))?\s+wide{R}
      | (?:宽度|宽)\s*(?:(?:改为|改成|设为|为|到)\s*)?(?P<w3>\d{{3,5}})(?:px|像素)?{R}"""
)
_HEIGHT_NAMES = {
    "8k": 4320,
    "4k": 2160,
    "uhd": 2160,
    "2k": 1440,
    "qhd": 1440,
    "fullhd": 1080,
    "fhd": 1080,
    "hd": 720,
}
_FPS_U = r"(?:fps|f/s|frames?\s*(?:per|/)\s*s(?:ec(?:ond)?)?|帧每秒|帧/秒|帧)"
_FPS = verbose(
    rf"""{L}(?P<a>{NUM})\s*{_FPS_U}{R}
      | (?:{L}(?:fps|frame\s*rate|framerate)|帧率|帧速率|帧数)\s*
        (?:(?:to|of|at|=|:|为|到|改为|改成|设为|设置为|降到|降为|降低到|限制在|控制在|不超过|最多|最高)
        \s*)?(?P<b>{NUM}){R}"""
)
_CODEC = verbose(
    rf"""{L}(?:(?P<h264>[hx]\.?\s?264|avc)|(?P<h265>[hx]\.?\s?265|hevc)|(?P<av1>av1)
           |(?P<vp9>vp9)){R}"""
)
_CODEC_OF: dict[str, Codec] = {"h264": "h264", "h265": "h265", "av1": "av1", "vp9": "vp9"}
# A container named is a container wish, and picks the codec when none is named: "make it an
# mp4" is the engine's default, H.264 in MP4; "convert to webm" is VP9 in WebM.
_CONTAINER = verbose(rf"{L}(?:(?P<mp4>mp4|m4v)|(?P<webm>webm)|(?P<mkv>mkv|matroska)){R}")
_CONTAINER_OF: dict[str, Container] = {"mp4": "mp4", "webm": "webm", "mkv": "mkv"}
_FIRST_CODEC: dict[str, Codec] = {"mp4": "h264", "webm": "vp9", "mkv": "h264"}


def read_resolution(src: Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_DIMENSIONS):
        w, h = int(m.group("w")), int(m.group("h"))
        if 16 <= w <= 16384 and 16 <= h <= 16384:
            r = replace(r, width=w, height=h)
    heights: list[int] = []
    for m in src.take(_HEIGHT_P):
        heights.append(int(m.group("h")))
        if m.group("fps"):
            r = replace(r, max_fps=float(m.group("fps")))
    for m in src.take(_HEIGHT_WORDS):
        if m.group("w"):
            heights.append(_HEIGHT_NAMES[re.sub(r"\s", "", m.group("w"))])
        else:
            heights.append(int(group(m, "h", "h2", "h3", "h4")))
    heights = [h for h in heights if 100 <= h <= 4320]
    for m in src.take(_WIDTH):
        w = int(group(m, "w", "w2", "w3"))
        if 100 <= w <= 7680 and r.width is None:
            r = replace(r, width=w)
    # Several heights are a from-to ("4k to 1080p"): compressing goes down, never up.
    if heights and r.height is None:
        r = replace(r, height=min(heights))
    return r


def read_fps(src: Text, r: EncodeRequest) -> EncodeRequest:
    rates = [float(group(m, "a", "b")) for m in src.take(_FPS)]
    if r.max_fps is not None:
        rates.append(r.max_fps)  # from "1080p60"
    rates = [fps for fps in rates if 1 <= fps <= 240]
    # Several rates are a from-to ("60fps to 30fps"): a cap only ever lowers.
    return replace(r, max_fps=min(rates)) if rates else r


def read_codec(src: Text, r: EncodeRequest) -> EncodeRequest:
    # The last one named wins: "from h264 to hevc".
    for m in src.take(_CODEC):
        if affirmed(src, m):
            r = replace(r, codec=_CODEC_OF[m.lastgroup or ""])
    for m in src.take(_CONTAINER):
        if affirmed(src, m):
            r = replace(r, container=_CONTAINER_OF[m.lastgroup or ""])
    if r.container is not None and r.codec is None:
        r = replace(r, codec=_FIRST_CODEC[r.container])
    return r
