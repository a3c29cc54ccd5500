"""What the progress line says while the video agent uses a tool: a friendly step, never the
tool's own name. `bot.backends.nemo._tools` maps tool names onto these keys."""

TEXTS: dict[str, dict[str, str]] = {
    "tool_working": {"en": "⏳ Working on it…", "zh": "⏳ 正在处理…"},
    "tool_compressing": {"en": "⏳ Compressing…", "zh": "⏳ 正在压缩…"},
    "tool_adding_music": {"en": "⏳ Adding music…", "zh": "⏳ 正在添加音乐…"},
    "tool_trimming": {"en": "⏳ Trimming…", "zh": "⏳ 正在剪辑…"},
    "tool_adding_text": {"en": "⏳ Adding text…", "zh": "⏳ 正在添加文字…"},
    "tool_generating": {"en": "⏳ Generating video…", "zh": "⏳ 正在生成视频…"},
    "tool_resizing": {"en": "⏳ Resizing…", "zh": "⏳ 正在调整尺寸…"},
    "tool_converting": {"en": "⏳ Converting…", "zh": "⏳ 正在转换格式…"},
    "tool_speed": {"en": "⏳ Changing the speed…", "zh": "⏳ 正在调整速度…"},
    "tool_sound": {"en": "⏳ Working on the sound…", "zh": "⏳ 正在处理声音…"},
    "tool_effects": {"en": "⏳ Adding effects…", "zh": "⏳ 正在添加特效…"},
    "tool_rendering": {"en": "⏳ Rendering…", "zh": "⏳ 正在渲染…"},
    "tool_analyzing": {"en": "⏳ Looking at your video…", "zh": "⏳ 正在分析视频…"},
    "tool_editing": {"en": "⏳ Editing the timeline…", "zh": "⏳ 正在编辑时间线…"},
}
