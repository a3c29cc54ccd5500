"""`DiscordPort`: one chat as the core sees it, over an interaction token or the channel.

While the interaction token is fresh (younger than `discord_interaction_ttl`), the port answers
through it: the first message replaces the deferred "thinking…" response, later ones are webhook
follow-ups, and edits go to the same webhook. After that (or as soon as Discord says the token is
dead) messages go to the channel or thread itself; where the bot may not post there (a
user-installed app in someone else's server), to a DM with the person. A progress message that
lived on the token is re-posted in the channel on its next edit, so a long render is never lost.

Rate limits: discord.py waits out short 429s itself and retries (nothing is lost, the call just
takes longer); a limit it will not wait for (`discord.RateLimited`) or one that persists through
its retries surfaces as `bot.errors.RetryAfter`, which the core honours.

The delivery hint (`Port.hint`) is a small JSON object (`Delivery`) holding what a restarted bot
or a cluster worker needs: the person to DM, the interaction's application id, token and expiry,
its upload limit, and the channel's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from typing import Any

import discord

from adapters.discord._buttons import CommandButton
from adapters.discord._inbound import target_channel
from bot.errors import FileTooLarge, RetryAfter
from bot.models import ChatKey
from bot.ports import Button, ChatAction, MessageRef, OutboundVideo
from bot.texts import LANGUAGES, t

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
DEFAULT_UPLOAD_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
_TOKEN_DEAD = {50027, 10015}  # Invalid Webhook Token, Unknown Webhook
_TOO_LARGE = 40005  # Request entity too large
_LINK_MAX = 512  # Discord's longest link-button URL


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a port delivers besides its chat; serialized as `Port.hint`."""

    user: int | None = None
    app: int | None = None
    token: str | None = None
    expires: float = 0.0  # wall-clock time after which the token is no longer used
    limit: int | None = None  # the interaction's attachment_size_limit
    locale: str | None = None
    reply: int | None = None  # the person's message in a server channel: posts reply to it
    room: int | None = None  # the channel's upload limit (its server's boost tier), if known

    def dumps(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Delivery:
        if not text:
            return cls()
        try:
            raw = json.loads(text)
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        except (ValueError, TypeError):
            return cls()


NO_PINGS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=True)
"""On every message the bot posts or edits: file names and the agent's text are untrusted, and
`@everyone`, `<@&role>` or `<@user>` in them must not ping anyone. Only a reply to the requester
notifies them (`replied_user`); the client carries the same default."""


def trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(exc: discord.HTTPException) -> RetryAfter:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        seconds = float(header) if header else 1.0
    except ValueError:
        seconds = 1.0
    return RetryAfter(seconds, f"discord 429 on {exc.response.url.path if exc.response else ''}")


def _map(exc: Exception) -> Exception:
    """A 429 that got through discord.py's retries as the core's `RetryAfter`; everything else
    unchanged."""
    if isinstance(exc, discord.HTTPException) and exc.status == 429:
        return _retry_after(exc)
    return exc


