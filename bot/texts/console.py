"""User-facing sentences of the console chat (`clipbridge chat`). See `bot.texts`."""

TEXTS: dict[str, dict[str, str]] = {
    "console_backend_local": {"en": "local ffmpeg", "zh": "本地 ffmpeg"},
    "console_backend_nemo": {"en": "NemoVideo", "zh": "NemoVideo"},
    "console_intro": {
        "en": (
            "clipbridge chat ({backend}). Type or drag in a video's path to send it, then say "
            "what you want; /help for more, Ctrl-D to quit.\n"
            "Results go to {out}; the log is written to {log}."
        ),
        "zh": (
            "clipbridge chat（{backend}）。输入或拖入视频文件的路径来发送它，然后说出你的要求；"
            "/help 查看更多，Ctrl-D 退出。\n"
            "结果保存在 {out}；日志写入 {log}。"
        ),
    },
    # /help in the console lists only what the console does: no links, no platform buttons.
    "console_help": {
        "en": (
            "👋 Type (or drag in) the path of a video file to send it, then say what you want, "
            "for example:\n"
            "• compress to under 8MB\n"
            "• make it 720p and remove the audio\n"
            "• cut from 0:10 to 0:45\n"
            "Both fit on one line: clips/holiday.mp4 compress to under 8MB\n"
            "Paths with spaces work as typed, quoted, or dragged in.\n\n"
            "Commands: {commands} /quit\n"
            "Ctrl-C cancels the running job; Ctrl-C again or Ctrl-D quits.\n"
            "Results go to {out}; the log is {log}."
        ),
        "zh": (
            "👋 输入（或拖入）视频文件的路径来发送它，然后说出你的要求，例如：\n"
            "• 压缩到8MB以内\n"
            "• 转成720p并去掉声音\n"
            "• 剪出0:10到0:45\n"
            "也可以写在同一行：clips/holiday.mp4 压缩到8MB以内\n"
            "带空格的路径可以直接输入、加引号，或直接拖入。\n\n"
            "命令：{commands} /quit\n"
            "Ctrl-C 取消正在进行的任务；再按一次 Ctrl-C 或按 Ctrl-D 退出。\n"
            "结果保存在 {out}；日志在 {log}。"
        ),
    },
    "console_no_such_file": {
        "en": "No such file: {path} (looked in {folder}). Check the name, or drag the file in.",
        "zh": "没有这个文件：{path}（在 {folder} 中查找）。请检查文件名，或直接把文件拖进来。",
    },
    "console_is_folder": {
        "en": "{path} is a folder: type the path of a video file in it.",
        "zh": "{path} 是一个文件夹：请输入其中某个视频文件的路径。",
    },
    "console_quit_hint": {
        "en": "(Press Ctrl-C again or Ctrl-D to quit.)",
        "zh": "（再按一次 Ctrl-C 或按 Ctrl-D 退出。）",
    },
    "console_log_notice": {
        "en": "ⓘ Something was logged at {level}: details in {log}",
        "zh": "ⓘ 记录了一条 {level} 日志：详情见 {log}",
    },
}
