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
    "intent_codec_in": {"en": "{codec} in {container}", "zh": "{container} 格式的 {codec}"},
    # Edits and outputs (see bot/backends/local/edits.py, gif.py, audio.py)
    "intent_gif": {"en": "an animated GIF (loops)", "zh": "GIF 动图（循环播放）"},
    "intent_webp": {"en": "an animated WebP (loops)", "zh": "WebP 动图（循环播放）"},
    "intent_audio": {"en": "the sound only, as {format}", "zh": "只要音频（{format}）"},
    "intent_speed": {"en": "{speed}× speed, pitch kept", "zh": "{speed} 倍速（音调不变）"},
    "intent_rotate": {"en": "rotated {degrees}° clockwise", "zh": "顺时针旋转 {degrees}°"},
    "intent_hflip": {"en": "mirrored left to right", "zh": "左右镜像"},
    "intent_vflip": {"en": "flipped upside down", "zh": "上下翻转"},
    "intent_aspect": {"en": "{a}:{b}", "zh": "{a}:{b}"},
    "intent_aspect_crop": {
        "en": "{a}:{b}, cropped to the centre",
        "zh": "{a}:{b}（居中裁剪）",
    },
    "intent_aspect_blur": {
        "en": "{a}:{b}, the whole picture over a blurred copy of itself (say “crop” to fill the "
        "frame instead)",
        "zh": "{a}:{b}（保留完整画面，空白处用模糊画面填充；想铺满画面请说“裁剪”）",
    },
    "intent_aspect_bars": {
        "en": "{a}:{b}, the whole picture with black bars",
        "zh": "{a}:{b}（保留完整画面，加黑边）",
    },
    "intent_reverse": {"en": "played backwards", "zh": "倒放"},
    "intent_smallest": {
        "en": "as small as it stays watchable (at most 480p and 30 fps, audio 64 kbps)",
        "zh": "在能看清的前提下尽量小（最高 480p、30 帧/秒，音频 64 kbps）",
    },
    "intent_destination": {"en": "fits {name} ({size})", "zh": "适合 {name}（{size}）"},
    "intent_speed_range": {
        "en": "🤔 I can change the speed from 0.25× to 4×. Say, for example, “2x speed” or "
        "“slow motion 0.5x”.",
        "zh": "🤔 我可以把速度调到 0.25 倍到 4 倍之间。例如可以说“2倍速”或“慢放0.5倍”。",
    },
    "intent_rotate_right_angles": {
        "en": "🤔 I rotate by quarter turns: 90, 180 or 270 degrees. Say, for example, “rotate 90 "
        "degrees clockwise”.",
        "zh": "🤔 我只能按 90 度的倍数旋转：90、180 或 270 度。例如可以说“顺时针旋转90度”。",
    },
    # What the local engine cannot do: its own answer, what it can do instead, and who can.
    "intent_cannot_subtitles": {
        "en": "✍️ I can't add subtitles or text here: this bot is running its local video engine, "
        "which compresses, trims, resizes, changes speed, rotates, crops to 9:16 or square, and "
        "makes GIFs or audio files. The NemoVideo agent can add subtitles and captions when the "
        "bot is set up with it (NEMO_TOKEN).",
        "zh": "✍️ 这里不能加字幕或文字：本机器人正在使用本地视频引擎，它可以压缩、剪辑、改分辨率、变速、旋转、"
        "裁成 9:16 或方形，以及导出 GIF 或音频。配置了 NemoVideo 智能体（NEMO_TOKEN）时，它可以添加字幕。",
    },
    "intent_cannot_background": {
        "en": "🖼 I can't remove or replace the background here: the local video engine works on "
        "the whole picture (compress, trim, resize, speed, rotate, crop, GIF, audio). The "
        "NemoVideo agent can do background work when the bot is set up with it (NEMO_TOKEN).",
        "zh": "🖼 这里不能去除或更换背景：本地视频引擎只处理整个画面（压缩、剪辑、改分辨率、变速、旋转、裁剪、GIF、"
        "音频）。配置了 NemoVideo 智能体（NEMO_TOKEN）时，它可以处理背景。",
    },
    "intent_cannot_watermark": {
        "en": "💧 I can't add or remove a watermark or logo here. The local engine can crop the "
        "edges away (e.g. “crop to 16:9”), and the NemoVideo agent can edit the picture when "
        "the bot is set up with it (NEMO_TOKEN).",
        "zh": "💧 这里不能添加或去除水印、logo。本地引擎可以把边缘裁掉（例如“裁成16:9”）；配置了 NemoVideo "
        "智能体（NEMO_TOKEN）时，它可以编辑画面。",
    },
    "intent_cannot_music": {
        "en": "🎵 I can't add music or a voice-over here. The local engine can remove the sound, "
        "keep only the sound (“extract the audio as mp3”) or change its speed; the NemoVideo "
        "agent can add music when the bot is set up with it (NEMO_TOKEN).",
        "zh": "🎵 这里不能加音乐或配音。本地引擎可以去掉声音、只导出音频（“只要音频”）或变速；配置了 NemoVideo "
        "智能体（NEMO_TOKEN）时，它可以添加音乐。",
    },
    "intent_cannot_enhance": {
        "en": "✨ I can't make it look better here: the local engine never adds detail, it "
        "compresses, trims, resizes, changes speed, rotates, crops and makes GIFs or audio. "
        "For the best picture it can keep, say “keep quality”. The NemoVideo agent can "
        "enhance, grade and add effects when the bot is set up with it (NEMO_TOKEN).",
        "zh": "✨ 这里不能让画面变得更好看：本地引擎不会增加细节，它可以压缩、剪辑、改分辨率、变速、旋转、裁剪、"
        "导出 GIF 或音频。想尽量保留画质请说“不损失画质”。配置了 NemoVideo 智能体（NEMO_TOKEN）时，"
        "它可以增强画质、调色和加特效。",
    },
    "intent_cannot_merge": {
        "en": "🧩 I can't join videos into one here: the local engine works on one video at a "
        "time (say “all videos” to do the same to each). The NemoVideo agent can merge clips "
        "when the bot is set up with it (NEMO_TOKEN).",
        "zh": "🧩 这里不能把多个视频合并成一个：本地引擎一次处理一个视频（说“所有视频”可以对每个视频做同样的处理）。"
        "配置了 NemoVideo 智能体（NEMO_TOKEN）时，它可以合并片段。",
    },
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
            "• from 0:10 to 0:45\n"
            "• convert to gif under 5MB\n"
            "• extract the audio as mp3\n"
            "• 2x speed, rotate 90 degrees, vertical 9:16"
        ),
        "zh": (
            "• 压缩到20MB以内\n"
            "• 适合Discord，不损失画质\n"
            "• 720p，帧率30，去掉声音\n"
            "• 体积减半，H.265\n"
            "• 从0:10到0:45\n"
            "• 导出为gif，5MB以内\n"
            "• 只要音频，mp3\n"
            "• 2倍速，旋转90度，竖屏9:16"
        ),
    },
}
