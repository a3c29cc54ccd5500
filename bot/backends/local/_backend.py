"""`LocalBackend`: the ffmpeg engine behind the same `Backend` protocol as NemoVideo.

A session is a directory of uploads (see `workspace`); a turn reads the instruction, plans every
encode it asks for before starting any (so an unreachable target is refused with nothing spent),
then runs them one by one through the shared worker pool, reporting queue position and progress.
An export hands over a result a turn left waiting, and never encodes: with none waiting it says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from bot import formats
from bot.backends.base import (
    Credits,
    ExportEvent,
    ExportResult,
    Failure,
    Progress,
    ResultReady,
    Text,
    TurnContext,
    TurnEnded,
    TurnEvent,
    UploadedFile,
)
from bot.backends.local import defaults
from bot.backends.local import plan as planning
from bot.backends.local.edits import EditRefused
from bot.backends.local.encode import Outcome
from bot.backends.local.ffmpeg import Ffmpeg
from bot.backends.local.intent import EncodeRequest, describe, parse
from bot.backends.local.job import Job, Made, build_want, intermediate_of, prepare
from bot.backends.local.job import run as run_job
from bot.backends.local.plan import Want
from bot.backends.local.pool import Pool
from bot.backends.local.workspace import (
    ExportEntry,
    Lease,
    OutputEntry,
    UploadEntry,
    Workspace,
)
from bot.errors import (
    Cancelled,
    ClipbridgeError,
    NoInput,
    NoResult,
    NotAVideo,
    RenderFailed,
    SessionNotFound,
    WorkspaceFull,
)
from bot.media import MediaInfo, ffmpeg_exe, probe
from bot.models import Attachment, ByteStream
from bot.texts import human_duration, human_size, t
from bot.timeline import Timeline, Track

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["LocalBackend", "build_want", "summarize"]

log = logging.getLogger(__name__)

CHUNK = 1 << 20
ROOM_WAIT = 30.0
"""Seconds a stream waits, with the disk budget full, for a younger one to give way."""
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def summarize(outcome: Outcome, want: Want, locale: str) -> str:
    """One line under a result: its size (and the target), codec, dimensions and length."""
    size = human_size(outcome.size, locale)
    params = {"size": size, "width": outcome.width, "height": outcome.height,
              "duration": human_duration(outcome.duration)}  # fmt: skip
    if outcome.kept_source:
        return t("engine_summary_source", locale, **params)
    codec = outcome.plan.codec.label
    if want.asked is not None:
        target = human_size(want.asked, locale)
        return t("engine_summary_target", locale, target=target, codec=codec, **params)
    return t("engine_summary", locale, codec=codec, **params)


def summarize_made(made: Made, want: Want, locale: str) -> str:
    """The summary line of any finished file: a video's as `summarize`, the others' own."""
    if made.outcome is not None:
        return summarize(made.outcome, want, locale)
    params = {"size": human_size(made.size, locale), "duration": human_duration(made.duration),
              **made.params}  # fmt: skip
    return t(made.key, locale, **params)


def note_text(outcome: Outcome, want: Want, info: MediaInfo, locale: str) -> str | None:
    if outcome.note is None:
        return None
    target = human_size(want.asked or want.target or info.size, locale)
    return t(
        outcome.note,
        locale,
        size=human_size(info.size, locale),
        target=target,
        height=outcome.plan.short_side,
    )


def notes_text(notes: list[planning.Note], locale: str) -> str:
    """What the request did not need, one sentence a line ("It is already 720p.")."""
    return "\n".join(t(key, locale, **params) for key, params in notes)


@dataclass(slots=True)
class _Job:
    """One upload's job a turn asked for, decided before any starts."""

    upload: UploadEntry
    job: Job
    defaults: str = ""  # what the person's defaults filled in, said after "Understood"


_OUT_SUFFIXES = (".mp4", ".webm", ".mkv", ".mov", ".gif", ".webp", ".mp3", ".m4a", ".opus")
"""Every suffix an output can end with (a kept source keeps its own; these are the common)."""


class _Export:
    def __init__(self, task: asyncio.Task[None], events: asyncio.Queue[object]) -> None:
        self.task = task
        self.events = events


