"""The jobs a chat runs one at a time: each a small runner over a request, a port and a backend.

`perform` runs one `Run` to the end: an upload (and the instruction that came with the files), a
turn, or an export; when the cloud is out of credits and `FALLBACK_TO_LOCAL` kept a local copy, it
runs again on the local engine.
"""

from __future__ import annotations

from bot import metrics
from bot.core.jobs.export import export
from bot.core.jobs.fallback import fall_back
from bot.core.jobs.turn import turn
from bot.core.jobs.upload import upload
from bot.core.kit import Kit, Run
from bot.errors import NoCredits
from bot.routing import route

__all__ = ["perform"]


async def perform(kit: Kit, run: Run) -> None:
    try:
        await _once(kit, run)
    except NoCredits:
        if not await fall_back(kit, run):
            raise
        if run.request.kind != "upload":
            await _once(kit, run)
        elif run.phase is not None:  # the files were in and their caption ran: only it reruns
            await _follow_up(kit, run, received=True)


async def _once(kit: Kit, run: Run) -> None:
    match run.request.kind:
        case "upload":
            received = await upload(kit, run)
            await _follow_up(kit, run, received=received)
        case "turn":
            with metrics.timed("turn"):
                await turn(kit, run, run.request.text)
        case "export":
            with metrics.timed("export"):
                await export(kit, run)


async def _follow_up(kit: Kit, run: Run, *, received: bool) -> None:
    """The caption that came with files: run it once they are in."""
    instruction = run.request.text.strip()
    if received and instruction:
        decision = route(instruction)
        if decision.action == "export":
            await export(kit, run)
        elif decision.action == "turn" and decision.argument:
            await turn(kit, run, decision.argument)
