"""From a Discord event to `core.handle(inbound, port)`: acknowledge first, then hand over.

Interactions (slash commands, the context menu, button presses) are deferred before anything
else, well inside Discord's 3 seconds; the deferred "thinking…" response becomes the core's first
message. Messages arrive from DMs, and from channels when they mention the bot and the operator
enabled `DISCORD_MESSAGE_CONTENT`. Attachments that are not videos get an answer here, in the
person's language, and never reach the core.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord._inbound import chat_key, is_video, to_attachment, user_ref
from adapters.discord._port import NO_PINGS, Delivery, DiscordPort
from adapters.discord._rest import restored_port
from bot.config import Settings
from bot.models import ChatKey, Inbound
from bot.ports import Core, Port
from bot.texts import t

log = logging.getLogger(__name__)


class Router:
    def __init__(self, client: discord.Client, settings: Settings, core: Core) -> None:
        self._client = client
        self._settings = settings
        self._core = core
        self.session: aiohttp.ClientSession | None = None  # opened by the adapter

    # --- interactions -----------------------------------------------------------------------

    async def command(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        attachments: Sequence[discord.Attachment] = (),
        *,
        need_video: bool = False,
        ephemeral: bool = False,
    ) -> None:
        """Answer an app command whose meaning for the core is `text` (+ `attachments`);
        `ephemeral`: only the person who asked sees the answers (their `/settings`)."""
        user = user_ref(interaction.user)
        # What the adapter says itself is in the language the core would use: `/lang` first.
        locale = await self._core.language(user, interaction.locale.value)
        videos = [a for a in attachments if is_video(a)]
        others = [a for a in attachments if not is_video(a)]
        if need_video and not videos:
            answer = (
                t("discord_not_video", locale, name=others[0].filename)
                if others
                else t("discord_no_video_in_message", locale)
            )
            await interaction.response.send_message(
                answer, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        deferred = await _defer(interaction, thinking=True, ephemeral=ephemeral)
        port = self.interaction_port(interaction, locale, deferred=deferred)
        for other in others:
            await port.send_text(t("discord_not_video", locale, name=other.filename))
        await self._run(
            Inbound(
                chat=port.chat,
                user=user,
                text=text,
                attachments=tuple(self._attachment(v) for v in videos),
                locale=interaction.locale.value,
                update_id=str(interaction.id),
                is_group=interaction.guild_id is not None,
                moderator=_answer(interaction.permissions.manage_messages),
            ),
            port,
        )

    async def pressed(self, interaction: discord.Interaction[Any], command: str) -> None:
        """A `CommandButton` press: the same as typing `command`. A `/settings` menu's buttons
        change the menu itself (its message is the press's response), seen only by its person."""
        if not command.startswith("/settings"):
            await self.command(interaction, command)
            return
        user = user_ref(interaction.user)
        deferred = await _defer(interaction)  # a press: the answer replaces the pressed message
        locale = await self._core.language(user, interaction.locale.value)
        port = self.interaction_port(interaction, locale, deferred=deferred)
        await self._run(
            Inbound(
                chat=port.chat,
                user=user,
                text=command,
                locale=interaction.locale.value,
                update_id=str(interaction.id),
                is_group=interaction.guild_id is not None,
            ),
            port,
        )

    def interaction_port(
        self,
        interaction: discord.Interaction[Any],
        language: str | None = None,
        *,
        deferred: bool = True,
    ) -> DiscordPort:
        """The port answering `interaction`; its own words (a follow-up moved, a download
        button) in `language`, else in the person's Discord language. One that could not be
        `deferred` answers in the channel: its token answers nothing."""
        channel_id = interaction.channel_id or interaction.user.id
        delivery = Delivery(
            user=interaction.user.id,
            app=interaction.application_id,
            token=interaction.token if deferred else None,
            expires=time.time() + self._settings.discord_interaction_ttl,
            limit=interaction.filesize_limit,
            locale=language or interaction.locale.value,
        )
        chat = chat_key(interaction.channel, channel_id)
        guild = interaction.guild_id is not None
        if guild:  # each member of a server channel has a session and jobs of their own
            chat = chat.of(str(interaction.user.id))
        answering = interaction if deferred else None
        return DiscordPort(self._client, chat, delivery, interaction=answering, guild=guild)

    # --- messages ---------------------------------------------------------------------------

    async def message(self, message: discord.Message) -> None:
        me = self._client.user
        if message.author.bot or me is None:
            return
        text = message.content
        if message.guild is not None:
            if not self._settings.discord_message_content or me not in message.mentions:
                return
            text = re.sub(rf"<@!?{me.id}>", "", text)
        text = " ".join(text.split())
        videos = [a for a in message.attachments if is_video(a)]
        others = [a for a in message.attachments if not is_video(a)]
        chat = chat_key(message.channel, message.channel.id)
        if message.guild is not None:
            chat = chat.of(str(message.author.id))
        reply = message.id if message.guild is not None else None
        delivery = Delivery(user=message.author.id, reply=reply)
        port = DiscordPort(self._client, chat, delivery, guild=message.guild is not None)
        if others:  # Discord sends no locale with a message: the person's `/lang` or English
            language = await self._core.language(user_ref(message.author))
            for other in others:
                await port.send_text(t("discord_not_video", language, name=other.filename))
        if others and not videos and not text:
            return
        await self._run(
            Inbound(
                chat=port.chat,
                user=user_ref(message.author),
                text=text or ("" if videos else "/help"),
                attachments=tuple(self._attachment(v) for v in videos),
                update_id=str(message.id),
                is_group=message.guild is not None,
                moderator=_answer(_manages_messages(message)),
            ),
            port,
        )

    # --- shared -----------------------------------------------------------------------------

    def port_for(self, chat: ChatKey, hint: str | None = None) -> DiscordPort:
        return restored_port(self._client, chat, hint)

    def _attachment(self, attachment: discord.Attachment) -> Any:
        assert self.session is not None, "the adapter opens the session before connecting"
        return to_attachment(attachment, self.session)

    async def _run(self, inbound: Inbound, port: Port) -> None:
        try:
            await self._core.handle(inbound, port)
        except Exception:
            # The core answers people itself; whatever escapes it must not kill the gateway.
            log.exception("handling %s update %s failed", inbound.chat, inbound.update_id)


def _manages_messages(message: discord.Message) -> bool:
    """Whether the author may moderate the channel (Discord's Manage Messages there)."""
    author, channel = message.author, message.channel
    if not isinstance(author, discord.Member) or not hasattr(channel, "permissions_for"):
        return False
    return bool(channel.permissions_for(author).manage_messages)


def _answer(value: bool) -> Callable[[], Awaitable[bool]]:
    """`Inbound.moderator` for what Discord already told us with the event."""

    async def known() -> bool:
        return value

    return known


async def _defer(interaction: discord.Interaction[Any], **options: Any) -> bool:
    """Acknowledge `interaction` (Discord gives 3 s); False when Discord refused: it no longer
    knew it (10062, the bot was too slow) or failed. The request is carried out all the same,
    its answers in the channel."""
    try:
        await interaction.response.defer(**options)
        return True
    except discord.HTTPException as exc:
        log.warning("Discord refused to acknowledge interaction %s (%s %s); answering in the "
                    "channel", interaction.id, exc.status, exc.code)  # fmt: skip
        return False
