"""One request on one video, from understood words to a finished file: decided, then run.

`prepare` decides everything before any work (what kind of file, the size it must stay under,
the edits and how a new aspect is reached, the encode plan), so a request that cannot be met is
refused with nothing spent. `run` does it: a video with edits is first rendered near-lossless
(`editing.render`) and then sized by the planner like any upload; a GIF, WebP or audio file is
made in its own runs. The chat backend and `clipbridge compress` both go through here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.backends.base import Progress
from bot.backends.local import audio as sound
from bot.backends.local import compact, gif
from bot.backends.local import edits as editing
from bot.backends.local import plan as planning
from bot.backends.local.destinations import limit_for
from bot.backends.local.encode import Outcome, encode
from bot.backends.local.ffmpeg import Ffmpeg, bounded
from bot.backends.local.intent import EncodeRequest
from bot.backends.local.plan import Plan, Want
from bot.media import MediaInfo, probe
from bot.texts import human_duration, human_size

__all__ = ["Job", "Made", "build_want", "intermediate_of", "prepare", "resolve_target", "run"]


@dataclass(frozen=True, slots=True)
class Job:
    """What one upload will become. `request` has its aspect fit decided (to say which)."""

    request: EncodeRequest
    info: MediaInfo
    start: float  # the window in the source, in seconds
    duration: float
    edits: editing.Edits | None
    shape: editing.Shape
    want: Want  # for a video; a GIF or an audio file uses only its target
    plan: Plan | None  # for a video: planned on the source, or on the edit as predicted
    notes: list[planning.Note] = field(default_factory=list)
    capped: bool = False  # the target is only the chat's limit, put there because none was asked

    @property
    def kind(self) -> str:
        return self.request.output


@dataclass(frozen=True, slots=True)
class Made:
    """A finished file. `outcome` is the encode's, for a video; `key` and `params` the summary."""

    path: Path
    size: int
    width: int
    height: int
    duration: float
    suffix: str
    key: str
    params: dict[str, object]
    outcome: Outcome | None = None
    note: str | None = None


def resolve_target(
    request: EncodeRequest, *, upload_limit: int | None, platform: str | None
) -> EncodeRequest:
    """The request with a named destination folded into its size target."""
    if request.destination is None:
        return request
    limit = limit_for(request.destination, platform=platform, chat_limit=upload_limit)
    target = limit if request.target_bytes is None else min(request.target_bytes, limit)
    return replace(request, target_bytes=target)


def build_want(
    request: EncodeRequest,
    info: MediaInfo,
    upload_limit: int | None,
    *,
    container: str | None = None,
) -> tuple[Want, bool]:
    """The engine's terms for `request` on `info`. Returns the want, and whether the target is
    only the chat's limit put there because no size was asked (to say so). `container` is one
    the output must have (the command's `-o` name), over any the words name; a codec it cannot
    hold raises `FormatMismatch`."""
    codec, container = planning.resolve_format(request.codec, container or request.container)
    target = request.target_bytes
    if request.size_fraction is not None:
        fraction = int(info.size * request.size_fraction)
        target = fraction if target is None else min(target, fraction)
    if request.fit_chat and target is None:
        target = upload_limit
    if target is not None and upload_limit is not None and target > upload_limit:
        target = upload_limit  # a bigger result could not be posted here: said by the backend
    asked = target is not None
    if target is None:
        target = upload_limit
    want = Want(
        target=target,
        target_asked=asked,
        asked=target if asked else None,
        codec=codec,
        container=container,
        format_asked=request.codec is not None or container != "mp4",
        shrink=request.wants_compress,
        height=request.height,
        width=request.width,
        scale=request.scale,
        max_fps=request.max_fps,
        remove_audio=request.remove_audio,
        audio_bitrate=request.audio_bitrate,
        trim_start=request.trim_start,
        trim_end=request.trim_end,
        keep_quality=request.keep_quality,
    )
    return want, not asked and target is not None


def intermediate_of(out: Path) -> Path:
    """Where the edited, near-lossless copy behind `out` is written while `out` is made: a
    `.part`, so a crash leaves nothing the workspace's start does not sweep away."""
    return out.with_name(f".edit-{out.stem}.mkv.part")


