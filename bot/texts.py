"""What the channels themselves say, when Rasa cannot or should not answer."""

from __future__ import annotations

TEXTS = {
    "en": {
        "unavailable": "Sorry, I can't answer right now because of a technical problem. "
        "Nothing you sent was lost; please try again in a few minutes.",
        "empty": "I didn't catch that. Please describe the problem in a few words, "
        "share a location, or send a photo.",
        "unsupported": "Sorry, I can't read {what}. Please type your message, "
        "share a location, or send a photo.",
        "button_expired": "That button is no longer valid. Please type your answer instead.",
        "photo_failed": "Sorry, I couldn't save that photo. Please try sending it again.",
        "too_long": "Your message was very long, so I read only the first 4,096 characters.",
    },
    "zh": {
        "unavailable": "抱歉，系统暂时出现技术问题，无法回复。您发送的内容没有丢失，请几分钟后再试。",
        "empty": "没有看懂您的消息。请用几句话描述问题、发送位置或照片。",
        "unsupported": "抱歉，我无法识别{what}。请输入文字、发送位置或照片。",
        "button_expired": "该按钮已失效，请直接输入您的回答。",
        "photo_failed": "抱歉，照片保存失败，请重新发送。",
        "too_long": "您的消息过长，我只读取了前 4096 个字符。",
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
