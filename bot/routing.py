"""What a message means: a command, one of the seed's direct actions, or a turn for the agent.

The seed's table (English and Chinese): "export" / "导出" / "download" → export;
"credits" / "积分" / "balance" / "余额" → credits;
"status" / "状态" / "show tracks" → state summary;
"upload" / "上传" → ask for the file; a file → upload; everything else → a turn.
Only short messages that are *just* such a request take a direct action: "export it in 720p
with a title" is an instruction for the agent, not a bare export.

`translate_gui` rewrites the agent's GUI talk ("click Export") into what a chat can do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Literal

from bot.texts import t

Action = Literal[
    "start",
    "help",
    "new",
    "status",
    "credits",
    "export",
    "cancel",
    "lang",
    "settings",
    "upload_hint",
    "turn",
]

COMMANDS: dict[str, Action] = {
    "start": "start",
    "help": "help",
    "new": "new",
    "reset": "new",
    "status": "status",
    "credits": "credits",
    "balance": "credits",
    "export": "export",
    "download": "export",
    "cancel": "cancel",
    "stop": "cancel",
    "lang": "lang",
    "language": "lang",
    "settings": "settings",
    "defaults": "settings",
    # Instruction commands (Discord's /edit and /compress) carry their text as the argument.
    "edit": "turn",
    "compress": "turn",
}


@dataclass(frozen=True, slots=True)
class Route:
    action: Action
    argument: str = ""
    unknown_command: str | None = None  # "/foo" that we do not know: answered with help


_FILLER_EN = r"(?:please\s+|pls\s+|now\s+|can you\s+|could you\s+|just\s+)*"
_OBJECT_EN = r"(?:\s+(?:it|this|that|the video|my video|the result|the file|video))?"
_TAIL_EN = r"(?:\s+(?:please|pls|now|thanks))*[\s.!?]*"
_ZH_FILLER = r"(?:请|帮我|麻烦|给我)*"
_ZH_TAIL = r"(?:一下|视频|吧|谢谢)*[\s。！？!?]*"

_CREDITS_EN = r"(?:check\s+|show\s+|my\s+|how\s+many\s+)?(?:credits?|balance)(?:\s+left)?"
_STATUS_EN = r"(?:status|show\s+(?:the\s+)?(?:tracks|timeline|status))"
_UPLOAD_EN = r"(?:upload|i want to upload)(?:\s+a)?"

_DIRECT: list[tuple[Action, re.Pattern[str]]] = [
    (
        "export",
        re.compile(rf"^{_FILLER_EN}(?:export|download|render){_OBJECT_EN}{_TAIL_EN}$", re.I),
    ),
    (
        "export",
        re.compile(rf"^{_FILLER_EN}send\s+me\s+(?:the|my)\s+(?:video|result){_TAIL_EN}$", re.I),
    ),
    ("export", re.compile(rf"^{_ZH_FILLER}(?:导出|下载|发给我|把视频发给我){_ZH_TAIL}$")),
    ("credits", re.compile(rf"^{_FILLER_EN}{_CREDITS_EN}{_TAIL_EN}$", re.I)),
    (
        "credits",
        re.compile(rf"^{_ZH_FILLER}(?:查询|查看|查)?(?:积分|余额)(?:还有多少|多少)?{_ZH_TAIL}$"),
    ),
    ("status", re.compile(rf"^{_FILLER_EN}{_STATUS_EN}{_TAIL_EN}$", re.I)),
    ("status", re.compile(rf"^{_ZH_FILLER}(?:查看|查询|显示)?(?:状态|轨道|时间线){_ZH_TAIL}$")),
    ("upload_hint", re.compile(rf"^{_FILLER_EN}{_UPLOAD_EN}{_OBJECT_EN}{_TAIL_EN}$", re.I)),
    ("upload_hint", re.compile(rf"^{_ZH_FILLER}(?:上传|我要上传){_ZH_TAIL}$")),
]

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


def route(text: str) -> Route:
    """The action for a message's text (attachments are handled before this)."""
    stripped = text.strip()
    command = _COMMAND.match(stripped)
    if command:
        name, argument = command.group(1).lower(), (command.group(2) or "").strip()
        action = COMMANDS.get(name)
        if action is None:
            return Route("help", unknown_command=f"/{name}")
        return Route(action, argument)
    for action, pattern in _DIRECT:
        if pattern.match(stripped):
            return Route(action)
    return Route("turn", stripped)


@dataclass(frozen=True, slots=True)
class Translated:
    text: str
    offer_export: bool = False
    show_summary: bool = False


_CLICK_EXPORT = (
    r"(?:click|press|tap|hit|use)\s+(?:on\s+)?(?:the\s+)?[\"“']?export[\"”']?(?:\s+button)?"
    r"(?:\s+(?:below|above|at the top|in the top right))?"
)
_DRAG = r"(?:drag and drop|drag|drop)(?:\s+(?:it|the\s+\w+))?(?:\s+(?:onto|into|to)\s+the\s+\w+)?"

# (pattern, replacement text key, effect: "export" offers the Export button, "summary" the tracks)
_GUI: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(_CLICK_EXPORT, re.I), "gui_export", "export"),
    (re.compile(r"(?:the\s+)?[\"“']?export[\"”']?\s+button", re.I), "gui_export", "export"),
    (re.compile(r"点击\s*[「“\"]?导出[」”\"]?(?:按钮)?"), "gui_export", "export"),
    (re.compile(_DRAG, re.I), "gui_drag", ""),
    (re.compile(r"拖拽|拖动"), "gui_drag", ""),
    (re.compile(r"(?:preview|check)\s+(?:it\s+)?in\s+the\s+timeline", re.I), "gui_open", "summary"),
    (re.compile(r"open\s+the\s+[\w ]{1,20}?\s+panel", re.I), "gui_open", "summary"),
    (re.compile(r"打开\s*\S{1,8}?面板"), "gui_open", "summary"),
]


def translate_gui(text: str, locale: str | None) -> Translated:
    """Rewrite the agent's GUI talk into chat actions: "click Export" becomes "press Export
    below" with an Export button offered, "preview in timeline" a track summary, and so on."""
    offer_export = show_summary = False
    for pattern, key, effect in _GUI:
        if pattern.search(text):
            text = pattern.sub(partial(_in_place, replacement=t(key, locale)), text)
            offer_export |= effect == "export"
            show_summary |= effect == "summary"
    return Translated(text, offer_export, show_summary)


def _in_place(match: re.Match[str], replacement: str) -> str:
    """The replacement, capitalised where the agent's phrase opened a sentence."""
    before = match.string[: match.start()].rstrip()
    if not before or before[-1] in ".!?\n:":
        return replacement[:1].upper() + replacement[1:]
    return replacement


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` characters, at paragraph, line or sentence
    boundaries where possible, at a space otherwise, mid-word only as a last resort."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for separator in ("\n\n", "\n", "。", ". ", "! ", "? ", "！", "？", "; ", " "):
            at = window.rfind(separator)
            if at > limit // 3:
                cut = at + len(separator)
                break
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces
