"""Sentences of the request parser: what the local engine understood. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {
    "intent_understood": {"en": "Understood: {items}.", "zh": "明白：{items}。"},
    "intent_separator": {"en": ", ", "zh": "，"},
    "intent_target": {"en": "under {size}", "zh": "小于 {size}"},
    "intent_fit_chat_limit": {"en": "fits this chat ({size})", "zh": "适合本聊天（{size}）"},
    "intent_fit_chat": {"en": "fits this chat's upload limit", "zh": "符合本聊天的上传上限"},
    "intent_fraction": {"en": "{pct}% of the original size", "zh": "原大小的 {pct}%"},
    "intent_smaller": {"en": "a smaller file", "zh": "减小体积"},
    "intent_dimensions": {"en": "{width}×{height}", "zh": "{width}×{height}"},
    "intent_height": {"en": "{height}p", "zh": "{height}p"},
    "intent_width": {"en": "{width} pixels wide", "zh": "宽 {width} 像素"},
    "intent_scale": {"en": "{pct}% resolution", "zh": "分辨率 {pct}%"},
    "intent_fps": {"en": "at most {fps} fps", "zh": "帧率不超过 {fps}"},
    "intent_trim_range": {"en": "from {start} to {end}", "zh": "从 {start} 到 {end}"},
    "intent_trim_first": {"en": "the first {end}", "zh": "前 {end}"},
    "intent_trim_from": {"en": "from {start} to the end", "zh": "从 {start} 到结尾"},
    "intent_trim_last": {"en": "the last {length}", "zh": "最后 {length}"},
    "intent_trim_drop_last": {"en": "without the last {length}", "zh": "去掉最后 {length}"},
    "intent_trim_from_drop_last": {
        "en": "from {start}, without the last {length}",
        "zh": "从 {start} 开始，去掉最后 {length}",
    },
    "intent_remove_audio": {"en": "no audio", "zh": "去掉声音"},
    "intent_audio_bitrate": {"en": "audio {kbps} kbps", "zh": "音频 {kbps} kbps"},
    "intent_keep_quality": {"en": "keep quality", "zh": "尽量保持画质"},
    "intent_all": {"en": "every video", "zh": "所有视频"},
    # A part of the request that can't be used: UnclearRequest.reason, given the examples.
    "intent_size_not_positive": {
        "en": "🤔 A size has to be more than zero. Say the size you want, such as “under 20MB”.",
        "zh": "🤔 大小必须大于零。请说出想要的大小，例如“压缩到20MB以内”。",
    },
    "intent_size_too_big": {
        "en": "🤔 I didn't understand that size: the number is too large. Say the size you want, "
        "such as “under 20MB”.",
        "zh": "🤔 没看懂这个大小：数字太大了。请说出想要的大小，例如“压缩到20MB以内”。",
    },
    "intent_time_too_big": {
        "en": "🤔 I didn't understand that time: the number is too large. Say it like “the first "
        "30 seconds” or “from 0:10 to 0:45”.",
        "zh": "🤔 没看懂这个时间：数字太大了。可以这样说：“前30秒”或“从0:10到0:45”。",
    },
    # A size on the command line (--limit MB), refused by the same rule as a size said.
    "cli_bad_megabytes": {
        "en": "“{value}” is not a size in MB: give a number above 0, such as 50.",
        "zh": "“{value}”不是以 MB 为单位的大小：请给出大于 0 的数字，例如 50。",
    },
    # Only the list: the core's err_unclear puts its own sentence before it.
    "intent_examples": {
        "en": (
            "• compress to under 20MB\n"
            "• fit Discord, keep quality\n"
            "• 720p, 30fps, remove the audio\n"
            "• half the size, H.265\n"
            "• from 0:10 to 0:45"
        ),
        "zh": (
            "• 压缩到20MB以内\n"
            "• 适合Discord，不损失画质\n"
            "• 720p，帧率30，去掉声音\n"
            "• 体积减半，H.265\n"
            "• 从0:10到0:45"
        ),
    },
}
