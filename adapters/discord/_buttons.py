"""Command buttons that survive restarts: the command lives in the button's `custom_id`.

A `Button(label, command="/export")` from the core becomes a `CommandButton` whose custom id is
`cb:/export`. discord.py matches presses against the template whenever they come, even for
messages posted before a restart, and hands them to the client's router as that command's text.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

PREFIX = "cb:"
_CUSTOM_ID_MAX = 100
_LABEL_MAX = 80


class ButtonRouter(Protocol):
    async def pressed(self, interaction: discord.Interaction[Any], command: str) -> None: ...


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(r"cb:(?P<command>/.+)")
):
    def __init__(self, label: str, command: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:_LABEL_MAX],
                custom_id=(PREFIX + command)[:_CUSTOM_ID_MAX],
                style=discord.ButtonStyle.secondary,
            )
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CommandButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(label or "", match["command"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        router: ButtonRouter | None = getattr(interaction.client, "router", None)
        if router is not None:
            await router.pressed(interaction, self.command)
