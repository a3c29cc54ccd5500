"""Which files are videos, and which each backend takes: one table, and every question put to it.

A file is judged three ways, each by its own function:

- `declared(name, mime)`: what the platform says. A specific MIME type decides; a generic one
  (none, `application/octet-stream`: Telegram documents and Discord attachments often carry it)
  leaves it to the name's extension. `offered_as_video` is the question every adapter asks before
  passing a file on, so Telegram and Discord take and refuse the same files.
- `sniff(head)`: what the first bytes say (MP4/MOV `ftyp`, WebM/MKV EBML, AVI `RIFF`, ...). A name
  can lie (a text file renamed `.mp4`); the content cannot. Unknown bytes say nothing.
- `Intake`: what a backend takes. `checked(attachment, intake)` wraps an attachment so that its
  first bytes are sniffed as they arrive and a file the backend cannot take is refused before
  the rest moves (NemoVideo: before the upload starts; the local engine: before the download).

Adding a format is one row in `FORMATS` (and, for a backend that takes it, its name in that
backend's `Intake`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Literal

from bot.errors import NotAVideo, UnsupportedFile
from bot.models import Attachment, ByteStream, StreamOpener

Kind = Literal["video", "image", "audio", "other"]

SNIFF_BYTES = 512
"""How much of a file's start `sniff` reads: an MPEG-TS file shows its second sync byte at 188."""


@dataclass(frozen=True, slots=True)
class Format:
    """One file format: its name (as NemoVideo and people know it), what it holds, the
    extensions and MIME types it goes by, and how people read its name."""

    name: str
    kind: Kind
    extensions: tuple[str, ...]
    mimes: tuple[str, ...] = ()
    shown: str = ""

    @property
    def label(self) -> str:
        return self.shown or self.name.upper()


FORMATS: tuple[Format, ...] = (
    # video
    Format("mp4", "video", (".mp4", ".m4v"), ("video/mp4", "video/x-m4v", "application/mp4")),
    Format("mov", "video", (".mov", ".qt"), ("video/quicktime",)),
    Format("webm", "video", (".webm",), ("video/webm",), "WebM"),
    Format("mkv", "video", (".mkv", ".mk3d"), ("video/x-matroska", "video/matroska")),
    Format("avi", "video", (".avi",), ("video/x-msvideo", "video/avi", "video/msvideo")),
    Format("3gp", "video", (".3gp", ".3g2"), ("video/3gpp", "video/3gpp2")),
    Format("flv", "video", (".flv",), ("video/x-flv",)),
    Format("ts", "video", (".ts", ".mts", ".m2ts"), ("video/mp2t",), "MPEG-TS"),
    Format("mpeg", "video", (".mpg", ".mpeg"), ("video/mpeg",), "MPEG"),
    Format("wmv", "video", (".wmv", ".asf"), ("video/x-ms-wmv", "video/x-ms-asf")),
    Format("ogv", "video", (".ogv",), ("video/ogg",)),
    # pictures
    Format("jpg", "image", (".jpg", ".jpeg"), ("image/jpeg",), "JPEG"),
    Format("png", "image", (".png",), ("image/png",)),
    Format("gif", "image", (".gif",), ("image/gif",)),
    Format("webp", "image", (".webp",), ("image/webp",), "WebP"),
    Format("heic", "image", (".heic", ".heif", ".avif"), ("image/heic", "image/heif")),
    # sound
    Format("mp3", "audio", (".mp3",), ("audio/mpeg", "audio/mp3")),
    Format("wav", "audio", (".wav",), ("audio/wav", "audio/x-wav", "audio/wave")),
    Format("m4a", "audio", (".m4a",), ("audio/mp4", "audio/x-m4a")),
    Format("aac", "audio", (".aac",), ("audio/aac",)),
    Format("ogg", "audio", (".ogg", ".oga", ".opus"), ("audio/ogg", "audio/opus")),
    Format("flac", "audio", (".flac",), ("audio/flac", "audio/x-flac")),
    # what people send by mistake
    Format(
        "text",
        "other",
        (".txt", ".srt", ".json", ".html", ".xml", ".csv"),
        ("text/plain", "application/json", "application/xml", "text/html"),
    ),
    Format("pdf", "other", (".pdf",), ("application/pdf",)),
    Format("zip", "other", (".zip",), ("application/zip",)),
)

