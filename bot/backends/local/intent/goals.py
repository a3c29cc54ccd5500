"""What the result is for and how it should be: a destination, the chat's limit, quality, "all",
and the bare wish to compress."""

from __future__ import annotations

from dataclasses import replace

from bot.backends.local.intent.request import EncodeRequest
from bot.backends.local.intent.text import L, R, Text, affirmed, verbose

_PLATFORM = r"(?:discord|telegram|tg|wechat|whatsapp|电报|纸飞机|微信|(?:this|the)\s+chat)"
FIT_CHAT = verbose(
    rf"""{L}(?:for|fit|fits|fitting|to\s+fit|fit\s+(?:in|into|on|for)|under|within
            |(?:send|post|share|upload)(?:\s+it)?\s+(?:to|on|in|via|over))
         \s+(?:the\s+|this\s+|a\s+)?{_PLATFORM}{R}
      | {L}{_PLATFORM}(?:'s)?(?:\s+|-)?(?:ready|friendly|size[ds]?|limits?|compatible|upload
            |max|sized){R}
      | (?:适合|适配|符合|满足|发到|发送到|发给|能发|可以发|上传到|能发到|可以发到|用于)
        \s*{_PLATFORM}
      | {_PLATFORM}\s*(?:的)?(?:限制|大小|上限|要求|能发)
      | (?:发|发送)(?:去|给|到)?\s*{_PLATFORM}
      | {L}(?:upload|size|file)\s+limit{R} | 上传限制 | 上传上限
      | {L}(?:can't|cannot|can\s+not|won't|couldn't|unable\s+to)\s+(?:send|upload|post|share)
      | {L}too\s+(?:big|large)\s+to\s+(?:send|upload|post|share){R}
      | 发不出去 | 发不了 | 发不出 | 传不上去 | 上传不了 | 传不了"""
)
KEEP_QUALITY = verbose(
    rf"""{L}(?:keep|keeping|preserve|preserving|maintain|maintaining|retain|retaining)
            \s+(?:the\s+|its\s+|good\s+|high\s+|original\s+|video\s+|image\s+|picture\s+)*
            (?:quality|clarity|sharpness){R}
      | {L}without\s+(?:losing|lose|hurting|sacrificing|reducing|degrading|ruining|killing|much)
            \s+(?:\w+\s+){{0,2}}?(?:quality|clarity){R}
      | {L}(?:no|minimal|little|without(?:\s+any)?|zero|less)\s+(?:visible\s+)?quality\s+loss{R}
      | {L}(?:high|best|good|max(?:imum)?|same|original|full|top|great)\s+(?:possible\s+)?
        quality{R}
      | {L}(?:don't|dont|do\s+not|never)\s+(?:lose|ruin|hurt|degrade|reduce|lower|sacrifice|kill)
        \s+(?:the\s+|much\s+|any\s+|too\s+much\s+)?(?:video\s+|image\s+)?quality{R}
      | {L}quality\s+(?:first|matters|intact|is\s+(?:important|key|everything)){R}
      | {L}keep\s+it\s+(?:sharp|crisp|clear|clean|looking\s+good){R}
      | {L}(?:visually\s+)?lossless(?:ly)?{R}
      | (?:不|别|不要|不想|没有|尽量不|不会)(?:损失|损|降低|影响|牺牲|丢失|损伤|降)(?:太多)?
            (?:画质|质量|清晰度|画面)
      | (?:保持|保留|保证|维持|不变的?)(?:原有|原来的?|原始)?(?:的)?(?:画质|质量|清晰度|清晰)
      | (?:画质|质量|清晰度)(?:不变|无损|优先|不要?(?:变)?差|别(?:变)?差
        |(?:很|十分|非常|比较|最)?重要)
      | 无损 | 高画质 | 原画质 | 不失真 | 不要模糊 | 别糊 | 不要糊"""
)
ALL = verbose(
    rf"""{L}all\s+(?:the\s+|of\s+the\s+|my\s+|these\s+|those\s+|\d+\s+|three\s+|two\s+)?
            (?:videos?|clips?|files?|of\s+(?:them|these|those|my\s+videos))
      | {L}(?:them|these|those)\s+all{R}
      | {L}(?:every|each)\s+(?:one|video|clip|file|of\s+(?:them|these|those)){R}
      | {L}both\s+(?:videos|clips|files|of\s+them){R}
      | {L}(?:do|compress|process|convert|shrink|for|apply\s+to)\s+all{R}
      | 全部(?!声音|音频|音轨|画面|的声音) | 所有(?:的)?(?:视频|文件|片段) | 每个视频 | 每一个视频
      | 每个文件 | 这些视频 | 全都 | 批量 | (?:两|三|几|这几|那几)个(?:视频|文件)?(?:都|全)"""
)
COMPRESS = verbose(
    rf"""{L}(?:compress(?:ed|ion|ing)?|shrink|shrunk|smaller|downsize|minimi[sz]e|squeeze
            |lighter|tinier|slim\s+(?:it\s+)?down|small\s+enough){R}
      | {L}reduce\s+(?:the\s+|its\s+)?(?:file\s+)?size{R}
      | {L}(?:make|get)\s+(?:it|this|the\s+video)\s+(?:small|tiny|light){R}
      | {L}too\s+(?:big|large|heavy){R} | 太大 | 太大了
      | 压缩 | 变小 | 小一点 | 小一些 | 小点 | 瘦身 | 减小 | 缩小 | 压一下 | 压小 | 压一压
      | 减少(?:文件)?(?:体积|大小)"""
)


_DESTINATION = verbose(
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


def read_destination(src: Text, r: EncodeRequest) -> EncodeRequest:
    for m in src.take(_DESTINATION):
        if not affirmed(src, m):
            continue
        name = m.lastgroup or ""
        if name in ("boost", "boost2"):
            name = f"discord_boost_{m.group('boost') or m.group('boost2')}"
        r = replace(
            r, destination=name.removesuffix("2") if name[-1:] == "2" and "_" not in name else name
        )
    return r
