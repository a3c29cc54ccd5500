"""Sizes, size fractions and scales: "under 8MB", "half the size", "压缩30%", "half the
resolution"."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.backends.local.intent.request import EncodeRequest
from bot.backends.local.intent.text import NUM, L, R, Text, group, verbose
from bot.errors import UnclearRequest

_SIZE_UNITS = {
    "kib": 2**10,
    "kb": 10**3,
    "kilobytes": 10**3,
    "kilobyte": 10**3,
    "千字节": 10**3,
    "mib": 2**20,
    "mb": 10**6,
    "m": 10**6,
    "mbs": 10**6,
    "meg": 10**6,
    "megs": 10**6,
    "megabyte": 10**6,
    "megabytes": 10**6,
    "兆": 10**6,
    "兆字节": 10**6,
    "兆b": 10**6,
    "gib": 2**30,
    "gb": 10**9,
    "g": 10**9,
    "gbs": 10**9,
    "gig": 10**9,
    "gigs": 10**9,
    "gigabyte": 10**9,
    "gigabytes": 10**9,
}
_SIZE_UNIT = "|".join(sorted(map(re.escape, _SIZE_UNITS), key=len, reverse=True))
_SIZE = verbose(rf"{L}(?P<n>{NUM})\s*(?P<u>{_SIZE_UNIT}){R}")
_SIZE_CUE_BEFORE = re.compile(
    r"(?:under|below|less\s+than|smaller\s+than|at\s+most|max(?:imum)?|up\s+to|within|no\s+more"
    r"\s+than|(?:no|not)\s+(?:more|bigger|larger|greater|over)\s+than|to|into|around|about"
    r"|approx(?:imately)?|<=?|≤|小于|低于|不超过|不大于|不到|压缩到|压到|到|至|控制在|最多|最大|在|为"
    r"|成|大概|大约)\s*$"
)
_SIZE_CUE_AFTER = re.compile(
    r"^\s*(?:以内|之内|以下|内|左右|or\s+(?:less|smaller|under)|max|tops|limit)"
)

# ---------------------------------------------------------------- size fraction and scale

_SIZE_W = (
    r"(?:(?:file\s+|its\s+|the\s+|original\s+|video\s+)*(?:size|bitrate|bit\s+rate)|filesize"
    r"|(?:as\s+)?(?:big|large))"
)
_HALF_SIZE = verbose(
    rf"""{L}half\s+(?:of\s+)?{_SIZE_W}{R}
      | {L}halve\s+(?:the\s+|its\s+)?(?:file\s+)?size{R}
      | {L}size\s+in\s+half{R}
      | (?:大小|体积|文件|文件大小|容量)\s*(?:减半|一半|缩小一半|减小一半|减少一半|压缩一半)
      | 一半(?:的)?(?:大小|体积) | (?:压缩|减小|减少|压)(?:到)?一半"""
)
_WORD_FRACTIONS = {"third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1}
_FRACTION_WORD = verbose(
    rf"""{L}(?:(?:a|one)\s+)?(?P<w>third|quarter|fifth|tenth)\s+(?:of\s+)?{_SIZE_W}{R}
      | {L}(?P<n>\d+(?:\.\d+)?)\s*(?:x|times)\s+(?:smaller|lighter|less){R}
      | {L}(?:by\s+)?a\s+factor\s+of\s+(?P<n2>\d+(?:\.\d+)?){R}
      | (?:压缩|缩小|减小|小)了?\s*(?P<n3>\d+(?:\.\d+)?)\s*倍
      | {L}1\s*/\s*(?P<d>\d+)\s+(?:of\s+)?(?:the\s+|its\s+)?(?:original\s+)?(?:file\s+)?size{R}
      | (?:原来|原始|原)(?:大小|体积)?的\s*1\s*/\s*(?P<d2>\d+)"""
)


def _pct(name: str) -> str:
    return rf"(?P<{name}>{NUM})\s*%"


_FRACTION_OFF = verbose(
    rf"""{L}{_pct("p1")}\s*(?:smaller|less|lighter|off|reduction)
      | {L}(?:reduce|shrink|cut|compress|lower|decrease|trim)
        \s+(?:(?:the|its|it|this|file|video|clip|size|down)\s+){{0,3}}by\s+{_pct("p2")}
      | (?<!音量)(?<!声音)(?<!亮度)(?:压缩|减小|减少|缩减|体积缩小|大小缩小|体积减小|大小减小)
        \s*(?:了)?{_pct("p3")}"""
)
_FRACTION_KEEP = verbose(
    rf"""{L}{_pct("p4")}\s*of\s+(?:the\s+|its\s+)?(?:original\s+)?(?:file\s+)?size
      | (?:原(?:来|始)?(?:的)?(?:大小|体积)?的)\s*{_pct("p5")}
      | (?:大小|体积)\s*(?:压缩|减小|缩小)?(?:到|为|变为)\s*{_pct("p6")}"""
)
_SCALE = verbose(
    rf"""{L}(?:half|halve)\s+(?:the\s+)?(?:resolution|res|dimensions|width\s+and\s+height){R}
      | {L}(?:resolution|res|dimensions|scale|downscale|scale\s+down|size\s+down)
              \s+(?:by\s+|to\s+|in\s+)?(?:half|(?P<pa>{NUM})\s*%|(?P<f>0?\.\d+)){R}
      | {L}(?P<pb>{NUM})\s*%\s*(?:resolution|res|scale|size\s+resolution){R}
      | 一半(?:的)?分辨率 | 分辨率\s*(?:减半|一半|降低一半|缩小一半|降一半)
      | 分辨率\s*(?:(?:降低|缩小|缩放|降)(?:到|为)?\s*|(?:到|为)\s*)?(?P<pc>{NUM})\s*%
      | (?<!压)(?:缩小|缩放|缩)(?:到)?\s*(?P<pd>{NUM})\s*% | 缩小一半 | 尺寸减半 | 长宽减半"""
)
_BARE_HALF = verbose(rf"{L}(?:half|halve|by\s+half){R}")
# Halves of the timeline, which need the duration we do not have here: not understood.
_TIME_HALF = verbose(
    rf"""{L}(?:the\s+)?(?:first|second|last|latter|other)\s+half{R}
      | {L}(?:cut|split|chop|divide)\s+(?:it\s+|this\s+|the\s+video\s+)?in(?:to)?\s+(?:two\s+)?half
        (?:ves)?{R}
      | [前后]半(?:段|部分)?"""
)
_FRACTION_TO = verbose(
    rf"""{L}(?:to|down\s+to)\s+{_pct("p7")}
      | (?:压缩到|压到|变为|变成|缩小到|降到|到)\s*{_pct("p8")}"""
)
_FRACTION_BARE = verbose(rf"{L}(?:compress|shrink|reduce)\s+(?:it\s+)?{_pct('p9')}")


def read_sizes(src: Text, r: EncodeRequest) -> EncodeRequest:
    sizes: list[tuple[bool, int]] = []
    s = src.s
    for m in src.take(_SIZE):
        n = _size(float(m.group("n")) * _SIZE_UNITS[m.group("u")], negative=_minus(s, m.start()))
        cued = bool(_SIZE_CUE_BEFORE.search(s[max(0, m.start() - 24) : m.start()]))
        cued = cued or bool(_SIZE_CUE_AFTER.match(s[m.end() : m.end() + 24]))
        sizes.append((cued, n))
    if not sizes:
        return r
    cued_sizes = [n for cued, n in sizes if cued]
    return replace(r, target_bytes=min(cued_sizes or [n for _, n in sizes]))


_LARGEST_SIZE = 10**15  # a petabyte: a bigger "size" is a slip of the keyboard, not a file


def _size(n: float, *, negative: bool) -> int:
    """Bytes, or UnclearRequest with its own answer for a size nobody can mean."""
    if not n <= _LARGEST_SIZE:  # a 400-digit number is inf here
        raise UnclearRequest("a size too large to be one", reason="intent_size_too_big")
    if negative or round(n) <= 0:
        raise UnclearRequest("a size of zero or less", reason="intent_size_not_positive")
    return round(n)


def _minus(s: str, at: int) -> bool:
    """Whether the number at `at` carries a minus: "under -5MB", but not "5-10MB", "5 -10MB"
    (ranges) or "720p-8MB" (a list)."""
    if at == 0 or s[at - 1] != "-":
        return False
    touching = s[at - 2] if at >= 2 else " "
    if touching.isascii() and (touching.isalnum() or touching in ".-~"):
        return False
    previous = s[max(0, at - 18) : at - 1].rstrip()[-1:]
    return not previous.isdigit()


def _percent(m: re.Match[str]) -> float | None:
    """The percentage in `m` (any group named p...) as a fraction, if it is one."""
    for name, value in m.groupdict().items():
        if name.startswith("p") and value:
            pct = float(value)
            return pct / 100 if 0 < pct < 100 else None
    return None


def read_fraction_and_scale(src: Text, r: EncodeRequest) -> EncodeRequest:
    """A share of the file's size ("half the size", "30% smaller") or of its width and height."""
    if src.take(_HALF_SIZE):
        r = replace(r, size_fraction=0.5)
    for m in src.take(_FRACTION_WORD):
        if (fraction := _fraction_in_words(m)) is not None:
            r = replace(r, size_fraction=fraction)
    r = _read_percent(src, r, _FRACTION_OFF, off=True)
    r = _read_percent(src, r, _FRACTION_KEEP, off=False)
    for m in src.take(_SCALE):
        if (scale := _scale_of(m)) is not None:
            r = replace(r, scale=scale)
    r = _read_percent(src, r, _FRACTION_TO, off=False)
    r = _read_percent(src, r, _FRACTION_BARE, off=True)
    src.take(_TIME_HALF)
    if r.scale is None and src.take(_BARE_HALF):
        r = replace(r, scale=0.5)
    return r


