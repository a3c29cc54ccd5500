"""Which Discord shards this process runs: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS, read and
checked here (without importing `discord`, so the settings checks stay light).

Discord sends each guild's events to shard `(guild_id >> 22) % count` and DMs to shard 0. A
bot in many guilds runs its shards in several processes, each naming its own: "0,1" or "0-3".
Without DISCORD_SHARD_IDS one process runs every shard of DISCORD_SHARD_COUNT.
"""

from __future__ import annotations

import re

_IDS = re.compile(r"\s*\d+\s*(-\s*\d+\s*)?(,\s*\d+\s*(-\s*\d+\s*)?)*")


def shard_ids(text: str | None, count: int) -> list[int] | None:
    """The shard ids in `text` ("0,1", "0-3", "0-1,4"), in order without repeats; None (every
    shard) when unset. Raises ValueError on a malformed list or an id outside the count."""
    if text is None or not text.strip():
        return None
    if not _IDS.fullmatch(text):
        raise ValueError(f"not a list of shard ids like 0,1 or 0-3: {text!r}")
    ids: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if last < first:
            raise ValueError(f"the range {part.strip()} runs backwards")
        ids.extend(i for i in range(first, last + 1) if i not in ids)
    if (over := max(ids)) >= count:
        raise ValueError(f"shard {over} does not exist: ids run from 0 to {count - 1}")
    return ids


def problems(count: int | None, text: str | None) -> list[str]:
    """The settings problems of DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS, one sentence each."""
    if count is None:
        if text is not None and text.strip():
            return [
                "DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not: set the bot's total "
                "number of shards too (e.g. DISCORD_SHARD_COUNT=4), the same in every process."
            ]
        return []
    try:
        shard_ids(text, count)
    except ValueError as exc:
        return [
            f"DISCORD_SHARD_IDS is not usable ({exc}): name this process's shards of "
            f"DISCORD_SHARD_COUNT={count}, e.g. 0,1 or 0-{count - 1}."
        ]
    return []


def runs_shard_zero(count: int | None, text: str | None) -> bool:
    """Whether this process runs shard 0 (or is not sharded): the one that syncs the slash
    commands, so several processes do not each replace them."""
    if count is None:
        return True
    ids = shard_ids(text, count)
    return ids is None or 0 in ids
