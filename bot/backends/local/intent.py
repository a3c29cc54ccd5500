"""What a person asked the local engine to do, read from their words (English and Chinese).

`parse("compress this to under 50MB without losing quality")` gives an `EncodeRequest`; the engine
plans an encode from it and `describe` says back what was understood. No model, no network: a
fixed set of patterns run over a normalized copy of the text, each claiming the words it reads so
that no later pattern reads them again ("1280x720" is never also "720p"; "1m30s" is never "1 MB").

Decisions where people are ambiguous:
- Units: MB/M/兆 = 10^6 bytes, MiB = 2^20, GB/G = 10^9, GiB = 2^30, KB = 10^3, KiB = 2^10; "Mb"
  is read as MB (nobody asks for megabits). A comma between digits is a thousands separator when
  three digits follow ("1,500 MB" = 1500 MB) and a decimal point when one or two digits and a size
  unit follow ("1,5 GB" = 1.5 GB); anything else is a list ("1280x720,30fps").
- Several sizes: the smallest one named with a target word ("to", "under", "以内") wins, else the
  smallest: "my 500MB video to 50MB" means 50 MB. Several heights or frame rates are a from-to
  ("4k to 1080p"): the lowest wins. Several codecs: the last named ("from h264 to hevc").
- Times: a number without a unit is seconds, or the other end's unit in a range ("10 to 45s").
  Negative times count back from the end: "last 10 seconds" -> trim_start -10; "drop the last 5
  seconds" -> trim_end -5. "The first half" needs the duration, so it is not understood.
- "half" alone and "缩小一半" halve the resolution; "half the size" / "体积减半" halve the file.
  "compress 30%" / "压缩30%" take 30% off (0.7 of the size); "to 30%" / "压缩到30%" keep 30%.
- "for Discord", "fit Telegram", "适合微信", "too big to send": the chat's upload limit (the only
  limit we know).
- A wish said the other way ("don't remove the audio", "不要去掉声音") is not that wish.
- Links, mentions and file names say nothing, except a file's extension ("out.webm" is VP9).
- "all" / "全部" alone is not a request: it says which videos, not what to do with them.
- Only the first 1024 characters are read (what a Telegram caption holds; a request is a sentence
  or two), and a word or number the cut would split is left out whole. So a long or hostile
  message costs no more than a caption: every pattern below is linear in what it reads.
- A size must be above zero ("under -5MB", "0MB" are refused, not read as 5 MB or ignored) and at
  most a petabyte; a time at most 10^7 seconds; a larger number (a 400-digit one) is refused
  with its own answer, never an overflow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from bot.errors import UnclearRequest
from bot.texts import human_duration, human_size, t

__all__ = ["EXAMPLES_KEY", "READ_AT_MOST", "Codec", "EncodeRequest", "describe", "parse"]

EXAMPLES_KEY = "intent_examples"

Codec = Literal["h264", "h265", "av1", "vp9"]


@dataclass(frozen=True, slots=True)
class EncodeRequest:
    """One understood request. None / False means "not asked": the engine picks."""

    target_bytes: int | None = None  # an absolute size target in bytes
    fit_chat: bool = False  # fit the chat's upload limit
    size_fraction: float | None = None  # 0.5 = half the source's size
    height: int | None = None
    width: int | None = None
    scale: float | None = None  # 0.5 = half the source's width and height
    codec: Codec | None = None  # None = engine default (H.264)
    max_fps: float | None = None
    remove_audio: bool = False
    audio_bitrate: int | None = None  # bits per second
    trim_start: float | None = None  # seconds; negative counts back from the end
    trim_end: float | None = None  # seconds; negative counts back from the end
    keep_quality: bool = False
    apply_to_all: bool = False
    wants_compress: bool = False


# Boundaries that work next to Chinese: `\b` does not, since 汉字 are word characters.
_L = r"(?<![a-z0-9.])"
_R = r"(?![a-z0-9])"
_NUM = r"\d+(?:\.\d+)?"

_PUNCT = str.maketrans(
    {"。": " ", "、": ",", "～": "~", "〜": "~", "—": "-", "–": "-", "−": "-", "’": "'", "‘": "'"}
)

READ_AT_MOST = 1024
# What a word or number is made of, for the cut: "1.5gb" is not cut into "1." and "5gb".
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.,:%零〇一二两三四五六七八九十百千")


def _head(text: str) -> str:
    """The first READ_AT_MOST characters, without the start of a word or number the cut splits
    (up to 32 characters of it: a longer run is no word anyone typed)."""
    if len(text) <= READ_AT_MOST:
        return text
    cut = READ_AT_MOST
    for _ in range(32):
        if text[cut].lower() not in _WORD_CHARS or text[cut - 1].lower() not in _WORD_CHARS:
            break
        cut -= 1
    return text[:cut]


# Links and mentions carry numbers nobody said ("<@1234>"), and so do file names: of
# "clip_1080p_50mb.webm" only the extension is a wish.
# Each starts only where a link, mention or name can start (no "<" inside a mention, a name from its
# first character), so a run of "<@<@<@" or "a.a.a." is scanned once, not once from every position.
_NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|<[@#!&:][^<>\s]*>")
_FILE_NAME = re.compile(
    r"(?<![a-z0-9_.\-])[a-z0-9_.\-]*\.(mp4|mov|mkv|webm|avi|m4v|flv|wmv|3gp)(?![a-z0-9])"
)
# Only before a size unit: "1280x720,30fps" is a list, "1,5 GB" a decimal.
_DECIMAL_COMMA = re.compile(r"(\d),(\d{1,2})(?=\s*(?:[kmg]i?b|[mg](?![a-z])|兆))")


_ONE_UNIT = re.compile(r"(?<![a-z])(first|last|final)\s+(minute|hour)(?![a-z])")  # "first minute"


def _normalize(text: str) -> str:
    """Lower case, ASCII digits and punctuation, decimal commas as points, no links or names."""
    # NFKC lengthens a few characters ("ﷺ" becomes 18): the same bound after it.
    s = _head(unicodedata.normalize("NFKC", _head(text))).lower().translate(_PUNCT)
    s = _FILE_NAME.sub(r" \1", _NOT_WORDS.sub(" ", s))
    s = re.sub(r"(\d),(\d{3})(?!\d)", r"\1\2", s)
    s = _DECIMAL_COMMA.sub(r"\1.\2", s)
    s = _ONE_UNIT.sub(r"\1 1 \2", s)
    # At most READ_AT_MOST numerals, so far below the 4300 digits str() of an int refuses.
    return _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(0))), s)


# Chinese numerals before a unit: "前三十秒", "二十兆", "两分钟"; "帧率二十四" is left alone, and so
# is "十分清晰" ("very clear"): a minute in words is 分钟, or 分 with seconds after it.
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# From the run's first numeral only, all of it (possessive): "十" * 4096 is one attempt, not 4096.
_CN_NUMBER = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千])[零〇一二两三四五六七八九十百千]++"
    r"(?=\s*(?:秒|分钟|分\s*[零〇一二两三四五六七八九十0-9]+\s*秒|小时|兆|帧|mb|m|gb|g)" + _R + ")"
)


def _cn_to_int(word: str) -> int:
    total, digit = 0, 0
    for ch in word:
        if ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            digit = digit * 10 + _CN_DIGITS[ch]
    return total + digit


class _Text:
    """The normalized text; a pattern that reads some words blanks them for the patterns after."""

    def __init__(self, text: str) -> None:
        self.s = text

    def take(
        self, pattern: re.Pattern[str], accept: Callable[[re.Match[str]], bool] | None = None
    ) -> list[re.Match[str]]:
        found = [m for m in pattern.finditer(self.s) if accept is None or accept(m)]
        if found:
            pieces, at = [], 0
            for m in found:
                pieces += [self.s[at : m.start()], " " * (m.end() - m.start())]
                at = m.end()
            self.s = "".join([*pieces, self.s[at:]])
        return found


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


# "don't remove the audio", "no need for high quality", "不要去掉声音": a wish said the other way.
_NEGATION = re.compile(
    r"""(?:(?<![a-z])(?:don't|dont|do\s+not|doesn't|does\s+not|needn't|no\s+need\s+(?:to|for)
         |not|never)\s+(?:[a-z']+\s+){0,3}
       | (?:不用|不需要|不必|无需|不要|别)\s*)$""",
    re.VERBOSE,
)


def _affirmed(src: _Text, m: re.Match[str]) -> bool:
    return _NEGATION.search(src.s, max(0, m.start() - 32), m.start()) is None


# ---------------------------------------------------------------- audio

_AUDIO = r"(?:audio|sound|soundtrack|sound\s+track)"
_AUDIO_ZH = r"(?:音频|声音|音轨|原声|伴音)"
_KBPS = r"(?:kbps|kb/s|kbit/s|kbits?|k)"
_AUDIO_BITRATE = _c(
    rf"""{_L}(?:{_AUDIO}|{_AUDIO_ZH})\s*(?:(?:bit\s*rate|bitrate|码率|比特率)\s*)?
        (?:(?:to|at|of|=|:|为|到|改为|设为|设置为|降到|降为)\s*)?(?P<a>{_NUM})\s*{_KBPS}{_R}
      | {_L}(?P<b>{_NUM})\s*{_KBPS}{_R}\s*(?:{_AUDIO}|{_AUDIO_ZH})"""
)
_REMOVE_AUDIO = _c(
    rf"""{_L}(?:remove|strip|drop|delete|kill|cut|lose|get\s+rid\s+of|take\s+out|turn\s+off)
            \s+(?:the\s+|all\s+|its\s+|any\s+)?(?:\w+\s+)?{_AUDIO}{_R}
      | {_L}(?:no|without|without\s+any|zero)\s+(?:the\s+)?{_AUDIO}{_R}
      | {_L}{_AUDIO}\s+off{_R}
      | {_L}(?:un)?mute[ds]?{_R} | {_L}silent(?:ly)?{_R} | {_L}silence\s+it{_R}
      | {_L}(?:take|strip|cut|pull)\s+(?:the\s+)?{_AUDIO}\s+out{_R}
      | (?:去掉|去除|删除|删掉|移除|取消|不要|关掉|关闭|去|消除|拿掉)
        (?:所有|全部)?(?:的)?{_AUDIO_ZH}
      | {_AUDIO_ZH}\s*(?:都|全|全部)?(?:去掉|删掉|去除|删除|拿掉|关掉|移除|不要了?)
      | 静音 | 无声 | 没有声音 | 不要声音 | 不需要声音"""
)

# ---------------------------------------------------------------- times

_END = r"(?![a-z])"  # a unit may touch the next number ("1m30s", "1分30秒"), never a letter
_SEC_U = rf"(?:(?:seconds?|secs?|s){_END}|秒钟?)"
_MIN_U = rf"(?:(?:minutes?|mins?){_END}|分钟|分(?!辨))"
_HOUR_U = rf"(?:(?:hours?|hrs?|h(?!\d{{3}})){_END}|小时)"  # "2 h264 videos" is no time
_SECS = rf"{_NUM}\s*{_SEC_U}"
_MINS = rf"{_NUM}\s*(?:{_MIN_U}(?:\s*{_SECS})?|m\s*{_SECS})"
_HOURS = rf"{_NUM}\s*{_HOUR_U}(?:\s*{_NUM}\s*(?:{_MIN_U}|m{_END}))?(?:\s*{_SECS})?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
_TIME = rf"{_L}(?:{_CLOCK}|{_HOURS}|{_MINS}|{_SECS})"
_TIME_OR_BARE = rf"(?:{_TIME}|{_L}{_NUM}(?:\s*m)?{_R})"  # "m" is minutes only beside a sure time

_PART = re.compile(rf"({_NUM})\s*({_HOUR_U}|{_MIN_U}|m|{_SEC_U})?")
_UNIT_SECONDS = [(_HOUR_U, 3600.0), (_MIN_U, 60.0), (r"m", 60.0), (_SEC_U, 1.0)]


_LONGEST_TIME = 10**7  # seconds, almost four months: a longer time is a slip of the keyboard


def _time(token: str, default_unit: float = 1.0) -> tuple[float, float]:
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


def _group(m: re.Match[str], *names: str) -> str:
    """The first of the alternatives' groups `names` that took part in the match."""
    return next(value for name in names if (value := m.group(name)) is not None)


def _has_unit(token: str) -> bool:
    """Whether `token` is surely a time: not a bare number, and not "2m" (which may be 2 MB)."""
    return re.fullmatch(rf"\s*{_NUM}(?:\s*m)?\s*", token) is None


_FIRST_W = r"(?:the\s+)?(?:first|opening|beginning|initial)"
_LAST_W = r"(?:the\s+)?(?:last|final|ending|closing)"
_DROP_W = (
    r"(?:skip|remove|drop|delete|cut\s+off|cut\s+out|trim\s+off|chop\s+off|lose|get\s+rid\s+of"
    r"|without"
    r"|去掉|删掉|删除|去除|跳过|剪掉|裁掉|切掉|不要)"
)
_ASPECT = _c(
    r"""(?:crop|aspect|ratio|比例|画幅|裁剪|裁成|裁切)\s*(?:(?:ratio|to|into|为|成|到)\s*)?\d{1,2}:\d{1,2}
      | \d{1,2}:\d{1,2}\s*(?:aspect|ratio|format|比例|画幅|竖屏|横屏)"""
)
_FIRST_OR_LAST_BEFORE = re.compile(r"(?:first|last|final|前|最后|后)\s*$")
_DROP_AFTER = r"(?:不要|去掉|删掉|删除|剪掉|切掉|裁掉|去除)"
_TRIM_VERB = r"(?:trim|cut|remove|drop|chop|take|shave)(?:\s+off)?"
_DROP_FIRST = _c(
    rf"""{_DROP_W}\s*(?:{_FIRST_W}|前面?|开头的?|片头的?)\s*(?P<t>{_TIME})
      | (?:前面?|开头的?|片头的?)\s*(?P<t2>{_TIME})\s*(?:的)?{_DROP_AFTER}
      | {_L}{_TRIM_VERB}\s+(?:the\s+)?(?P<t3>{_TIME})\s+(?:off\s+|from\s+)(?:of\s+)?(?:the\s+)?
        (?:start|beginning|front|head){_R}"""
)
_DROP_LAST = _c(
    rf"""{_DROP_W}\s*(?:{_LAST_W}|最后|后面?|结尾的?|末尾的?|片尾的?)\s*(?P<t>{_TIME})
      | (?:最后|结尾的?|末尾的?|片尾的?)\s*(?P<t2>{_TIME})\s*(?:的)?{_DROP_AFTER}
      | {_L}{_TRIM_VERB}\s+(?:the\s+)?(?P<t3>{_TIME})\s+(?:off\s+|from\s+)(?:of\s+)?(?:the\s+)?
        (?:end|ending|tail){_R}"""
)
_RANGE = _c(
    rf"""(?:(?:from|between|从|由|第)\s*)?(?P<a>{_TIME_OR_BARE})\s*(?:秒处\s*)?
         (?:to|until|till|through|and|-|~|到|至|和)\s*(?:第\s*)?(?P<b>{_TIME_OR_BARE})"""
)
_FIRST = _c(
    rf"""(?:{_FIRST_W}|(?:截取|保留|只要|只留|只保留)?(?:前|开头|(?<!镜)头|片头))\s*(?P<t>{_TIME})"""
)
# A bare 后 only starts a phrase: in "压缩后" it means "after".
_LAST = _c(
    rf"""(?:{_LAST_W}|(?:截取|保留|只要|只留|只保留)?(?:最后|结尾|末尾)
         |(?:截取|保留|只要|只留|只保留)后|(?<![\u4e00-\u9fff])后)\s*(?P<t>{_TIME})"""
)
_SHORTEN = _c(
    rf"""(?:{_L}(?:trim|cut|shorten|clip|make|keep|limit|reduce|get|bring)
              (?:\s+(?:it|this|the\s+video|the\s+clip|down))*\s+(?:to|at)
         | {_L}(?:make\s+it|keep)(?:\s+(?:only|just))?
         | {_L}(?:under|below|less\s+than|shorter\s+than|at\s+most|max(?:imum)?|within
              |no\s+longer\s+than|no\s+more\s+than|up\s+to)
         | 剪到|剪成|截到|截成|裁剪到|裁剪成|剪辑到|剪辑成|缩短到|缩短为|截取|只要|只保留|保留
         | (?:时长|长度|时间)(?:\s*(?:控制在|不超过|小于|为|到|改为|缩短到|限制在|限制为))?
         | 不超过|不到|小于|低于|控制在|限制在
        )\s*(?P<t>{_TIME})
      | (?P<u>{_TIME})\s*(?:以内|之内|以下|内|or\s+less|max|long)"""
)
_START_AT = _c(
    rf"""(?:{_L}(?:from|start(?:ing)?\s+(?:at|from)|begin(?:ning)?\s+(?:at|from)|after)
         |从)\s*(?:第\s*)?(?P<t>{_TIME})(?:\s*秒处)?(?:\s*(?:开始|起))?
      | (?P<t2>{_TIME})\s*(?:onwards?|and\s+on|to\s+the\s+end|till\s+the\s+end|到结尾|到最后
          |之后|以后|开始)"""
)
_END_AT = _c(
    rf"""(?:{_L}(?:until|till|stop(?:ping)?\s+at|end(?:ing)?\s+at|up\s+to|to)|截止到|到)
         \s*(?:第\s*)?(?P<t>{_TIME})(?:\s*(?:为止|结束|截止))?"""
)

# ---------------------------------------------------------------- sizes

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
_SIZE = _c(rf"{_L}(?P<n>{_NUM})\s*(?P<u>{_SIZE_UNIT}){_R}")
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
_HALF_SIZE = _c(
    rf"""{_L}half\s+(?:of\s+)?{_SIZE_W}{_R}
      | {_L}halve\s+(?:the\s+|its\s+)?(?:file\s+)?size{_R}
      | {_L}size\s+in\s+half{_R}
      | (?:大小|体积|文件|文件大小|容量)\s*(?:减半|一半|缩小一半|减小一半|减少一半|压缩一半)
      | 一半(?:的)?(?:大小|体积) | (?:压缩|减小|减少|压)(?:到)?一半"""
)
_WORD_FRACTIONS = {"third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1}
_FRACTION_WORD = _c(
    rf"""{_L}(?:(?:a|one)\s+)?(?P<w>third|quarter|fifth|tenth)\s+(?:of\s+)?{_SIZE_W}{_R}
      | {_L}(?P<n>\d+(?:\.\d+)?)\s*(?:x|times)\s+(?:smaller|lighter|less){_R}
      | {_L}(?:by\s+)?a\s+factor\s+of\s+(?P<n2>\d+(?:\.\d+)?){_R}
      | (?:压缩|缩小|减小|小)了?\s*(?P<n3>\d+(?:\.\d+)?)\s*倍
      | {_L}1\s*/\s*(?P<d>\d+)\s+(?:of\s+)?(?:the\s+|its\s+)?(?:original\s+)?(?:file\s+)?size{_R}
      | (?:原来|原始|原)(?:大小|体积)?的\s*1\s*/\s*(?P<d2>\d+)"""
)


def _pct(name: str) -> str:
    return rf"(?P<{name}>{_NUM})\s*%"


_FRACTION_OFF = _c(
    rf"""{_L}{_pct("p1")}\s*(?:smaller|less|lighter|off|reduction)
      | {_L}(?:reduce|shrink|cut|compress|lower|decrease|trim)
        \s+(?:(?:the|its|it|this|file|video|clip|size|down)\s+){{0,3}}by\s+{_pct("p2")}
      | (?<!音量)(?<!声音)(?<!亮度)(?:压缩|减小|减少|缩减|体积缩小|大小缩小|体积减小|大小减小)
        \s*(?:了)?{_pct("p3")}"""
)
_FRACTION_KEEP = _c(
    rf"""{_L}{_pct("p4")}\s*of\s+(?:the\s+|its\s+)?(?:original\s+)?(?:file\s+)?size
      | (?:原(?:来|始)?(?:的)?(?:大小|体积)?的)\s*{_pct("p5")}
      | (?:大小|体积)\s*(?:压缩|减小|缩小)?(?:到|为|变为)\s*{_pct("p6")}"""
)
_SCALE = _c(
    rf"""{_L}(?:half|halve)\s+(?:the\s+)?(?:resolution|res|dimensions|width\s+and\s+height){_R}
      | {_L}(?:resolution|res|dimensions|scale|downscale|scale\s+down|size\s+down)
              \s+(?:by\s+|to\s+|in\s+)?(?:half|(?P<pa>{_NUM})\s*%|(?P<f>0?\.\d+)){_R}
      | {_L}(?P<pb>{_NUM})\s*%\s*(?:resolution|res|scale|size\s+resolution){_R}
      | 一半(?:的)?分辨率 | 分辨率\s*(?:减半|一半|降低一半|缩小一半|降一半)
      | 分辨率\s*(?:(?:降低|缩小|缩放|降)(?:到|为)?\s*|(?:到|为)\s*)?(?P<pc>{_NUM})\s*%
      | (?<!压)(?:缩小|缩放|缩)(?:到)?\s*(?P<pd>{_NUM})\s*% | 缩小一半 | 尺寸减半 | 长宽减半"""
)
_BARE_HALF = _c(rf"{_L}(?:half|halve|by\s+half){_R}")
# Halves of the timeline, which need the duration we do not have here: not understood.
_TIME_HALF = _c(
    rf"""{_L}(?:the\s+)?(?:first|second|last|latter|other)\s+half{_R}
      | {_L}(?:cut|split|chop|divide)\s+(?:it\s+|this\s+|the\s+video\s+)?in(?:to)?\s+(?:two\s+)?half
        (?:ves)?{_R}
      | [前后]半(?:段|部分)?"""
)
_FRACTION_TO = _c(
    rf"""{_L}(?:to|down\s+to)\s+{_pct("p7")}
      | (?:压缩到|压到|变为|变成|缩小到|降到|到)\s*{_pct("p8")}"""
)
_FRACTION_BARE = _c(rf"{_L}(?:compress|shrink|reduce)\s+(?:it\s+)?{_pct('p9')}")

# ---------------------------------------------------------------- resolution, fps, codec

_DIMENSIONS = _c(rf"{_L}(?P<w>\d{{3,5}})\s*[x×*]\s*(?P<h>\d{{3,5}}){_R}")
_HEIGHT_P = _c(rf"{_L}(?P<h>\d{{3,4}})\s?p(?P<fps>\d{{2,3}})?{_R}")
_HEIGHT_WORDS = _c(
    rf"""{_L}(?P<w>8k|4k|uhd|2k|qhd|full\s*hd|fhd|hd){_R}
      | (?:{_L}(?:resolution|res|height|resize|rescale|downscale|scale|downsize)
            \s*(?:it\s+|this\s+|the\s+video\s+)?(?:(?:to|of|at|=|:)\s*)?
         |分辨率\s*(?:(?:改为|改成|降到|降为|调到|设为|为|到)\s*)?)
        (?P<h>\d{{3,4}})p?{_R}
      | (?P<h2>\d{{3,4}})\s*(?:的)?分辨率
      | {_L}(?P<h3>\d{{3,4}})(?:\s*(?:px|pixels))?\s+(?:tall|high){_R}
      | (?:高度|高)\s*(?:(?:改为|改成|设为|为|到)\s*)?(?P<h4>\d{{3,4}})(?:px|像素)?{_R}"""
)
_WIDTH = _c(
    rf"""{_L}width\s*(?:(?:to|of|at|=|:)\s*)?(?P<w>\d{{3,5}})(?:\s*(?:px|pixels))?{_R}
      | {_L}(?P<w2>\d{{3,5}})(?:\s*(?:px|pixels))?\s+wide{_R}
      | (?:宽度|宽)\s*(?:(?:改为|改成|设为|为|到)\s*)?(?P<w3>\d{{3,5}})(?:px|像素)?{_R}"""
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
_FPS = _c(
    rf"""{_L}(?P<a>{_NUM})\s*{_FPS_U}{_R}
      | (?:{_L}(?:fps|frame\s*rate|framerate)|帧率|帧速率|帧数)\s*
        (?:(?:to|of|at|=|:|为|到|改为|改成|设为|设置为|降到|降为|降低到|限制在|控制在|不超过|最多|最高)
        \s*)?(?P<b>{_NUM}){_R}"""
)
_CODEC = _c(
    rf"""{_L}(?:(?P<h264>[hx]\.?\s?264|avc)|(?P<h265>[hx]\.?\s?265|hevc)|(?P<av1>av1)
           |(?P<vp9>vp9|webm)){_R}"""
)
_CODEC_OF: dict[str, Codec] = {"h264": "h264", "h265": "h265", "av1": "av1", "vp9": "vp9"}
_MP4 = _c(rf"{_L}mp4{_R}")  # the engine's default, H.264 in MP4, is what "make it an mp4" asks

# ---------------------------------------------------------------- platforms, quality, scope, verb

_PLATFORM = r"(?:discord|telegram|tg|wechat|whatsapp|电报|纸飞机|微信|(?:this|the)\s+chat)"
_FIT_CHAT = _c(
    rf"""{_L}(?:for|fit|fits|fitting|to\s+fit|fit\s+(?:in|into|on|for)|under|within
            |(?:send|post|share|upload)(?:\s+it)?\s+(?:to|on|in|via|over))
         \s+(?:the\s+|this\s+|a\s+)?{_PLATFORM}{_R}
      | {_L}{_PLATFORM}(?:'s)?(?:\s+|-)?(?:ready|friendly|size[ds]?|limits?|compatible|upload
            |max|sized){_R}
      | (?:适合|适配|符合|满足|发到|发送到|发给|能发|可以发|上传到|能发到|可以发到|用于)
        \s*{_PLATFORM}
      | {_PLATFORM}\s*(?:的)?(?:限制|大小|上限|要求|能发)
      | (?:发|发送)(?:去|给|到)?\s*{_PLATFORM}
      | {_L}(?:upload|size|file)\s+limit{_R} | 上传限制 | 上传上限
      | {_L}(?:can't|cannot|can\s+not|won't|couldn't|unable\s+to)\s+(?:send|upload|post|share)
      | {_L}too\s+(?:big|large)\s+to\s+(?:send|upload|post|share){_R}
      | 发不出去 | 发不了 | 发不出 | 传不上去 | 上传不了 | 传不了"""
)
_KEEP_QUALITY = _c(
    rf"""{_L}(?:keep|keeping|preserve|preserving|maintain|maintaining|retain|retaining)
            \s+(?:the\s+|its\s+|good\s+|high\s+|original\s+|video\s+|image\s+|picture\s+)*
            (?:quality|clarity|sharpness){_R}
      | {_L}without\s+(?:losing|lose|hurting|sacrificing|reducing|degrading|ruining|killing|much)
            \s+(?:\w+\s+){{0,2}}?(?:quality|clarity){_R}
      | {_L}(?:no|minimal|little|without(?:\s+any)?|zero|less)\s+(?:visible\s+)?quality\s+loss{_R}
      | {_L}(?:high|best|good|max(?:imum)?|same|original|full|top|great)\s+(?:possible\s+)?
        quality{_R}
      | {_L}(?:don't|dont|do\s+not|never)\s+(?:lose|ruin|hurt|degrade|reduce|lower|sacrifice|kill)
        \s+(?:the\s+|much\s+|any\s+|too\s+much\s+)?(?:video\s+|image\s+)?quality{_R}
      | {_L}quality\s+(?:first|matters|intact|is\s+(?:important|key|everything)){_R}
      | {_L}keep\s+it\s+(?:sharp|crisp|clear|clean|looking\s+good){_R}
      | {_L}(?:visually\s+)?lossless(?:ly)?{_R}
      | (?:不|别|不要|不想|没有|尽量不|不会)(?:损失|损|降低|影响|牺牲|丢失|损伤|降)(?:太多)?
            (?:画质|质量|清晰度|画面)
      | (?:保持|保留|保证|维持|不变的?)(?:原有|原来的?|原始)?(?:的)?(?:画质|质量|清晰度|清晰)
      | (?:画质|质量|清晰度)(?:不变|无损|优先|不要?(?:变)?差|别(?:变)?差
        |(?:很|十分|非常|比较|最)?重要)
      | 无损 | 高画质 | 原画质 | 不失真 | 不要模糊 | 别糊 | 不要糊"""
)
_ALL = _c(
    rf"""{_L}all\s+(?:the\s+|of\s+the\s+|my\s+|these\s+|those\s+|\d+\s+|three\s+|two\s+)?
            (?:videos?|clips?|files?|of\s+(?:them|these|those|my\s+videos))
      | {_L}(?:them|these|those)\s+all{_R}
      | {_L}(?:every|each)\s+(?:one|video|clip|file|of\s+(?:them|these|those)){_R}
      | {_L}both\s+(?:videos|clips|files|of\s+them){_R}
      | {_L}(?:do|compress|process|convert|shrink|for|apply\s+to)\s+all{_R}
      | 全部(?!声音|音频|音轨|画面|的声音) | 所有(?:的)?(?:视频|文件|片段) | 每个视频 | 每一个视频
      | 每个文件 | 这些视频 | 全都 | 批量 | (?:两|三|几|这几|那几)个(?:视频|文件)?(?:都|全)"""
)
_COMPRESS = _c(
    rf"""{_L}(?:compress(?:ed|ion|ing)?|shrink|shrunk|smaller|downsize|minimi[sz]e|squeeze
            |lighter|tinier|slim\s+(?:it\s+)?down|small\s+enough){_R}
      | {_L}reduce\s+(?:the\s+|its\s+)?(?:file\s+)?size{_R}
      | {_L}(?:make|get)\s+(?:it|this|the\s+video)\s+(?:small|tiny|light){_R}
      | {_L}too\s+(?:big|large|heavy){_R} | 太大 | 太大了
      | 压缩 | 变小 | 小一点 | 小一些 | 小点 | 瘦身 | 减小 | 缩小 | 压一下 | 压小 | 压一压
      | 减少(?:文件)?(?:体积|大小)"""
)


def parse(text: str) -> EncodeRequest:
    """What `text` asks of the local engine. Pure and fast.

    Raises `UnclearRequest` when nothing in `text` is understood, or when what is understood
    contradicts itself (a trim that ends before it starts).
    """
    src = _Text(_normalize(text))
    r = EncodeRequest()
    # Order matters: each reader blanks what it read, so the more specific go first
    # ("audio 96k" before sizes, "1m30s" before "1 MB", "1280x720" before "720p").
    for read in (_read_audio, _read_times, _read_sizes, _read_fraction_and_scale):
        r = read(src, r)
    for read in (_read_resolution, _read_fps, _read_codec):
        r = read(src, r)
    if any(_affirmed(src, m) for m in src.take(_FIT_CHAT)):
        r = replace(r, fit_chat=True)
    if any(_affirmed(src, m) for m in src.take(_KEEP_QUALITY)):
        r = replace(r, keep_quality=True)
    # Searched, not taken: the verb in "compress all" is also read by _COMPRESS.
    all_videos = _ALL.search(src.s) is not None
    if src.take(_COMPRESS):
        r = replace(r, wants_compress=True)

    if r == EncodeRequest():
        raise UnclearRequest(f"nothing understood in {len(text)} characters")
    _check_trim(r)
    return replace(r, apply_to_all=all_videos)


def _read_audio(src: _Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_AUDIO_BITRATE):
        kbps = float(m.group("a") or m.group("b"))
        if 6 <= kbps <= 640:
            r = replace(r, audio_bitrate=round(kbps * 1000))
    for m in src.take(_REMOVE_AUDIO):
        if _affirmed(src, m) and not m.group(0).startswith("unmute"):
            r = replace(r, remove_audio=True, audio_bitrate=None)  # no audio has no bitrate
    return r


def _read_times(src: _Text, r: EncodeRequest) -> EncodeRequest:
    src.take(_ASPECT)  # "crop to 16:10" is a shape, not a time; the engine does not crop
    for m in src.take(_DROP_FIRST):
        r = replace(r, trim_start=_time(_group(m, "t", "t2", "t3"))[0])
    for m in src.take(_DROP_LAST):
        r = replace(r, trim_end=-_time(_group(m, "t", "t2", "t3"))[0])

    def real_range(m: re.Match[str]) -> bool:
        # "last 10 seconds until 0:45" is not a range from 10 s; "500m to 50m" are sizes
        if _FIRST_OR_LAST_BEFORE.search(src.s, max(0, m.start() - 16), m.start()):
            return False
        return _has_unit(m.group("a")) or _has_unit(m.group("b"))

    for m in src.take(_RANGE, real_range):
        a, b = m.group("a"), m.group("b")
        b_seconds, b_unit = _time(b)
        a_seconds, a_unit = _time(a, b_unit)
        if not _has_unit(b):
            b_seconds = _time(b, a_unit)[0]
        r = replace(r, trim_start=a_seconds, trim_end=b_seconds)
    for m in src.take(_FIRST):
        r = replace(r, trim_start=r.trim_start or 0.0, trim_end=_time(m.group("t"))[0])
    for m in src.take(_LAST):
        r = replace(r, trim_start=-_time(m.group("t"))[0])
    for m in src.take(_SHORTEN):
        end = _time(m.group("t") or m.group("u"))[0]
        r = replace(r, trim_start=r.trim_start or 0.0, trim_end=end)
    for m in src.take(_START_AT):
        r = replace(r, trim_start=_time(m.group("t") or m.group("t2"))[0])
    for m in src.take(_END_AT):
        r = replace(r, trim_end=_time(m.group("t"))[0])
    return r


def _read_sizes(src: _Text, r: EncodeRequest) -> EncodeRequest:
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


def _read_fraction_and_scale(src: _Text, r: EncodeRequest) -> EncodeRequest:
    if src.take(_HALF_SIZE):
        r = replace(r, size_fraction=0.5)
    for m in src.take(_FRACTION_WORD):
        if m.group("w"):
            r = replace(r, size_fraction=round(_WORD_FRACTIONS[m.group("w")], 4))
        elif (times := float(_group(m, "n", "n2", "n3", "d", "d2"))) > 1:
            if round(1 / times, 4) == 0:  # "10^400 times smaller": no size at all
                raise UnclearRequest("a fraction too small to be one", reason="intent_size_too_big")
            r = replace(r, size_fraction=round(1 / times, 4))
    for m in src.take(_FRACTION_OFF):
        if (pct := _percent(m)) is not None:
            r = replace(r, size_fraction=round(1 - pct, 4))
    for m in src.take(_FRACTION_KEEP):
        if (pct := _percent(m)) is not None:
            r = replace(r, size_fraction=pct)
    for m in src.take(_SCALE):
        fraction = m.group("f")
        if fraction:
            if 0 < float(fraction) < 1:
                r = replace(r, scale=float(fraction))
        elif any(v for k, v in m.groupdict().items() if k.startswith("p")):
            if (pct := _percent(m)) is not None:
                r = replace(r, scale=pct)
        else:
            r = replace(r, scale=0.5)
    for m in src.take(_FRACTION_TO):
        if (pct := _percent(m)) is not None:
            r = replace(r, size_fraction=pct)
    for m in src.take(_FRACTION_BARE):
        if (pct := _percent(m)) is not None:
            r = replace(r, size_fraction=round(1 - pct, 4))
    src.take(_TIME_HALF)
    if r.scale is None and src.take(_BARE_HALF):
        r = replace(r, scale=0.5)
    return r


def _read_resolution(src: _Text, r: EncodeRequest) -> EncodeRequest:
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
            heights.append(int(_group(m, "h", "h2", "h3", "h4")))
    heights = [h for h in heights if 100 <= h <= 4320]
    for m in src.take(_WIDTH):
        w = int(_group(m, "w", "w2", "w3"))
        if 100 <= w <= 7680 and r.width is None:
            r = replace(r, width=w)
    # Several heights are a from-to ("4k to 1080p"): compressing goes down, never up.
    if heights and r.height is None:
        r = replace(r, height=min(heights))
    return r


def _read_fps(src: _Text, r: EncodeRequest) -> EncodeRequest:
    rates = [float(_group(m, "a", "b")) for m in src.take(_FPS)]
    if r.max_fps is not None:
        rates.append(r.max_fps)  # from "1080p60"
    rates = [fps for fps in rates if 1 <= fps <= 240]
    # Several rates are a from-to ("60fps to 30fps"): a cap only ever lowers.
    return replace(r, max_fps=min(rates)) if rates else r


def _read_codec(src: _Text, r: EncodeRequest) -> EncodeRequest:
    # The last one named wins: "from h264 to hevc".
    for m in src.take(_CODEC):
        if _affirmed(src, m):
            r = replace(r, codec=_CODEC_OF[m.lastgroup or ""])
    if src.take(_MP4) and r.codec is None:
        r = replace(r, codec="h264")
    return r


def _check_trim(r: EncodeRequest) -> None:
    start, end = r.trim_start, r.trim_end
    if start is not None and start < 0 and end is not None:
        raise UnclearRequest("a trim that counts from the end cannot also have an end")
    if start is not None and end is not None and 0 <= end <= start:
        raise UnclearRequest(f"a trim that ends ({end}s) before it starts ({start}s)")
    if end is not None and end == 0:
        raise UnclearRequest("a trim of zero length")


# ---------------------------------------------------------------- describe

_CODEC_NAMES: dict[str, str] = {"h264": "H.264", "h265": "H.265", "av1": "AV1", "vp9": "VP9"}


def describe(request: EncodeRequest, locale: str, *, chat_limit: int | None = None) -> str:
    """Say back what was understood, in `locale`: "Understood: under 50.0 MB, keep quality, H.264."

    `chat_limit` (bytes) names the limit that "fit the chat" stands for, when the caller knows it.
    """
    r = request
    items: list[str] = []

    def add(key: str, **params: object) -> None:
        items.append(t(key, locale, **params))

    if r.target_bytes is not None:
        add("intent_target", size=human_size(r.target_bytes, locale))
    if r.fit_chat:
        if chat_limit is not None:
            add("intent_fit_chat_limit", size=human_size(chat_limit, locale))
        else:
            add("intent_fit_chat")
    if r.size_fraction is not None:
        add("intent_fraction", pct=f"{r.size_fraction * 100:.0f}")
    if r.wants_compress and r.target_bytes is None and r.size_fraction is None and not r.fit_chat:
        add("intent_smaller")
    if r.width is not None and r.height is not None:
        add("intent_dimensions", width=r.width, height=r.height)
    elif r.height is not None:
        add("intent_height", height=r.height)
    elif r.width is not None:
        add("intent_width", width=r.width)
    if r.scale is not None:
        add("intent_scale", pct=f"{r.scale * 100:.0f}")
    if r.max_fps is not None:
        add("intent_fps", fps=f"{r.max_fps:g}")
    _describe_trim(r, add)
    if r.remove_audio:
        add("intent_remove_audio")
    elif r.audio_bitrate is not None:
        add("intent_audio_bitrate", kbps=f"{r.audio_bitrate / 1000:g}")
    if r.keep_quality:
        add("intent_keep_quality")
    items.append(_CODEC_NAMES[r.codec or "h264"])
    if r.apply_to_all:
        add("intent_all")
    return t("intent_understood", locale, items=t("intent_separator", locale).join(items))


def _when(seconds: float) -> str:
    """1:05, or 0:10.5 when a tenth of a second matters."""
    whole = int(seconds)
    tenths = round((seconds - whole) * 10)
    if tenths == 10:
        whole, tenths = whole + 1, 0
    return human_duration(whole) + (f".{tenths}" if tenths else "")


def _describe_trim(r: EncodeRequest, add: Callable[..., None]) -> None:
    start, end = r.trim_start, r.trim_end
    if start is not None and start < 0:
        add("intent_trim_last", length=_when(-start))
    elif end is not None and end < 0:
        if start:
            add(
                "intent_trim_from_drop_last",
                start=_when(start),
                length=_when(-end),
            )
        else:
            add("intent_trim_drop_last", length=_when(-end))
    elif end is not None:
        if start:
            add("intent_trim_range", start=_when(start), end=_when(end))
        else:
            add("intent_trim_first", end=_when(end))
    elif start:
        add("intent_trim_from", start=_when(start))