def _predicted(info: MediaInfo, shape: editing.Shape) -> MediaInfo:
    """The edited picture as it will be, for planning before it exists."""
    shaped = replace(info, width=shape.width, height=shape.height, duration=shape.duration)
    return editing.as_source(shaped, info)


def prepare(
    request: EncodeRequest,
    info: MediaInfo,
    *,
    upload_limit: int | None,
    platform: str | None = None,
    container: str | None = None,
    fill: float = planning.FILL,
) -> Job:
    """Everything decided, nothing run. Raises `InputError`s (refusals) with their reasons."""
    folded = resolve_target(request, upload_limit=upload_limit, platform=platform)
    start, duration = editing.window(info, request.trim_start, request.trim_end)
    request, chosen, shape, notes = _shape(request, info, duration)
    want, capped = build_want(folded, info, upload_limit, container=container)
    if request.output != "video":
        _check_animation_or_sound(request, info, shape)
        # a sound is a fraction of any chat's limit: only a size asked bounds it
        capped = capped and request.output != "audio"
        return Job(request, info, start, duration, chosen, shape, want, None, notes, capped)

    source = info
    if chosen is not None:
        source = _predicted(info, shape)
        want = replace(want, trim_start=None, trim_end=None, edited=True)
    aimed = _aim_smaller(request, source, want, shape.duration, edited=chosen is not None)
    if aimed is not None:
        want, capped = aimed[0], False
        notes.append(aimed[1])
    want, settled = planning.settle(source, want)
    notes += settled
    plan = planning.plan(source, want, fill=fill)
    return Job(request, info, start, duration, chosen, shape, want, plan, notes, capped)


def _shape(
    request: EncodeRequest, info: MediaInfo, duration: float
) -> tuple[EncodeRequest, editing.Edits | None, editing.Shape, list[planning.Note]]:
    """The edits asked and the picture they make, checked; an aspect the video already has is
    dropped with a note saying so."""
    notes: list[planning.Note] = []
    if request.aspect is not None and editing.same_shape(info, request):
        a, b = request.aspect
        notes.append(("engine_already_aspect", {"a": a, "b": b}))
        request = replace(request, aspect=None, fit=None)
    chosen = editing.edits_of(request)
    shape = editing.shape(info, chosen or editing.Edits(), duration)
    if shape.fit is not None:
        request = replace(request, fit=shape.fit)
    if chosen is not None:
        editing.check(info, chosen, duration)
    return request, chosen, shape, notes


def _check_animation_or_sound(
    request: EncodeRequest, info: MediaInfo, shape: editing.Shape
) -> None:
    """Refuses a GIF or WebP too long to be one, and a sound file of a video without sound."""
    if request.output in ("gif", "webp") and shape.duration > gif.LONGEST:
        raise editing.EditRefused("edit_gif_too_long", length=f"{shape.duration:.0f}",
                                  longest=f"{gif.LONGEST:.0f}")  # fmt: skip
    if request.output == "audio" and not info.has_audio:
        raise editing.EditRefused("edit_no_audio")


def _aim_smaller(
    request: EncodeRequest, source: MediaInfo, want: Want, length: float, *, edited: bool
) -> tuple[Want, planning.Note] | None:
    """The target "as small as possible" or a bare "compress" calls for, with a note saying it;
    None when neither was asked. Raises when the video is already as compact as it gets."""
    if request.smallest:
        found = compact.smallest(source, want, length)
        if found.want is None:
            raise _already_compact(source, found, length)
        return found.want, ("engine_smallest_floor", {"target": human_size(found.floor)})
    if request.wants_compress and not (want.target_asked or want.keep_quality or edited):
        # "compress without losing quality" keeps its own rule: constant quality, never larger
        found = compact.smaller(source, want, length)
        if found.want is None:
            raise _already_compact(source, found, length)
        return found.want, ("engine_smaller_target", {"target": human_size(found.want.target or 0)})
    return None


def _already_compact(info: MediaInfo, found: compact.Compact, length: float) -> editing.EditRefused:
    return editing.EditRefused(
        "engine_already_compact_quality",
        size=human_size(info.size),
        duration=human_duration(length),
        width=info.width,
        height=info.height,
        kbps=f"{found.kbps:,.0f}",
        floor=human_size(found.floor),
        half=human_size(info.size / 2),
    )


