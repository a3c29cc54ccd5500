"""`TelegramAdapter`: python-telegram-bot's `Application`, embedded in clipbridge's lifecycle.

    async with TelegramAdapter(settings, conversation) as adapter:   # start(): getMe, then updates
        ...                                                           # stop() on exit

Polling by default. In webhook mode (`TELEGRAM_MODE=webhook`) PTB's own web server is not used:
the bot's aiohttp server mounts `adapter.routes` (the webhook at `WEBHOOK_PATH`), and the adapter
registers `PUBLIC_URL + WEBHOOK_PATH` with Telegram together with a secret token that every
delivery must carry in `X-Telegram-Bot-Api-Secret-Token`.

Each update becomes one `Inbound` for the core (`_inbound` has the rules), handed over in its
chat's lane (`_lanes`) so chats never wait on each other. An album arrives as several updates
sharing a `media_group_id`, collected for a moment and handed over as one Inbound with several
attachments, so it is acknowledged once.

A webhook delivery is answered once the core has taken its update (`_acks`), so an update
Telegram was told "ok" for is in the database; at most `ack_wait` seconds, then 200 anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram import ChatMember, MaybeInaccessibleMessage, Message, Update, User
from telegram.ext import Application, ContextTypes, TypeHandler

from adapters.telegram._acks import Acks
from adapters.telegram._errors import translated
from adapters.telegram._inbound import (
    PLATFORM,
    chat_key,
    instruction,
    is_addressed,
    is_group,
    media_of,
    user_ref,
)
from adapters.telegram._lanes import Call, Lanes
from adapters.telegram._port import TelegramPort
from adapters.telegram._session import TelegramSession
from adapters.telegram._startup import publish_menu, say_hello
from bot.backoff import DEFAULT_BACKOFF, Backoff
from bot.config import Settings
from bot.errors import ConfigError
from bot.models import Attachment, ChatKey, Inbound
from bot.ports import Core, Lifecycle, Route
from bot.texts import human_size, t

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


@dataclass
class _Album:
    """Messages of one media group, waiting until no more arrive; and the chat's messages that
    came meanwhile, which go after it ("join these" typed right after the album)."""

    chat: ChatKey
    items: list[tuple[int, Message]] = field(default_factory=list)
    after: list[Call] = field(default_factory=list)
    last: float = 0.0


class TelegramAdapter(Lifecycle):
    """The Telegram platform: receives updates, hands them to the core, gives it ports."""

    platform = "telegram"

    def __init__(
        self,
        settings: Settings,
        core: Core,
        *,
        poll_timeout: float = 10.0,
        album_window: float = 1.0,
        url_fetch: bool = False,
        backoff: Backoff = DEFAULT_BACKOFF,
        ack_wait: float = 25.0,
    ) -> None:
        """`poll_timeout`: seconds of one getUpdates long poll. `album_window`: seconds without a
        new item after which an album is complete. `url_fetch`: let Telegram fetch results that
        sit at a public URL themselves (see docs/benchmarks.md, "Telegram relay"). `backoff`:
        the waits between start-up retries (see `_startup`). `ack_wait`: seconds a webhook
        answer waits for the core to take its update; below Telegram's own request timeout,
        since a chat under flood control can keep `handle` waiting out a retry-after."""
        if settings.telegram_bot_token is None:
            raise ConfigError(["TELEGRAM_BOT_TOKEN is not set: the token @BotFather gave you"])
        self._settings = settings
        self._core = core
        token = settings.telegram_bot_token.get_secret_value()
        self._poll_timeout = poll_timeout
        self._album_window = album_window
        self._backoff = backoff
        self._ack_wait = ack_wait
        self._acks = Acks()
        self._webhook = settings.telegram_mode == "webhook"
        secret = settings.telegram_webhook_secret
        # Without a configured secret, derive one from the token: stable across restarts and
        # replicas, and it reveals nothing about the token.
        self._secret = (
            secret.get_secret_value()
            if secret
            else hashlib.sha256(b"clipbridge-webhook:" + token.encode()).hexdigest()[:48]
        )
        self._session = TelegramSession(settings, url_fetch=url_fetch, secrets=[self._secret])
        self._app: Application | None = None  # type: ignore[type-arg]
        self._me: User | None = None
        self._albums: dict[str, _Album] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._lanes = Lanes()

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def routes(self) -> Sequence[Route]:
        """The webhook, in webhook mode: mounted before `start()` registers it with Telegram."""
        if not self._webhook:
            return ()
        return (Route("POST", WEBHOOK_PATH, self.webhook_handler),)

    async def start(self) -> None:
        """Say hello to Telegram, then take updates; a start that fails is undone."""
        try:
            await self.initialize()
            await self._take_updates()
        except BaseException:
            # Undo whatever part got done (a failed getMe, a webhook Telegram refused).
            with contextlib.suppress(Exception):
                await self._stop_updates()
            await self.shutdown()
            raise

    async def stop(self) -> None:
        """Stop taking updates (albums being collected are handed over first), then close."""
        try:
            await self._stop_updates()
        finally:
            await self.shutdown()

    async def initialize(self) -> None:
        """Build the Application, say hello to Telegram (getMe, retried while Telegram cannot be
        reached), and publish the command menu in the background (optional, see `_startup`)."""
        if self._webhook and not self._settings.public_url:
            raise ConfigError(["TELEGRAM_MODE=webhook needs PUBLIC_URL, this server's https URL"])
        builder = Application.builder().bot(self._session.open())
        if self._webhook:
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        self._app = app
        base_url = self._settings.telegram_base_url
        await say_hello(app, base_url, self._backoff)
        self._me = app.bot.bot
        self._spawn(publish_menu(app.bot, base_url, self._backoff))

    async def _take_updates(self) -> None:
        """Start handling updates: polling, or registering the webhook."""
        app = self._require_app()
        await app.start()
        if self._webhook:
            url = (self._settings.public_url or "").rstrip("/") + WEBHOOK_PATH
            with translated():
                await app.bot.set_webhook(
                    url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
                )
        else:
            assert app.updater is not None
            # bootstrap_retries=-1: a deleteWebhook that meets a 5xx is retried, not fatal.
            await app.updater.start_polling(
                timeout=dtm.timedelta(seconds=self._poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
            )

    async def _stop_updates(self) -> None:
        """Stop taking updates; albums still being collected are handed over first."""
        app = self._require_app()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for group in list(self._albums):
            self._flush_album(group)
        await self._lanes.join()
        if app.running:
            await app.stop()  # hands over what is still in PTB's queue: into the lanes
        await self._lanes.join()
        self._acks.refuse_all()

    async def shutdown(self) -> None:
        try:
            if self._app is not None:
                await self._app.shutdown()
        finally:
            self._app = None
            await self._session.close()

    def _require_app(self) -> Application:  # type: ignore[type-arg]
        if self._app is None:
            raise RuntimeError("TelegramAdapter is not initialized")
        return self._app

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Background work of this adapter; `stop()` cancels what is still running."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- webhook ---------------------------------------------------------------------------------

    async def webhook_handler(self, request: web.Request) -> web.Response:
        """aiohttp handler for `WEBHOOK_PATH`: checks the secret, queues the update, answers
        once the core has taken it (503 if it cannot be: Telegram retries, maybe elsewhere)."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("telegram webhook call refused: wrong or missing secret token")
            return web.Response(status=403, text="forbidden")
        app = self._app
        if app is None or not app.running:
            return web.Response(status=503, text="not running")
        try:
            data = await request.json()
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        if not app.running:  # stopping began while the body was read
            return web.Response(status=503, text="not running")
        taken = self._acks.expect(update.update_id)
        try:
            # No await between the check and here: PTB's stop puts its marker behind this one.
            app.update_queue.put_nowait(update)
            async with asyncio.timeout(self._ack_wait):
                if not await asyncio.shield(taken):
                    return web.Response(status=503, text="stopping")
        except TimeoutError:
            log.warning(
                "telegram update %s not taken by the core after %.0fs; answered anyway",
                update.update_id,
                self._ack_wait,
            )
        finally:
            self._acks.forget(update.update_id)
        return web.Response(text="ok")

    # --- ports -----------------------------------------------------------------------------------

    def port_for(self, chat: ChatKey, hint: str | None = None) -> TelegramPort:
        return self._session.port_for(chat, hint)

    # --- updates ---------------------------------------------------------------------------------

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error(
            "telegram update failed: %s: %s",
            type(error).__name__,
            error,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sorts an update into its chat's lane and returns at once (see `_lanes`)."""
        query = update.callback_query
        message = update.message
        if query is not None and query.message is not None:
            call = self._acked([update.update_id], lambda: self._on_button(update))
            self._submit(self._key(query.message), call)
        elif message is not None and message.from_user and not message.from_user.is_bot:
            if message.media_group_id:
                self._collect(message.media_group_id, update.update_id, message)
            else:
                call = lambda: self._dispatch(update.update_id, [message])  # noqa: E731
                self._submit(chat_key(message), self._acked([update.update_id], call))
        else:
            self._acks.taken(update.update_id)  # nothing for the core: done with it

    def _acked(self, update_ids: list[int], call: Call) -> Call:
        """`call`, after which the updates it carries count as taken, whatever happened."""

        async def acked() -> None:
            try:
                await call()
            finally:
                self._acks.taken(*update_ids)

        return acked

    def _submit(self, chat: ChatKey, call: Call) -> None:
        """Into the chat's lane, or behind an album the chat is still sending."""
        album = next((a for a in self._albums.values() if a.chat == chat), None)
        if album is not None:
            album.after.append(call)
        else:
            self._lanes.submit(chat, call)

    @staticmethod
    def _key(message: MaybeInaccessibleMessage) -> ChatKey:
        if isinstance(message, Message):
            return chat_key(message)
        return ChatKey(PLATFORM, str(message.chat.id))

    async def _on_button(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(Exception), translated():
            await query.answer()  # stops the button's spinner, whatever happens next
        message = query.message
        if not query.data or message is None:
            return
        key = self._key(message)
        group = is_group(message.chat)
        if group:  # a button acts for whoever pressed it, in their own session
            key = key.of(str(query.from_user.id))
        inbound = Inbound(
            chat=key,
            user=user_ref(query.from_user),
            text=query.data,
            locale=query.from_user.language_code,
            update_id=str(update.update_id),
            is_group=group,
            pressed=str(message.message_id),
            moderator=self._moderator(message.chat.id, query.from_user.id) if group else None,
        )
        await self._core.handle(inbound, self.port_for(key))

    def _collect(self, group: str, update_id: int, message: Message) -> None:
        album = self._albums.setdefault(group, _Album(chat_key(message)))
        album.items.append((update_id, message))
        album.last = time.monotonic()
        if len(album.items) == 1:
            self._spawn(self._album_timer(group))

    async def _album_timer(self, group: str) -> None:
        while True:
            album = self._albums.get(group)
            if album is None:
                return
            quiet = time.monotonic() - album.last
            if quiet >= self._album_window:
                break
            await asyncio.sleep(self._album_window - quiet)
        self._flush_album(group)

    def _flush_album(self, group: str) -> None:
        album = self._albums.pop(group, None)
        if album and album.items:
            items = sorted(album.items, key=lambda item: item[0])
            messages = [message for _, message in items]
            whole: Call = lambda: self._dispatch(items[0][0], messages)  # noqa: E731
            self._lanes.submit(album.chat, self._acked([i for i, _ in items], whole))
            for call in album.after:
                self._submit(album.chat, call)  # behind the next album, if one is collecting

    async def _dispatch(self, update_id: int, messages: list[Message]) -> None:
        """Messages (one, or an album's) from one person in one chat, into one Inbound."""
        me = self._me
        assert me is not None
        files = self._session.files
        first = messages[0]
        sender = first.from_user
        assert sender is not None
        group = is_group(first.chat)
        if group and not any(is_addressed(m, me) for m in messages):
            return
        key = chat_key(first)
        if group:  # each member of a group has a session and jobs of their own
            key = key.of(str(sender.id))
        locale = sender.language_code
        port = self.port_for(key, str(first.message_id) if group else None)
        limit = self._session.download_limit

        text = ""
        attachments: list[Attachment] = []
        refused = 0
        for message in messages:
            words, links = instruction(message, me)
            text = text or words
            attachments.extend(files.link(url) for url in links)
            media = media_of(message)
            if media is None:
                continue
            if not media.is_video:
                refused += 1
            elif media.size is not None and media.size > limit:
                # Before anything is fetched: Telegram would refuse getFile anyway.
                language = await self._core.language(user_ref(sender), locale)
                await port.send_text(
                    t("tg_file_too_big", language, size=human_size(media.size, language),
                      limit=human_size(limit, language))
                )  # fmt: skip
                return
            else:
                attachments.append(
                    files.telegram_file(media.file_id, media.name, media.size, media.mime)
                )
        if refused and not attachments:
            language = await self._core.language(user_ref(sender), locale)
            await port.send_text(t("tg_not_a_video", language))
            return
        if not text and not attachments:
            return
        inbound = Inbound(
            chat=key,
            user=user_ref(sender),
            text=text,
            attachments=tuple(attachments),
            locale=locale,
            update_id=str(update_id),
            is_group=group,
            moderator=self._moderator(first.chat.id, sender.id) if group else None,
        )
        await self._core.handle(inbound, port)

    def _moderator(self, chat_id: int, user_id: int) -> Callable[[], Awaitable[bool]]:
        """Asks Telegram, when the core needs to know, whether the user administers the group."""

        async def administers() -> bool:
            with translated():
                member = await self._require_app().bot.get_chat_member(chat_id, user_id)
            return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)

        return administers
