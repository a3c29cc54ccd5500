"""A worker process killed with SIGKILL mid-job: its job is found stalled by a surviving worker,
run again there under the restart rules, and its result delivered exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg

from bot.cluster.worker import Worker
from bot.core.requests import AttachmentRef, JobRequest
from bot.models import UserRef
from bot.store import Job
from bot.streams import file_attachment
from bot.texts import t
from tests.cluster import platform
from tests.cluster.conftest import NodeFactory
from tests.core.conftest import fake_ffmpeg
from tests.fakes.nemovideo import FakeNemo
from tests.recording_port import RecordingPort

ROOT = Path(__file__).resolve().parents[2]
STALLED_AFTER = 1.5  # seconds: a worker silent this long is taken for dead


@asynccontextmanager
async def worker_process(
    tmp: Path, env: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real `clipbridge worker` (with the test platform registered) in its own process; its
    chats write into tmp/out. Killed by its exact PID if the test leaves it running."""
    out, data = tmp / "out", tmp / "worker-data"
    out.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env = {
        **clean,
        "DATA_DIR": str(data),
        "CLUSTER_TEST_OUT": str(out),
        "WORKER_STALLED_AFTER": str(STALLED_AFTER),
        "SHUTDOWN_GRACE": "0",
        "LOG_LEVEL": "INFO",
        "HTTP_PORT": "0",  # its /metrics on any free port
        **env,
    }
    log = (tmp / "worker.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.cluster.platform", "worker", "--env-file", str(tmp / "none"),
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()


async def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll a condition another process makes true (a file, a fake's record): no event crosses."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def delivered(port: RecordingPort) -> int:
    return len(port.of("video", "link"))


async def test_a_worker_killed_mid_encode_has_its_job_restarted_from_the_input_elsewhere(
    node: NodeFactory,
    chat: Callable[[str], RecordingPort],
    tiny_mp4: Path,
    tmp_path: Path,
    database_url: str,
) -> None:
    started = tmp_path / "encode-started"
    slow = fake_ffmpeg(tmp_path, f"touch {started}; exec sleep 60")
    one = chat("1")
    settings = {"backend": "local", "worker_stalled_after": STALLED_AFTER}
    env = {"DATABASE_URL": database_url, "BACKEND": "local", "FFMPEG_PATH": str(slow)}
    async with node(**settings) as front, worker_process(tmp_path, env) as doomed:
        await front.say(one, "compress to under 40KB", attachments=(file_attachment(tiny_mp4),))
        await until(started.exists, "the encode to start in the doomed worker")
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        async with node(workers=1, **settings) as survivor:
            await one.wait_for(lambda sent: sent.kind == "video", timeout=60)
            await survivor.settled(one)
            assert await survivor.core.store.active_jobs() == []
    lines = [json.loads(line) for line in (tmp_path / "out" / "1.jsonl").read_text().splitlines()]
    assert lines, "the doomed worker did start the job, and said so in the chat"
    assert delivered(one) == 1, one.texts()


async def test_a_worker_killed_mid_export_has_its_render_polled_again_never_resubmitted(
    fake: FakeNemo,
    node: NodeFactory,
    chat: Callable[[str], RecordingPort],
    tiny_mp4: Path,
    tmp_path: Path,
    database_url: str,
) -> None:
    fake.script_render(polls=40, size=120_000)
    one = chat("1")
    env = {
        "DATABASE_URL": database_url,
        "BACKEND": "nemo",
        "NEMO_API_URL": fake.url,
        "NEMO_WEB_URL": "https://web.example",
        "NEMO_RENDER_POLL_INTERVAL": "0.05",
    }
    settings = {"worker_stalled_after": STALLED_AFTER}
    async with node(**settings) as front, worker_process(tmp_path, env) as doomed:
        await front.say(one, "", attachments=(file_attachment(tiny_mp4),))
        await front.say(one, "/export")
        await fake.wait_calls("render_poll", 2, timeout=30)
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        async with node(workers=1, **settings) as survivor:
            await one.wait_for(lambda sent: sent.kind in ("video", "link"), timeout=60)
            await survivor.settled(one)
            assert await survivor.core.store.active_jobs() == []
    assert len(fake.renders) == 1, "the render was polled again, not submitted twice"
    assert delivered(one) == 1, one.texts()


async def test_a_stopping_worker_hands_its_export_to_another_after_the_grace(
    fake: FakeNemo, node: NodeFactory, chat: Callable[[str], RecordingPort], tiny_mp4: Path
) -> None:
    fake.script_render(polls=40, size=120_000)
    one = chat("1")
    async with node() as front:
        async with node(workers=1, shutdown_grace=0.2):
            await front.say(one, "", attachments=(file_attachment(tiny_mp4),))
            await front.say(one, "/export")
            await fake.wait_calls("render_poll", 2, timeout=30)
        # SIGTERM's path: the grace ran out, the job went back to the queue, record kept
        async with node(workers=1) as other:
            await one.wait_text("picking it up again", timeout=30)
            await one.wait_for(lambda sent: sent.kind in ("video", "link"), timeout=30)
            await other.settled(one)
            assert await other.core.store.active_jobs() == []
    assert len(fake.renders) == 1, "the render was polled again, not submitted twice"
    assert delivered(one) == 1, one.texts()


async def test_a_local_encode_is_restarted_once_and_reported_after_a_second_lost_worker(
    node: NodeFactory, chat: Callable[[str], RecordingPort], tiny_mp4: Path
) -> None:
    """An encode that kills its worker (memory) must not take down one worker after another."""
    first, second = chat("1"), chat("2")
    async with node(backend="local", workers=1) as worker:
        store, conversation = worker.core.store, worker.core.conversation
        for port, attempt in ((first, 1), (second, 2)):
            request = JobRequest(
                port.chat,
                UserRef("test", "u1"),
                "en",
                "upload",
                "compress to under 40KB",
                (AttachmentRef.of(file_attachment(tiny_mp4)),),
            )
            left = Job(f"turn_{attempt}", port.chat, request.user, "turn", "local", "gone",
                       state="running", extra={"request": "compress to under 40KB"})  # fmt: skip
            await store.add_job(left)  # what the lost worker left
            attachments = [file_attachment(tiny_mp4)]
            await conversation.work(request, port, attachments, attempt=attempt)
        await conversation.wait_idle()
        assert await store.active_jobs() == []
    assert len(first.of("video")) == 1, first.texts()  # restarted from its input
    assert second.of("video") == [], second.texts()  # reported, not run a third time
    assert t("restarted_during_encode_gone", "en") in second.texts()[0]


async def test_a_job_that_stalled_on_every_attempt_is_dropped_and_its_chat_told(
    node: NodeFactory, chat: Callable[[str], RecordingPort], database_url: str
) -> None:
    """Three workers died under it: it is not run a fourth time, and the person hears so."""
    one = chat("1")
    async with node() as front:
        await front.say(one, "a request that kills workers")
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as db:
            await db.execute(  # as the third worker left it: running, its worker gone
                "UPDATE procrastinate_jobs SET status = 'doing', attempts = 2, worker_id = NULL"
            )
        assert front.core.queue is not None
        worker = Worker(
            front.settings,
            front.core.queue,
            front.core.store,
            front.core.conversation,
            {platform.NAME: platform.TestSender()},
        )
        assert await worker.recover(stalled_after=1) == 0
        assert not await front.core.queue.busy(one.chat)
    assert t("restart_job_lost", "en") in one.texts()
