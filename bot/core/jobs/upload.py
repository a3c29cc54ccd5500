"""Upload: the files someone sent, streamed into the chat's backend session."""

from __future__ import annotations

from bot.backends.base import UploadedFile
from bot.core.explain import explain
from bot.core.jobs.fallback import keep_copy
from bot.core.kit import Kit, Run
from bot.errors import InputError, SessionNotFound
from bot.texts import human_duration, human_size, t


async def upload(kit: Kit, run: Run) -> bool:
    """Receive every attachment; one that cannot be used is explained and the rest go on.
    True when at least one file got in."""
    request, port = run.request, run.port
    chat, locale = request.chat, request.locale
    names = ", ".join(attachment.name for attachment in run.attachments)
    received: list[UploadedFile] = []
    problems: list[str] = []
    # "Receiving…" at once: a file takes a while to arrive, and the person sees it is coming
    receiving = t("receiving", locale, names=names)
    async with kit.progress(run, receiving, first_delay=0) as progress:
        current = await kit.sessions.get(chat, locale)
        run.backend = current.backend
        # an upload spends disk and bandwidth like a job: it counts against MAX_JOBS_PER_DAY
        await kit.store.add_job(kit.new_record(run, current, kind="upload", state="done"))
        for attachment in run.attachments:
            try:
                try:
                    received.append(await current.backend.upload(current.id, attachment))
                except SessionNotFound:
                    current = await kit.sessions.renew(chat, locale)
                    await progress.show()
                    await kit.say(chat, port, t("session_lost_retrying", locale))
                    received.append(await current.backend.upload(current.id, attachment))
            except InputError as error:
                local = current.backend.name == "local"
                explained = explain(error, locale, kit.settings, local=local)
                problems.append(f"{attachment.name}: {explained}")
            else:
                await keep_copy(kit, chat, current, attachment)
    run.uploaded = len(received)
    lines = [describe_upload(item) for item in received]
    if len(lines) == 1:
        text = t("received_one", locale, item=lines[0])
    elif lines:
        items = "\n".join(f"• {line}" for line in lines)
        text = t("received_many", locale, n=len(lines), items=items)
    else:
        text = "\n".join(problems)
        problems = []
    if received and not request.text.strip():
        text += "\n" + t("what_next", locale)
    await progress.finish(text)
    for problem in problems:
        await kit.say(chat, port, problem)
    return bool(received)


def describe_upload(item: UploadedFile) -> str:
    """`a.mp4 (0:03, 320×240, 222.9 KB)`"""
    details = []
    if item.duration:
        details.append(human_duration(item.duration))
    if item.width and item.height:
        details.append(f"{item.width}×{item.height}")
    if item.size:
        details.append(human_size(item.size))
    return f"{item.name} ({', '.join(details)})" if details else item.name