def _fraction_in_words(m: re.Match[str]) -> float | None:
    """ "a third of the size" is 1/3, "5x smaller" 1/5; "1x smaller" is no fraction."""
    if m.group("w"):
        return round(_WORD_FRACTIONS[m.group("w")], 4)
    times = float(group(m, "n", "n2", "n3", "d", "d2"))
    if times <= 1:
        return None
    if round(1 / times, 4) == 0:  # "10^400 times smaller": no size at all
        raise UnclearRequest("a fraction too small to be one", reason="intent_size_too_big")
    return round(1 / times, 4)


def _read_percent(
    src: Text, r: EncodeRequest, pattern: re.Pattern[str], *, off: bool
) -> EncodeRequest:
    """A size by a percentage: taken `off` the size ("30% smaller" keeps 70%), else kept."""
    for m in src.take(pattern):
        if (pct := _percent(m)) is not None:
            r = replace(r, size_fraction=round(1 - pct, 4) if off else pct)
    return r


def _scale_of(m: re.Match[str]) -> float | None:
    """The scale a match names: a fraction ("scale 0.5"), a percentage, else half."""
    if fraction := m.group("f"):
        return float(fraction) if 0 < float(fraction) < 1 else None
    if any(v for k, v in m.groupdict().items() if k.startswith("p")):
        return _percent(m)
    return 0.5
