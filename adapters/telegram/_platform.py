"""Telegram as a registered platform (`bot.ports.Platform`): its settings checks, its doctor check
and how to build its adapter. Importing this module does not import `telegram`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.doctor import Check, json_body, request
from bot.settings_check import secret_shape, secret_value, url_problem

if TYPE_CHECKING:
    import httpx

    from bot.config import Settings
    from bot.ports import Core, RunningAdapter, Sender

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PORTS = (443, 80, 88, 8443)
_CLOUD_BOT_API = "https://api.telegram.org"


class TelegramPlatform:
    name = "telegram"
    title = "Telegram"
    switch = "TELEGRAM_BOT_TOKEN"

    def configured(self, settings: Settings) -> bool:
        return settings.telegram_bot_token is not None

    def describe(self, settings: Settings) -> str:
        share = settings.telegram_rate_share
        if share == 1:
            return f"Telegram ({settings.telegram_mode})"
        return f"Telegram ({settings.telegram_mode}, {share:g} of the bot's send rate)"

    def adapter(self, settings: Settings, core: Core) -> RunningAdapter:
        from adapters.telegram._adapter import TelegramAdapter

        return TelegramAdapter(settings, core)

    def sender(self, settings: Settings) -> Sender:
        from adapters.telegram._sender import TelegramSender

        return TelegramSender(settings)

    def check_settings(self, settings: Settings) -> list[str]:
        s = settings
        problems: list[str] = []
        for name, url, suffix in (
            ("TELEGRAM_BASE_URL", s.telegram_base_url, "/bot"),
            ("TELEGRAM_BASE_FILE_URL", s.telegram_base_file_url, "/file/bot"),
        ):
            if bad := url_problem(name, url):
                problems.append(bad)
            elif not url.endswith(suffix):
                problems.append(
                    f"{name} must end in {suffix} (the token is appended to it): "
                    f"e.g. http://telegram-bot-api:8081{suffix}."
                )
        urls = (s.telegram_base_url, s.telegram_base_file_url)
        cloud = [u.startswith(_CLOUD_BOT_API) for u in urls]
        if cloud[0] != cloud[1]:
            problems.append(
                "TELEGRAM_BASE_URL and TELEGRAM_BASE_FILE_URL point at different servers: set both "
                "to the same Bot API server (a local server serves /bot and /file/bot)."
            )
        if s.telegram_local_mode and all(cloud):
            problems.append(
                "TELEGRAM_LOCAL_MODE=true needs a local Bot API server, but TELEGRAM_BASE_URL is "
                "the cloud API: set TELEGRAM_BASE_URL and TELEGRAM_BASE_FILE_URL to your server "
                "(e.g. http://telegram-bot-api:8081/bot), or set TELEGRAM_LOCAL_MODE=false."
            )
        token = secret_value(s.telegram_bot_token)
        if token is None:
            return problems
        if bad := secret_shape("TELEGRAM_BOT_TOKEN", token):
            problems.append(bad)
        elif not _TOKEN.fullmatch(token):
            problems.append(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters, "
                "e.g. 123456:ABC-def): copy it again from @BotFather."
            )
        if s.telegram_mode == "webhook":
            problems += _webhook(s)
        return problems

    async def doctor(self, settings: Settings, client: httpx.AsyncClient) -> Check:
        name = self.name
        token = secret_value(settings.telegram_bot_token)
        if not token:
            return Check(name, "skipped", "TELEGRAM_BOT_TOKEN is not set")
        url = f"{settings.telegram_base_url}{token}/getMe"
        host = urlsplit(url).netloc
        answer = await request(client, "POST", url)
        if isinstance(answer, str):
            return Check(name, "failed", answer)
        body = json_body(answer)
        if answer.status_code in (401, 404):
            return Check(
                name,
                "failed",
                f"{host} refused TELEGRAM_BOT_TOKEN (HTTP {answer.status_code}): copy it again "
                "from @BotFather",
            )
        result = body.get("result")
        if answer.status_code == 200 and body.get("ok") and isinstance(result, dict):
            mode = settings.telegram_mode + (
                ", local Bot API server" if settings.telegram_local_mode else ""
            )
            return Check(name, "passed", f"@{result.get('username')} on {host} ({mode})")
        described = body.get("description") or ""
        return Check(
            name, "failed", f"{host} answered getMe with HTTP {answer.status_code} {described}"
        )


def _webhook(s: Settings) -> list[str]:
    problems: list[str] = []
    if not s.public_url:
        problems.append(
            "PUBLIC_URL is not set, but TELEGRAM_MODE=webhook needs it: set it to this server's "
            "public https address (e.g. https://bot.example.com), or use TELEGRAM_MODE=polling."
        )
    elif bad := url_problem(
        "PUBLIC_URL", s.public_url, https_because="Telegram sends webhooks over TLS only"
    ):
        problems.append(bad)
    elif (urlsplit(s.public_url).port or 443) not in _WEBHOOK_PORTS:
        problems.append(
            f"PUBLIC_URL uses port {urlsplit(s.public_url).port}, but Telegram delivers webhooks "
            "only to ports 443, 80, 88 or 8443: put a proxy on one of them."
        )
    secret = secret_value(s.telegram_webhook_secret)
    if secret is None:
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET is not set, but TELEGRAM_MODE=webhook needs it so that only "
            "Telegram can post updates: set 1-256 characters of A-Z, a-z, 0-9, _ and -."
        )
    elif not _WEBHOOK_SECRET.fullmatch(secret):
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET may hold only 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule): choose another secret."
        )
    if not s.http_enabled:
        problems.append(
            "HTTP_ENABLED=false, but TELEGRAM_MODE=webhook receives updates over HTTP: set "
            "HTTP_ENABLED=true, or use TELEGRAM_MODE=polling."
        )
    return problems


PLATFORM = TelegramPlatform()
