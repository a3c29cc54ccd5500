"""User-facing sentences of the conversation core. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {
    # Timeline
    "timeline_empty": {
        "en": "The timeline is empty: send a video to start.",
        "zh": "时间线是空的：发送一个视频开始吧。",
    },
    "timeline_summary": {
        "en": "Timeline ({count} tracks): {items}",
        "zh": "时间线（{count} 条轨道）：{items}",
    },
    "track_video": {"en": "Video", "zh": "视频"},
    "track_audio": {"en": "BGM", "zh": "背景音乐"},
    "track_text": {"en": "Title", "zh": "标题"},
    "track_other": {"en": "Track", "zh": "轨道"},
    "diff_added": {"en": "added a {what} track", "zh": "添加了{what}轨道"},
    "diff_removed": {"en": "removed the {what} track", "zh": "删除了{what}轨道"},
    "diff_replaced": {
        "en": "replaced the {old} track with {what}",
        "zh": "把{old}轨道换成了{what}",
    },
    "diff_trimmed": {"en": "trimmed {what} to {span}", "zh": "把{what}剪辑为 {span}"},
    "diff_volume": {"en": "set {what} volume to {pct}", "zh": "把{what}音量设为 {pct}"},
    "diff_segments": {"en": "{what} now has {n} segments", "zh": "{what}现在有 {n} 个片段"},
}
