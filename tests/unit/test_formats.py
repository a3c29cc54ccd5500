"""The formats table: what a name and a MIME type declare, what the first bytes show, what each
backend takes, and the stream check that refuses a renamed file before it is passed on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot import formats
from bot.errors import NotAVideo, UnsupportedFile
from bot.models import Attachment, ByteStream
from tests.clips import make_clip

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 100
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 100
MKV = b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 100
AVI = b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 100
WAV = b"RIFF\x00\x10\x00\x00WAVEfmt " + b"\x00" * 100
TS = (b"\x47" + b"\x00" * 187) * 3
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
TEXT = "just some notes, not a video at all\n第二行\n".encode()
PATTERN = bytes(i % 251 for i in range(600))  # what the fakes serve: bytes we do not know


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (MP4, "mp4"),
        (MOV, "mov"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "mov"),
        (WEBM, "webm"),
        (MKV, "mkv"),
        (AVI, "avi"),
        (WAV, "wav"),
        (TS, "ts"),
        (b"\x00\x00\x01\xba" + b"\x00" * 20, "mpeg"),
        (b"FLV\x01\x05", "flv"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"GIF89a\x01\x00", "gif"),
        (b"ID3\x04\x00", "mp3"),
        (b"%PDF-1.7\n", "pdf"),
        (TEXT, "text"),
        (TEXT[:-2], "text"),  # a character cut at the end of the head is still text
    ],
)
def test_sniff_reads_the_first_bytes(head: bytes, name: str) -> None:
    found = formats.sniff(head)
    assert found is not None and found.name == name


@pytest.mark.parametrize("head", [PATTERN, b"", b"\x00\x01\x02\x03"])
def test_unknown_bytes_say_nothing(head: bytes) -> None:
    assert formats.sniff(head) is None


def test_a_real_clip_sniffs_as_mp4(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4")
    found = formats.sniff(clip.read_bytes()[: formats.SNIFF_BYTES])
    assert found is not None and found.name == "mp4" and found.kind == "video"


@pytest.mark.parametrize(
    ("name", "mime", "video"),
    [
        ("clip.mp4", "video/mp4", True),
        ("clip.mp4", "application/octet-stream", True),  # Telegram documents, Discord files
        ("clip.MOV", None, True),
        ("clip.mov", "", True),
        ("clip.webm", "application/octet-stream; charset=binary", True),
        ("whatever.bin", "video/x-something-new", True),  # a video type we do not list
        ("clip", "video/quicktime", True),
        ("clip.mp4", "application/mp4", True),
        ("clip", None, False),  # nothing says it is a video
        ("notes.txt", "application/octet-stream", False),
        ("clip.mp4", "text/plain", False),  # the platform says text: the name does not win
        ("cover.jpg", "image/jpeg", False),
        ("cover.jpg", None, False),
        ("song.mp3", "audio/mpeg", False),
        ("archive.zip", "application/zip", False),
    ],
)
def test_offered_as_video_is_one_rule(name: str, mime: str | None, video: bool) -> None:
    assert formats.offered_as_video(name, mime) is video


def test_tables_are_consistent() -> None:
    names = [f.name for f in formats.FORMATS]
    assert len(names) == len(set(names))
    extensions = [e for f in formats.FORMATS for e in f.extensions]
    assert len(extensions) == len(set(extensions)), "an extension names one format"
    assert all(e.startswith(".") and e == e.lower() for e in extensions)
    assert formats.NEMO.formats is not None
    assert formats.NEMO.formats <= set(formats.BY_NAME), "NemoVideo takes formats of the table"
    assert {".mp4", ".mov", ".webm", ".mkv", ".avi"} <= formats.VIDEO_EXTENSIONS
    assert ".gif" not in formats.VIDEO_EXTENSIONS


@pytest.mark.parametrize(
    ("found", "nemo", "local"),
    [
        ("mp4", None, None),
        ("mov", None, None),
        ("flv", UnsupportedFile, None),  # the local engine decodes any video
        ("png", None, NotAVideo),  # NemoVideo takes pictures, the local engine does not
        ("mp3", None, NotAVideo),
        ("text", UnsupportedFile, NotAVideo),
        ("pdf", UnsupportedFile, NotAVideo),
    ],
)
def test_what_each_backend_takes(
    found: str, nemo: type[Exception] | None, local: type[Exception] | None
) -> None:
    for intake, expected in ((formats.NEMO, nemo), (formats.LOCAL, local)):
        error = formats.refusal(formats.BY_NAME[found], intake)
        assert (type(error) if error else None) is expected, intake.name


def test_listed_names_what_nemovideo_takes() -> None:
    listed = formats.listed(formats.NEMO)
    assert listed.startswith("MP4, MOV, WebM, MKV, AVI, JPEG")
    assert "FLV" not in listed


def _attachment(content: bytes, chunk: int, name: str = "clip.mp4") -> tuple[Attachment, list[int]]:
    served: list[int] = []

    @asynccontextmanager
    async def opened() -> AsyncIterator[ByteStream]:
        async def chunks() -> ByteStream:
            for start in range(0, len(content), chunk):
                served.append(start)
                yield content[start : start + chunk]

        yield chunks()

    return Attachment(name=name, size=len(content), mime=None, open=opened), served


async def _read(attachment: Attachment) -> bytes:
    async with attachment.open() as stream:
        return b"".join([piece async for piece in stream])


@pytest.mark.parametrize("chunk", [1, 7, 512, 4096])
async def test_a_checked_stream_gives_every_byte_in_order(chunk: int) -> None:
    content = MP4 + PATTERN * 10
    attachment, _ = _attachment(content, chunk)
    assert await _read(formats.checked(attachment, formats.LOCAL)) == content


async def test_unknown_bytes_pass_to_the_backend() -> None:
    attachment, _ = _attachment(PATTERN * 4, 256)
    assert await _read(formats.checked(attachment, formats.NEMO)) == PATTERN * 4


@pytest.mark.parametrize(
    ("intake", "error"), [(formats.LOCAL, NotAVideo), (formats.NEMO, UnsupportedFile)]
)
async def test_a_renamed_text_file_is_refused_at_its_first_bytes(
    intake: formats.Intake, error: type[Exception]
) -> None:
    content = TEXT * 10_000
    attachment, served = _attachment(content, 1024)
    with pytest.raises(error):
        await _read(formats.checked(attachment, intake))
    assert len(served) == 1, "refused after the first chunk, not after the whole file"