BY_NAME = {f.name: f for f in FORMATS}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_BY_MIME = {mime: f for f in FORMATS for mime in f.mimes}
# Types that say nothing about the content: the name decides.
_GENERIC_MIMES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-binary",
     "application/binary", "application/unknown"}
)  # fmt: skip
_KIND_OF_TOP: dict[str, Kind] = {"video": "video", "image": "image", "audio": "audio"}
_KIND_OF_TOP["text"] = "other"

VIDEO_EXTENSIONS = frozenset(ext for f in FORMATS if f.kind == "video" for ext in f.extensions)
MEDIA_EXTENSIONS = frozenset(ext for f in FORMATS if f.kind != "other" for ext in f.extensions)


def by_extension(name: str) -> Format | None:
    """The format a file name's extension names (`clip.MP4` is mp4), or None."""
    return _BY_EXTENSION.get(PurePosixPath(name).suffix.lower())


def _mime(mime: str | None) -> str:
    return (mime or "").split(";")[0].strip().lower()


def declared_kind(name: str, mime: str | None) -> Kind | None:
    """What the platform says a file holds: a specific MIME type decides, a generic one leaves it
    to the extension; None when neither says."""
    mime = _mime(mime)
    if mime not in _GENERIC_MIMES:
        known = _BY_MIME.get(mime)
        if known is not None:
            return known.kind
        top = _KIND_OF_TOP.get(mime.split("/")[0])
        if top is not None:  # `video/x-foo`: a video of a type we do not list
            return top
    found = by_extension(name)
    return found.kind if found else None


def declared(name: str, mime: str | None) -> Format | None:
    """The format the name and MIME type name together (a specific MIME type first)."""
    return _BY_MIME.get(_mime(mime)) or by_extension(name)


def offered_as_video(name: str, mime: str | None) -> bool:
    """Whether an adapter passes this file on as a video: the one rule every platform follows.
    The content is checked later, as the bytes arrive (`checked`)."""
    return declared_kind(name, mime) == "video"


def mime_of(name: str) -> str | None:
    """The MIME type a file name implies (for a file from disk or a link), or None."""
    found = by_extension(name)
    return found.mimes[0] if found and found.mimes else None


# --- content -------------------------------------------------------------------------------------

_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_IMAGE_BRANDS = (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")


def _iso_media(head: bytes) -> Format | None:
    """MP4, MOV, 3GP and friends: ISO base media boxes, told apart by the `ftyp` brand."""
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return BY_NAME["mov"]
        if brand.startswith(b"3g"):
            return BY_NAME["3gp"]
        if brand in (b"M4A ", b"M4B "):
            return BY_NAME["m4a"]
        if brand in _IMAGE_BRANDS:
            return BY_NAME["heic"]
        return BY_NAME["mp4"]
    if box in _QUICKTIME_ATOMS:  # an old QuickTime file starts with a movie atom, no `ftyp`
        return BY_NAME["mov"]
    return None


def _riff(head: bytes) -> Format | None:
    if head[:4] != b"RIFF":
        return None
    return {b"AVI ": BY_NAME["avi"], b"WAVE": BY_NAME["wav"], b"WEBP": BY_NAME["webp"]}.get(
        head[8:12]
    )


def _ebml(head: bytes) -> Format | None:
    if head[:4] != b"\x1a\x45\xdf\xa3":
        return None
    return BY_NAME["webm"] if b"webm" in head[:64] else BY_NAME["mkv"]


def _ogg(head: bytes) -> Format | None:
    if head[:4] != b"OggS":
        return None
    return BY_NAME["ogv"] if b"theora" in head[:64] else BY_NAME["ogg"]


def _mpeg(head: bytes) -> Format | None:
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return BY_NAME["mpeg"]
    if len(head) > 188 and head[0] == head[188] == 0x47:  # a transport stream's sync bytes
        return BY_NAME["ts"]
    return None


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"FLV\x01", "flv"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "wmv"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"ID3", "mp3"),
    (b"fLaC", "flac"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
)


