"""Handing a finished video to a chat: as a playable video when it fits, as a link when not.

A result with a public URL that is too large for the chat is never downloaded: the person gets the
link and its size; one without a link is read only up to the chat's limit, then refused with
its reason. One that fits is streamed to a work file (never into memory), probed for
duration, size and a thumbnail so it plays inline with the right poster, posted, and removed.
A post the platform fails (a 5xx, a broken connection) or a download that breaks is tried again
(`RETRIES`); a post that still fails is `NotDelivered`: the work was done, the sending was not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from bot import formats, media, metrics
from bot.backends.base import Backend, ExportResult
from bot.errors import ClipbridgeError, CorruptInput, NotAVideo, NotDelivered, RetryAfter, Transient
from bot.ports import OutboundVideo, Port
from bot.progress import Pacer, send_reliably
from bot.texts import human_size, t

log = logging.getLogger(__name__)

NAME_MAX = 100  # characters of a result's file name
RETRIES = (2.0, 8.0)  # seconds before each new try of a post or a download that failed


class _TooBig(Exception):
    """The download passed the chat's limit: stop reading, send the link or say it is too big."""


async def deliver(
    result: ExportResult,
    port: Port,
    backend: Backend,
    *,
    locale: str,
    pacer: Pacer,
    work_dir: Path,
    ffmpeg: str,
    as_file: bool = False,
) -> None:
    """`as_file`: the person asked for files (`/settings`), so the port posts a document."""
    limit = port.upload_limit
    if result.path is None and result.size is not None and result.size > limit:
        await _over_limit(result, result.size, port, pacer, locale)
        return

    owned: Path | None = None
    video: OutboundVideo | None = None
    try:
        if result.path is not None:
            path = result.path
        else:
            owned = path = work_dir / f"delivery-{uuid.uuid4().hex}.mp4"
            try:
                await _download(result, backend, path, limit)
            except _TooBig:
                await _over_limit(result, result.size, port, pacer, locale)
                return
        size = path.stat().st_size
        if size > limit:
            await _over_limit(result, size, port, pacer, locale)
            return
        video = replace(await _describe(path, result, size, work_dir, ffmpeg), as_file=as_file)
        caption = _caption(video, result, size, locale)[: port.caption_limit]
        with contextlib.suppress(Exception):
            await port.typing("upload_video")
        await _post(pacer, port, video, caption)
        metrics.bytes_relayed(size, "out")
    finally:
        if owned is not None:
            owned.unlink(missing_ok=True)
        if video is not None and video.thumbnail is not None:
            video.thumbnail.unlink(missing_ok=True)


async def _post(pacer: Pacer, port: Port, video: OutboundVideo, caption: str) -> None:
    """Post the video, again after a failure of the platform's; `NotDelivered` when every try
    failed."""
    try:
        await _with_retries(
            "posting the result",
            lambda: send_reliably(pacer, lambda: port.send_video(video, caption)),
            _platform_failed,
        )
    except Exception as exc:
        if _platform_failed(exc):
            raise NotDelivered(type(exc).__name__) from exc
        raise


def _platform_failed(exc: Exception) -> bool:
    """A failure of the platform's (a 5xx, the network, a limit that did not pass), not a
    refusal of the file itself (`FileTooLarge`) nor our own disk."""
    if isinstance(exc, ClipbridgeError):
        return isinstance(exc, Transient | RetryAfter)
    return not (isinstance(exc, OSError) and exc.filename is not None)


async def _with_retries(
    what: str, attempt: Callable[[], Awaitable[object]], retryable: Callable[[Exception], bool]
) -> None:
    """`attempt()`, again after each of `RETRIES` while it fails in a `retryable` way."""
    for wait in RETRIES:
        try:
            await attempt()
            return
        except Exception as exc:
            if not retryable(exc):
                raise
            log.warning("%s failed (%s: %s); trying again in %gs",
                        what, type(exc).__name__, exc, wait)  # fmt: skip
        await asyncio.sleep(wait)
    await attempt()


