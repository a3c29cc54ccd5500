"""Small clips made once per test session with the real ffmpeg, and a LocalBackend factory."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import imageio_ffmpeg
import pytest

from bot.backends.local import LocalBackend
from bot.config import Settings
from bot.models import Attachment, ByteStream
from tests.support.settings import make_settings

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

SRC = "testsrc2=size=320x240:rate=25:duration={d}"
SINE = "sine=frequency=440:sample_rate=48000:duration={d}"


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        timeout=60,
    )


class Clips:
    """Paths of the generated clips, by name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __getattr__(self, name: str) -> Path:
        return self.root / CLIP_FILES[name]


CLIP_FILES = {
    "main": "main.mp4",  # 320x240, 4 s, 25 fps, stereo AAC, high bitrate
    "rotated": "rotated.mp4",  # main with a 90° display rotation: shown 240x320
    "odd": "odd.mkv",  # 321x241, 4:4:4
    "vfr": "vfr.mp4",  # irregular frame spacing
    "silent": "silent.mp4",  # no audio track
    "tenbit": "tenbit.mp4",  # HEVC 10-bit 4:2:0
    "anamorphic": "anamorphic.mp4",  # 320x240 pixels 4:3 wide: shown 427x240
    "grainy": "grainy.mp4",  # 640x360, 3 s, heavy grain: hard to compress
    "long": "long.mp4",  # 640x360, 10 s: long enough to cancel in the middle
    "image": "image.mp4",  # a PNG renamed .mp4
    "text": "text.mp4",  # a text file renamed .mp4
    "empty": "empty.mp4",
    "truncated": "truncated.mp4",  # the first half of a faststart MP4
    "headless": "headless.mp4",  # the first half of an MP4 whose index is at the end
    "audio": "audio.mp4",  # audio only
    "zero": "zero.mkv",  # a video track with no frames
    "still": "still.mp4",  # one frame: no duration to speak of
    "absurd": "absurd.mkv",  # 8200x16
}


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    root = tmp_path_factory.mktemp("clips")
    c = Clips(root)
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    aac = ["-c:a", "aac", "-b:a", "128k"]
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=4), "-f", "lavfi", "-i", SINE.format(d=4),
           *x264, "-crf", "14", *aac, "-shortest", str(c.main))  # fmt: skip
    ffmpeg("-display_rotation:v:0", "90", "-i", str(c.main), "-c", "copy", str(c.rotated))
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=3), "-vf", "scale=321:241", "-c:v", "libx264",
           "-preset", "veryfast", "-pix_fmt", "yuv444p", "-crf", "16", str(c.odd))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3",
           "-vf", "select='lt(mod(n,5),3)'", "-fps_mode", "vfr", *x264, "-crf", "16",
           str(c.vfr))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=3), *x264, "-crf", "16", str(c.silent))
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=2), "-vf", "setsar=4/3", *x264, str(c.anamorphic))
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=3), "-c:v", "libx265", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-crf", "18",
           str(c.tenbit))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3,noise=alls=12:allf=t+u",
           "-f", "lavfi", "-i", SINE.format(d=3), *x264, "-crf", "16", *aac, "-shortest",
           str(c.grainy))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=10",
           "-f", "lavfi", "-i", SINE.format(d=10), *x264, "-crf", "18", *aac,
           str(c.long))  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "-f", "image2",
           "-c:v", "png", str(c.image))  # fmt: skip
    c.text.write_text("this is not a video\n" * 50)
    c.empty.write_bytes(b"")
    faststart = root / "faststart.mp4"
    ffmpeg("-i", str(c.main), "-c", "copy", "-movflags", "+faststart", str(faststart))
    c.truncated.write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 2])
    c.headless.write_bytes(c.main.read_bytes()[: c.main.stat().st_size // 2])
    ffmpeg("-f", "lavfi", "-i", SINE.format(d=2), *aac, str(c.audio))
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=1), "-frames:v", "0", "-c:v", "ffv1", str(c.zero))
    ffmpeg("-f", "lavfi", "-i", SRC.format(d=1), "-frames:v", "1", *x264, str(c.still))
    ffmpeg("-f", "lavfi", "-i", "color=size=8200x16:duration=0.2", "-c:v", "ffv1", str(c.absurd))
    return c


def settings_for(tmp: Path, **overrides: object) -> Settings:
    return make_settings(tmp, **overrides)


def file_attachment(path: Path, *, name: str | None = None, mime: str | None = "video/mp4",
                    chunk: int = 64 * 1024) -> Attachment:  # fmt: skip
    """An attachment whose bytes arrive as a stream, in `chunk`-sized pieces."""

    @asynccontextmanager
    async def opener() -> AsyncIterator[ByteStream]:
        async def chunks() -> ByteStream:
            with path.open("rb") as f:
                while data := f.read(chunk):
                    yield data

        yield chunks()

    return Attachment(name=name or path.name, size=path.stat().st_size, mime=mime, open=opener)


BackendFactory = Callable[..., AbstractAsyncContextManager[LocalBackend]]


@pytest.fixture
def backend_factory(tmp_path: Path) -> BackendFactory:
    """`async with backend_factory(encode_workers=1, fill=...) as backend:` on a fresh data dir."""

    @asynccontextmanager
    async def make(
        *, fill: float | None = None, **overrides: object
    ) -> AsyncIterator[LocalBackend]:
        settings = settings_for(tmp_path, **overrides)
        kwargs = {} if fill is None else {"fill": fill}
        async with LocalBackend(settings, **kwargs) as backend:
            yield backend

    return make


def ffmpeg_processes_under(directory: Path) -> list[int]:
    """Pids of live processes whose command line mentions `directory`."""
    found = []
    needle = str(directory).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            found.append(int(proc.name))
    return found