@contextmanager
def _long_limits() -> Iterator[None]:
    """A limit longer than discord.py waits (`discord.RateLimited`, not an `HTTPException`) as
    the core's `RetryAfter`: the core waits it out, and a finished video is not lost."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RetryAfter(exc.retry_after, "discord rate limit over the wait cap") from exc


# The core's answers that say "send a video", and how to say it in a server channel, where a
# posted video never reaches the bot (only slash commands and the message menu do).
_GUILD_WORDING = {
    "no_session": "discord_no_session_guild",
    "welcome": "discord_welcome_guild",
    "nothing_to_cancel_yours": "discord_nothing_to_cancel_yours_guild",
    "cancel_all_denied": "discord_cancel_all_denied_guild",
}


def in_a_guild(text: str) -> str:
    """`text` as said in a server channel: an answer ending in one of the core's "send a video"
    sentences (in any language) ends in its server wording instead."""
    for key, guild_key in _GUILD_WORDING.items():
        for language in LANGUAGES:
            said = t(key, language)
            if text.endswith(said):
                return text.removesuffix(said) + t(guild_key, language)
    return text


def _token_dead(exc: discord.HTTPException) -> bool:
    return exc.status == 401 or exc.code in _TOKEN_DEAD


class DiscordPort:
    """One Discord chat; see the module docstring for where each message goes."""

    def __init__(
        self,
        client: discord.Client,
        chat: ChatKey,
        delivery: Delivery,
        *,
        interaction: discord.Interaction[Any] | None = None,
        guild: bool = False,
    ) -> None:
        """`guild`: a server channel, where the bot never sees a posted video (see
        `in_a_guild`)."""
        self._client = client
        self._guild = guild
        self._chat = chat
        self._delivery = delivery
        self._interaction = interaction  # set while its deferred response awaits its first text
        self._token_ok = delivery.token is not None and delivery.app is not None
        self._on_token: set[str] = set()  # messages posted through the interaction token
        self._moved: dict[str, str] = {}  # message id -> the channel message that replaced it
        self._dm: discord.DMChannel | None = None
        self._in_dm: set[str] = set()  # messages that went to the DM fallback

    # --- what the core reads ----------------------------------------------------------------

    @property
    def chat(self) -> ChatKey:
        return self._chat

    @property
    def hint(self) -> str | None:
        # With the channel's upload limit as this process sees it in its guild cache: a worker
        # delivering later has no cache, and would otherwise assume the smallest limit.
        return replace(self._delivery, room=self._guild_limit() or self._delivery.room).dumps()

    @property
    def message_limit(self) -> int:
        return MESSAGE_LIMIT

    @property
    def caption_limit(self) -> int:
        return MESSAGE_LIMIT

    @property
    def upload_limit(self) -> int:
        if self._hook() is not None and self._delivery.limit:
            return self._delivery.limit
        return self._channel_limit()

    # --- what the core calls ----------------------------------------------------------------

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        text = in_a_guild(text) if self._guild else text
        with _long_limits():
            return await self._send(_Outgoing(trim(text, MESSAGE_LIMIT), _view(buttons)))

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        with _long_limits():
            await self._edit(ref, in_a_guild(text) if self._guild else text, buttons)

    async def _edit(self, ref: MessageRef, text: str, buttons: Sequence[Button]) -> None:
        content, view = trim(text, MESSAGE_LIMIT), _view(buttons)
        mid = self._moved.get(ref.id, ref.id)
        if mid in self._on_token and (hook := self._hook()) is not None:
            try:
                await hook.edit_message(
                    int(mid), content=content, view=view, allowed_mentions=NO_PINGS
                )
                return
            except discord.HTTPException as exc:
                if not _token_dead(exc):
                    raise _map(exc) from exc
                self._token_ok = False
        if mid in self._on_token:
            await self._say_moved(mid)
        else:
            try:
                where: discord.DMChannel | discord.PartialMessageable
                if mid in self._in_dm and self._dm is not None:
                    where = self._dm
                else:
                    where = self._client.get_partial_messageable(target_channel(self._chat))
                await where.get_partial_message(int(mid)).edit(
                    content=content, view=view, allowed_mentions=NO_PINGS
                )
                return
            except (discord.NotFound, discord.Forbidden):
                pass  # not ours to edit (a DM fallback, or a restart lost the route): re-post
            except discord.HTTPException as exc:
                raise _map(exc) from exc
        new = await self._post(_Outgoing(content, view))
        self._moved[ref.id] = new.id

    async def typing(self, action: ChatAction = "typing") -> None:
        if self._hook() is not None:
            return  # the deferred response already shows "thinking…"
        # A long limit on typing (its own bucket) must not hold back the chat's messages: it
        # stays a `RateLimited`, which the core ignores like any failed typing indicator.
        with suppress(discord.Forbidden, discord.NotFound):
            try:
                await self._client.get_partial_messageable(target_channel(self._chat)).typing()
            except discord.HTTPException as exc:
                raise _map(exc) from exc

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        caption = trim(caption, MESSAGE_LIMIT)
        if video.size > self.upload_limit and video.source_url:
            return await self._link_instead(caption, video.source_url)
        try:
            with _long_limits():
                return await self._send(_Outgoing(caption, video=video))
        except discord.HTTPException as exc:
            if exc.status != 413 and exc.code != _TOO_LARGE:
                raise
            if video.source_url:
                return await self._link_instead(caption, video.source_url)
            raise FileTooLarge("discord refused the upload", limit=self.upload_limit) from exc

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        if not url.startswith(("https://", "http://")) or len(url) > _LINK_MAX:
            return await self.send_text(f"{text}\n{url}")
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label=trim(label, 80), url=url))
        with _long_limits():
            return await self._send(_Outgoing(trim(text, MESSAGE_LIMIT), view))

    # --- routes -----------------------------------------------------------------------------

    def _hook(self) -> discord.Webhook | None:
        """The interaction's webhook while its token may still be used."""
        d = self._delivery
        if not self._token_ok or time.time() >= d.expires or d.token is None or d.app is None:
            return None
        return discord.Webhook.partial(d.app, d.token, client=self._client)

    async def _send(self, out: _Outgoing) -> MessageRef:
        hook = self._hook()
        if hook is not None:
            try:
                return await self._send_on_token(hook, out)
            except discord.HTTPException as exc:
                if not _token_dead(exc):
                    raise _map(exc) from exc
                self._token_ok = False
                log.info(
                    "interaction token no longer accepted in %s; using the channel", self._chat
                )
        return await self._post(out)

    async def _send_on_token(self, hook: discord.Webhook, out: _Outgoing) -> MessageRef:
        if self._interaction is not None:
            interaction, self._interaction = self._interaction, None
            file = out.file()
            message: discord.Message = await interaction.edit_original_response(
                content=out.content,
                view=out.view,
                attachments=[file] if file else discord.utils.MISSING,
                allowed_mentions=NO_PINGS,
            )
        else:
            message = await hook.send(wait=True, **out.fields())
        self._on_token.add(str(message.id))
        return MessageRef(str(message.id))

    async def _post(self, out: _Outgoing) -> MessageRef:
        """Post in the chat's channel or thread; where the bot may not, DM the person."""
        if self._dm is None:
            channel = self._client.get_partial_messageable(target_channel(self._chat))
            try:
                message = await channel.send(**out.fields(), **self._reference())
                return MessageRef(str(message.id))
            except discord.Forbidden:
                if self._delivery.user is None:
                    raise
                log.info("cannot post in %s; delivering by DM", self._chat)
            except discord.HTTPException as exc:
                raise _map(exc) from exc
            self._dm = await self._client.create_dm(discord.Object(self._delivery.user))
        try:
            message = await self._dm.send(**out.fields())
        except discord.HTTPException as exc:
            raise _map(exc) from exc
        self._in_dm.add(str(message.id))
        return MessageRef(str(message.id))

    def _reference(self) -> dict[str, Any]:
        """In a server channel, a reply to the requester's message: the channel sees whose job
        it is (and only the requester is notified, see `NO_PINGS`)."""
        if self._delivery.reply is None:
            return {}
        reference = discord.MessageReference(
            message_id=self._delivery.reply,
            channel_id=target_channel(self._chat),
            fail_if_not_exists=False,
        )
        return {"reference": reference}

    async def _say_moved(self, mid: str) -> None:
        """Best effort: point the stale interaction message at the new one below."""
        d = self._delivery
        if not self._token_ok or d.app is None or d.token is None:
            return  # Discord already refused the token: no point asking again
        hook = discord.Webhook.partial(d.app, d.token, client=self._client)
        with suppress(discord.HTTPException):
            await hook.edit_message(
                int(mid), content=t("discord_moved", d.locale), view=None, allowed_mentions=NO_PINGS
            )

    async def _link_instead(self, caption: str, url: str) -> MessageRef:
        return await self.send_link(caption, url, t("discord_download", self._delivery.locale))

    def _channel_limit(self) -> int:
        return self._guild_limit() or self._delivery.room or DEFAULT_UPLOAD_LIMIT

    def _guild_limit(self) -> int | None:
        """The upload limit of the channel's server, if this process has it in its cache."""
        channel = self._client.get_channel(target_channel(self._chat))
        guild = getattr(channel, "guild", None)
        return guild.filesize_limit if isinstance(guild, discord.Guild) else None


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One message to send; `fields()` opens the video afresh for each attempt on each route."""

    content: str
    view: discord.ui.View | None = None
    video: OutboundVideo | None = None

    def file(self) -> discord.File | None:
        # discord.File holds the open file and aiohttp streams it from disk in chunks; the send
        # call closes it.
        return discord.File(self.video.path, self.video.filename) if self.video else None

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"content": self.content, "allowed_mentions": NO_PINGS}
        if self.view is not None:
            fields["view"] = self.view
        if (file := self.file()) is not None:
            fields["file"] = file
        return fields


def _view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Buttons as a view: commands as persistent `CommandButton`s, links as link buttons."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        if button.url:
            view.add_item(discord.ui.Button(label=trim(button.label, 80), url=button.url))
        elif button.command:
            view.add_item(CommandButton(button.label, button.command))
    return view
