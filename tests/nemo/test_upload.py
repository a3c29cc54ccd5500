"""Uploads: a streamed multipart body of exact length, URL uploads, checks before sending."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import BodyPartReader, web

from bot.backends.nemo import NemoBackend, NemoClient
from bot.errors import CorruptInput, FileTooLarge, UnsupportedFile
from bot.models import Attachment, ByteStream, StreamOpener
from bot.store import SqliteStore
from tests.fakes.nemovideo import FakeNemo
from tests.nemo.conftest import FAST, BackendFactory, ClientFactory, make_settings
from tests.support.secrets import UPLOAD_TELEGRAM_TOKEN as TELEGRAM_TOKEN

CHUNK = 64 * 1024


class Source:
    """A file generated on the fly: `size` bytes in `chunk`-sized pieces; counts its openings."""

    def __init__(self, size: int, chunk: int = CHUNK, *, actual: int | None = None) -> None:
        self.size = size
        self.actual = size if actual is None else actual
        self.chunk = chunk
        self.opened = 0
        self.sent = 0

    def pattern(self) -> bytes:
        return bytes(i % 251 for i in range(self.actual))

    @asynccontextmanager
    async def open(self) -> AsyncIterator[ByteStream]:
        self.opened += 1
        yield self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        offset = 0
        while offset < self.actual:
            n = min(self.chunk, self.actual - offset)
            piece = (
                bytes((offset + i) % 251 for i in range(n))
                if self.actual < 1_000_000
                else (bytes(n))
            )
            offset += n
            self.sent += n
            yield piece


def attachment(
    name: str, source: Source, *, mime: str | None = "video/mp4", url: str | None = None,
    size: int | None = -1,
) -> Attachment:  # fmt: skip
    opener: StreamOpener = source.open
    return Attachment(
        name=name,
        size=source.size if size == -1 else size,
        mime=mime,
        open=opener,
        public_url=url,
    )


async def test_multipart_upload_streams_with_content_length(
    backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await backend.open_session("en")
    source = Source(300_000)
    uploaded = await backend.upload(session, attachment("holiday clip.mp4", source))

    (request,) = fake.calls("upload")
    (received,) = request.files
    assert received.filename == "holiday clip.mp4"
    assert received.content_type == "video/mp4"
    assert received.size == 300_000
    assert received.chunks > 1
    assert int(request.headers["Content-Length"]) == request.body_size
    assert "Transfer-Encoding" not in request.headers
    assert request.content_type.startswith("multipart/form-data; boundary=")
    assert uploaded.name == "holiday clip.mp4"
    assert (uploaded.duration, uploaded.width, uploaded.height, uploaded.fps) == (
        10.0, 1280, 720, 30,
    )  # fmt: skip
    assert uploaded.kind == "video"
    assert (await backend.state(session)).exportable


async def test_upload_bytes_arrive_intact(store: SqliteStore) -> None:
    # The fake counts bytes; a byte-for-byte check needs a server that keeps them.
    kept: list[tuple[str | None, bytes]] = []

    async def keep(request: web.Request) -> web.Response:
        reader = await request.multipart()
        part = await reader.next()
        assert isinstance(part, BodyPartReader)
        kept.append((part.filename, await part.read()))
        return web.json_response({"code": 0, "data": {"files": [{"filename": "a.mp4"}]}})

    app = web.Application()
    app.router.add_post("/api/upload-video/nemo_agent/me/{sid}", keep)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    settings = make_settings(f"http://{host}:{port}", nemo_token="nmv_usr_op")
    source = Source(100_003, chunk=7_919)
    try:
        async with NemoClient(settings, store, **FAST) as client:
            await client.upload_stream("1", 'we"ird\r\n名.mp4', 100_003, None, source.open)
    finally:
        await runner.cleanup()
    assert kept == [("we%22ird%0D%0A名.mp4", source.pattern())]


async def test_unknown_size_goes_chunked(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await backend.open_session("en")
    await backend.upload(session, attachment("a.mov", Source(200_000), mime=None, size=None))
    (request,) = fake.calls("upload")
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert request.files[0].size == 200_000


@pytest.mark.parametrize(
    ("name", "mime"),
    [("notes.txt", "text/plain"), ("movie.flv", "video/x-flv"), ("noext", "application/pdf")],
)
async def test_unsupported_type_is_refused_before_any_byte(
    name: str, mime: str, backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await backend.open_session("en")
    source = Source(1000)
    with pytest.raises(UnsupportedFile):
        await backend.upload(session, attachment(name, source, mime=mime))
    assert fake.calls("upload") == []
    assert source.opened == 0


async def test_name_without_extension_uses_the_mime_type(
    backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await backend.open_session("en")
    uploaded = await backend.upload(session, attachment("voice", Source(500), mime="audio/mpeg"))
    assert uploaded.kind == "audio"
    assert fake.calls("upload")[0].files[0].filename == "voice.mp3"
    assert fake.calls("upload")[0].files[0].size == 500


async def test_too_large_is_refused_before_any_byte(
    open_backend: BackendFactory, fake: FakeNemo
) -> None:
    async with open_backend() as backend:  # the default 500 MB limit
        session = await backend.open_session("en")
        source = Source(500_000_001)
        with pytest.raises(FileTooLarge) as caught:
            await backend.upload(session, attachment("big.mp4", source))
    assert caught.value.limit == 500_000_000
    assert fake.calls("upload") == []
    assert source.opened == 0


async def test_unknown_size_over_the_limit_stops_midway(
    open_backend: BackendFactory, fake: FakeNemo
) -> None:
    async with open_backend(nemo_max_upload=100_000) as backend:
        session = await backend.open_session("en")
        source = Source(10_000_000)
        with pytest.raises(FileTooLarge):
            await backend.upload(session, attachment("a.mp4", source, size=None))
    assert source.sent <= 100_000 + CHUNK


@pytest.mark.parametrize("actual", [999, 1001])
async def test_a_source_that_lies_about_its_size(
    actual: int, backend: NemoBackend, fake: FakeNemo
) -> None:
    session = await backend.open_session("en")
    with pytest.raises(CorruptInput):
        await backend.upload(session, attachment("a.mp4", Source(1000, actual=actual)))
    assert fake.sessions[session].uploads == []


async def test_server_refusals(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await backend.open_session("en")
    fake.accepted_types.discard("mkv")
    with pytest.raises(UnsupportedFile):
        await backend.upload(session, attachment("a.mkv", Source(10)))
    fake.max_upload = 1000
    with pytest.raises(FileTooLarge):
        await backend.upload(session, attachment("a.mp4", Source(300_000)))
    # Refused from Content-Length alone, before the body was read.
    assert fake.calls("upload")[-1].body_size < 300_000


async def test_refused_token_reopens_the_source(backend: NemoBackend, fake: FakeNemo) -> None:
    session = await backend.open_session("en")
    fake.fail("upload", code=1001)
    source = Source(1000)
    await backend.upload(session, attachment("a.mp4", source))
    assert source.opened == 2
    assert [f.size for f in fake.sessions[session].uploads] == [1000]


async def test_public_url_is_uploaded_by_url(
    backend: NemoBackend, fake: FakeNemo, dns: dict[str, list[str]]
) -> None:
    session = await backend.open_session("en")
    source = Source(1000)
    url = "https://cdn.discordapp.com/attachments/1/2/clip.mp4?ex=abc"
    uploaded = await backend.upload(session, attachment("clip.mp4", source, url=url))
    assert fake.sessions[session].url_uploads == [url]
    assert fake.calls("upload")[0].json == {"urls": [url], "source_type": "url"}
    assert source.opened == 0
    assert uploaded.name == "clip.mp4"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/metrics.mp4",
        "http://[::ffff:169.254.169.254]/latest/meta-data.mp4",
        "https://intranet.example/clip.mp4",  # resolves to 10.0.0.5
        "https://cdn.discordapp.com.evil.example/clip.mp4",  # resolves to nothing
    ],
)
async def test_url_to_a_private_address_is_not_handed_over(
    url: str, backend: NemoBackend, fake: FakeNemo, dns: dict[str, list[str]]
) -> None:
    # NemoVideo would fetch it from its own network: only what the bot itself may fetch goes.
    dns["intranet.example"] = ["10.0.0.5"]
    session = await backend.open_session("en")
    source = Source(1000)
    await backend.upload(session, attachment("clip.mp4", source, url=url))
    assert fake.sessions[session].url_uploads == []
    assert source.opened == 1  # streamed through the adapter's own opener instead


@pytest.mark.parametrize(
    "url",
    [
        f"https://api.telegram.org/file/bot{TELEGRAM_TOKEN}/videos/file_1.mp4",
        "https://user:pass@files.example/clip.mp4",
        "ftp://files.example/clip.mp4",
    ],
)
async def test_url_with_a_secret_is_streamed_instead(
    url: str, open_backend: BackendFactory, fake: FakeNemo
) -> None:
    async with open_backend(telegram_bot_token=TELEGRAM_TOKEN) as backend:
        session = await backend.open_session("en")
        source = Source(1000)
        await backend.upload(session, attachment("clip.mp4", source, url=url))
    assert fake.sessions[session].url_uploads == []
    assert source.opened == 1
    for request in fake.requests:
        assert TELEGRAM_TOKEN not in str(request.json) + request.path + str(request.headers)


async def test_uploaded_files_answer_variant(backend: NemoBackend, fake: FakeNemo) -> None:
    fake.upload_shape = "uploaded_files"
    session = await backend.open_session("en")
    uploaded = await backend.upload(session, attachment("a.webm", Source(100)))
    assert uploaded.name == "a.webm"
    assert uploaded.size == 100


async def test_200_mb_upload_stays_small_in_memory(
    open_client: ClientFactory, fake: FakeNemo
) -> None:
    size = 200 * 1024 * 1024
    async with open_client() as client:
        session = (await client.create_session("en")).session_id
        source = Source(size)
        tracemalloc.start()
        try:
            files = await client.upload_stream(session, "big.mp4", size, "video/mp4", source.open)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    (request,) = fake.calls("upload")
    assert request.files[0].size == size
    assert int(request.headers["Content-Length"]) == request.body_size
    assert request.body_size > size
    assert files[0].filename == "big.mp4"
    assert peak < 16 * 1024 * 1024, f"tracemalloc peak {peak / 1e6:.1f} MB"
