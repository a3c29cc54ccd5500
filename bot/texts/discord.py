"""User-facing sentences of the discord area. See `bot.texts`.

Keys starting `discord_cmd_`/`discord_opt_` are app-command names and descriptions: the English
entry is the name Discord registers, the Chinese one its localization (names: lowercase, no
spaces, at most 32 characters; descriptions at most 100).
"""

TEXTS: dict[str, dict[str, str]] = {
    # Slash commands, their options and the context menu
    "discord_cmd_compress": {"en": "compress", "zh": "压缩"},
    "discord_cmd_compress_desc": {
        "en": "Compress a video so it can be posted here",
        "zh": "压缩视频，让它能发到这里",
    },
    "discord_opt_video": {"en": "video", "zh": "视频"},
    "discord_opt_video_desc": {"en": "The video to compress", "zh": "要压缩的视频"},
    "discord_opt_instructions": {"en": "instructions", "zh": "要求"},
    "discord_opt_instructions_desc": {
        "en": "What you want, e.g. under 8MB, 720p, no audio",
        "zh": "你的要求，例如：8MB 以内、720p、去掉声音",
    },
    "discord_cmd_edit": {"en": "edit", "zh": "编辑"},
    "discord_cmd_edit_desc": {
        "en": "Say what to change in this chat's video",
        "zh": "说说要怎样修改这个聊天里的视频",
    },
    "discord_cmd_export": {"en": "export", "zh": "导出"},
    "discord_cmd_export_desc": {
        "en": "Render the video and send it here",
        "zh": "渲染视频并发送到这里",
    },
    "discord_cmd_status": {"en": "status", "zh": "状态"},
    "discord_cmd_status_desc": {
        "en": "What is in this chat's session and what is running",
        "zh": "查看这个聊天的会话内容和正在进行的任务",
    },
    "discord_cmd_credits": {"en": "credits", "zh": "额度"},
    "discord_cmd_credits_desc": {"en": "Credits left for rendering", "zh": "剩余的渲染额度"},
    "discord_cmd_new": {"en": "new", "zh": "新建"},
    "discord_cmd_new_desc": {
        "en": "Start over with a new session",
        "zh": "开始一个新的会话",
    },
    "discord_cmd_cancel": {"en": "cancel", "zh": "取消"},
    "discord_cmd_cancel_desc": {
        "en": "Stop the job that is running",
        "zh": "停止正在进行的任务",
    },
    "discord_cmd_lang": {"en": "lang", "zh": "语言"},
    "discord_cmd_lang_desc": {
        "en": "The language I answer in",
        "zh": "我回复时使用的语言",
    },
    "discord_opt_everyone": {"en": "everyone", "zh": "所有人"},
    "discord_opt_everyone_desc": {
        "en": "Server moderators: stop every member's jobs in this channel",
        "zh": "服务器管理员：停止本频道所有成员的任务",
    },
    "discord_opt_language": {"en": "language", "zh": "语言"},
    "discord_opt_language_desc": {"en": "English or Chinese", "zh": "英文或中文"},
    "discord_choice_en": {"en": "English", "zh": "英文"},
    "discord_choice_zh": {"en": "Chinese", "zh": "中文"},
    "discord_cmd_help": {"en": "help", "zh": "帮助"},
    "discord_cmd_help_desc": {
        "en": "What I can do, and how to hand me a video here",
        "zh": "我能做什么，以及在这里怎样把视频交给我",
    },
    "discord_ctx_compress": {"en": "Compress video", "zh": "压缩视频"},
    # What a context-menu press or a bare /compress asks the backend for
    "discord_compress_instruction": {
        "en": "compress this video to fit Discord",
        "zh": "把这个视频压缩到可以在 Discord 发送的大小",
    },
    # Answers of the adapter itself
    "discord_not_video": {
        "en": "“{name}” is not a video, so I can't work on it. Send an MP4, MOV, WebM or MKV file.",
        "zh": "“{name}”不是视频，我没法处理。请发送 MP4、MOV、WebM 或 MKV 文件。",
    },
    "discord_no_video_in_message": {
        "en": "That message has no video attached. Use “Compress video” on a message with a "
        "video, or /compress with a file.",
        "zh": "那条消息里没有视频。请在带视频的消息上使用“压缩视频”，或者用 /compress 上传文件。",
    },
    "discord_moved": {
        "en": "⏬ This is taking a while: updates continue in a new message below.",
        "zh": "⏬ 处理时间较长：后续进度会发在下面的新消息里。",
    },
    "discord_download": {"en": "Download", "zh": "下载"},
    # In a server channel the bot never sees a posted video (only slash commands and the message
    # menu reach it), so the core's "send a video" is said this way there.
    "discord_no_session_guild": {
        "en": "No project yet in this channel. Use /compress with a video file, or right-click "
        "(long-press on a phone) a message with a video → Apps → Compress video.",
        "zh": "这个频道还没有项目。请使用 /compress 并附上视频文件，或者右键点击（手机上长按）"
        "一条带视频的消息 → 应用 → 压缩视频。",
    },
    "discord_nothing_to_cancel_yours_guild": {
        "en": "You have nothing running here. (Members who can manage messages can stop "
        "everyone's work with /cancel everyone:True.)",
        "zh": "你在这里没有正在进行的任务。（有“管理消息”权限的成员可以用 /cancel everyone:True "
        "停止所有人的任务。）",
    },
    "discord_cancel_all_denied_guild": {
        "en": "✋ Only members who can manage messages here can stop other members' work. "
        "/cancel stops your own.",
        "zh": "✋ 只有在这里有“管理消息”权限的成员才能停止其他成员的任务。/cancel 可以停止你自己的任务。",
    },
    "discord_welcome_guild": {
        "en": (
            "👋 I compress and edit videos. In this server, use /compress with a video file "
            "(and what you want, e.g. “under 10MB” or “720p, no audio”), or right-click "
            "(long-press on a phone) a message with a video → Apps → Compress video. "
            "In a DM with me, just send the video.\n\n"
            "Commands: /compress /edit /export /status /credits /cancel /new /lang /help\n"
            "Each member here has their own session: /cancel stops your own work; members who "
            "can manage messages can stop everyone's with /cancel everyone:True."
        ),
        "zh": (
            "👋 我可以压缩和编辑视频。在这个服务器里，请使用 /compress 并附上视频文件"
            "（再写上要求，例如“10MB 以内”或“720p，去掉声音”），或者右键点击（手机上长按）"
            "一条带视频的消息 → 应用 → 压缩视频。私信我时，直接发送视频即可。\n\n"
            "命令：/compress /edit /export /status /credits /cancel /new /lang /help\n"
            "这里每位成员有自己的会话：/cancel 只停止你自己的任务；"
            "有“管理消息”权限的成员可以用 /cancel everyone:True 停止所有人的任务。"
        ),
    },
    "discord_cmd_settings": {"en": "settings", "zh": "设置"},
    "discord_cmd_settings_desc": {
        "en": "Your defaults: size, codec, resolution, audio, how results are sent, language",
        "zh": "你的默认设置：大小、编码、分辨率、声音、发送方式、语言",
    },
    "discord_opt_target": {"en": "size", "zh": "大小"},
    "discord_opt_target_desc": {
        "en": "The size results are made to when you name none",
        "zh": "没说大小时，结果做成多大",
    },
    "discord_opt_custom_size": {"en": "custom_size", "zh": "自定义大小"},
    "discord_opt_custom_size_desc": {
        "en": "Any size instead, e.g. 12MB (100 KB to 2 GB)",
        "zh": "或任意大小，例如 12MB（100 KB 到 2 GB）",
    },
    "discord_opt_codec": {"en": "codec", "zh": "编码"},
    "discord_opt_codec_desc": {"en": "The codec when you name none", "zh": "没说编码时用的编码"},
    "discord_opt_resolution": {"en": "max_resolution", "zh": "最大分辨率"},
    "discord_opt_resolution_desc": {
        "en": "The largest picture when you name no resolution",
        "zh": "没说分辨率时的最大画面",
    },
    "discord_opt_audio": {"en": "audio", "zh": "声音"},
    "discord_opt_audio_desc": {
        "en": "Keep or drop the sound when you say nothing about it",
        "zh": "没说到声音时保留还是去掉",
    },
    "discord_opt_send_as": {"en": "send_as", "zh": "发送方式"},
    "discord_opt_send_as_desc": {
        "en": "A playable video, or a file kept as is",
        "zh": "可播放的视频，或原样保存的文件",
    },
    "discord_opt_reset": {"en": "reset", "zh": "重置"},
    "discord_opt_reset_desc": {
        "en": "Forget your choices: back to the bot's defaults",
        "zh": "忘掉你的选择，恢复机器人的默认设置",
    },
}
