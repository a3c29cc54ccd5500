"""What the local engine cannot do, each with its own answer (never the generic "didn't
understand")."""

from __future__ import annotations

import re

from bot.backends.local.intent.text import Text, affirmed, verbose
from bot.errors import UnclearRequest

CANNOTS: dict[str, re.Pattern[str]] = {
    "subtitles": verbose(
        r"""(?<![a-z])(?:subtitles?|captions?|closed\s+captions|srt|transcri(?:be|pt|ption)
          |(?:add|put|burn|overlay)\s+(?:some\s+)?(?:text|words|a\s+title|titles))(?![a-z])
          | 字幕 | 加文字 | 添加文字 | 配文字 | 标题文字"""
    ),
    "background": verbose(
        r"""(?<![a-z])(?:(?:remove|replace|change|blur|cut\s+out|erase)\s+(?:the\s+)?background
          |green\s*screen|chroma\s*key|background\s+remov\w*)(?![a-z])
          | 抠图 | 抠像 | 去背景 | 去掉背景 | 换背景 | 更换背景 | 背景虚化 | 绿幕"""
    ),
    "watermark": verbose(
        r"""(?<![a-z])(?:(?:remove|erase|get\s+rid\s+of|take\s+off)\s+(?:the\s+)?(?:watermark|logo)
          |(?:add|put)\s+(?:a\s+|my\s+)?(?:watermark|logo))(?![a-z])
          | 去水印 | 去掉水印 | 去除水印 | 加水印 | 添加水印 | 加logo"""
    ),
    "music": verbose(
        r"""(?<![a-z])(?:add|put)\s+(?:some\s+|background\s+|a\s+)?(?:music|song|soundtrack
          |voice\s*over|narration)(?![a-z])
          | 加音乐 | 配乐 | 加背景音乐 | 配音 | 加配音 | 加首歌"""
    ),
    "enhance": verbose(
        r"""(?<![a-z])(?:make\s+it\s+(?:look\s+)?(?:better|nicer|prettier|sharper|cinematic)
          |look\s+better|enhance|improve\s+(?:the\s+)?(?:quality|video|look)|upscale|sharpen
          |denoise|stabili[sz]e|colou?r\s+(?:grade|grading|correct\w*)|add\s+(?:a\s+)?filter
          |add\s+(?:some\s+)?effects?|transitions?|beautify)(?![a-z])
          | 变好看 | 好看一点 | 好看点 | 美化 | 画质增强 | 增强画质 | 提升画质 | 提高画质
          | 变清晰 | 更清晰 | 调色 | 滤镜 | 特效 | 转场 | 防抖 | 降噪 | 超分"""
    ),
    "merge": verbose(
        r"""(?<![a-z])(?:merge|combine|join|concatenate|stitch)\s+(?:them|these|the\s+videos|
          all|both|(?:the\s+)?clips|videos)(?![a-z])
          | 合并 | 拼接 | 合成一个"""
    ),
}


def read_cannot(src: Text) -> None:
    for kind, pattern in CANNOTS.items():
        if any(affirmed(src, m) for m in pattern.finditer(src.s)):
            raise UnclearRequest(f"cannot {kind} locally", reason=f"intent_cannot_{kind}")