class LocalBackend:
    """The local ffmpeg engine. `LocalBackend(settings)`; use with `async with`."""

    def __init__(self, settings: Settings, *, fill: float = planning.FILL) -> None:
        self._settings = settings
        self._ffmpeg = Ffmpeg(ffmpeg_exe(settings), records=settings.work_dir)
        self._workspace = Workspace(settings.work_dir, settings.work_disk_budget)
        self._pool = Pool(settings.encode_workers)
        self._fill = fill
        self._exports: dict[str, _Export] = {}
        self._busy: Counter[Path] = Counter()  # uploads encodes are reading: never evicted
        self._room = asyncio.Condition()  # notified whenever a lease lets its bytes go

    @property
    def name(self) -> str:
        return "local"

    @property
    def pool(self) -> Pool:
        return self._pool

    @property
    def workspace(self) -> Workspace:
        return self._workspace

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self._workspace.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        exports = list(self._exports.values())
        self._exports.clear()
        for export in exports:
            export.task.cancel()
        for export in exports:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await export.task

    # --- sessions and uploads -----------------------------------------------------------------

    async def open_session(self, locale: str) -> str:
        manifest = await asyncio.to_thread(self._workspace.create, locale)
        return manifest.id

    async def upload(self, session: str, attachment: Attachment) -> UploadedFile:
        manifest = self._workspace.load(session)
        declared = formats.declared_kind(attachment.name, attachment.mime)
        if declared not in (None, "video"):
            raise NotAVideo(f"sent as {declared} ({attachment.mime or attachment.name})")
        expected = attachment.size
        if expected is None and attachment.local_path is not None:
            expected = await asyncio.to_thread(_size, attachment.local_path)
        await asyncio.to_thread(
            self._workspace.make_room, expected or 0, keep=session, protect=frozenset(+self._busy)
        )
        directory = self._workspace.dir(session)
        suffix = Path(attachment.name).suffix.lower()
        number = len(manifest.uploads) + 1
        dest = directory / f"upload-{uuid.uuid4().hex[:8]}-{number}"
        dest = dest.with_suffix(suffix if _SAFE_SUFFIX.match(suffix) else ".mp4")
        part = dest.with_name(dest.name + ".part")
        accountant = self._workspace.accountant
        lease = accountant.reserve(expected or 0)
        lease.covers = frozenset((part, dest))
        try:
            await self._receive(session, attachment, part, lease)
            await asyncio.to_thread(part.replace, dest)
            info = await probe(dest)
            planning.check_load(info, self._settings.max_pixel_rate)
        except BaseException as error:
            await asyncio.to_thread(_remove, part, dest)
            log.info("upload refused and removed: %s", type(error).__name__)
            raise
        finally:
            await self._let_go(lease)
        entry = UploadEntry(
            file=dest.name,
            name=attachment.name,
            size=info.size,
            duration=info.duration,
            width=info.width,
            height=info.height,
        )
        manifest = self._workspace.load(session)
        manifest.uploads.append(entry)
        self._workspace.save(manifest)
        return UploadedFile(
            name=attachment.name,
            size=info.size,
            duration=info.duration,
            width=info.width,
            height=info.height,
            fps=info.fps,
            kind="video",
        )

    async def _receive(
        self, session: str, attachment: Attachment, part: Path, lease: Lease
    ) -> None:
        """Writes the attachment to `part`, every chunk accounted before it is written: the one
        way files, links and platform downloads come in."""
        # Sniffed as it arrives: a text file renamed .mp4 is refused at its first bytes.
        opener = formats.checking(lambda: _chunks_of(attachment), formats.LOCAL)
        with part.open("wb") as f:
            async with opener() as stream:
                async for chunk in stream:
                    await self._account(session, lease, len(chunk))
                    await asyncio.to_thread(f.write, chunk)

    async def _account(self, session: str, lease: Lease, n: int) -> None:
        """Counts `n` bytes on `lease` before they are written. With the budget full, an older
        stream waits for a younger one to be refused (or to end); the youngest tries making room
        from older sessions' uploads, and is refused when there is none."""
        accountant = self._workspace.accountant
        deadline = asyncio.get_running_loop().time() + ROOM_WAIT
        while True:
            try:
                lease.wrote(n)
                return
            except WorkspaceFull:
                if not accountant.younger_holding(lease):
                    break
            async with self._room:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._room.wait(), remaining)
        await asyncio.to_thread(
            self._workspace.make_room, n, keep=session, protect=frozenset(+self._busy)
        )
        lease.wrote(n)

    async def _let_go(self, lease: Lease) -> None:
        """Releases `lease` once its files are counted at rest, and wakes streams waiting."""
        await asyncio.to_thread(self._workspace.accountant.settle, lease)
        async with self._room:
            self._room.notify_all()

    async def state(self, session: str) -> Timeline:
        manifest = self._workspace.load(session)
        tracks = tuple(
            Track(kind="video", name=u.name, start=0.0, end=round(u.duration, 3), segments=1)
            for u in manifest.uploads
        )
        return Timeline(tracks=tracks)

    # --- turns --------------------------------------------------------------------------------

    async def turn(self, session: str, text: str, ctx: TurnContext) -> AsyncIterator[TurnEvent]:
        locale = ctx.locale
        platform = ctx.chat.partition(":")[0] or None
        try:
            request = parse(text)
            jobs = await self._plan_jobs(session, request, ctx, platform)
        except ClipbridgeError as error:  # a refusal (EditRefused) is the last word, not "Done"
            yield Failure(error)
            yield TurnEnded(saw_text=False)
            return
        yield Text(_understood(jobs, locale, upload_limit=ctx.upload_limit, platform=platform))
        try:
            async with aclosing(self._run_jobs(session, jobs, locale, ctx.upload_limit)) as events:
                async for event in events:
                    yield event
        except EditRefused as refusal:  # found only by trying (an animation that stays too big)
            yield Text(t(refusal.key, locale, **refusal.params))
        except ClipbridgeError as error:
            yield Failure(error)
        yield TurnEnded(saw_text=True)

    async def _run_jobs(
        self, session: str, jobs: list[_Job], locale: str, upload_limit: int
    ) -> AsyncGenerator[TurnEvent, None]:
        """Each job in turn: its progress, a note on its outcome, its result."""
        for job in jobs:
            target = job.job.want.target or upload_limit
            async with aclosing(self._run(session, job, job_id=None, target=target)) as running:
                async for event in running:
                    if isinstance(event, Progress):
                        yield event
                        continue
                    if event.outcome is not None and (
                        note := note_text(event.outcome, job.job.want, job.job.info, locale)
                    ):
                        yield Text(note)
                    yield ResultReady(self._result(event, job, locale, named=len(jobs) > 1))

    async def _plan_jobs(
        self, session: str, request: EncodeRequest, ctx: TurnContext, platform: str | None
    ) -> list[_Job]:
        manifest = self._workspace.load(session)
        directory = self._workspace.dir(session)
        uploads = [u for u in manifest.uploads if (directory / u.file).exists()]
        if not uploads:
            raise NoInput("no upload in this session")
        # "both", "all", or the videos sent together with the words (an album, a message with
        # several attachments); otherwise the latest
        chosen = uploads if request.apply_to_all else uploads[-max(1, ctx.with_uploads) :]
        jobs: list[_Job] = []
        for upload in chosen:
            info = await probe(directory / upload.file)
            filled = defaults.fill(request, ctx.defaults, info)
            job = prepare(filled.request, info, upload_limit=ctx.upload_limit, platform=platform,
                          fill=self._fill)  # fmt: skip
            jobs.append(_Job(upload, job, defaults.said(filled, ctx.defaults, ctx.locale)))
        return jobs

    async def _run(
        self, session: str, job: _Job, *, job_id: str | None, target: int | None
    ) -> AsyncGenerator[Progress | Made, None]:
        """Wait for a slot, make the file, and record it; cancelling removes every trace."""
        ticket = self._pool.ticket(session)  # round-robin between sessions, not FIFO
        info = job.job.info
        try:
            async for position in ticket.wait():
                yield Progress(queue_position=position, stage="stage_queued")
            estimate = job.job.want.target or info.size
            await asyncio.to_thread(
                self._workspace.make_room, estimate, keep=session, protect=frozenset(+self._busy)
            )
            lease = self._workspace.accountant.reserve(estimate)  # the output, while it is made
            job_id = job_id or uuid.uuid4().hex
            name = _FILE_SAFE.sub("", job_id)[:40] or uuid.uuid4().hex
            suffix = job.job.plan.suffix if job.job.plan is not None else ".out"
            out = self._workspace.dir(session) / f"out-{name}{suffix}"
            lease.covers = frozenset(out.with_suffix(s) for s in _OUT_SUFFIXES) | {
                intermediate_of(out)
            }
            self._busy[info.path] += 1
            try:
                events = run_job(job.job, self._ffmpeg, out, target=target, fill=self._fill,
                                 limit=self._settings.encode_timeout)  # fmt: skip
                async with aclosing(events) as running:
                    async for event in running:
                        if isinstance(event, Made):
                            self._record(session, job_id, event, job.upload)
                        yield event
            finally:
                self._busy[info.path] -= 1
                await self._let_go(lease)
        finally:
            ticket.release()

    def _job_of(self, path: Path) -> str:
        manifest = self._workspace.load(path.parent.name)
        return next((o.job_id for o in manifest.outputs if o.file == path.name), path.stem)

    def _record(self, session: str, job_id: str, made: Made, upload: UploadEntry) -> None:
        manifest = self._workspace.load(session)
        filename = _output_name(upload.name, made)
        manifest.outputs.append(OutputEntry(job_id=job_id, file=made.path.name, filename=filename))
        self._workspace.save(manifest)

    def _result(
        self, made: Made, job: _Job, locale: str, *, named: bool, job_id: str | None = None
    ) -> ExportResult:
        summary = summarize_made(made, job.job.want, locale)
        if named:
            summary = t("engine_summary_named", locale, name=job.upload.name, summary=summary)
        return ExportResult(
            job_id=job_id or self._job_of(made.path),
            filename=_output_name(job.upload.name, made),
            size=made.size,
            path=made.path,
            duration=made.duration,
            width=made.width or None,
            height=made.height or None,
            summary=summary,
        )

    # --- exports ------------------------------------------------------------------------------

    async def start_export(self, session: str, job_id: str, ctx: TurnContext) -> str:
        manifest = self._workspace.load(session)
        manifest.exports[job_id] = ExportEntry(upload_limit=ctx.upload_limit, locale=ctx.locale)
        self._workspace.save(manifest)
        self._spawn(manifest.id, job_id)
        return job_id

    async def watch_export(self, job_id: str) -> AsyncIterator[ExportEvent]:
        export = self._exports.get(job_id)
        if export is None:  # after a restart: the job is in a manifest, its task is not
            manifest = self._workspace.find_export(job_id)
            if manifest is None:
                raise RenderFailed(f"no local export {job_id}")
            export = self._spawn(manifest.id, job_id)
        try:
            while True:
                event = await export.events.get()
                if isinstance(event, BaseException):
                    raise event
                if isinstance(event, Progress):
                    yield event
                elif isinstance(event, ExportResult):
                    yield event
                    return
        finally:
            if self._exports.get(job_id) is export:
                del self._exports[job_id]
                export.task.cancel()

    async def cancel_export(self, job_id: str) -> None:
        export = self._exports.get(job_id)
        if export is not None:
            export.task.cancel()
            # A task cancelled before its first step never runs its own `except` to say so, and
            # whoever watches it would wait forever (tests/contracts/test_backend.py).
            export.events.put_nowait(Cancelled(f"export {job_id} cancelled"))
        manifest = await asyncio.to_thread(self._workspace.find_export, job_id)
        if manifest is not None:  # asked to stop: nothing is owed any more
            await asyncio.to_thread(self._forget_export, manifest.id, job_id)

    def _spawn(self, session: str, job_id: str) -> _Export:
        events: asyncio.Queue[object] = asyncio.Queue()
        task = asyncio.create_task(self._export(session, job_id, events), name=f"export {job_id}")
        export = _Export(task, events)
        self._exports[job_id] = export
        return export

    async def _export(self, session: str, job_id: str, events: asyncio.Queue[object]) -> None:
        """Runs the export, speaking through `events`. A failed export forgets its entry; a
        finished one, or one stopped because the bot is stopping, keeps it until `release`, so
        the next start can still hand it over. `cancel_export` forgets it."""
        keep = False
        try:
            events.put_nowait(await self._export_result(session, job_id))
            keep = True
        except asyncio.CancelledError:
            events.put_nowait(Cancelled(f"export {job_id} cancelled"))
            keep = True  # not failed: owed still, unless `cancel_export` says otherwise
            raise
        except ClipbridgeError as error:
            events.put_nowait(error)
        except OSError as error:  # this computer's disk: the core says so, not "the service"
            log.exception("local export %s failed on the work disk", job_id)
            events.put_nowait(error)
        except Exception as error:
            log.exception("local export %s failed", job_id)
            events.put_nowait(RenderFailed(f"{type(error).__name__}: {error}"))
        finally:
            if not keep:
                self._forget_export(session, job_id)

    def _forget_export(self, session: str, job_id: str) -> None:
        with contextlib.suppress(SessionNotFound):
            manifest = self._workspace.load(session)
            if manifest.exports.pop(job_id, None) is not None:
                self._workspace.save(manifest)

    async def _export_result(self, session: str, job_id: str) -> ExportResult:
        manifest = self._workspace.load(session)
        directory = self._workspace.dir(session)
        ready = [o for o in manifest.outputs if (directory / o.file).exists()]
        if ready:
            latest = ready[-1]
            info = await probe(directory / latest.file)
            return ExportResult(job_id=job_id, filename=latest.filename, size=info.size,
                                path=info.path, duration=info.duration, width=info.width,
                                height=info.height)  # fmt: skip
        # Nothing finished to hand over: the last request failed, was cancelled, or its result was
        # sent already. Encoding the upload afresh here would answer a question nobody asked,
        # and handing back the untouched original would look like the result.
        raise NoResult(f"no finished output in session {session}")

    def open_result(self, result: ExportResult) -> AbstractAsyncContextManager[ByteStream]:
        return _stream(self._owned(result))

    async def release(self, result: ExportResult) -> None:
        path = self._owned(result)
        await asyncio.to_thread(_remove, path)
        with contextlib.suppress(SessionNotFound):
            manifest = self._workspace.load(path.parent.name)
            outputs = [o for o in manifest.outputs if o.file != path.name]
            exports = {k: v for k, v in manifest.exports.items() if k != result.job_id}
            if outputs != manifest.outputs or exports != manifest.exports:
                update = {"outputs": outputs, "exports": exports}
                self._workspace.save(manifest.model_copy(update=update))

    async def credits(self) -> Credits | None:
        return None

    def _owned(self, result: ExportResult) -> Path:
        """The result's file, refusing any path outside the work directory."""
        if result.path is None:
            raise RenderFailed(f"local result {result.job_id} has no file")
        path = result.path.resolve()
        if not path.is_relative_to(self._workspace.root.resolve()):
            raise RenderFailed(f"{path.name} is not a local work file")
        return path


