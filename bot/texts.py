"""What the channels themselves say, when Rasa cannot or should not answer."""

from __future__ import annotations

TEXTS = {
    "en": {
        # Only what is true: the message was not answered. (If it filed a report, the reference follows
        # as a push: outbox.queue_receipt.)
        "unavailable": "Sorry, a technical problem kept me from answering your last message. "
        "Please send it again in a few minutes.",
        # The message could not be stored (database down): Telegram keeps it and we answer it once we can.
        "delayed": "Sorry, a technical problem is delaying my answers. I will answer your message as soon as "
        "it is fixed.",
        "empty": "I didn't catch that. Please describe the problem in a few words, "
        "share a location, or send a photo.",
        "unsupported": "Sorry, I can't read {what}. Please type your message, "
        "share a location, or send a photo.",
        "button_expired": "That button is no longer valid. Please type your answer instead.",
        "photo_failed": "Sorry, I couldn't save that photo. Please try sending it again.",
        "too_long": "Your message was very long, so I read only the first 4,096 characters.",
        # The web chat's limits (bot/webchat/) and photo checks (bot/photos.py).
        "slow_down": "You're sending messages faster than I can read them. Please wait a minute, then send it again.",
        "photo_limit": "You've sent a lot of photos recently. Please wait a while before sending another one.",
        "photo_unexpected": "I wasn't expecting a photo just now. If you want to report a problem, "
        "tell me what it is first; I'll ask for a photo when it helps.",
        "photo_invalid": "That file is not a photo I can read. Please send a JPEG, PNG or WebP image.",
        "photo_no_room": "Sorry, I can't accept photos right now. Please continue without one, or try again later.",
        "send_again": "Sorry, I missed that. Please send it again.",
        # The resident's own data (bot/resident_data.py).
        "export_ready": "Here is everything we hold about you, as a JSON file.",
        "export_none": "We hold no data about you yet.",
        "forget_ask": "Delete your data? Your name and chat id, descriptions, addresses, photos, answers, messages "
                      "and live-chat transcripts will be deleted for good. Your cases stay in the city's statistics "
                      "only anonymously (type, dates, status, area), and you will no longer get updates on them.",
        "forget_open": "These open cases will be cancelled: {references}.",
        "forget_yes": "Yes, delete my data", "forget_no": "No, keep it",
        "forget_done": "Your data has been deleted. If you write again, we will start afresh.",
        "forget_kept": "Nothing was deleted.",
        "forget_none": "We hold no data about you.",
        # Channels without buttons (WeChat: bot/wechat/choices.py) number the choices instead.
        "choose_number": "Reply with a number to choose.",
        "export_wechat": "Sorry, I can't send your data file in WeChat yet. Please ask the city's service desk "
                         "for a copy.",
        "export_link": "Here is everything we hold about you, as a JSON file: {link}\n\nThe link works once, "
                       "for {minutes} minutes. Please do not share it.",
    },
    "zh": {
        "unavailable": "抱歉，由于技术问题，我没能回复您刚才的消息。请几分钟后重新发送。",
        "delayed": "抱歉，由于技术问题，回复会有所延迟。问题解决后我会尽快回复您的消息。",
        "empty": "没有看懂您的消息。请用几句话描述问题、发送位置或照片。",
        "unsupported": "抱歉，我无法识别{what}。请输入文字、发送位置或照片。",
        "button_expired": "该按钮已失效，请直接输入您的回答。",
        "photo_failed": "抱歉，照片保存失败，请重新发送。",
        "too_long": "您的消息过长，我只读取了前 4096 个字符。",
        "slow_down": "您发送消息太快了，请稍等一分钟后再发送。",
        "photo_limit": "您最近发送的照片较多，请稍后再发送。",
        "photo_unexpected": "现在不需要照片。如需反映问题，请先告诉我是什么问题，需要照片时我会请您发送。",
        "photo_invalid": "无法识别该文件。请发送 JPEG、PNG 或 WebP 格式的照片。",
        "photo_no_room": "抱歉，暂时无法接收照片。请先不附照片继续，或稍后再试。",
        "send_again": "抱歉，刚才的内容没有收到，请再发送一次。",
        "export_ready": "这是我们保存的关于您的全部数据（JSON 文件）。",
        "export_none": "我们尚未保存任何关于您的数据。",
        "forget_ask": "确定删除您的数据吗？您的名称和聊天标识、描述、地址、照片、回答、"
                      "消息和人工客服聊天记录将被永久删除。"
                      "您的诉求只以匿名形式（类型、日期、状态、区域）保留在统计中，"
                      "您也不会再收到相关进展通知。",
        "forget_open": "以下未结诉求将被取消：{references}。",
        "forget_yes": "是，删除我的数据", "forget_no": "不，保留",
        "forget_done": "您的数据已删除。如果您再次联系我们，将重新开始。",
        "forget_kept": "没有删除任何数据。",
        "forget_none": "我们没有保存关于您的数据。",
        "choose_number": "回复数字选择",
        "export_wechat": "抱歉，暂时无法在微信中发送数据文件。如需副本，请联系市民服务窗口。",
        "export_link": "这是我们保存的关于您的全部数据（JSON 文件）：{link}\n\n"
                       "此链接只能打开一次，{minutes} 分钟内有效。请勿分享。",
    },
}

MEDIA_NAMES = {
    "en": {"sticker": "stickers", "voice": "voice messages", "document": "files",
           "video": "videos", "audio": "audio", "contact": "contacts", "other": "that kind of message"},
    "zh": {"sticker": "表情贴纸", "voice": "语音消息", "document": "文件",
           "video": "视频", "audio": "音频", "contact": "联系人名片", "other": "这类消息"},
}


def text(key: str, language: str | None = "en", **values: str) -> str:
    """The channel text `key` in the resident's language (English if we lack it)."""
    own = TEXTS.get(language or "en", {})
    return (own.get(key) or TEXTS["en"][key]).format(**values)


def unsupported(kind: str, language: str | None = "en") -> str:
    """The answer to a message type we cannot read (sticker, voice note, ...)."""
    names = {**MEDIA_NAMES["en"], **MEDIA_NAMES.get(language or "en", {})}
    return text("unsupported", language, what=names.get(kind, names["other"]))
