"""Discord as a registered platform (`bot.ports.Platform`): its settings checks, its doctor check
and how to build its adapter. Importing this module does not import `discord`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from adapters.discord import _shards
from bot.doctor import Check, json_body, request
from bot.settings_check import secret_shape, secret_value

if TYPE_CHECKING:
    import httpx

    from bot.config import Settings
    from bot.ports import Core, RunningAdapter, Sender

API = "https://discord.com/api/v10"


class DiscordPlatform:
    name = "discord"
    title = "Discord"
    switch = "DISCORD_BOT_TOKEN"

    def configured(self, settings: Settings) -> bool:
        return settings.discord_bot_token is not None

    def describe(self, settings: Settings) -> str:
        count = settings.discord_shard_count
        if count is None:
            return "Discord"
        ids = settings.discord_shard_ids
        return f"Discord (shards {ids} of {count})" if ids else f"Discord ({count} shards)"

    def adapter(self, settings: Settings, core: Core) -> RunningAdapter:
        from adapters.discord._adapter import DiscordAdapter

        return DiscordAdapter(settings, core)

    def sender(self, settings: Settings) -> Sender:
        from adapters.discord._sender import DiscordSender

        return DiscordSender(settings)

    def check_settings(self, settings: Settings) -> list[str]:
        problems: list[str] = []
        token = secret_value(settings.discord_bot_token)
        if token is not None:
            if token.lower().startswith("bot "):
                problems.append("DISCORD_BOT_TOKEN starts with 'Bot ': set the token alone.")
            elif bad := secret_shape("DISCORD_BOT_TOKEN", token):
                problems.append(bad)
            elif token.count(".") != 2:
                problems.append(
                    "DISCORD_BOT_TOKEN does not look like a bot token (three parts joined by "
                    "dots): copy it again from the Bot page of the Discord developer portal."
                )
        guild = settings.discord_guild_id
        if guild is not None and not guild.isdigit():
            problems.append(
                f"DISCORD_GUILD_ID must be a server id, digits only (got {guild!r}): "
                "copy it with Developer Mode on (right-click the server, Copy Server ID)."
            )
        problems += _shards.problems(settings.discord_shard_count, settings.discord_shard_ids)
        return problems

    async def doctor(self, settings: Settings, client: httpx.AsyncClient) -> Check:
        """GET /users/@me at DISCORD_API_URL (the proxy the bot would use), else Discord's."""
        name = self.name
        token = secret_value(settings.discord_bot_token)
        if not token:
            return Check(name, "skipped", "DISCORD_BOT_TOKEN is not set")
        url = (settings.discord_api_url or API).rstrip("/") + "/users/@me"
        host = urlsplit(url).netloc
        answer = await request(client, "GET", url, headers={"Authorization": f"Bot {token}"})
        if isinstance(answer, str):
            return Check(name, "failed", answer)
        body = json_body(answer)
        if answer.status_code == 401:
            return Check(
                name,
                "failed",
                f"{host} refused DISCORD_BOT_TOKEN (HTTP 401): reset and copy it on the Bot page "
                "of the Discord developer portal",
            )
        if answer.status_code == 200 and body.get("id"):
            return Check(
                name, "passed", f"signed in as {body.get('username')} ({body['id']}) on {host}"
            )
        said = body.get("message") or ""
        return Check(
            name, "failed", f"{host} answered /users/@me with HTTP {answer.status_code} {said}"
        )


PLATFORM = DiscordPlatform()
