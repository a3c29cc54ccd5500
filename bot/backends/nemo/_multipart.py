"""A `multipart/form-data` upload body streamed from an async byte source.

httpx cannot stream an async source through `files=` (it reads file objects synchronously), and an
async iterable passed as `content=` goes out chunked. So the body is built here as an async
generator (preamble, the source's chunks as they come, closing boundary) and its exact length is
computed up front from the file's size, so the request carries `Content-Length`. The file's type
and size are checked before anything is sent (`check_file`; docs/nemovideo-protocol.md#upload).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot import formats
from bot.errors import CorruptInput, FileTooLarge, UnsupportedFile


def file_kind(extension: str) -> str:
    """The kind of an accepted extension: "video", "image" or "audio"."""
    return formats.BY_NAME[extension].kind


def check_file(name: str, mime: str | None, size: int | None, limit: int) -> str:
    """The file's format name as NemoVideo takes it ("mp4"), or `UnsupportedFile` /
    `FileTooLarge` before any byte moves. The name's extension decides; a name without one falls
    back on the MIME type (`bot.formats` holds both tables). The content is checked as it
    streams (`formats.checked`)."""
    found = formats.by_extension(name) or formats.declared(name, mime)
    if found is None or not formats.NEMO.takes(found):
        shown = found.name if found else (PurePosixPath(name).suffix or mime or "unknown")
        raise UnsupportedFile(f"file type {shown!r} is not accepted", code=4001)
    if size is not None and size > limit:
        raise FileTooLarge(f"{size} bytes is over the {limit} byte limit", limit=limit, code=4002)
    return found.name


@dataclass
class MultipartBody:
    """One file as the repeatable form field `form_field`. Iterate it once, as the request body.

    With `size` known the body has a fixed `Content-Length` and the source must deliver exactly
    that many bytes; with `size` None it goes out chunked and stops at `limit`.
    """

    source: AsyncIterator[bytes]
    filename: str
    size: int | None
    limit: int
    content_type: str = ""
    form_field: str = "files"
    boundary: str = field(default_factory=lambda: f"clipbridge-{secrets.token_hex(16)}")
    sent: int = 0  # file bytes handed to the transport so far

    def __post_init__(self) -> None:
        if not self.content_type:
            self.content_type = formats.mime_of(self.filename) or "application/octet-stream"

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": f"multipart/form-data; boundary={self.boundary}"}
        if self.size is not None:
            headers["Content-Length"] = str(len(self._head()) + self.size + len(self._tail()))
        return headers

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._head()
        async for chunk in self.source:
            if not chunk:
                continue
            self.sent += len(chunk)
            if self.size is not None and self.sent > self.size:
                raise CorruptInput(f"the file is longer than its stated {self.size} bytes")
            if self.sent > self.limit:
                raise FileTooLarge(f"over the {self.limit} byte limit", limit=self.limit)
            yield chunk
        if self.size is not None and self.sent != self.size:
            raise CorruptInput(f"the file ended at {self.sent} of its stated {self.size} bytes")
        yield self._tail()

    def _head(self) -> bytes:
        # RFC 7578 4.2: quote the name, percent-encode the quote and line breaks, keep UTF-8.
        name = self.filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{self.form_field}"; filename="{name}"\r\n'
            f"Content-Type: {self.content_type}\r\n\r\n"
        ).encode()

    def _tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()