def _chunks_of(attachment: Attachment) -> AbstractAsyncContextManager[ByteStream]:
    if attachment.local_path is not None:
        return _stream(attachment.local_path)
    return attachment.open()


@asynccontextmanager
async def _stream(path: Path) -> AsyncIterator[ByteStream]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:

        async def chunks() -> ByteStream:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk

        yield chunks()
    finally:
        handle.close()


def _output_name(source_name: str, made: Made) -> str:
    stem = Path(source_name).stem or "video"
    outcome = made.outcome
    if outcome is None:  # a GIF, a WebP or an audio file: named for what it is
        return f"{stem}{made.suffix}"
    if outcome.kept_source:
        return Path(source_name).name or f"{stem}{outcome.path.suffix}"
    if outcome.plan.mode == "copy" and not outcome.plan.audio_bitrate:
        return f"{stem}-muted{outcome.path.suffix}"  # the picture is the source's own
    return f"{stem}-{outcome.plan.short_side}p{outcome.path.suffix}"


def _size(path: Path) -> int:
    return path.stat().st_size


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _understood(jobs: list[_Job], locale: str, *, upload_limit: int, platform: str | None) -> str:
    """The "Understood: ..." line, the notes on each job, and the chat's limit where it bounds."""
    said = describe(jobs[0].job.request, locale, chat_limit=upload_limit, platform=platform)
    said = defaults.after(said, jobs[0].defaults, locale)
    for line in dict.fromkeys(notes_text(job.job.notes, locale) for job in jobs):
        said += f"\n{line}" if line else ""
    # the chat's limit is worth a word only where it bounds an encode
    bounded = [
        j
        for j in jobs
        if j.job.capped
        and (j.job.plan is None or j.job.plan.mode != "keep")
        and j.job.want.target == upload_limit
    ]
    if bounded:
        said += "\n" + t("engine_capped", locale, size=human_size(upload_limit, locale))
    over = max((j.job.request.target_bytes or 0 for j in jobs), default=0)
    if over > upload_limit:
        said += "\n" + t("engine_over_chat", locale, limit=human_size(upload_limit, locale),
                          asked=human_size(over, locale))  # fmt: skip
    if len(jobs) > 1:
        said += "\n" + t("engine_each", locale, count=len(jobs))
    return said