async def run(
    job: Job,
    ffmpeg: Ffmpeg,
    out: Path,
    *,
    target: int | None,
    fill: float = planning.FILL,
    limit: float | None = None,
) -> AsyncGenerator[Progress | Made, None]:
    """Yields progress, then the `Made` file (at `out`, or beside it with its own suffix).
    `target` bounds a GIF or an audio file (the want's target, else the chat's limit)."""
    if job.kind in ("gif", "webp"):
        assert target is not None
        path = out.with_suffix(f".{job.kind}")
        events = gif.make(
            ffmpeg, job.info, job.edits, start=job.start, duration=job.duration, out=path,
            kind="gif" if job.kind == "gif" else "webp", target=target,
            out_width=job.shape.width, out_height=job.shape.height,
            max_side=_max_side(job), max_fps=job.request.max_fps,
        )  # fmt: skip
        async with aclosing(events) as animation:
            async for step in animation:
                if isinstance(step, Progress):
                    yield step
                else:
                    yield _animation(job, step, target)
        return
    if job.kind == "audio":
        fmt = job.request.audio_format or "mp3"
        events_a = sound.extract(
            ffmpeg, job.info, job.edits, start=job.start, duration=job.duration, out=out, fmt=fmt,
            target=job.want.target if job.want.target_asked else None,
            bitrate=job.request.audio_bitrate,
        )  # fmt: skip
        async with aclosing(events_a) as extracted:
            async for item in extracted:
                if isinstance(item, Progress):
                    yield item
                else:
                    yield _audio(job, item)
        return
    async for event in _video(job, ffmpeg, out, fill=fill, limit=limit):
        yield event


def _max_side(job: Job) -> int | None:
    r = job.request
    long_side, short_side = (
        max(job.shape.width, job.shape.height),
        min(job.shape.width, job.shape.height),
    )
    if r.height:
        return round(r.height * long_side / max(1, short_side))
    if r.width:
        return r.width if job.shape.width >= job.shape.height else None
    if r.scale:
        return round(long_side * r.scale)
    return None


async def _video(
    job: Job, ffmpeg: Ffmpeg, out: Path, *, fill: float, limit: float | None
) -> AsyncGenerator[Progress | Made, None]:
    assert job.plan is not None
    info, want, plan = job.info, job.want, job.plan
    middle: Path | None = None
    try:
        if job.edits is not None:
            middle = intermediate_of(out)
            keep_audio = not want.remove_audio
            rendering = editing.render(ffmpeg, info, job.edits, start=job.start,
                                       duration=job.duration, out=middle,
                                       keep_audio=keep_audio)  # fmt: skip
            loop = asyncio.get_running_loop()
            deadline = None if limit is None else loop.time() + limit
            over = f"{info.path.name}: edit over the timeout"
            async with aclosing(rendering) as progress:
                async for step in bounded(progress, deadline, over):
                    yield step
            info = editing.as_source(await probe(middle), job.info)
            want, _ = planning.settle(info, want)
            plan = planning.plan(info, want, fill=fill)
        async with aclosing(encode(ffmpeg, info, want, plan, out, fill=fill, limit=limit)) as run:
            async for event in run:
                if isinstance(event, Progress):
                    yield event
                else:
                    yield Made(event.path, event.size, event.width, event.height, event.duration,
                               event.path.suffix, "", {}, outcome=event)  # fmt: skip
    finally:
        if middle is not None:
            await asyncio.to_thread(middle.unlink, True)


def _animation(job: Job, made: gif.Animation, target: int) -> Made:
    params: dict[str, object] = {
        "kind": "GIF" if job.kind == "gif" else "WebP",
        "width": made.width,
        "height": made.height,
        "fps": f"{made.fps:g}",
    }
    key = "engine_summary_animation"
    if job.want.target_asked:
        key, params["target"] = "engine_summary_animation_target", human_size(target)
    return Made(made.path, made.size, made.width, made.height, made.duration,
                made.path.suffix, key, params)  # fmt: skip


def _audio(job: Job, made: sound.Sound) -> Made:
    params: dict[str, object] = {"format": made.format.label, "kbps": f"{made.bitrate / 1000:g}"}
    key = "engine_summary_audio"
    if job.want.target_asked and job.want.asked is not None:
        key, params["target"] = "engine_summary_audio_target", human_size(job.want.asked)
    return Made(made.path, made.size, 0, 0, made.duration, made.path.suffix, key, params)
