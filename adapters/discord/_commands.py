"""The app commands and the "Compress video" message context menu, all localized.

Each command only says what it means to the core (a text such as `/export`, or an instruction
with attachments) and leaves the rest to the router.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord._router import Router
from adapters.discord._translator import locale_text as L
from bot.defaults import CODECS, HEIGHTS, TARGETS
from bot.texts import t
from bot.texts.languages import CODES

# Commands that are the core's command of the same name, with no options.
PLAIN = ("export", "status", "credits", "new", "help")


def install(tree: app_commands.CommandTree[Any], router: Router) -> None:
    """Add every command to `tree` (the caller syncs)."""
    everywhere = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    installs = app_commands.allowed_installs(guilds=True, users=True)

    @installs
    @everywhere
    @app_commands.rename(video=L("discord_opt_video"), instructions=L("discord_opt_instructions"))
    @app_commands.describe(
        video=L("discord_opt_video_desc"), instructions=L("discord_opt_instructions_desc")
    )
    async def compress(
        interaction: discord.Interaction[Any],
        video: discord.Attachment,
        instructions: str | None = None,
    ) -> None:
        text = instructions or t("discord_compress_instruction", interaction.locale.value)
        await router.command(interaction, text, [video], need_video=True)

    @installs
    @everywhere
    @app_commands.rename(instructions=L("discord_opt_instructions"))
    @app_commands.describe(instructions=L("discord_opt_instructions_desc"))
    async def edit(interaction: discord.Interaction[Any], instructions: str) -> None:
        await router.command(interaction, instructions)

    @installs
    @everywhere
    @app_commands.rename(language=L("discord_opt_language"))
    @app_commands.describe(language=L("discord_opt_language_desc"))
    @app_commands.choices(
        language=[
            app_commands.Choice(name=L(f"discord_choice_{code}"), value=code) for code in CODES
        ]
    )
    async def lang(
        interaction: discord.Interaction[Any], language: app_commands.Choice[str]
    ) -> None:
        await router.command(interaction, f"/lang {language.value}")

    @installs
    @everywhere
    @app_commands.rename(everyone=L("discord_opt_everyone"))
    @app_commands.describe(everyone=L("discord_opt_everyone_desc"))
    async def cancel(interaction: discord.Interaction[Any], everyone: bool = False) -> None:
        await router.command(interaction, "/cancel all" if everyone else "/cancel")

    @installs
    @everywhere
    @app_commands.rename(**{name: L(f"discord_opt_{name}") for name in _SETTINGS_OPTIONS})
    @app_commands.describe(**{name: L(f"discord_opt_{name}_desc") for name in _SETTINGS_OPTIONS})
    @app_commands.choices(**_settings_choices())
    async def settings(  # noqa: PLR0917 (one option per setting, as Discord shows them)
        interaction: discord.Interaction[Any],
        target: app_commands.Choice[str] | None = None,
        custom_size: str | None = None,
        codec: app_commands.Choice[str] | None = None,
        resolution: app_commands.Choice[str] | None = None,
        audio: app_commands.Choice[str] | None = None,
        send_as: app_commands.Choice[str] | None = None,
        language: app_commands.Choice[str] | None = None,
        reset: bool = False,
    ) -> None:
        chosen = {
            "target": custom_size.replace(" ", "") if custom_size else target and target.value,
            "codec": codec and codec.value,
            "resolution": resolution and resolution.value,
            "audio": audio and audio.value,
            "send": send_as and send_as.value,
            "lang": language and language.value,
        }
        words = " ".join(f"{key} {value}" for key, value in chosen.items() if value)
        text = "/settings reset" if reset else f"/settings {words}".rstrip()
        await router.command(interaction, text, ephemeral=True)

    async def compress_message(
        interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        text = t("discord_compress_instruction", interaction.locale.value)
        await router.command(interaction, text, message.attachments, need_video=True)

    for name, callback in (
        ("compress", compress),
        ("edit", edit),
        ("lang", lang),
        ("cancel", cancel),
        ("settings", settings),
    ):
        tree.add_command(_command(name, callback))
    for name in PLAIN:
        tree.add_command(installs(everywhere(_command(name, _plain(router, f"/{name}")))))
    menu = app_commands.ContextMenu(name=L("discord_ctx_compress"), callback=compress_message)
    tree.add_command(installs(everywhere(menu)))


_SETTINGS_OPTIONS = (
    "target",
    "custom_size",
    "codec",
    "resolution",
    "audio",
    "send_as",
    "language",
    "reset",
)


def _settings_choices() -> dict[str, list[app_commands.Choice[str]]]:
    """The choices `/settings` offers on Discord: the same as the menu's (`bot.defaults`)."""
    choice = app_commands.Choice
    return {
        "target": [
            choice(name=L("settings_value_chat") if size is None else word, value=word)
            for size, word in TARGETS
        ],
        "codec": [choice(name=L(f"settings_value_{codec}"), value=codec) for codec in CODECS],
        "resolution": [
            choice(
                name=L("settings_value_source") if h is None else f"{h}p", value=str(h or "source")
            )
            for h in HEIGHTS
        ],
        "audio": [choice(name=L(f"settings_value_{v}"), value=v) for v in ("keep", "drop")],
        "send_as": [choice(name=L(f"settings_value_{v}"), value=v) for v in ("video", "file")],
        "language": [choice(name=L(f"discord_choice_{code}"), value=code) for code in CODES],
    }


def _command(name: str, callback: Any) -> app_commands.Command[Any, Any, None]:
    return app_commands.Command(
        name=L(f"discord_cmd_{name}"),
        description=L(f"discord_cmd_{name}_desc"),
        callback=callback,
    )


def _plain(router: Router, text: str) -> Any:
    async def callback(interaction: discord.Interaction[Any]) -> None:
        await router.command(interaction, text)

    return callback
