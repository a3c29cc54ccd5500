"""Edits of the picture and its time: speed, rotation, flips, shape, reversal."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.backends.local.intent.request import EncodeRequest, Fit
from bot.backends.local.intent.text import NUM, L, R, Text, affirmed, verbose
from bot.errors import UnclearRequest

_SPEED_WORD = r"(?:speed(?:\s+it)?(?:\s+up)?|play(?:\s+it)?(?:\s+back)?|playback|speed\s+to)"
_SPEED = verbose(
    rf"""{L}{_SPEED_WORD}\s*(?:to\s+|by\s+|at\s+)?(?:x\s*(?P<a>{NUM})|(?P<a2>{NUM})\s*(?:x|×|times)?)
            {R}(?:\s*(?:speed|faster))?
      | {L}at\s+(?P<a3>{NUM})\s*(?:x|×){R}(?:\s*speed)?
      | {L}(?:slow(?:\s+it)?\s+down|slow[\s-]*mo(?:tion)?)\s*(?:to\s+|by\s+|at\s+)?
            (?:x\s*)?(?P<b>{NUM})\s*(?:x|×|times)?{R}
      | {L}(?P<c>{NUM})\s*(?:x|×)\s*(?:speed|faster|playback|slow[\s-]*mo(?:tion)?){R}
      | {L}(?:x|×)\s*(?P<c2>{NUM})\s*(?:speed|faster|playback){R}
      | {L}(?P<d>{NUM})\s*times\s+(?P<dir>faster|slower|(?:the\s+)?speed){R}
      | {L}(?P<w>half|double|quarter|twice\s+the|triple)\s+speed{R}
      | {L}(?P<slowmo>slow[\s-]*mo(?:tion)?|slow\s+(?:it\s+)?down){R}
      | {L}(?P<fast>speed\s+(?:it\s+)?up|fast[\s-]*forward|time[\s-]?lapse){R}
      | (?:加速|快进|快放)\s*(?:到|为|成)?\s*(?P<e>{NUM})\s*倍(?:速)?
      | (?:慢放|慢速|放慢|减速|慢动作)\s*(?:到|为|成)?\s*(?P<f>{NUM})\s*倍(?:速)?
      | (?P<g>{NUM})\s*倍\s*(?:速(?:度)?|速播放|播放|加速|快放)
      | (?P<zhslow>慢动作|慢放|放慢|慢镜头) | (?P<zhfast>加速|快进|快放|倍速)"""
)
_ROTATE = verbose(
    rf"""{L}(?:rotate|turn|spin)(?:\s+(?:it|this|the\s+video))?\s*(?:by\s+)?
            (?P<dir1>counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise|left|right)?\s*
            (?P<deg>-?\d{{2,3}})\s*(?:°|degrees?|deg)?
            (?:\s*(?P<dir2>counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise|to\s+the\s+left
              |to\s+the\s+right|left|right|ccw|cw))?{R}
      | {L}(?:rotate|turn)(?:\s+(?:it|this|the\s+video))?\s+(?P<side>left|right
            |counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise){R}
      | {L}(?:rotate|turn)(?:\s+(?:it|this|the\s+video))?\s+(?:upside\s+down|around){R}
      | (?P<zhdir>顺时针|逆时针|向左|向右|往左|往右)?\s*(?:旋转|转)\s*(?P<zdeg>\d{{2,3}})\s*度
        (?P<zhdir2>顺时针|逆时针)?
      | (?P<zhside>向左|向右|往左|往右|顺时针|逆时针)\s*(?:旋转|转)(?!\s*\d)
      | 旋转\s*180 | 倒过来 | 上下颠倒"""
)
_FLIP = verbose(
    r"""(?<![a-z])(?:flip(?:\s+it)?\s+(?P<v>vertically|upside[\s-]down|top\s+to\s+bottom)
      |flip(?:\s+it)?(?:\s+(?:horizontally|left\s+to\s+right|sideways))?|mirror(?:ed)?(?:\s+it)?
      |mirror\s+image)(?![a-z])
      | (?P<zv>垂直翻转|上下翻转|上下镜像) | 水平翻转 | 左右翻转 | 镜像 | 翻转"""
)
_RATIOS = {(9, 16), (16, 9), (1, 1), (4, 5), (5, 4), (4, 3), (3, 4), (21, 9), (2, 3), (3, 2)}
_RATIOS |= {(16, 10), (10, 16), (2, 1), (1, 2)}
_RATIO = verbose(r"""(?<![\d:.])(?P<a>\d{1,2})\s*[:：/]\s*(?P<b>\d{1,2})(?![\d:])""")
_RATIO_NOT_TIME = re.compile(r"(?:from|to|until|till|at|between|从|到|至|-|~)\s*$")
# ...unless a word of shape comes first: "crop to 4:5", "make it 9:16", "比例改成4:3".
_RATIO_CUE = re.compile(
    r"(?:crop|cut|aspect|ratio|format|make\s+it|convert|change|reframe|resize|shape|turn\s+it"
    r"|裁|比例|画幅|改成|变成|做成)[^0-9]{0,12}$"
)
_UPSIDE_DOWN = verbose(rf"{L}upside[\s-]down{R}")
_SHAPE = verbose(
    r"""(?<![a-z])(?P<v>vertical|portrait|tiktok|tik\s+tok|reels?|(?:youtube\s+)?shorts)(?![a-z])
      | (?<![a-z])(?P<s>square)(?![a-z])
      | (?<![a-z])(?P<h>widescreen|landscape|horizontal)(?![a-z])
      | (?P<zv>竖屏|竖版|竖的|抖音|快手) | (?P<zs>正方形|方形|方的) | (?P<zh>横屏|横版|横的)"""
)
_FIT_MODE = verbose(
    r"""(?<![a-z])(?P<crop>crop(?:ped|ping)?|cut\s+off\s+the\s+sides|fill(?:\s+the\s+frame)?)(?![a-z])
      | (?<![a-z])(?P<blur>pad(?:ded|ding)?|blur(?:red)?(?:\s+(?:background|bars|edges|sides))?
        |(?:keep|show)\s+(?:the\s+)?(?:whole|entire|full)\s+(?:picture|frame|video)
        |don'?t\s+crop|no\s+crop(?:ping)?)(?![a-z])
      | (?<![a-z])(?P<bars>black\s+bars|letterbox(?:ed|ing)?|pillarbox(?:ed|ing)?)(?![a-z])
      | (?P<zcrop>裁剪|裁切|裁掉|剪裁) | (?P<zblur>模糊背景|模糊边|加边|留边|不裁剪|不要裁剪|不裁)
      | (?P<zbars>黑边)"""
)
_REVERSE = verbose(
    r"""(?<![a-z])(?:reverse(?:d)?(?:\s+it)?|backwards?|in\s+reverse|rewind\s+effect)(?![a-z])
      | 倒放 | 倒序 | 倒着放 | 倒着播 | 反向播放 | 倒播"""
)
_SMALLEST = verbose(
    r"""(?<![a-z])(?:as\s+small\s+as\s+(?:possible|you\s+can|it\s+gets)|smallest(?:\s+possible)?
      |as\s+tiny\s+as\s+possible|(?:minimum|minimal|min)\s+(?:file\s+)?size|tiny\s+but\s+watchable)
      (?![a-z])
      | 尽量小 | 尽可能小 | 越小越好 | 最小(?!化)"""
)


def _speed_of(m: re.Match[str]) -> float:
    named = {k: v for k, v in m.groupdict().items() if v is not None}
    if "w" in named:
        word = re.sub(r"\s+", " ", named["w"])
        return {"half": 0.5, "double": 2.0, "quarter": 0.25, "twice the": 2.0, "triple": 3.0}[word]
    if "slowmo" in named or "zhslow" in named:
        return 0.5
    if "fast" in named or "zhfast" in named:
        return 2.0
    for key in ("a", "a2", "a3", "b", "c", "c2", "e", "g"):
        if key in named:
            value = float(named[key])
            if key == "b" and m.group(0).lstrip().startswith("slow") and value > 1:
                return 1 / value  # "slow it down 2x"
            return value
    if "d" in named:
        value = float(named["d"])
        return 1 / value if named.get("dir") == "slower" and value > 0 else value
    value = float(named["f"])  # 慢放 0.5倍 / 放慢2倍
    return value if value < 1 else 1 / value


def read_edits(src: Text, r: EncodeRequest) -> EncodeRequest:
    """Speed, rotation, flips, shape and reversal: read (after the output kind) before times and
    sizes, so "9:16" is never nine minutes and "rotate 90" never a number of anything else."""
    for read in (_read_speed, _read_turns, _read_shape):
        r = read(src, r)
    if any(affirmed(src, m) for m in src.take(_REVERSE)):
        r = replace(r, reverse=True)
    if src.take(_SMALLEST):
        r = replace(r, smallest=True)
    return r


def _read_speed(src: Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_SPEED):
        if not affirmed(src, m):
            continue
        speed = _speed_of(m)
        if not 0.25 <= speed <= 4:
            raise UnclearRequest(f"speed {speed}", reason="intent_speed_range")
        r = replace(r, speed=None if speed == 1 else speed)
    return r


def _read_turns(src: Text, r: EncodeRequest) -> EncodeRequest:
    """Rotations and flips."""
    for m in src.take(_ROTATE):
        r = replace(r, rotate=_rotation_of(m))
    for m in src.take(_FLIP):
        if affirmed(src, m):
            vertical = bool(m.group("v") or m.group("zv"))
            r = replace(r, vflip=r.vflip or vertical, hflip=r.hflip or not vertical)
    if src.take(_UPSIDE_DOWN) and not r.rotate:  # a phone held the wrong way: half a turn
        r = replace(r, rotate=180)
    return r


def _read_shape(src: Text, r: EncodeRequest) -> EncodeRequest:
    """A new aspect ("9:16", "vertical", "square") and how to reach it (crop, blur, bars)."""

    def ratio(m: re.Match[str]) -> bool:
        a, b = int(m.group("a")), int(m.group("b"))
        if (a, b) not in _RATIOS:
            return False
        before = src.s[max(0, m.start() - 24) : m.start()]
        return _RATIO_CUE.search(before) is not None or not _RATIO_NOT_TIME.search(before)

    for m in src.take(_RATIO, ratio):
        r = replace(r, aspect=(int(m.group("a")), int(m.group("b"))))
    for m in src.take(_SHAPE):
        if r.aspect is None and affirmed(src, m):
            r = replace(r, aspect=_aspect_of(m))
    for m in src.take(_FIT_MODE):
        crop = m.group("crop") or m.group("zcrop")
        bars = m.group("bars") or m.group("zbars")
        fit: Fit = "bars" if bars else "crop" if crop and affirmed(src, m) else "blur"
        r = replace(r, fit=fit)
    if r.fit is not None and r.aspect is None:
        r = replace(r, fit=None)  # "crop" alone names no shape; trims read "cut" themselves
    return r


def _aspect_of(m: re.Match[str]) -> tuple[int, int]:
    """The aspect a word of shape names: vertical, square, else widescreen."""
    if m.group("v") or m.group("zv"):
        return (9, 16)
    if m.group("s") or m.group("zs"):
        return (1, 1)
    return (16, 9)


def _rotation_of(m: re.Match[str]) -> int:
    text = m.group(0)
    deg_text = m.group("deg") or m.group("zdeg")
    if deg_text is None:
        if (
            "180" in text
            or "upside" in text
            or "around" in text
            or "倒过来" in text
            or "颠倒" in text
        ):
            return 180
        side = (m.group("side") or m.group("zhside") or "").replace("-", "").replace(" ", "")
        return (
            270
            if side in ("left", "counterclockwise", "anticlockwise", "向左", "往左", "逆时针")
            else 90
        )
    degrees = int(deg_text)
    way = " ".join(filter(None, (m.group("dir1"), m.group("dir2"), m.group("zhdir"),
                                 m.group("zhdir2"))))  # fmt: skip
    if re.search(r"counter|anti|left|ccw|逆时针|向左|往左", way):
        degrees = -degrees
    degrees %= 360
    if degrees not in (90, 180, 270):
        raise UnclearRequest(f"rotation {degrees}", reason="intent_rotate_right_angles")
    return degrees
