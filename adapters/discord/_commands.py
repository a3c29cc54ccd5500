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
    ):
        tree.add_command(_command(name, callback))
    for name in PLAIN:
        tree.add_command(installs(everywhere(_command(name, _plain(router, f"/{name}")))))
    menu = app_commands.ContextMenu(name=L("discord_ctx_compress"), callback=compress_message)
    tree.add_command(installs(everywhere(menu)))


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
