"""`TelegramPort`: one Telegram chat (or forum topic) as the core sees it."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
)
from telegram import error as tg_error
from telegram.constants import MessageLimit

from adapters.telegram._errors import is_not_modified, translated
from bot.errors import FileTooLarge
from bot.models import ChatKey
from bot.ports import Button, ChatAction, MessageRef, OutboundVideo

log = logging.getLogger(__name__)

MB = 1_000_000
CLOUD_UPLOAD_LIMIT = 50 * MB
LOCAL_UPLOAD_LIMIT = 2000 * MB
URL_FETCH_LIMIT = 20 * MB
"""Telegram fetches a video given by URL itself only up to this size."""
ANSWER_AFTER_UPLOAD = 300.0
"""Seconds Telegram may take to answer once a video is uploaded (it processes it first)."""
CALLBACK_DATA_LIMIT = 64  # bytes
BUTTONS_PER_ROW = 2


WORD_JOINER = "\u2060"
_WORD = re.compile(r"\S+")


def no_mentions(text: str) -> str:
    """`text` with every `@name` made inert. Telegram turns `@username` in a bot's plain text
    into a mention that notifies that user in a group, and the text carries file names and the
    agent's words, which anyone can choose. An invisible word joiner after the `@` keeps the text
    as it reads while Telegram no longer sees a username there. Links are left whole (a joiner
    would cut them); parse modes stay off, so nothing else in the text is markup."""

    def inert(word: re.Match[str]) -> str:
        token = word.group()
        if token.startswith(("http://", "https://")):
            return token
        return token.replace("@", "@" + WORD_JOINER)

    return _WORD.sub(inert, text) if "@" in text else text


def trim(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Command buttons become callback buttons (their command comes back as the press's data);
    link buttons open their URL."""
    if not buttons:
        return None
    row: list[InlineKeyboardButton] = []
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        if button.url:
            row.append(InlineKeyboardButton(button.label, url=button.url))
        elif button.command:
            if len(button.command.encode()) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"button command longer than 64 bytes: {button.command!r}")
            row.append(InlineKeyboardButton(button.label, callback_data=button.command))
        if len(row) == BUTTONS_PER_ROW:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


class TelegramPort:
    """Sends into one chat, in its forum topic if it has one, replying in groups to the
    message its delivery hint names (`hint` is that message's id).

    Every call may raise `bot.errors.RetryAfter` (flood control); the core decides whether to
    wait and retry or to skip (progress edits).
    """

    def __init__(
        self,
        bot: Bot,
        chat: ChatKey,
        *,
        hint: str | None = None,
        local_mode: bool = False,
        url_fetch: bool = False,
    ) -> None:
        self._bot = bot
        self._chat = chat
        self._chat_id = int(chat.chat)
        self._thread = int(chat.thread) if chat.thread else None
        # The message to answer in a group. A hint this version cannot read (stored by another
        # version, say) is dropped: the chat alone still reaches the person.
        self._reply_to = int(hint) if hint and hint.isdigit() else None
        self._local_mode = local_mode
        self._url_fetch = url_fetch

    # --- what the core reads ---------------------------------------------------------------------

    @property
    def chat(self) -> ChatKey:
        return self._chat

    @property
    def hint(self) -> str | None:
        return str(self._reply_to) if self._reply_to is not None else None

    @property
    def message_limit(self) -> int:
        return int(MessageLimit.MAX_TEXT_LENGTH)

    @property
    def caption_limit(self) -> int:
        return int(MessageLimit.CAPTION_LENGTH)

    @property
    def upload_limit(self) -> int:
        return LOCAL_UPLOAD_LIMIT if self._local_mode else CLOUD_UPLOAD_LIMIT

    # --- what the core calls ---------------------------------------------------------------------

    def _where(self) -> dict[str, Any]:
        where: dict[str, Any] = {"chat_id": self._chat_id}
        if self._thread is not None:
            where["message_thread_id"] = self._thread
        if self._reply_to is not None:
            where["reply_parameters"] = ReplyParameters(
                self._reply_to, allow_sending_without_reply=True
            )
        return where

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        with translated():
            message = await self._bot.send_message(
                text=trim(no_mentions(text), self.message_limit),
                reply_markup=keyboard(buttons),
                **self._where(),
            )
        return MessageRef(str(message.message_id))

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        try:
            with translated():
                await self._bot.edit_message_text(
                    trim(no_mentions(text), self.message_limit),
                    chat_id=self._chat_id,
                    message_id=int(ref.id),
                    reply_markup=keyboard(buttons),
                )
        except tg_error.BadRequest as exc:
            if not is_not_modified(exc):
                raise

    async def typing(self, action: ChatAction = "typing") -> None:
        with translated():
            await self._bot.send_chat_action(self._chat_id, action, message_thread_id=self._thread)

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        if video.size > self.upload_limit:
            raise FileTooLarge(f"result of {video.size} bytes", limit=self.upload_limit)
        caption = trim(no_mentions(caption), self.caption_limit)
        if self._url_fetch and video.source_url and video.size <= URL_FETCH_LIMIT:
            try:
                return await self._send_video(video, caption, by_url=True)
            except tg_error.BadRequest as exc:
                # Telegram could not fetch it (unreachable, not a video): upload it ourselves.
                log.info("telegram could not fetch the result by URL (%s); uploading", exc.message)
        return await self._send_video(video, caption, by_url=False)

    async def _send_video(self, video: OutboundVideo, caption: str, *, by_url: bool) -> MessageRef:
        meta: dict[str, Any] = {
            "duration": round(video.duration) if video.duration else None,
            "width": video.width,
            "height": video.height,
            "supports_streaming": True,
        }
        with ExitStack() as files:
            content: str | InputFile
            if by_url:
                assert video.source_url is not None
                content = video.source_url
            else:
                # read_file_handle=False: httpx streams from the open file, never reads it whole.
                handle = files.enter_context(video.path.open("rb"))
                content = InputFile(handle, filename=video.filename, read_file_handle=False)
                if video.thumbnail is not None and video.thumbnail.is_file():
                    thumb = files.enter_context(video.thumbnail.open("rb"))
                    meta["thumbnail"] = InputFile(thumb, filename="thumb.jpg")
            with translated():
                message = await self._send_as(video.mime, content, caption, meta, video.as_file)
        return MessageRef(str(message.message_id))

    async def _send_as(
        self,
        mime: str,
        content: str | InputFile,
        caption: str,
        meta: dict[str, Any],
        as_file: bool = False,
    ) -> Message:
        """sendAudio for sound (a player, not a file), sendAnimation for a GIF (plays inline and
        loops), sendDocument for an animated WebP (Telegram takes only GIF or MP4 animations),
        sendVideo for the rest."""
        common: dict[str, Any] = {"caption": caption or None, "read_timeout": ANSWER_AFTER_UPLOAD}
        common |= self._where()
        if as_file:  # kept byte for byte: Telegram recompresses nothing sent as a document
            extra = {k: meta[k] for k in ("thumbnail",) if k in meta}
            return await self._bot.send_document(document=content, **common, **extra)
        if mime.startswith("audio/"):
            extra = {k: meta[k] for k in ("duration", "thumbnail") if k in meta}
            return await self._bot.send_audio(audio=content, **common, **extra)
        if mime == "image/gif":
            meta = {k: v for k, v in meta.items() if k != "supports_streaming"}
            return await self._bot.send_animation(animation=content, **common, **meta)
        if mime.startswith("image/"):
            return await self._bot.send_document(document=content, **common)
        return await self._bot.send_video(video=content, **common, **meta)

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        return await self.send_text(text, [Button(label, url=url)])
