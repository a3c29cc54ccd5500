"""User-facing sentences of the telegram area. See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {
    # A file over the Bot API download limit, answered before anything is fetched.
    "tg_file_too_big": {
        "en": (
            "This file is {size}, and Telegram lets bots fetch files of at most {limit}. "
            "Send a link to the video instead (any direct https link to the file), "
            "or ask the bot's operator to enable large files (a local Bot API server, "
            "up to 2000 MB)."
        ),
        "zh": (
            "这个文件有 {size}，而 Telegram 只允许机器人获取最大 {limit} 的文件。"
            "请改为发送视频的链接（任何直接指向文件的 https 链接），"
            "或请机器人的管理员开启大文件支持（本地 Bot API 服务器，最大 2000 MB）。"
        ),
    },
    "tg_not_a_video": {
        "en": "I work with videos: send one as a video or as a file, or send a link to it.",
        "zh": "我处理的是视频：请以视频或文件的形式发送，或者发送视频链接。",
    },
    # Command menu (setMyCommands)
    "tg_cmd_start": {"en": "Start: what this bot does", "zh": "开始：这个机器人能做什么"},
    "tg_cmd_help": {"en": "How to use the bot", "zh": "使用帮助"},
    "tg_cmd_export": {"en": "Export the video", "zh": "导出视频"},
    "tg_cmd_status": {"en": "What is on the timeline", "zh": "查看时间线"},
    "tg_cmd_credits": {"en": "Credits left", "zh": "剩余积分"},
    "tg_cmd_cancel": {"en": "Stop the current job", "zh": "停止当前任务"},
    "tg_cmd_new": {"en": "Start over with a new session", "zh": "开始新的会话"},
    "tg_cmd_lang": {"en": "Language: /lang en or /lang zh", "zh": "语言：/lang en 或 /lang zh"},
    "tg_cmd_settings": {
        "en": "Your defaults: size, codec, resolution, audio, send as file",
        "zh": "你的默认设置：大小、编码、分辨率、声音、按文件发送",
    },
}
