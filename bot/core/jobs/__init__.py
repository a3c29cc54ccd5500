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
from bot.core.services import Run, Services
from bot.errors import NoCredits
from bot.routing import route

__all__ = ["perform"]


async def perform(services: Services, run: Run) -> None:
    try:
        await _once(services, run)
    except NoCredits:
        if not await fall_back(services, run):
            raise
        if run.request.kind != "upload":
            await _once(services, run)
        elif run.phase is not None:  # the files were in and their caption ran: only it reruns
            await _follow_up(services, run, received=True)


async def _once(services: Services, run: Run) -> None:
    match run.request.kind:
        case "upload":
            received = await upload(services, run)
            await _follow_up(services, run, received=received)
        case "turn":
            with metrics.timed("turn"):
                await turn(services, run, run.request.text)
        case "export":
            with metrics.timed("export"):
                await export(services, run)


async def _follow_up(services: Services, run: Run, *, received: bool) -> None:
    """The caption that came with files: run it once they are in."""
    instruction = run.request.text.strip()
    if received and instruction:
        decision = route(instruction)
        if decision.action == "export":
            await export(services, run)
        elif decision.action == "turn" and decision.argument:
            await turn(services, run, decision.argument)
