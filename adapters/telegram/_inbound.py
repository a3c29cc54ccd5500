"""Which Telegram messages the bot handles, and what they mean: the rules, without any I/O.

- Private chats: everything.
- Groups and supergroups: only what is addressed to the bot: a command (bare or `@thisbot`), an
  `@thisbot` mention, or a reply to one of the bot's messages. With privacy mode on (Telegram's
  default) Telegram sends the bot nothing else anyway; with it off, the rest is ignored here.
- Forum topics: each topic is its own chat key, so its own session.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, Message, MessageEntity, User

from bot import formats
from bot.links import is_video_link
from bot.models import ChatKey, UserRef

PLATFORM = "telegram"


@dataclass(frozen=True, slots=True)
class Media:
    """A file in a message. `is_video` is False for photos and documents of other types."""

    file_id: str
    name: str
    size: int | None
    mime: str | None
    is_video: bool


def chat_key(message: Message) -> ChatKey:
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatKey(PLATFORM, str(message.chat.id), str(thread) if thread is not None else None)


def user_ref(user: User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.full_name)


def is_group(chat: Chat) -> bool:
    return chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def _entities(message: Message) -> dict[MessageEntity, str]:
    return message.parse_entities() if message.text else message.parse_caption_entities()


def is_addressed(message: Message, bot: User) -> bool:
    """In a group: is this message for us?"""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    mention = f"@{bot.username}".lower()
    for entity, value in _entities(message).items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _, _, target = value.partition("@")
            if not target or target.lower() == (bot.username or "").lower():
                return True
        if entity.type == MessageEntity.MENTION and value.lower() == mention:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


def instruction(message: Message, bot: User) -> tuple[str, list[str]]:
    """The words of a message (text or caption) and the video links in it.

    A command loses its `@thisbot`, an `@thisbot` mention and each video link are cut out, so
    what is left is the instruction itself.
    """
    text = message.text or message.caption or ""
    if not text:
        return "", []
    cuts: list[tuple[int, int, str]] = []  # (start, end, replacement) in Python indices
    links: list[str] = []
    mention = f"@{bot.username}".lower()
    for entity, value in _entities(message).items():
        start = _index(text, value, entity)
        if start < 0:
            continue
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            cuts.append((start, start + len(value), value.partition("@")[0]))
        elif entity.type == MessageEntity.MENTION and value.lower() == mention:
            cuts.append((start, start + len(value), ""))
        elif entity.type == MessageEntity.URL and is_video_link(value):
            links.append(value)
            cuts.append((start, start + len(value), ""))
        elif entity.type == MessageEntity.TEXT_LINK and entity.url and is_video_link(entity.url):
            links.append(entity.url)
    for start, end, replacement in sorted(cuts, reverse=True):
        text = text[:start] + replacement + text[end:]
    return " ".join(text.split()), links


def _index(text: str, value: str, entity: MessageEntity) -> int:
    """Where an entity's text starts in Python indices (Telegram counts UTF-16 units)."""
    utf16 = text.encode("utf-16-le")
    prefix = utf16[: entity.offset * 2].decode("utf-16-le", errors="ignore")
    start = len(prefix)
    if text[start : start + len(value)] == value:
        return start
    return -1


def media_of(message: Message) -> Media | None:
    """The file a message carries, if any: video, animation, video note, or a document."""
    if message.video:
        v = message.video
        return Media(
            v.file_id,
            v.file_name or f"video_{message.message_id}.mp4",
            v.file_size,
            v.mime_type or "video/mp4",
            True,
        )
    if message.animation:
        a = message.animation
        return Media(
            a.file_id,
            a.file_name or f"animation_{message.message_id}.mp4",
            a.file_size,
            a.mime_type or "video/mp4",
            True,
        )
    if message.video_note:
        n = message.video_note
        return Media(
            n.file_id, f"video_note_{message.message_id}.mp4", n.file_size, "video/mp4", True
        )
    if message.document:
        d = message.document
        name = d.file_name or f"file_{message.message_id}"
        # A document is a video by the rule every platform follows: an .mp4 sent as
        # application/octet-stream is one (the content is checked as it arrives).
        return Media(
            d.file_id, name, d.file_size, d.mime_type, formats.offered_as_video(name, d.mime_type)
        )
    if message.photo:
        p = message.photo[-1]
        return Media(p.file_id, f"photo_{message.message_id}.jpg", p.file_size, "image/jpeg", False)
    return None
