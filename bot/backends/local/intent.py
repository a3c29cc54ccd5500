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
- Links, mentions and file names say nothing, except a file's extension ("out.webm" is VP9 in
  WebM). A container named picks the codec when none is ("make it an mp4" is H.264).
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

from bot.backends.local.destinations import DESTINATIONS, limit_for
from bot.errors import UnclearRequest
from bot.texts import human_duration, human_size, t

__all__ = [
    "EXAMPLES_KEY",
    "READ_AT_MOST",
    "AudioFormat",
    "Codec",
    "Container",
    "EncodeRequest",
    "Fit",
    "Output",
    "describe",
    "parse",
]

EXAMPLES_KEY = "intent_examples"

Codec = Literal["h264", "h265", "av1", "vp9"]
Container = Literal["mp4", "webm", "mkv"]
Output = Literal["video", "gif", "webp", "audio"]
AudioFormat = Literal["mp3", "m4a", "opus"]
Fit = Literal["crop", "blur", "bars"]


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
    container: Container | None = None  # None = the codec's own (VP9 in WebM, else MP4)
    max_fps: float | None = None
    remove_audio: bool = False
    audio_bitrate: int | None = None  # bits per second
    trim_start: float | None = None  # seconds; negative counts back from the end
    trim_end: float | None = None  # seconds; negative counts back from the end
    keep_quality: bool = False
    apply_to_all: bool = False
    wants_compress: bool = False
    # edits (see `edits`): what the picture and sound become, before any size is reckoned
    output: Output = "video"
    audio_format: AudioFormat | None = None  # for output "audio"; None = MP3
    speed: float | None = None  # 2.0 = twice as fast; 0.25 to 4
    rotate: int = 0  # degrees clockwise: 0, 90, 180, 270
    hflip: bool = False  # mirrored left to right
    vflip: bool = False
    aspect: tuple[int, int] | None = None  # (9, 16): width to height
    fit: Fit | None = None  # how a new aspect is reached; None = the engine picks
    reverse: bool = False
    smallest: bool = False  # "as small as possible but watchable"
    destination: str | None = None  # a key of `destinations.DESTINATIONS`

    @property
    def edits(self) -> bool:
        """Anything that reshapes the picture or its time: rendered before sizing."""
        return bool(self.speed or self.rotate or self.hflip or self.vflip or self.aspect
                    or self.reverse)  # fmt: skip


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
    r"(?=\s*(?:秒|分钟|分\s*[零〇一二两三四五六七八九十0-9]+\s*秒|小时|兆|帧|倍|度|mb|m|gb|g)"
    + _R
    + ")"
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
           |(?P<vp9>vp9)){_R}"""
)
_CODEC_OF: dict[str, Codec] = {"h264": "h264", "h265": "h265", "av1": "av1", "vp9": "vp9"}
# A container named is a container wish, and picks the codec when none is named: "make it an
# mp4" is the engine's default, H.264 in MP4; "convert to webm" is VP9 in WebM.
_CONTAINER = _c(rf"{_L}(?:(?P<mp4>mp4|m4v)|(?P<webm>webm)|(?P<mkv>mkv|matroska)){_R}")
_CONTAINER_OF: dict[str, Container] = {"mp4": "mp4", "webm": "webm", "mkv": "mkv"}
_FIRST_CODEC: dict[str, Codec] = {"mp4": "h264", "webm": "vp9", "mkv": "h264"}

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


# ---------------------------------------------------------------- edits

# What the local engine cannot do, each with its own answer (never the generic "didn't understand").
_CANNOT: dict[str, re.Pattern[str]] = {
    "subtitles": _c(
        r"""(?<![a-z])(?:subtitles?|captions?|closed\s+captions|srt|transcri(?:be|pt|ption)
          |(?:add|put|burn|overlay)\s+(?:some\s+)?(?:text|words|a\s+title|titles))(?![a-z])
          | 字幕 | 加文字 | 添加文字 | 配文字 | 标题文字"""
    ),
    "background": _c(
        r"""(?<![a-z])(?:(?:remove|replace|change|blur|cut\s+out|erase)\s+(?:the\s+)?background
          |green\s*screen|chroma\s*key|background\s+remov\w*)(?![a-z])
          | 抠图 | 抠像 | 去背景 | 去掉背景 | 换背景 | 更换背景 | 背景虚化 | 绿幕"""
    ),
    "watermark": _c(
        r"""(?<![a-z])(?:(?:remove|erase|get\s+rid\s+of|take\s+off)\s+(?:the\s+)?(?:watermark|logo)
          |(?:add|put)\s+(?:a\s+|my\s+)?(?:watermark|logo))(?![a-z])
          | 去水印 | 去掉水印 | 去除水印 | 加水印 | 添加水印 | 加logo"""
    ),
    "music": _c(
        r"""(?<![a-z])(?:add|put)\s+(?:some\s+|background\s+|a\s+)?(?:music|song|soundtrack
          |voice\s*over|narration)(?![a-z])
          | 加音乐 | 配乐 | 加背景音乐 | 配音 | 加配音 | 加首歌"""
    ),
    "enhance": _c(
        r"""(?<![a-z])(?:make\s+it\s+(?:look\s+)?(?:better|nicer|prettier|sharper|cinematic)
          |look\s+better|enhance|improve\s+(?:the\s+)?(?:quality|video|look)|upscale|sharpen
          |denoise|stabili[sz]e|colou?r\s+(?:grade|grading|correct\w*)|add\s+(?:a\s+)?filter
          |add\s+(?:some\s+)?effects?|transitions?|beautify)(?![a-z])
          | 变好看 | 好看一点 | 好看点 | 美化 | 画质增强 | 增强画质 | 提升画质 | 提高画质
          | 变清晰 | 更清晰 | 调色 | 滤镜 | 特效 | 转场 | 防抖 | 降噪 | 超分"""
    ),
    "merge": _c(
        r"""(?<![a-z])(?:merge|combine|join|concatenate|stitch)\s+(?:them|these|the\s+videos|
          all|both|(?:the\s+)?clips|videos)(?![a-z])
          | 合并 | 拼接 | 合成一个"""
    ),
}

_GIF = _c(
    r"""(?<![a-z0-9])(?:animated\s+)?gif(?:s)?(?![a-z0-9])
      | 动图 | 表情包"""
)
_WEBP = _c(r"""(?<![a-z0-9])(?:animated\s+)?webp(?![a-z0-9]) | 动态\s*webp""")
# mp3 and m4a are files of sound only; aac, opus and ogg are also a video's sound track, so they
# name an audio file only after "as", "to", "into" (or beside an audio-only wish).
_AUDIO_FORMAT = _c(
    rf"""(?P<to>{_L}(?:as|to|into|in)\s+(?:an?\s+)?|转成|转为|转换成|转换为|导出为?|保存为?|提取为)?
        (?:{_L}(?P<mp3>mp3)|{_L}(?P<m4a>m4a|aac)|{_L}(?P<opus>opus|ogg))
        (?:\s*(?:at\s+)?(?P<k>{_NUM})\s*{_KBPS})?{_R}"""
)
_BARE_KBPS = _c(rf"{_L}(?P<k>{_NUM})\s*{_KBPS}{_R}")
_AUDIO_ONLY = _c(
    rf"""{_L}(?:extract|rip|pull|save|export|get|grab|keep)\s+(?:out\s+)?(?:just\s+|only\s+)?
            (?:the\s+|its\s+)?{_AUDIO}(?:\s+(?:track|only))?{_R}
      | {_L}(?:just|only)\s+(?:the\s+|its\s+)?{_AUDIO}{_R}
      | {_L}{_AUDIO}\s+only{_R} | {_L}audio\s+(?:file|track)\s+(?:only|out){_R}
      | {_L}(?:no|without(?:\s+the)?|drop\s+the|remove\s+the)\s+(?:video|picture|image){_R}
      | {_L}(?:as|to|into)\s+(?:an?\s+)?(?:audio|sound)(?:\s+file)?{_R}
      | (?:只要|只保留|只留|提取|导出|抽取|分离出?|转成|转为|转换成|转换为|保存为?|保存成)
        (?:出)?(?:的)?{_AUDIO_ZH}
      | {_AUDIO_ZH}\s*(?:提取|导出|单独)
      | 不要画面 | 去掉画面 | 只要声音"""
)
_SPEED_WORD = r"(?:speed(?:\s+it)?(?:\s+up)?|play(?:\s+it)?(?:\s+back)?|playback|speed\s+to)"
_SPEED = _c(
    rf"""{_L}{_SPEED_WORD}\s*(?:to\s+|by\s+|at\s+)?(?:x\s*(?P<a>{_NUM})|(?P<a2>{_NUM})\s*(?:x|×|times)?)
            {_R}(?:\s*(?:speed|faster))?
      | {_L}at\s+(?P<a3>{_NUM})\s*(?:x|×){_R}(?:\s*speed)?
      | {_L}(?:slow(?:\s+it)?\s+down|slow[\s-]*mo(?:tion)?)\s*(?:to\s+|by\s+|at\s+)?
            (?:x\s*)?(?P<b>{_NUM})\s*(?:x|×|times)?{_R}
      | {_L}(?P<c>{_NUM})\s*(?:x|×)\s*(?:speed|faster|playback|slow[\s-]*mo(?:tion)?){_R}
      | {_L}(?:x|×)\s*(?P<c2>{_NUM})\s*(?:speed|faster|playback){_R}
      | {_L}(?P<d>{_NUM})\s*times\s+(?P<dir>faster|slower|(?:the\s+)?speed){_R}
      | {_L}(?P<w>half|double|quarter|twice\s+the|triple)\s+speed{_R}
      | {_L}(?P<slowmo>slow[\s-]*mo(?:tion)?|slow\s+(?:it\s+)?down){_R}
      | {_L}(?P<fast>speed\s+(?:it\s+)?up|fast[\s-]*forward|time[\s-]?lapse){_R}
      | (?:加速|快进|快放)\s*(?:到|为|成)?\s*(?P<e>{_NUM})\s*倍(?:速)?
      | (?:慢放|慢速|放慢|减速|慢动作)\s*(?:到|为|成)?\s*(?P<f>{_NUM})\s*倍(?:速)?
      | (?P<g>{_NUM})\s*倍\s*(?:速(?:度)?|速播放|播放|加速|快放)
      | (?P<zhslow>慢动作|慢放|放慢|慢镜头) | (?P<zhfast>加速|快进|快放|倍速)"""
)
_ROTATE = _c(
    rf"""{_L}(?:rotate|turn|spin)(?:\s+(?:it|this|the\s+video))?\s*(?:by\s+)?
            (?P<dir1>counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise|left|right)?\s*
            (?P<deg>-?\d{{2,3}})\s*(?:°|degrees?|deg)?
            (?:\s*(?P<dir2>counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise|to\s+the\s+left
              |to\s+the\s+right|left|right|ccw|cw))?{_R}
      | {_L}(?:rotate|turn)(?:\s+(?:it|this|the\s+video))?\s+(?P<side>left|right
            |counter[\s-]?clockwise|anti[\s-]?clockwise|clockwise){_R}
      | {_L}(?:rotate|turn)(?:\s+(?:it|this|the\s+video))?\s+(?:upside\s+down|around){_R}
      | (?P<zhdir>顺时针|逆时针|向左|向右|往左|往右)?\s*(?:旋转|转)\s*(?P<zdeg>\d{{2,3}})\s*度
        (?P<zhdir2>顺时针|逆时针)?
      | (?P<zhside>向左|向右|往左|往右|顺时针|逆时针)\s*(?:旋转|转)(?!\s*\d)
      | 旋转\s*180 | 倒过来 | 上下颠倒"""
)
_FLIP = _c(
    r"""(?<![a-z])(?:flip(?:\s+it)?\s+(?P<v>vertically|upside[\s-]down|top\s+to\s+bottom)
      |flip(?:\s+it)?(?:\s+(?:horizontally|left\s+to\s+right|sideways))?|mirror(?:ed)?(?:\s+it)?
      |mirror\s+image)(?![a-z])
      | (?P<zv>垂直翻转|上下翻转|上下镜像) | 水平翻转 | 左右翻转 | 镜像 | 翻转"""
)
_RATIOS = {(9, 16), (16, 9), (1, 1), (4, 5), (5, 4), (4, 3), (3, 4), (21, 9), (2, 3), (3, 2)}
_RATIOS |= {(16, 10), (10, 16), (2, 1), (1, 2)}
_RATIO = _c(r"""(?<![\d:.])(?P<a>\d{1,2})\s*[:：/]\s*(?P<b>\d{1,2})(?![\d:])""")
_RATIO_NOT_TIME = re.compile(r"(?:from|to|until|till|at|between|从|到|至|-|~)\s*$")
# ...unless a word of shape comes first: "crop to 4:5", "make it 9:16", "比例改成4:3".
_RATIO_CUE = re.compile(
    r"(?:crop|cut|aspect|ratio|format|make\s+it|convert|change|reframe|resize|shape|turn\s+it"
    r"|裁|比例|画幅|改成|变成|做成)[^0-9]{0,12}$"
)
_UPSIDE_DOWN = _c(rf"{_L}upside[\s-]down{_R}")
_SHAPE = _c(
    r"""(?<![a-z])(?P<v>vertical|portrait|tiktok|tik\s+tok|reels?|(?:youtube\s+)?shorts)(?![a-z])
      | (?<![a-z])(?P<s>square)(?![a-z])
      | (?<![a-z])(?P<h>widescreen|landscape|horizontal)(?![a-z])
      | (?P<zv>竖屏|竖版|竖的|抖音|快手) | (?P<zs>正方形|方形|方的) | (?P<zh>横屏|横版|横的)"""
)
_FIT_MODE = _c(
    r"""(?<![a-z])(?P<crop>crop(?:ped|ping)?|cut\s+off\s+the\s+sides|fill(?:\s+the\s+frame)?)(?![a-z])
      | (?<![a-z])(?P<blur>pad(?:ded|ding)?|blur(?:red)?(?:\s+(?:background|bars|edges|sides))?
        |(?:keep|show)\s+(?:the\s+)?(?:whole|entire|full)\s+(?:picture|frame|video)
        |don'?t\s+crop|no\s+crop(?:ping)?)(?![a-z])
      | (?<![a-z])(?P<bars>black\s+bars|letterbox(?:ed|ing)?|pillarbox(?:ed|ing)?)(?![a-z])
      | (?P<zcrop>裁剪|裁切|裁掉|剪裁) | (?P<zblur>模糊背景|模糊边|加边|留边|不裁剪|不要裁剪|不裁)
      | (?P<zbars>黑边)"""
)
_REVERSE = _c(
    r"""(?<![a-z])(?:reverse(?:d)?(?:\s+it)?|backwards?|in\s+reverse|rewind\s+effect)(?![a-z])
      | 倒放 | 倒序 | 倒着放 | 倒着播 | 反向播放 | 倒播"""
)
_SMALLEST = _c(
    r"""(?<![a-z])(?:as\s+small\s+as\s+(?:possible|you\s+can|it\s+gets)|smallest(?:\s+possible)?
      |as\s+tiny\s+as\s+possible|(?:minimum|minimal|min)\s+(?:file\s+)?size|tiny\s+but\s+watchable)
      (?![a-z])
      | 尽量小 | 尽可能小 | 越小越好 | 最小(?!化)"""
)
_DESTINATION = _c(
    r"""(?<![a-z])(?:discord\s+)?(?P<discord_nitro_basic>nitro\s+basic)(?![a-z])
      | (?<![a-z])(?:discord\s+)?(?P<discord_nitro>nitro)(?![a-z])
      | (?<![a-z])(?:boost(?:ed)?\s+(?:level|tier|lvl)\s*(?P<boost>[123])
        |(?:level|tier|lvl)\s*(?P<boost2>[123])\s+boost(?:ed)?)(?:\s+(?:discord\s+)?server)?
        (?![a-z0-9])
      | (?<![a-z])(?P<telegram_local_api>local\s+(?:telegram\s+)?bot\s+api(?:\s+server)?)(?![a-z])
      | (?<![a-z])(?P<discord>discord)(?![a-z])
      | (?<![a-z])(?P<telegram>telegram|tg)(?![a-z]) | (?P<telegram2>电报|纸飞机)
      | (?<![a-z])(?P<whatsapp>whats\s*app)(?![a-z])
      | (?<![a-z])(?P<email>e-?mail(?:ing)?|gmail|outlook)(?![a-z]) | (?P<email2>邮件|邮箱)
      | (?<![a-z])(?P<messenger>messenger)(?![a-z])
      | (?<![a-z])(?P<signal>signal)(?![a-z])
      | (?<![a-z])(?P<slack>slack)(?![a-z])
      | (?<![a-z])(?P<x>twitter|x\.com)(?![a-z])"""
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


def _read_cannot(src: _Text) -> None:
    for kind, pattern in _CANNOT.items():
        if any(_affirmed(src, m) for m in pattern.finditer(src.s)):
            raise UnclearRequest(f"cannot {kind} locally", reason=f"intent_cannot_{kind}")


def _read_edits(src: _Text, r: EncodeRequest) -> EncodeRequest:
    """Output kinds, speed, rotation, flips, shape and reversal: read before times and sizes,
    so "9:16" is never nine minutes and "rotate 90" never a number of anything else."""
    if any(_affirmed(src, m) for m in src.take(_WEBP)):
        r = replace(r, output="webp")
    elif any(_affirmed(src, m) for m in src.take(_GIF)):
        r = replace(r, output="gif")
    formats = src.take(_AUDIO_FORMAT)
    if any(_affirmed(src, m) for m in src.take(_AUDIO_ONLY)):
        r = replace(r, output="audio")
    for m in formats:
        fmt: AudioFormat = "mp3" if m.group("mp3") else "m4a" if m.group("m4a") else "opus"
        file_of_sound = m.group("to") is not None or fmt == "mp3" or m.group(0).endswith("m4a")
        if not (file_of_sound or r.output == "audio"):
            continue  # "webm with opus": the video's own sound track
        r = replace(r, audio_format=fmt, output="audio")
        if m.group("k") and 6 <= float(m.group("k")) <= 640:
            r = replace(r, audio_bitrate=round(float(m.group("k")) * 1000))
    if r.output == "audio":
        for m in src.take(_BARE_KBPS):  # "extract the audio, 96k"
            if 6 <= float(m.group("k")) <= 640:
                r = replace(r, audio_bitrate=round(float(m.group("k")) * 1000))
    for m in src.take(_SPEED):
        if not _affirmed(src, m):
            continue
        speed = _speed_of(m)
        if not 0.25 <= speed <= 4:
            raise UnclearRequest(f"speed {speed}", reason="intent_speed_range")
        r = replace(r, speed=None if speed == 1 else speed)
    for m in src.take(_ROTATE):
        r = replace(r, rotate=_rotation_of(m))
    for m in src.take(_FLIP):
        if _affirmed(src, m):
            vertical = bool(m.group("v") or m.group("zv"))
            r = replace(r, vflip=r.vflip or vertical, hflip=r.hflip or not vertical)
    if src.take(_UPSIDE_DOWN) and not r.rotate:  # a phone held the wrong way: half a turn
        r = replace(r, rotate=180)

    def ratio(m: re.Match[str]) -> bool:
        a, b = int(m.group("a")), int(m.group("b"))
        if (a, b) not in _RATIOS:
            return False
        before = src.s[max(0, m.start() - 24) : m.start()]
        return _RATIO_CUE.search(before) is not None or not _RATIO_NOT_TIME.search(before)

    for m in src.take(_RATIO, ratio):
        r = replace(r, aspect=(int(m.group("a")), int(m.group("b"))))
    for m in src.take(_SHAPE):
        if r.aspect is None and _affirmed(src, m):
            if m.group("v") or m.group("zv"):
                r = replace(r, aspect=(9, 16))
            elif m.group("s") or m.group("zs"):
                r = replace(r, aspect=(1, 1))
            else:
                r = replace(r, aspect=(16, 9))
    for m in src.take(_FIT_MODE):
        crop = m.group("crop") or m.group("zcrop")
        bars = m.group("bars") or m.group("zbars")
        fit: Fit = "bars" if bars else "crop" if crop and _affirmed(src, m) else "blur"
        r = replace(r, fit=fit)
    if r.fit is not None and r.aspect is None:
        r = replace(r, fit=None)  # "crop" alone names no shape; trims read "cut" themselves
    if any(_affirmed(src, m) for m in src.take(_REVERSE)):
        r = replace(r, reverse=True)
    if src.take(_SMALLEST):
        r = replace(r, smallest=True)
    return r


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


def _read_destination(src: _Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_DESTINATION):
        if not _affirmed(src, m):
            continue
        name = m.lastgroup or ""
        if name in ("boost", "boost2"):
            name = f"discord_boost_{m.group('boost') or m.group('boost2')}"
        r = replace(
            r, destination=name.removesuffix("2") if name[-1:] == "2" and "_" not in name else name
        )
    return r


def parse(text: str) -> EncodeRequest:
    """What `text` asks of the local engine. Pure and fast.

    Raises `UnclearRequest` when nothing in `text` is understood, or when what is understood
    contradicts itself (a trim that ends before it starts).
    """
    src = _Text(_normalize(text))
    _read_cannot(src)
    r = EncodeRequest()
    # Order matters: each reader blanks what it read, so the more specific go first
    # ("audio 96k" before sizes, "1m30s" before "1 MB", "1280x720" before "720p").
    for read in (_read_edits, _read_audio, _read_times, _read_sizes, _read_fraction_and_scale):
        r = read(src, r)
    for read in (_read_resolution, _read_fps, _read_codec, _read_destination):
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
    for m in src.take(_CONTAINER):
        if _affirmed(src, m):
            r = replace(r, container=_CONTAINER_OF[m.lastgroup or ""])
    if r.container is not None and r.codec is None:
        r = replace(r, codec=_FIRST_CODEC[r.container])
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
_CONTAINER_NAMES: dict[str, str] = {"mp4": "MP4", "webm": "WebM", "mkv": "MKV"}


def describe(
    request: EncodeRequest,
    locale: str,
    *,
    chat_limit: int | None = None,
    platform: str | None = None,
) -> str:
    """Say back what was understood, in `locale`: "Understood: under 50.0 MB, keep quality, H.264."

    `chat_limit` (bytes) names the limit that "fit the chat" stands for, when the caller knows it;
    `platform` is the chat's, so "for discord" in a Discord chat is that chat's own limit.
    """
    r = request
    items: list[str] = []

    def add(key: str, **params: object) -> None:
        items.append(t(key, locale, **params))

    if r.output in ("gif", "webp"):
        add(f"intent_{r.output}")
    elif r.output == "audio":
        add("intent_audio", format=(r.audio_format or "mp3").upper())
    if r.target_bytes is not None:
        add("intent_target", size=human_size(r.target_bytes, locale))
    if r.fit_chat:
        if chat_limit is not None:
            add("intent_fit_chat_limit", size=human_size(chat_limit, locale))
        else:
            add("intent_fit_chat")
    if r.destination is not None:
        name = DESTINATIONS[r.destination].label
        size = limit_for(r.destination, platform=platform, chat_limit=chat_limit)
        add("intent_destination", name=name, size=human_size(size, locale))
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
    _describe_edits(r, add)
    if r.smallest:
        add("intent_smallest")
    if r.remove_audio and r.output == "video":
        add("intent_remove_audio")
    elif r.audio_bitrate is not None:
        add("intent_audio_bitrate", kbps=f"{r.audio_bitrate / 1000:g}")
    if r.keep_quality:
        add("intent_keep_quality")
    codec = _CODEC_NAMES[r.codec or "h264"]
    container = r.container or ("webm" if r.codec == "vp9" else "mp4")
    if r.output != "video":
        pass  # a GIF or an audio file has its own format, said above
    elif container == "mp4":
        items.append(codec)
    else:
        add("intent_codec_in", codec=codec, container=_CONTAINER_NAMES[container])
    if r.apply_to_all:
        add("intent_all")
    return t("intent_understood", locale, items=t("intent_separator", locale).join(items))


def _describe_edits(r: EncodeRequest, add: Callable[..., None]) -> None:
    if r.speed:
        add("intent_speed", speed=f"{r.speed:g}")
    if r.rotate:
        add("intent_rotate", degrees=r.rotate)
    if r.hflip:
        add("intent_hflip")
    if r.vflip:
        add("intent_vflip")
    if r.aspect is not None:
        a, b = r.aspect
        add(f"intent_aspect_{r.fit}" if r.fit else "intent_aspect", a=a, b=b)
    if r.reverse:
        add("intent_reverse")


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