def _text(head: bytes) -> Format | None:
    """Words, not media: valid UTF-8 with no control bytes but line breaks and tabs."""
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not merely a character cut at the end of the head
            return None
        text = head[: error.start].decode("utf-8")
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        return None
    return BY_NAME["text"]


_SNIFFERS: tuple[Callable[[bytes], Format | None], ...] = (_iso_media, _ebml, _riff, _ogg, _mpeg)


def sniff(head: bytes) -> Format | None:
    """The format a file's first bytes show, or None when they show none we know."""
    for sniffer in _SNIFFERS:
        found = sniffer(head)
        if found is not None:
            return found
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return BY_NAME[name]
    return _text(head)


# --- what a backend takes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Intake:
    """What a backend takes. `formats` None: any video its decoder reads (the local engine)."""

    name: str
    formats: frozenset[str] | None = None

    def takes(self, found: Format) -> bool:
        if self.formats is None:
            return found.kind == "video"
        return found.name in self.formats

    def shown(self, kinds: Iterable[Kind] = ("video",)) -> list[str]:
        """The labels of the formats it takes, of `kinds`, to list for a person."""
        wanted = set(kinds)
        return [f.label for f in FORMATS if f.kind in wanted and self.takes(f)]


# What the service accepts: docs/nemovideo-protocol.md#upload.
_NEMO_TAKES = ("mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp",
               "mp3", "wav", "m4a", "aac")  # fmt: skip
NEMO = Intake("nemo", frozenset(_NEMO_TAKES))
LOCAL = Intake("local")


def listed(intake: Intake) -> str:
    """The formats `intake` takes as a person reads them in a sentence: "MP4, MOV, ..."."""
    return ", ".join(intake.shown(("video", "image", "audio")))


def refusal(found: Format, intake: Intake) -> Exception | None:
    """The error for a file of format `found` that `intake` does not take, else None: a
    backend that takes any video says "not a video", one with a list says "not supported" (and
    the person is shown the list)."""
    if intake.takes(found):
        return None
    if intake.formats is None:
        return NotAVideo(f"the content is {found.kind} ({found.name})")
    return UnsupportedFile(f"{found.name} is not taken by {intake.name}", code=4001)


def checked(attachment: Attachment, intake: Intake) -> Attachment:
    """`attachment`, with its first bytes sniffed as they arrive (see `checking`)."""
    return replace(attachment, open=checking(attachment.open, intake))


def checking(opener: StreamOpener, intake: Intake) -> StreamOpener:
    """`opener`, with the stream's first bytes sniffed as they arrive: content `intake` cannot
    take raises (`NotAVideo`, `UnsupportedFile`) before a byte is passed on. Unknown bytes pass:
    the backend's decoder (or service) has the last word."""

    @asynccontextmanager
    async def open_checked() -> AsyncIterator[ByteStream]:
        async with opener() as stream:
            chunks = aiter(stream)
            head = b""
            pending: list[bytes] = []
            async for chunk in chunks:
                pending.append(chunk)
                head += chunk[: SNIFF_BYTES - len(head)]
                if len(head) >= SNIFF_BYTES:
                    break
            found = sniff(head)
            error = refusal(found, intake) if found is not None else None
            if error is not None:
                raise error
            yield _replayed(pending, chunks)

    return open_checked


async def _replayed(pending: list[bytes], rest: AsyncIterator[bytes]) -> ByteStream:
    for chunk in pending:
        yield chunk
    async for chunk in rest:
        yield chunk
