"""What the gateway adapter and the REST-only sender share, decided once: where Discord is (a
proxy's addresses), how a discord.py client talks to it (how long it waits out a rate limit
itself, that nobody is pinged), and how a port is rebuilt from a chat and its delivery hint."""

from __future__ import annotations

from typing import Any

import discord
import yarl

from adapters.discord._port import NO_PINGS, Delivery, DiscordPort
from bot.config import Settings
from bot.models import ChatKey

# discord.py waits out rate limits up to this long itself; longer ones raise RateLimited, which
# the port turns into RetryAfter. 30 s is the smallest value discord.py accepts.
MAX_RATELIMIT_WAIT = 30.0


def client_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments every discord.py client of ours is built with; also points
    discord.py at DISCORD_API_URL and DISCORD_GATEWAY_URL when they are set. discord.py keeps
    both as class attributes, so they hold for the whole process, which only ever runs one
    Discord bot."""
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    # The bot never joins voice: discord.py's warnings that voice libraries are missing would be
    # two WARNING lines at every start for an operator to wonder about.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    return {"max_ratelimit_timeout": MAX_RATELIMIT_WAIT, "allowed_mentions": NO_PINGS}


def restored_port(client: discord.Client, chat: ChatKey, hint: str | None) -> DiscordPort:
    """The port for a chat the bot was not just called from (a job resumed after a restart, or
    run by a cluster worker): the interaction token in `hint` while it is fresh, else the
    channel. A key with a member part is a server channel (DMs have none), where a "send a
    video" answer takes its server wording."""
    return DiscordPort(client, chat, Delivery.loads(hint), guild=chat.member is not None)
