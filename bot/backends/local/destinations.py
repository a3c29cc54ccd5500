"""Where people say a video is going, and the most that place takes: the one table of them.

"For discord" names Discord's limit wherever it is said, except in a Discord chat itself, where
the chat's own limit (which the adapter knows, boosts included) is the better answer; "fits this
chat" is always the chat's own limit. Values are bytes as each service counts them: Discord in
MiB, the others in decimal MB.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DESTINATIONS", "Destination", "limit_for"]

MB = 10**6
MIB = 2**20


@dataclass(frozen=True, slots=True)
class Destination:
    label: str  # as people write it, in both languages (brand names are not translated)
    limit: int  # bytes
    platform: str | None = None  # the chat platform this is, when it is one we run on


DESTINATIONS: dict[str, Destination] = {
    # Discord, File Attachments FAQ (support.discord.com/hc/en-us/articles/25444343291031):
    # 10 MiB without Nitro, 50 MiB with Nitro Basic, 500 MiB with Nitro.
    "discord": Destination("Discord", 10 * MIB, "discord"),
    "discord_nitro_basic": Destination("Discord Nitro Basic", 50 * MIB, "discord"),
    "discord_nitro": Destination("Discord Nitro", 500 * MIB, "discord"),
    # Server Boosting FAQ (support.discord.com/hc/en-us/articles/360028038352): uploads for
    # everyone in a server of boost level 1 / 2 / 3.
    "discord_boost_1": Destination("Discord (boost level 1)", 10 * MIB, "discord"),
    "discord_boost_2": Destination("Discord (boost level 2)", 50 * MIB, "discord"),
    "discord_boost_3": Destination("Discord (boost level 3)", 100 * MIB, "discord"),
    # Telegram Bot API, "Sending files" (core.telegram.org/bots/api#sending-files): bots upload
    # up to 50 MB; through a local Bot API server (…#using-a-local-bot-api-server) 2000 MB.
    "telegram": Destination("Telegram", 50 * MB, "telegram"),
    "telegram_local_api": Destination("Telegram (local Bot API)", 2000 * MB, "telegram"),
    # WhatsApp Cloud API, supported media types (developers.facebook.com/docs/whatsapp/
    # cloud-api/reference/media): video 16 MB, the size WhatsApp sends as a playable video.
    "whatsapp": Destination("WhatsApp", 16 * MB),
    # Gmail, "Attachment size limits" (support.google.com/mail/answer/6584): 25 MB, counted
    # after base64 encoding, which adds a third: 18 MB of video is what arrives as one.
    "email": Destination("email", 18 * MB),
    # Facebook Messenger's help centre: attachments up to 25 MB.
    "messenger": Destination("Messenger", 25 * MB),
    # Signal support, "Send files" (support.signal.org/hc/en-us/articles/360007320391): 100 MB.
    "signal": Destination("Signal", 100 * MB),
    # Slack help centre, "Upload files to Slack": 1 GB per file.
    "slack": Destination("Slack", 1000 * MB),
    # X (Twitter) help centre, "How to share and watch videos": 512 MB.
    "x": Destination("X (Twitter)", 512 * MB),
}


def limit_for(name: str, *, platform: str | None, chat_limit: int | None) -> int:
    """The bytes `name` takes. In a chat of that very platform the chat's own limit wins (a
    boosted Discord server or a local Bot API server takes more than the table says)."""
    destination = DESTINATIONS[name]
    same_place = platform is not None and destination.platform == platform
    if same_place and chat_limit is not None and name in ("discord", "telegram"):
        return chat_limit
    return destination.limit
