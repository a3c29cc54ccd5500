"""User-facing sentences of the conversation core. See `bot.texts`."""

from bot.texts.words import Template, plural

TEXTS: dict[str, dict[str, Template]] = {
    # Timeline
    "timeline_empty": {
        "en": "The timeline is empty: send a video to start.",
        "zh": "时间线是空的：发送一个视频开始吧。",
    },
    "timeline_summary": {
        "en": plural(
            "count",
            one="Timeline ({count} track): {items}",
            other="Timeline ({count} tracks): {items}",
        ),
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
    "diff_segments": {
        "en": plural("n", one="{what} now has {n} segment", other="{what} now has {n} segments"),
        "zh": "{what}现在有 {n} 个片段",
    },
}

TEXTS.update(
    {
        # Welcome and help
        "welcome": {
            "en": (
                "👋 Send me a video (or a link to one) and tell me what you want, for example:\n"
                "• compress this video to under 50MB without losing quality\n"
                "• make it 720p and remove the audio\n"
                "• cut from 0:10 to 0:45\n\n"
                "Commands: /export /status /credits /cancel /new /lang /settings /help\n"
                "In a group each member has their own session: /cancel stops your own work; "
                "group admins can stop everyone's with /cancel all."
            ),
            "zh": (
                "👋 发给我一个视频（或视频链接），告诉我你想要什么，例如：\n"
                "• 把视频压缩到50MB以内，不损失画质\n"
                "• 转成720p并去掉声音\n"
                "• 剪出0:10到0:45\n\n"
                "命令：/export /status /credits /cancel /new /lang /settings /help\n"
                "在群组里每位成员有自己的会话：/cancel 只停止你自己的任务；"
                "群管理员可以用 /cancel all 停止所有人的任务。"
            ),
        },
        "unknown_command": {
            "en": "I don't know the command {command}. Here is what I can do:",
            "zh": "我不认识命令 {command}。我能做的是：",
        },
        "ask_upload": {
            "en": "Send me the video as a file, or paste a link to it.",
            "zh": "请把视频作为文件发给我，或者粘贴视频链接。",
        },
        "what_next": {
            "en": "What should I do with it? For example: “compress to under 25MB” or “720p”.",
            "zh": "要怎么处理？例如：“压缩到25MB以内”或“720p”。",
        },
        # Buttons
        "btn_export": {"en": "⬇️ Export", "zh": "⬇️ 导出"},
        "btn_status": {"en": "📋 Status", "zh": "📋 状态"},
        "btn_credits": {"en": "💳 Credits", "zh": "💳 积分"},
        "btn_cancel": {"en": "✖️ Cancel", "zh": "✖️ 取消"},
        "btn_download": {"en": "⬇️ Download ({size})", "zh": "⬇️ 下载（{size}）"},
        # Language
        "lang_set": {
            "en": "I'll answer in English from now on.",
            "zh": "好的，之后我会用中文回复。",
        },
        "lang_usage": {
            "en": "Current language: English. Use /lang en or /lang zh.",
            "zh": "当前语言：中文。使用 /lang en 或 /lang zh 切换。",
        },
        # Progress
        "working": {"en": "⏳ Working on it…", "zh": "⏳ 正在处理…"},
        "still_working": {
            "en": "⏳ Still working... ({elapsed} elapsed)",
            "zh": "⏳ 仍在处理中…（已用时 {elapsed}）",
        },
        "progress_percent": {
            "en": "⏳ {stage}: {percent}%",
            "zh": "⏳ {stage}：{percent}%",
        },
        "progress_percent_eta": {
            "en": "⏳ {stage}: {percent}% · about {eta} left",
            "zh": "⏳ {stage}：{percent}% · 约剩 {eta}",
        },
        "progress_queued": {
            "en": "⏳ Waiting for a free encoder: position {position} in the queue.",
            "zh": "⏳ 正在排队等待编码：第 {position} 位。",
        },
        "stage_working": {"en": "Working", "zh": "处理中"},
        "stage_export": {"en": "Exporting", "zh": "导出中"},
        "done_in": {"en": "✅ Done in {elapsed}.", "zh": "✅ 完成，用时 {elapsed}。"},
        "exporting": {"en": "⏳ Exporting your video…", "zh": "⏳ 正在导出视频…"},
        "export_resuming": {
            "en": "⏳ I was restarted while exporting your video; picking it up again…",
            "zh": "⏳ 导出过程中机器人重启了，正在继续…",
        },
        "receiving": {"en": "📥 Receiving {names}…", "zh": "📥 正在接收 {names}…"},
        # Queue and cancel
        "queued": {
            "en": "🕒 Got it. I'm still busy with your previous request; this one is number {position} "
            "in line. Send /cancel to stop the current one.",
            "zh": "🕒 收到。上一个请求还在处理中，这条排在第 {position} 位。发送 /cancel 可以停止当前任务。",
        },
        "busy": {
            "en": "✋ I'm busy with this chat's current request and the line is full. "
            "Wait for it to finish, or send /cancel to stop it.",
            "zh": "✋ 当前请求还在处理中，排队也已满。请稍候，或发送 /cancel 停止。",
        },
        "cancelled": {"en": "✖️ Cancelled {what}.", "zh": "✖️ 已取消{what}。"},
        "cancelled_and_dropped": {
            "en": plural(
                "n",
                one="✖️ Cancelled {what}, and dropped {n} waiting request.",
                other="✖️ Cancelled {what}, and dropped {n} waiting requests.",
            ),
            "zh": "✖️ 已取消{what}，并丢弃了 {n} 个排队中的请求。",
        },
        "what_turn": {"en": "the current request", "zh": "当前请求"},
        "what_export": {"en": "the export", "zh": "导出"},
        "what_upload": {"en": "the upload", "zh": "上传"},
        "what_encode": {"en": "the encode", "zh": "编码"},
        "nothing_to_cancel": {
            "en": "Nothing is running in this chat.",
            "zh": "这个聊天里没有正在进行的任务。",
        },
        "nothing_to_cancel_yours": {
            "en": "You have nothing running here. (Group admins can stop everyone's work with "
            "/cancel all.)",
            "zh": "你在这里没有正在进行的任务。（群管理员可以用 /cancel all 停止所有人的任务。）",
        },
        "cancel_all_denied": {
            "en": "✋ Only this group's admins can stop other members' work. /cancel stops your own.",
            "zh": "✋ 只有本群管理员可以停止其他成员的任务。/cancel 可以停止你自己的任务。",
        },
        "cancelled_all": {
            "en": plural(
                "n",
                one="✖️ Stopped {n} request of this chat's members.",
                other="✖️ Stopped {n} requests of this chat's members.",
            ),
            "zh": "✖️ 已停止本聊天成员的 {n} 个请求。",
        },
        "busy_for_new": {
            "en": "A request is still running here. Send /cancel first, then /new.",
            "zh": "这里还有请求在进行。请先发送 /cancel，再发送 /new。",
        },
        "shutting_down": {
            "en": "🔧 I'm restarting. Please send that again in a minute.",
            "zh": "🔧 机器人正在重启，请一分钟后再发一次。",
        },
        # Sessions
        "new_session": {
            "en": "🆕 Started a fresh project. Send a video to begin.",
            "zh": "🆕 已开始新的项目。发送一个视频开始吧。",
        },
        "session_lost": {
            "en": "⚠️ The video service no longer had this chat's project, so I started a new one; "
            "the old timeline is gone. Please send your video again.",
            "zh": "⚠️ 视频服务上找不到这个聊天的项目，我已新建一个；之前的时间线已丢失。请重新发送视频。",
        },
        "session_lost_retrying": {
            "en": "⚠️ The video service no longer had this chat's project, so I started a new one "
            "(the old timeline is gone) and am uploading into it.",
            "zh": "⚠️ 视频服务上找不到这个聊天的项目，已新建一个（之前的时间线已丢失），正在重新上传。",
        },
        # Uploads
        "received_one": {"en": "📥 Received {item}.", "zh": "📥 已收到 {item}。"},
        "received_many": {
            "en": plural(
                "n", one="📥 Received {n} file:\n{items}", other="📥 Received {n} files:\n{items}"
            ),
            "zh": "📥 已收到 {n} 个文件：\n{items}",
        },
        # Turns
        "silent_changed": {
            "en": "✏️ Done. What changed: {changes}.",
            "zh": "✏️ 完成。改动：{changes}。",
        },
        "silent_nothing": {
            "en": "🤔 The agent finished without changing the timeline. Try being more specific, "
            "e.g. “compress to under 25MB” or “trim to the first 30 seconds”.",
            "zh": "🤔 代理已结束，但时间线没有变化。请说得更具体一些，例如“压缩到25MB以内”或“只保留前30秒”。",
        },
        "stream_broken": {
            "en": "📡 The connection to the video service dropped mid-answer. I didn't resend your "
            "message (that would be charged twice).",
            "zh": "📡 与视频服务的连接中途断开。为避免重复扣费，我没有重发你的消息。",
        },
        "turn_quiet_timeout": {
            "en": "⏱️ The video service said it was still working but showed no progress for "
            "{waited}, so I stopped waiting. I didn't resend your message (that would be charged "
            "twice).",
            "zh": "⏱️ 视频服务一直说仍在处理，但 {waited} 没有任何进展，所以我不再等待。为避免重复扣费，我没有重发你的消息。",
        },
        "turn_timeout": {
            "en": "⏱️ The video service was still on it after {waited}, so I stopped waiting. I "
            "didn't resend your message (that would be charged twice).",
            "zh": "⏱️ 视频服务处理了 {waited} 仍未完成，所以我不再等待。为避免重复扣费，我没有重发你的消息。",
        },
        "turn_state_now": {
            "en": "It may still finish on the service's side; send /status in a minute to check. "
            "Where things stand now:\n{summary}",
            "zh": "服务端可能仍会完成；一分钟后发送 /status 查看。当前状态：\n{summary}",
        },
        "state_unavailable": {
            "en": "I couldn't read the project just now; send /status in a minute to see it.",
            "zh": "暂时读取不到项目；请一分钟后发送 /status 查看。",
        },
        # Restarts: what happened to the job a stopped bot left behind
        "restarted_during_turn": {
            "en": "🔧 I was restarted while the video agent was working on your request, so I lost "
            "its answer. It may have finished anyway; here is the project now:",
            "zh": "🔧 视频代理处理你的请求时机器人重启了，回复没能收到。代理可能已经完成；当前项目如下：",
        },
        "restarted_send_again": {
            "en": "If the change isn't there, send your request again.",
            "zh": "如果没有看到改动，请重新发送你的请求。",
        },
        "restarted_during_encode": {
            "en": "🔧 I was restarted while encoding your video, so that encode stopped before it "
            "finished and nothing was sent. Your video is still here: send your request again to "
            "encode it.",
            "zh": "🔧 编码视频时机器人重启了，编码没有完成，也没有发送任何结果。视频还在：重新发送你的请求即可再次编码。",
        },
        "restarted_during_encode_gone": {
            "en": "🔧 I was restarted while encoding your video, so that encode stopped before it "
            "finished and nothing was sent. The video is no longer here: please send it again with "
            "your request.",
            "zh": "🔧 编码视频时机器人重启了，编码没有完成，也没有发送任何结果。视频已不在这里：请重新发送视频和你的请求。",
        },
        "restart_job_lost": {
            "en": "🔧 I was restarted while working on your request and couldn't pick it up again. "
            "Please send it again.",
            "zh": "🔧 处理你的请求时机器人重启了，无法继续这个任务。请重新发送。",
        },
        "interrupted_request": {
            "en": "Your request was: “{request}”",
            "zh": "你的请求是：“{request}”",
        },
        "gui_export": {
            "en": "press ⬇️ Export below (or send /export)",
            "zh": "点击下方的 ⬇️ 导出（或发送 /export）",
        },
        "offer_export": {
            "en": "⬇️ When you're happy with it, export to get the video.",
            "zh": "⬇️ 满意的话，导出即可拿到视频。",
        },
        "gui_drag": {
            "en": "tell me the change in words",
            "zh": "用文字告诉我要怎么改",
        },
        "gui_open": {"en": "send /status", "zh": "发送 /status"},
        "fallback_local": {
            "en": "💡 The cloud service is out of credits, so I'm doing this on the bot's own computer instead.",
            "zh": "💡 云端服务积分已用完，改用机器人本机处理。",
        },
        # Delivery
        "delivered": {"en": "✅ Here is your video ({size}).", "zh": "✅ 这是你的视频（{size}）。"},
        "too_big_link": {
            "en": "✅ Your video is ready ({size}). It is larger than this chat allows ({limit}), "
            "so here is a download link.",
            "zh": "✅ 视频已就绪（{size}），超过了这个聊天允许的大小（{limit}），请通过链接下载。",
        },
        "too_big_local": {
            "en": "The result is {size}, larger than this chat allows ({limit}). Ask for a size, "
            "e.g. “under {limit}”.",
            "zh": "结果为 {size}，超过了这个聊天允许的大小（{limit}）。请指定大小，例如“小于{limit}”。",
        },
        "too_big_unknown": {
            "en": "The result is larger than this chat allows ({limit}), so I stopped downloading "
            "it. Ask for a size, e.g. “under {limit}”.",
            "zh": "结果超过了这个聊天允许的大小（{limit}），已停止下载。请指定大小，例如“小于{limit}”。",
        },
        "output_cut": {
            "en": "✂️ The agent's reply was too long for this chat, so the rest was left out. "
            "Send /status to see the project, or ask for a shorter answer.",
            "zh": "✂️ 视频代理的回复太长，后面的部分已省略。发送 /status 查看项目，或请它简短回答。",
        },
        "nothing_to_export": {
            "en": "There is nothing to export yet: send a video and tell me what to do.",
            "zh": "还没有可以导出的内容：请先发送视频并告诉我要做什么。",
        },
        # Credits and status
        "credits_admin": {
            "en": "💳 Credits: {available} available, {frozen} reserved, {total} in total.",
            "zh": "💳 积分：可用 {available}，冻结 {frozen}，共 {total}。",
        },
        "credits_admin_link": {
            "en": "Top up or bind the account here (admins only, don't share it): {link}",
            "zh": "在此充值或绑定账号（仅限管理员，请勿分享）：{link}",
        },
        "credits_ok": {"en": "✅ The bot is ready to work.", "zh": "✅ 机器人可以正常工作。"},
        "credits_empty": {
            "en": "❌ The bot is out of credits right now. The operator has to top up.",
            "zh": "❌ 机器人的积分已用完，需要管理员充值。",
        },
        "credits_unlimited": {
            "en": "✅ This bot runs on its own computer: no credits needed.",
            "zh": "✅ 这个机器人在本机处理视频，不需要积分。",
        },
        "no_session": {
            "en": "No project yet in this chat. Send a video to start.",
            "zh": "这个聊天还没有项目。发送一个视频开始吧。",
        },
        # Errors
        "err_access_denied": {
            "en": "🔒 This bot is private. Ask its operator for access.",
            "zh": "🔒 这是私有机器人，请联系管理员获取使用权限。",
        },
        "err_quota_concurrent": {
            "en": plural(
                "n",
                one="✋ You already have {n} request running. Wait for it to finish, or /cancel it.",
                other="✋ You already have {n} requests running. Wait for one to finish, or /cancel it.",
            ),
            "zh": "✋ 你已有 {n} 个请求在进行中。请等待完成，或使用 /cancel 取消。",
        },
        "err_quota_daily": {
            "en": plural(
                "n",
                one="✋ You've reached today's limit of {n} request. Try again tomorrow.",
                other="✋ You've reached today's limit of {n} requests. Try again tomorrow.",
            ),
            "zh": "✋ 你已达到今天 {n} 个请求的上限，请明天再试。",
        },
        "err_token": {
            "en": "⚠️ The video service refused this bot's credentials, so I can't work right now. "
            "The operator has been told.",
            "zh": "⚠️ 视频服务拒绝了机器人的凭证，暂时无法工作。已通知管理员。",
        },
        "err_token_admin": {
            "en": "⚠️ Admin: NemoVideo refused the token (code {code}). Check NEMO_TOKEN, or unset it "
            "to use an anonymous token.",
            "zh": "⚠️ 管理员：NemoVideo 拒绝了令牌（代码 {code}）。请检查 NEMO_TOKEN，或删除它以使用匿名令牌。",
        },
        "err_no_credits": {
            "en": "❌ The bot is out of credits, so the video service won't take new work. "
            "The operator has to top up; nothing was lost.",
            "zh": "❌ 机器人积分已用完，视频服务暂不接受新任务。需要管理员充值；数据没有丢失。",
        },
        "err_no_credits_admin": {
            "en": "💳 Admin: NemoVideo is out of credits. Top up or bind the account here: {link}",
            "zh": "💳 管理员：NemoVideo 积分已用完。请在此充值或绑定账号：{link}",
        },
        "credits_in_private": {
            "en": "Admin: send /credits to me in a private chat for the top-up link.",
            "zh": "管理员：请在私聊中向我发送 /credits 获取充值链接。",
        },
        "err_plan": {
            "en": "⚠️ This bot's NemoVideo plan can't export videos. The operator needs to register "
            "or upgrade the plan (this is not about credits).",
            "zh": "⚠️ 机器人的 NemoVideo 套餐不支持导出。需要管理员注册或升级套餐（与积分无关）。",
        },
        "err_rate_limited": {
            "en": "🐢 The video service asked us to slow down. Please try again in a minute.",
            "zh": "🐢 视频服务要求降低请求频率，请一分钟后再试。",
        },
        "err_not_delivered": {
            "en": "📮 Your video was ready, but sending it into this chat failed several times. "
            "Please send your request again in a few minutes.",
            "zh": "📮 视频已经做好，但多次发送到这个聊天都失败了。请过几分钟再发一次你的请求。",
        },
        "err_transient_receiving": {
            "en": "📡 Your file broke off on its way in (a connection failed), so I don't have it. "
            "Please send it again in a minute.",
            "zh": "📡 文件在传输途中中断（连接失败），我没有收到它。请一分钟后重新发送。",
        },
        "err_transient": {
            "en": "📡 I couldn't reach the video service. Please try again in a minute; your project "
            "is kept.",
            "zh": "📡 暂时连不上视频服务。请一分钟后再试；你的项目已保留。",
        },
        "err_protocol": {
            "en": "⚠️ The video service answered something I don't understand. The operator can see "
            "the details in the logs; please try again later.",
            "zh": "⚠️ 视频服务返回了无法识别的内容。管理员可在日志中查看详情；请稍后再试。",
        },
        "err_turn_failed": {
            "en": "⚠️ The video agent reported an error while working on that. Try rephrasing it, "
            "or send /status to see the project.",
            "zh": "⚠️ 视频代理处理时报告了错误。请换个说法再试，或发送 /status 查看项目。",
        },
        "err_render_timeout": {
            "en": "⏱ The export still wasn't done after {waited}, so I stopped it. Send /export to "
            "try again later.",
            "zh": "⏱ 导出在 {waited} 后仍未完成，我已将它停止。请稍后发送 /export 重试。",
        },
        "err_render_failed": {
            "en": "⚠️ The export failed on the video service. Send /export to try again.",
            "zh": "⚠️ 视频服务导出失败。发送 /export 重试。",
        },
        "err_encode_failed": {
            "en": "⚠️ Encoding failed on this bot's computer, so there is no result. Try again, or "
            "ask for something simpler (e.g. “720p”); the operator can find the details in the "
            "log.",
            "zh": "⚠️ 在机器人本机编码失败，没有生成结果。请重试，或换个简单些的要求（如“720p”）；管理员可在日志中查看详情。",
        },
        "err_disk_full": {
            "en": "💾 This bot's computer ran out of disk space, so I had to stop. Your video is "
            "kept; the operator has to free some space, then send your request again.",
            "zh": "💾 机器人所在电脑的磁盘空间已满，只好停止。你的视频已保留；需要管理员清理空间后，再重新发送你的请求。",
        },
        "err_disk_io": {
            "en": "💾 This bot's computer couldn't read or write its work files, so I had to stop. "
            "The operator can find the details in the log; please try again later.",
            "zh": "💾 机器人所在电脑无法读写工作文件，只好停止。管理员可在日志中查看详情；请稍后再试。",
        },
        "err_unsupported": {
            "en": "🚫 That file type isn't supported. Send one of: {formats}.",
            "zh": "🚫 不支持这种文件类型。请发送以下格式之一：{formats}。",
        },
        "err_too_large": {
            "en": "📦 That file is too large ({limit} at most). Trim or compress it first, or send "
            "a link to it.",
            "zh": "📦 文件太大（最大 {limit}）。请先剪短或压缩，或发送视频链接。",
        },
        "err_workspace_full": {
            "en": "📦 I have no room for that file right now: other videos fill my work space. "
            "Try again in a few minutes, or send a smaller file.",
            "zh": "📦 我现在没有空间存放这个文件：其他视频占满了工作空间。请过几分钟再试，或发送更小的文件。",
        },
        "err_too_large_nolimit": {
            "en": "📦 That file is too large for the video service. Trim or compress it first.",
            "zh": "📦 文件超出了视频服务的大小限制。请先剪短或压缩。",
        },
        "err_link_refused": {
            "en": plural(
                "seconds",
                one="🔗 I couldn't fetch a video from that link. I only download direct links to "
                "a video file on a public web server, up to {limit} and within {seconds} second. "
                "Download the video yourself and send me the file instead.",
                other="🔗 I couldn't fetch a video from that link. I only download direct links to "
                "a video file on a public web server, up to {limit} and within {seconds} seconds. "
                "Download the video yourself and send me the file instead.",
            ),
            "zh": "🔗 无法从这个链接获取视频。我只下载公开网站上直接指向视频文件的链接，"
            "大小不超过 {limit}，且需在 {seconds} 秒内下载完。请自己下载视频后把文件发给我。",
        },
        "err_links_off": {
            "en": "🔗 This bot doesn't download links. Send me the video itself as a file.",
            "zh": "🔗 这个机器人不下载链接。请直接把视频文件发给我。",
        },
        "err_not_video": {
            "en": "🚫 That doesn't look like a video. Send an MP4, MOV, MKV or WebM file.",
            "zh": "🚫 这看起来不是视频。请发送 MP4、MOV、MKV 或 WebM 文件。",
        },
        "err_too_short": {
            "en": "🚫 That video is only {seconds} s long, a frame or two: too short to work on. "
            "Send a longer clip.",
            "zh": "🚫 这个视频只有 {seconds} 秒，只有一两帧，太短了，无法处理。请发送更长的片段。",
        },
        "err_corrupt": {
            "en": "🚫 I can't read that video: it seems empty, truncated or damaged. Try exporting "
            "it again from your phone or editor.",
            "zh": "🚫 无法读取这个视频：文件似乎为空、不完整或已损坏。请从手机或剪辑软件重新导出后再发送。",
        },
        "err_no_input": {
            "en": "There is no video here yet. Send one first, then tell me what to do.",
            "zh": "这里还没有视频。请先发送视频，再告诉我要做什么。",
        },
        "err_unclear": {
            "en": "🤔 I didn't understand that. Try one of these:\n{examples}",
            "zh": "🤔 我没看懂。可以试试这些说法：\n{examples}",
        },
        "err_unreachable": {
            "en": "📏 {target} can't be reached for this video: the smallest I can make is about "
            "{smallest}. Try trimming it, a lower resolution (e.g. “480p”), or removing the audio.",
            "zh": "📏 这个视频无法压缩到 {target}：最小大约能做到 {smallest}。可以试试剪短、降低分辨率（如“480p”）或去掉音频。",
        },
        "err_cancelled": {"en": "✖️ Cancelled.", "zh": "✖️ 已取消。"},
        "err_unexpected": {
            "en": "⚠️ I hit an unexpected error while {doing}. Your project is kept; please try "
            "again, or send /new to start fresh.",
            "zh": "⚠️ {doing}时出现意外错误。你的项目已保留；请重试，或发送 /new 重新开始。",
        },
        "doing_upload": {"en": "receiving your file", "zh": "接收文件"},
        "doing_turn": {"en": "working on your request", "zh": "处理请求"},
        "doing_encode": {"en": "encoding your video", "zh": "编码视频"},
        "doing_export": {"en": "exporting", "zh": "导出"},
        "doing_status": {"en": "reading the project", "zh": "读取项目"},
        "doing_credits": {"en": "checking credits", "zh": "查询积分"},
        "doing_delivery": {"en": "sending your video", "zh": "发送视频"},
    }
)
