"""The local ffmpeg engine: compress and convert videos on this machine, free, behind `Backend`.

    async with LocalBackend(settings) as backend:
        session = await backend.open_session("en")
        await backend.upload(session, attachment)
        async for event in backend.turn(session, "under 8MB", ctx): ...

Modules: `intent` reads the request, `plan` turns it into numbers, `ffmpeg` runs the encoder,
`encode` drives one encode to a size that is never over its target, `pool` queues encodes,
`workspace` keeps session files within a disk budget, `command` is `clipbridge compress`.
"""

from bot.backends.local._backend import LocalBackend

__all__ = ["LocalBackend"]
