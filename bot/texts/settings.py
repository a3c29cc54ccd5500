"""Sentences of `/settings`: a person's defaults, their menu and what was applied. See
`bot.texts`."""

from bot.texts.words import Template, plural

TEXTS: dict[str, dict[str, Template]] = {
    "settings_title": {
        "en": "⚙️ Your defaults, used when a request doesn't say:",
        "zh": "⚙️ 你的默认设置（请求里没说到的地方就用它们）：",
    },
    "settings_line_target": {"en": "• Size: {value}", "zh": "• 大小：{value}"},
    "settings_line_codec": {"en": "• Codec: {value}", "zh": "• 编码：{value}"},
    "settings_line_resolution": {"en": "• Max resolution: {value}", "zh": "• 最大分辨率：{value}"},
    "settings_line_audio": {"en": "• Audio: {value}", "zh": "• 声音：{value}"},
    "settings_line_send": {"en": "• Send as: {value}", "zh": "• 发送方式：{value}"},
    "settings_line_lang": {"en": "• Language: {value}", "zh": "• 语言：{value}"},
    "settings_wins": {
        "en": 'Whatever a request says wins ("in h265", "under 20MB").',
        "zh": "请求里明确说的优先（如“用h265”“20MB以内”）。",
    },
    "settings_nemo_only": {
        "en": "With the NemoVideo agent only the language and “send as” apply.",
        "zh": "使用 NemoVideo 智能体时，只有语言和发送方式生效。",
    },
    "settings_value_chat": {"en": "fits the chat", "zh": "适合本聊天"},
    "settings_value_under": {"en": "under {size}", "zh": "小于 {size}"},
    "settings_value_h264": {"en": "H.264 (plays everywhere)", "zh": "H.264（兼容性最好）"},
    "settings_value_h265": {"en": "H.265 (smaller)", "zh": "H.265（更小）"},
    "settings_value_av1": {"en": "AV1 (smallest, slow)", "zh": "AV1（最小，较慢）"},
    "settings_value_source": {"en": "as the video is", "zh": "保持原样"},
    "settings_value_height": {"en": "at most {height}p", "zh": "最高 {height}p"},
    "settings_value_keep": {"en": "keep", "zh": "保留"},
    "settings_value_drop": {"en": "drop", "zh": "去掉"},
    "settings_value_video": {"en": "video", "zh": "视频"},
    "settings_value_file": {"en": "file (kept as is)", "zh": "文件（原样保存）"},
    "settings_btn_target": {"en": "🎯 Size", "zh": "🎯 大小"},
    "settings_btn_codec": {"en": "🎞 Codec", "zh": "🎞 编码"},
    "settings_btn_resolution": {"en": "📐 Resolution", "zh": "📐 分辨率"},
    "settings_btn_audio": {"en": "🔊 Audio", "zh": "🔊 声音"},
    "settings_btn_send": {"en": "📤 Send as", "zh": "📤 发送方式"},
    "settings_btn_lang": {"en": "🌐 Language", "zh": "🌐 语言"},
    "settings_btn_reset": {"en": "↩️ Reset all", "zh": "↩️ 全部恢复默认"},
    "settings_btn_back": {"en": "⬅️ Back", "zh": "⬅️ 返回"},
    "settings_btn_custom": {"en": "✏️ Custom size", "zh": "✏️ 自定义大小"},
    "settings_pick_target": {"en": "🎯 Default size:", "zh": "🎯 默认大小："},
    "settings_pick_codec": {"en": "🎞 Default codec:", "zh": "🎞 默认编码："},
    "settings_pick_resolution": {"en": "📐 Largest resolution:", "zh": "📐 最大分辨率："},
    "settings_pick_audio": {
        "en": "🔊 Sound, when a request says nothing:",
        "zh": "🔊 没说到声音时：",
    },
    "settings_pick_send": {"en": "📤 Send results as:", "zh": "📤 结果发送为："},
    "settings_pick_lang": {"en": "🌐 Language:", "zh": "🌐 语言："},
    "settings_custom": {
        "en": "✏️ Send the size you want as a command, e.g. /settings target 12MB "
        "(from 100 KB to 2 GB).",
        "zh": "✏️ 用命令发送想要的大小，例如 /settings target 12MB（100 KB 到 2 GB 之间）。",
    },
    "settings_saved": {"en": "✅ Saved.", "zh": "✅ 已保存。"},
    "settings_reset_done": {
        "en": "↩️ Back to the bot's defaults.",
        "zh": "↩️ 已恢复为机器人的默认设置。",
    },
    "settings_unknown": {
        "en": "I don't have a setting “{name}”. These are: size, codec, resolution, audio, "
        "send, lang.",
        "zh": "没有“{name}”这个设置。可用的有：size、codec、resolution、audio、send、lang。",
    },
    "settings_bad_value": {
        "en": "“{value}” is not a choice for this setting: pick one below.",
        "zh": "“{value}”不是这个设置的选项：请从下面选择。",
    },
    "cli_bad_default": {
        "en": "“{value}” is not a size I can aim at: use e.g. --target 8MB or --target 10MiB "
        "(100 KB to 2 GB), or --target chat.",
        "zh": "“{value}”不是可用的目标大小：请用如 --target 8MB 或 --target 10MiB（100 KB 到 2 GB），"
        "或 --target chat。",
    },
    # "Understood: …" and then what the defaults filled in: Chinese puts no space between them
    "defaults_after": {"en": "{understood} {applied}", "zh": "{understood}{applied}"},
    "defaults_at_most": {"en": "at most {height}p", "zh": "最高 {height}p"},
    "defaults_applied": {
        "en": plural(
            "count",
            one="Your default: {items} ({where}).",
            other="Your defaults: {items} ({where}).",
        ),
        "zh": "已用你的默认设置：{items}（{where}）。",
    },
}
