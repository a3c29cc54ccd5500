"""User-facing sentences of the local ffmpeg engine: its stages, summaries and notes. See `bot.texts`."""

from bot.texts.words import Template, plural

TEXTS: dict[str, dict[str, Template]] = {
    # Stages, shown in the progress line ("⏳ {stage}: 42%")
    "stage_queued": {"en": "Waiting in line", "zh": "排队中"},
    "stage_encode": {"en": "Encoding", "zh": "编码中"},
    "stage_sample": {"en": "Comparing picture sizes on a sample", "zh": "用样片比较画面尺寸中"},
    "stage_pass1": {"en": "Analysing (pass 1 of 2)", "zh": "分析中（第 1/2 遍）"},
    "stage_pass2": {"en": "Encoding (pass 2 of 2)", "zh": "编码中（第 2/2 遍）"},
    "stage_retry": {"en": "Fine-tuning the size", "zh": "微调大小中"},
    "stage_edit": {"en": "Editing", "zh": "编辑中"},
    "stage_animation": {"en": "Making the animation", "zh": "生成动图中"},
    "stage_audio": {"en": "Extracting the sound", "zh": "提取音频中"},
    # One-line summary under a result: "8.0 MB (target 8.0 MB) · H.264 1280x720 · 0:30"
    "engine_summary": {
        "en": "{size} · {codec} {width}x{height} · {duration}",
        "zh": "{size} · {codec} {width}x{height} · {duration}",
    },
    "engine_summary_target": {
        "en": "{size} (target {target}) · {codec} {width}x{height} · {duration}",
        "zh": "{size}（目标 {target}）· {codec} {width}x{height} · {duration}",
    },
    "engine_summary_source": {
        "en": "{size} · the original file · {width}x{height} · {duration}",
        "zh": "{size} · 原文件 · {width}x{height} · {duration}",
    },
    "engine_summary_named": {"en": "{name}: {summary}", "zh": "{name}：{summary}"},
    "engine_summary_animation": {
        "en": "{size} · {kind} {width}x{height}, {fps} fps, loops · {duration}",
        "zh": "{size} · {kind} {width}x{height}，{fps} 帧/秒，循环播放 · {duration}",
    },
    "engine_summary_animation_target": {
        "en": "{size} (target {target}) · {kind} {width}x{height}, {fps} fps, loops · {duration}",
        "zh": "{size}（目标 {target}）· {kind} {width}x{height}，{fps} 帧/秒，循环播放 · {duration}",
    },
    "engine_already_aspect": {
        "en": "It is already {a}:{b}.",
        "zh": "它已经是 {a}:{b} 了。",
    },
    "engine_summary_audio": {
        "en": "{size} · {format} {kbps} kbps · {duration}",
        "zh": "{size} · {format} {kbps} kbps · {duration}",
    },
    "engine_summary_audio_target": {
        "en": "{size} (target {target}) · {format} {kbps} kbps · {duration}",
        "zh": "{size}（目标 {target}）· {format} {kbps} kbps · {duration}",
    },
    "engine_smaller_target": {
        "en": "No size was named, so I'm aiming at {target}: half the size, or as small as good "
        "quality allows.",
        "zh": "没有指定大小，目标定为 {target}：原大小的一半，或在保证画质的前提下能达到的最小值。",
    },
    "engine_smallest_floor": {
        "en": "The smallest it stays watchable at is about {target}.",
        "zh": "在能看清的前提下，最小约为 {target}。",
    },
    "engine_already_compact_quality": {
        "en": "🪶 It is already compact: {size} for {duration} at {width}×{height} is {kbps} "
        "kbit/s, and good quality at this size needs about {floor}. A smaller file would look "
        "visibly worse, so I left it as it is. To go further anyway, name a size (e.g. “under "
        "{half}”), a lower resolution (“480p”), or say “as small as possible”.",
        "zh": "🪶 它已经很紧凑了：{width}×{height}、时长 {duration}、{size}，即 {kbps} kbit/s；"
        "这个尺寸下要保持好画质大约需要 {floor}。再小画质会明显变差，所以没有改动。如果仍想更小，"
        "请说出大小（例如“{half}以内”）、更低的分辨率（“480p”），或说“尽量小”。",
    },
    "edit_reverse_too_long": {
        "en": "⏪ Reversing holds every frame in memory, so at this size I reverse at most "
        "{longest} seconds, and this part is {length} seconds. Say which part, e.g. “reverse the "
        "first {longest} seconds”.",
        "zh": "⏪ 倒放需要把每一帧都放在内存里，这个尺寸下最多能倒放 {longest} 秒，而这段有 {length} 秒。"
        "请指定一段，例如“倒放前{longest}秒”。",
    },
    "edit_gif_too_long": {
        "en": "🎞 A {length}-second animation would be far too heavy: I make GIFs and WebPs of up "
        "to {longest} seconds. Say which part, e.g. “gif from 0:05 to 0:15”.",
        "zh": "🎞 {length} 秒的动图太大了：我最多做 {longest} 秒的 GIF 或 WebP。请指定一段，"
        "例如“从0:05到0:15导出为gif”。",
    },
    "delivered_animation": {
        "en": "✅ Here is your animation ({size}).",
        "zh": "✅ 这是你的动图（{size}）。",
    },
    "delivered_audio": {
        "en": "✅ Here is your audio ({size}).",
        "zh": "✅ 这是你的音频（{size}）。",
    },
    "edit_animation_unreachable": {
        "en": "📏 I can't get this animation under {target}: the smallest I reached was "
        "{smallest}, at {side} pixels wide, {fps} fps and 32 colours. Choose a shorter part "
        "(e.g. “from 0:02 to 0:05”) or a larger size.",
        "zh": "📏 这个动图无法做到 {target} 以内：最小只能做到 {smallest}（宽 {side} 像素、{fps} 帧/秒、"
        "32 色）。请选一段更短的（例如“从0:02到0:05”），或放宽大小。",
    },
    "edit_no_audio": {
        "en": "🔇 This video has no sound, so there is no audio to extract.",
        "zh": "🔇 这个视频没有声音，所以没有音频可以导出。",
    },
    # Notes said before or after an encode
    "engine_capped": {
        "en": "No size was given, so I'll keep it under {size} so it can be posted here.",
        "zh": "没有指定大小，我会把它控制在 {size} 以内，以便能在这里发送。",
    },
    "engine_over_chat": {
        "en": "This chat takes files of at most {limit}, so I'll keep it under that instead of "
        "{asked}.",
        "zh": "这个聊天最多只能接收 {limit} 的文件，所以我会把它控制在这个大小以内，而不是 {asked}。",
    },
    "engine_each": {
        "en": plural(
            "count",
            one="Doing this for your {count} video.",
            other="Doing this for each of your {count} videos, one result each.",
        ),
        "zh": "将对你的 {count} 个视频分别处理，每个视频各出一个结果。",
    },
    "engine_kept_fits": {
        "en": "It is already {size}, under {target}: here is the original, untouched.",
        "zh": "它已经是 {size}，低于 {target}：这是原文件，未做改动。",
    },
    "engine_kept_smaller": {
        "en": "Re-encoding without visible loss would make it bigger than the original "
        "({size}), so here is the original, untouched.",
        "zh": "无损画质重新编码会让文件比原文件（{size}）更大，所以这里发回原文件，未做改动。",
    },
    "engine_kept_compact": {
        "en": "It is already compact ({size}): re-encoding would not make it smaller, so here "
        "is the original, untouched.",
        "zh": "它已经很紧凑了（{size}）：重新编码也不会更小，所以这里发回原文件，未做改动。",
    },
    "engine_stepped_down": {
        "en": "To fit {target}, the picture was lowered to {height}p: at the full size it "
        "would have looked blocky.",
        "zh": "为了控制在 {target} 以内，画面降到了 {height}p：保持原尺寸画面会出现明显马赛克。",
    },
    "engine_kept_nothing": {
        "en": "So there is nothing to change: here is the original, untouched.",
        "zh": "所以没有需要改动的地方：这是原文件，未做改动。",
    },
    # Wishes the video already meets: said instead of re-encoding for nothing
    "engine_already_height": {
        "en": "It is already {height}p.",
        "zh": "它已经是 {height}p 了。",
    },
    "engine_no_upscale": {
        "en": "It is {height}p, already below {asked}p: I don't enlarge videos, so the picture "
        "stays as it is.",
        "zh": "它是 {height}p，已经低于 {asked}p：我不会放大视频，画面保持原样。",
    },
    "engine_already_size": {
        "en": "The picture is already {width}×{height}, no larger than asked: it stays as it is.",
        "zh": "画面已经是 {width}×{height}，不大于要求：保持原样。",
    },
    "engine_already_fps": {"en": "It is already {fps} fps.", "zh": "它已经是 {fps} 帧/秒了。"},
    "engine_fps_below": {
        "en": "It is {fps} fps, already under {asked} fps.",
        "zh": "它是 {fps} 帧/秒，已经低于 {asked} 帧/秒。",
    },
    "engine_already_format": {
        "en": "It is already {codec} in a .{container} file.",
        "zh": "它已经是 .{container} 文件中的 {codec} 了。",
    },
    "engine_already_silent": {
        "en": "It has no sound already.",
        "zh": "它本来就没有声音。",
    },
    # Refusals of the local engine
    "err_format_mismatch": {
        "en": "🚫 {codec} can't go in a .{container} file: a .{container} holds {fits}. Ask for "
        "one of those, or another file type (e.g. .mp4).",
        "zh": "🚫 {codec} 不能放进 .{container} 文件：.{container} 只能容纳 {fits}。请改用其中一种编码，"
        "或换一种文件类型（如 .mp4）。",
    },
    "err_no_result": {
        "en": "📭 There is no result to send yet: the last request did not finish (or its result "
        "was already sent). Tell me again what you want, e.g. “under 8 MB”.",
        "zh": "📭 还没有可发送的结果：上一次请求没有完成（或结果已经发过了）。请再说一遍你的要求，例如“小于 8 MB”。",
    },
    # The `clipbridge compress` command
    "cli_bad_extension": {
        "en": "I can write .mp4, .webm, .mkv, .gif, .webp, .mp3, .m4a or .opus files, not "
        "“{suffix}”: choose one of those for -o.",
        "zh": "我只能写出 .mp4、.webm、.mkv、.gif、.webp、.mp3、.m4a 或 .opus 文件，不能写“{suffix}”："
        "请为 -o 选择其中一种。",
    },
    "cli_done": {
        "en": "{input} ({source}) → {output} ({size}, {ratio} of the original) in {elapsed}",
        "zh": "{input}（{source}）→ {output}（{size}，原大小的 {ratio}），用时 {elapsed}",
    },
    "cli_no_file": {"en": "No such file: {path}", "zh": "找不到文件：{path}"},
    "err_too_heavy": {
        "en": "This video is too heavy for me: {width}×{height} at {fps} fps is {rate} million "
        "pixels a second, more than the {limit} million I handle. Send it at a lower resolution "
        "or frame rate.",
        "zh": "这个视频太“重”了：{width}×{height}、{fps} 帧/秒，每秒 {rate} 百万像素，超过了我能处理的 "
        "{limit} 百万。请降低分辨率或帧率后再发送。",
    },
    "err_encode_timeout": {
        "en": "⏱ This encode ran past the {duration} one job may take, so I stopped it. Try a "
        "shorter clip or a lower resolution.",
        "zh": "⏱ 这次编码超过了单个任务允许的 {duration}，已停止。请尝试更短的片段或更低的分辨率。",
    },
    "cli_name_too_long": {
        "en": "That path is longer than this system allows: {path}. Use a shorter name.",
        "zh": "这个路径超出了系统允许的长度：{path}。请换一个短一些的名字。",
    },
    "cli_bad_path": {
        "en": "I cannot use the path {path}: check that it is right and that you may read it.",
        "zh": "无法使用路径 {path}：请检查它是否正确，以及你是否有权限读取。",
    },
    "cli_cancelled": {"en": "Cancelled; nothing was written.", "zh": "已取消，未写入任何文件。"},
}