async def _over_limit(
    result: ExportResult, size: int | None, port: Port, pacer: Pacer, locale: str
) -> None:
    """A result the chat cannot take: its link when there is one, else a sentence saying so
    (what was read of a download is useless then, and the rest is not read at all)."""
    if result.url:
        await _send_link(result, size, port, pacer, locale)
    else:
        await _too_big(size, port.upload_limit, port, pacer, locale)


def _caption(video: OutboundVideo, result: ExportResult, size: int, locale: str) -> str:
    kind = video.mime.partition("/")[0]
    key = {"image": "delivered_animation", "audio": "delivered_audio"}.get(kind, "delivered")
    caption = t(key, locale, size=human_size(size))
    return caption + "\n" + result.summary if result.summary else caption


async def _download(result: ExportResult, backend: Backend, path: Path, limit: int) -> None:
    await _with_retries(
        "downloading the result",
        lambda: _download_once(result, backend, path, limit),
        lambda exc: isinstance(exc, Transient),  # the service's 5xx or a broken connection
    )


async def _download_once(result: ExportResult, backend: Backend, path: Path, limit: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("wb") as out:
        async with backend.open_result(result) as stream:
            async for chunk in stream:
                written += len(chunk)
                if written > limit:  # no chat would take it: stop reading
                    raise _TooBig
                out.write(chunk)


def sendable_name(name: str) -> str:
    """`name` as a file name a platform takes and a person can read: no folders, no control
    characters (a platform's HTTP library refuses them in a header), at most `NAME_MAX` long
    with its extension kept."""
    name = "".join(c for c in Path(name).name if unicodedata.category(c)[0] != "C").strip()
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
    suffix = f"{dot}{extension[:9]}"
    return f"{stem[: NAME_MAX - len(suffix)].strip() or 'video'}{suffix}"


async def _describe(
    path: Path, result: ExportResult, size: int, work_dir: Path, ffmpeg: str
) -> OutboundVideo:
    """Duration, dimensions and a poster frame, so the video plays inline and not as 0:00."""
    filename = sendable_name(result.filename or path.name)
    # what the result is, by its name: adapters send pictures as animations and sound as audio
    mime = formats.mime_of(filename) or "video/mp4"
    if not mime.startswith("video/"):  # an animation or a sound: the engine measured it
        return OutboundVideo(path=path, size=size, filename=filename, duration=result.duration,
                             width=result.width, height=result.height, mime=mime,
                             source_url=result.url)  # fmt: skip
    try:
        info = await media.probe(path)
        poster = await media.thumbnail(
            path, work_dir / f"poster-{uuid.uuid4().hex}.jpg", ffmpeg=ffmpeg
        )
    except (NotAVideo, CorruptInput):
        log.warning("result %s could not be probed; sending it without metadata", result.job_id)
        return OutboundVideo(
            path=path, size=size, filename=filename, mime=mime, source_url=result.url
        )
    return OutboundVideo(
        path=path,
        size=size,
        filename=filename,
        duration=info.duration,
        width=info.width,
        height=info.height,
        thumbnail=poster,
        mime=mime,
        source_url=result.url,
    )


async def _too_big(size: int | None, limit: int, port: Port, pacer: Pacer, locale: str) -> None:
    if size is None:
        text = t("too_big_unknown", locale, limit=human_size(limit))
    else:
        text = t("too_big_local", locale, size=human_size(size), limit=human_size(limit))
    await send_reliably(pacer, lambda: port.send_text(text))


async def _send_link(
    result: ExportResult, size: int | None, port: Port, pacer: Pacer, locale: str
) -> None:
    assert result.url is not None
    url = result.url
    shown = human_size(size) if size is not None else "?"
    text = t("too_big_link", locale, size=shown, limit=human_size(port.upload_limit))
    if result.summary:
        text += "\n" + result.summary
    label = t("btn_download", locale, size=shown)
    await send_reliably(pacer, lambda: port.send_link(text, url, label))
