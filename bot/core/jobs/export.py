"""Export: render the session's project, follow its progress, deliver the result once.

The record is written before the render is submitted, so a restart can pick it up (`resume`);
`claim_delivery` makes sure only one path ever posts the result.
"""

from __future__ import annotations

import logging
import uuid

from bot.backends.base import ExportResult, TurnContext
from bot.core.jobs.delivery import deliver_result
from bot.core.kit import Kit, Run
from bot.errors import ClipbridgeError, ProtocolError
from bot.texts import human_duration, t

from ._closing import closing

log = logging.getLogger(__name__)


async def export(kit: Kit, run: Run) -> None:
    request, store = run.request, kit.store
    locale = request.locale
    run.phase = "export"
    context = TurnContext(locale=locale, upload_limit=run.port.upload_limit)
    first = t("export_resuming" if run.resume else "exporting", locale)
    async with kit.progress(run, first) as progress:
        if run.resume is not None:
            await progress.show()  # "I was restarted…" says why, before any percent does
            job = run.record = run.resume
            backend = run.backend = kit.sessions.by_name[job.backend]
            if job.state == "pending":  # we may have died before the submit went out
                used = await backend.start_export(job.session, job.id, context)
                job = run.record = await store.export_submitted(job, used)
        else:
            existing = await kit.sessions.existing(request.chat)
            timeline = await kit.sessions.state_or_none(existing) if existing else None
            if existing is None or timeline is None or not timeline.exportable:
                await progress.finish(t("nothing_to_export", locale))
                return
            backend = run.backend = existing.backend
            render_id = f"render_{uuid.uuid4().hex}"
            job = kit.new_record(
                run, existing, kind="export", state="pending", backend_job=render_id
            )
            job = run.record = await store.add_job(job)  # before the submit, for resume
            used = await backend.start_export(job.session, render_id, context)
            job = run.record = await store.export_submitted(job, used)
        assert job.backend_job is not None
        result: ExportResult | None = None
        async for event in closing(backend.watch_export(job.backend_job)):
            if isinstance(event, ExportResult):
                result = event
            elif event.percent is not None:
                progress.percent(event.percent, event.eta, event.stage or "stage_export")
        if result is None:
            raise ProtocolError("export ended without a result")
        await progress.finish(t("done_in", locale, elapsed=human_duration(progress.elapsed)))
    if await store.claim_delivery(job):
        as_file = (await kit.defaults(request.user)).as_file
        await deliver_result(
            kit, request.chat, run.port, backend, result, locale=locale, as_file=as_file
        )
        run.record = await store.finish_job(job, "done")


async def stop_render(run: Run) -> None:
    """A cancelled export renders at the service: ask it to stop too, not only our watching."""
    if run.doing != "export" or run.record is None or not run.record.backend_job:
        return
    if run.backend is None:
        return
    try:
        await run.backend.cancel_export(run.record.backend_job)
    except ClipbridgeError:
        log.warning("backend refused to cancel render %s", run.record.backend_job)
