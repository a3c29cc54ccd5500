"""The agent's tool names mapped onto the progress labels of `bot.texts.tools`.

Tool names are the agent's internals (`compress_video`, `edit_multitrack`,
`generate_video_with_seedance`, ...) and change without notice, so they are matched by the words
in them, first rule first; a name no rule knows gets the neutral label.
"""

from __future__ import annotations

import re

NEUTRAL = "tool_working"

# (label, word stems): the first rule with a stem that starts a word of the name wins. More
# specific steps come first: "add_bgm_track" is music, not editing.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tool_adding_music", ("music", "bgm", "soundtrack", "song")),
    ("tool_adding_text", ("subtitle", "caption", "title", "text", "sticker")),
    ("tool_compressing", ("compress", "shrink")),
    ("tool_trimming", ("trim", "cut", "clip", "split")),
    ("tool_generating", ("generat", "seedance")),
    ("tool_resizing", ("resiz", "scale", "upscal", "crop", "resolution")),
    ("tool_converting", ("convert", "transcod", "format")),
    ("tool_speed", ("speed", "slow")),
    ("tool_sound", ("audio", "volume", "mute", "voice", "sound")),
    ("tool_effects", ("effect", "filter", "transition", "color", "colour")),
    ("tool_rendering", ("render", "export")),
    ("tool_analyzing", ("analy", "understand", "inspect", "probe", "detect", "describ")),
    ("tool_editing", ("edit", "multitrack", "timeline", "draft", "track")),
)


def tool_label(name: str) -> str:
    """The `bot.texts` key that names what a tool does, for people."""
    words = _words(name)
    for label, stems in _RULES:
        if any(word.startswith(stem) for word in words for stem in stems):
            return label
    return NEUTRAL


def _words(name: str) -> list[str]:
    """`compressVideo`, `compress_video`, `compress-video` all give ["compress", "video"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]
