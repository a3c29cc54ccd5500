"""Times and trims: "the first 30 seconds", "from 1:05 to 2:10", "去掉最后5秒"."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.backends.local.intent.request import EncodeRequest
from bot.backends.local.intent.text import NUM, L, R, Text, group, verbose
from bot.errors import UnclearRequest

_END = r"(?![a-z])"  # a unit may touch the next number ("1m30s", "1分30秒"), never a letter
_SEC_U = rf"(?:(?:seconds?|secs?|s){_END}|秒钟?)"
_MIN_U = rf"(?:(?:minutes?|mins?){_END}|分钟|分(?!辨))"
_HOUR_U = rf"(?:(?:hours?|hrs?|h(?!\d{{3}})){_END}|小时)"  # "2 h264 videos" is no time
_SECS = rf"{NUM}\s*{_SEC_U}"
_MINS = rf"{NUM}\s*(?:{_MIN_U}(?:\s*{_SECS})?|m\s*{_SECS})"
_HOURS = rf"{NUM}\s*{_HOUR_U}(?:\s*{NUM}\s*(?:{_MIN_U}|m{_END}))?(?:\s*{_SECS})?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
_TIME = rf"{L}(?:{_CLOCK}|{_HOURS}|{_MINS}|{_SECS})"
_TIME_OR_BARE = rf"(?:{_TIME}|{L}{NUM}(?:\s*m)?{R})"  # "m" is minutes only beside a sure time

_PART = re.compile(rf"({NUM})\s*({_HOUR_U}|{_MIN_U}|m|{_SEC_U})?")
_UNIT_SECONDS = [(_HOUR_U, 3600.0), (_MIN_U, 60.0), (r"m", 60.0), (_SEC_U, 1.0)]


_LONGEST_TIME = 10**7  # seconds, almost four months: a longer time is a slip of the keyboard


def time_of(token: str, default_unit: float = 1.0) -> tuple[float, float]:
    """Seconds in `token`, and its last part's unit (lent to a bare number in a range)."""
    token = token.strip()
    if ":" in token:
        total = 0.0
        for part in token.split(":"):
            total = total * 60 + float(part)
        return _bounded(total), 1.0
    total, unit = 0.0, default_unit
    for m in _PART.finditer(token):
        unit = default_unit
        if m.group(2):
            unit = next(v for p, v in _UNIT_SECONDS if re.fullmatch(p, m.group(2)))
        total += float(m.group(1)) * unit
    return _bounded(total), unit


def _bounded(seconds: float) -> float:
    if not seconds <= _LONGEST_TIME:  # a 400-digit number is inf here
        raise UnclearRequest("a time too long to be one", reason="intent_time_too_big")
    return seconds


def _has_unit(token: str) -> bool:
    """Whether `token` is surely a time: not a bare number, and not "2m" (which may be 2 MB)."""
    return re.fullmatch(rf"\s*{NUM}(?:\s*m)?\s*", token) is None


_FIRST_W = r"(?:the\s+)?(?:first|opening|beginning|initial)"
_LAST_W = r"(?:the\s+)?(?:last|final|ending|closing)"
_DROP_W = (
    r"(?:skip|remove|drop|delete|cut\s+off|cut\s+out|trim\s+off|chop\s+off|lose|get\s+rid\s+of"
    r"|without"
    r"|去掉|删掉|删除|去除|跳过|剪掉|裁掉|切掉|不要)"
)
_ASPECT = verbose(
    r"""(?:crop|aspect|ratio|比例|画幅|裁剪|裁成|裁切)\s*(?:(?:ratio|to|into|为|成|到)\s*)?\d{1,2}:\d{1,2}
      | \d{1,2}:\d{1,2}\s*(?:aspect|ratio|format|比例|画幅|竖屏|横屏)"""
)
_FIRST_OR_LAST_BEFORE = re.compile(r"(?:first|last|final|前|最后|后)\s*$")
_DROP_AFTER = r"(?:不要|去掉|删掉|删除|剪掉|切掉|裁掉|去除)"
_TRIM_VERB = r"(?:trim|cut|remove|drop|chop|take|shave)(?:\s+off)?"
_DROP_FIRST = verbose(
    rf"""{_DROP_W}\s*(?:{_FIRST_W}|前面?|开头的?|片头的?)\s*(?P<t>{_TIME})
      | (?:前面?|开头的?|片头的?)\s*(?P<t2>{_TIME})\s*(?:的)?{_DROP_AFTER}
      | {L}{_TRIM_VERB}\s+(?:the\s+)?(?P<t3>{_TIME})\s+(?:off\s+|from\s+)(?:of\s+)?(?:the\s+)?
        (?:start|beginning|front|head){R}"""
)
_DROP_LAST = verbose(
    rf"""{_DROP_W}\s*(?:{_LAST_W}|最后|后面?|结尾的?|末尾的?|片尾的?)\s*(?P<t>{_TIME})
      | (?:最后|结尾的?|末尾的?|片尾的?)\s*(?P<t2>{_TIME})\s*(?:的)?{_DROP_AFTER}
      | {L}{_TRIM_VERB}\s+(?:the\s+)?(?P<t3>{_TIME})\s+(?:off\s+|from\s+)(?:of\s+)?(?:the\s+)?
        (?:end|ending|tail){R}"""
)
_RANGE = verbose(
    rf"""(?:(?:from|between|从|由|第)\s*)?(?P<a>{_TIME_OR_BARE})\s*(?:秒处\s*)?
         (?:to|until|till|through|and|-|~|到|至|和)\s*(?:第\s*)?(?P<b>{_TIME_OR_BARE})"""
)
_FIRST = verbose(
    rf"""(?:{_FIRST_W}|(?:截取|保留|只要|只留|只保留)?(?:前|开头|(?<!镜)头|片头))\s*(?P<t>{_TIME})"""
)
# A bare 后 only starts a phrase: in "压缩后" it means "after".
_LAST = verbose(
    rf"""(?:{_LAST_W}|(?:截取|保留|只要|只留|只保留)?(?:最后|结尾|末尾)
         |(?:截取|保留|只要|只留|只保留)后|(?<![\u4e00-\u9fff])后)\s*(?P<t>{_TIME})"""
)
_SHORTEN = verbose(
    rf"""(?:{L}(?:trim|cut|shorten|clip|make|keep|limit|reduce|get|bring)
              (?:\s+(?:it|this|the\s+video|the\s+clip|down))*\s+(?:to|at)
         | {L}(?:make\s+it|keep)(?:\s+(?:only|just))?
         | {L}(?:under|below|less\s+than|shorter\s+than|at\s+most|max(?:imum)?|within
              |no\s+longer\s+than|no\s+more\s+than|up\s+to)
         | 剪到|剪成|截到|截成|裁剪到|裁剪成|剪辑到|剪辑成|缩短到|缩短为|截取|只要|只保留|保留
         | (?:时长|长度|时间)(?:\s*(?:控制在|不超过|小于|为|到|改为|缩短到|限制在|限制为))?
         | 不超过|不到|小于|低于|控制在|限制在
        )\s*(?P<t>{_TIME})
      | (?P<u>{_TIME})\s*(?:以内|之内|以下|内|or\s+less|max|long)"""
)
_START_AT = verbose(
    rf"""(?:{L}(?:from|start(?:ing)?\s+(?:at|from)|begin(?:ning)?\s+(?:at|from)|after)
         |从)\s*(?:第\s*)?(?P<t>{_TIME})(?:\s*秒处)?(?:\s*(?:开始|起))?
      | (?P<t2>{_TIME})\s*(?:onwards?|and\s+on|to\s+the\s+end|till\s+the\s+end|到结尾|到最后
          |之后|以后|开始)"""
)
_END_AT = verbose(
    rf"""(?:{L}(?:until|till|stop(?:ping)?\s+at|end(?:ing)?\s+at|up\s+to|to)|截止到|到)
         \s*(?:第\s*)?(?P<t>{_TIME})(?:\s*(?:为止|结束|截止))?"""
)


def read_times(src: Text, r: EncodeRequest) -> EncodeRequest:
    src.take(_ASPECT)  # "crop to 16:10" is a shape, not a time; the engine does not crop
    for read in (_read_drops, _read_range, _read_ends):
        r = read(src, r)
    return r


def _read_drops(src: Text, r: EncodeRequest) -> EncodeRequest:
    """What to cut away: "drop the first 5 seconds", "去掉最后3秒"."""
    for m in src.take(_DROP_FIRST):
        r = replace(r, trim_start=time_of(group(m, "t", "t2", "t3"))[0])
    for m in src.take(_DROP_LAST):
        r = replace(r, trim_end=-time_of(group(m, "t", "t2", "t3"))[0])
    return r


def _read_range(src: Text, r: EncodeRequest) -> EncodeRequest:
    """What to keep, from-to: "from 0:10 to 0:45", "10 to 45s"."""

    def real_range(m: re.Match[str]) -> bool:
        # "last 10 seconds until 0:45" is not a range from 10 s; "500m to 50m" are sizes
        if _FIRST_OR_LAST_BEFORE.search(src.s, max(0, m.start() - 16), m.start()):
            return False
        return _has_unit(m.group("a")) or _has_unit(m.group("b"))

    for m in src.take(_RANGE, real_range):
        a, b = m.group("a"), m.group("b")
        b_seconds, b_unit = time_of(b)
        a_seconds, a_unit = time_of(a, b_unit)
        if not _has_unit(b):
            b_seconds = time_of(b, a_unit)[0]
        r = replace(r, trim_start=a_seconds, trim_end=b_seconds)
    return r


def _read_ends(src: Text, r: EncodeRequest) -> EncodeRequest:
    """What to keep, by one end: "the first 30 seconds", "under 1 minute", "from 1:05 on"."""
    for m in src.take(_FIRST):
        r = replace(r, trim_start=r.trim_start or 0.0, trim_end=time_of(m.group("t"))[0])
    for m in src.take(_LAST):
        r = replace(r, trim_start=-time_of(m.group("t"))[0])
    for m in src.take(_SHORTEN):
        end = time_of(m.group("t") or m.group("u"))[0]
        r = replace(r, trim_start=r.trim_start or 0.0, trim_end=end)
    for m in src.take(_START_AT):
        r = replace(r, trim_start=time_of(m.group("t") or m.group("t2"))[0])
    for m in src.take(_END_AT):
        r = replace(r, trim_end=time_of(m.group("t"))[0])
    return r


def check_trim(r: EncodeRequest) -> None:
    start, end = r.trim_start, r.trim_end
    if start is not None and start < 0 and end is not None:
        raise UnclearRequest("a trim that counts from the end cannot also have an end")
    if start is not None and end is not None and 0 <= end <= start:
        raise UnclearRequest(f"a trim that ends ({end}s) before it starts ({start}s)")
    if end is not None and end == 0:
        raise UnclearRequest("a trim of zero length")
