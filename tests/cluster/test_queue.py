"""The job queue on PostgreSQL across processes: order, positions, limits and /cancel."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import psycopg

from bot.doctor import check_postgres
from bot.models import UserRef
from bot.store.postgres import lock_key
from bot.streams import file_attachment
from tests.cluster.conftest import NodeFactory
from tests.core.conftest import fake_ffmpeg
from tests.fakes.nemovideo import FakeNemo, adk_text, every, heartbeat, pause
from tests.recording_port import RecordingPort

Chat = Callable[[str], RecordingPort]


async def test_a_chat_s_jobs_run_in_order_on_another_process_with_their_positions(
    fake: FakeNemo, node: NodeFactory, chat: Chat
) -> None:
    fake.script_turn(pause(0.6), adk_text("First answer."))
    fake.script_turn(adk_text("Second answer."))
    one = chat("1")
    async with node() as front, node(workers=2) as worker:
        await front.say(one, "first request")
        await fake.wait_turns(1)
        await front.say(one, "second request")
        await one.wait_text("number 1 in line", timeout=2)
        await one.wait_text("Second answer.", timeout=10)
        await worker.core.conversation.wait_idle()
    texts = one.texts()
    assert texts.index("First answer.") < texts.index("Second answer.")
    assert [turn.message for turn in fake.turns] == ["first request", "second request"]


async def test_a_stopping_front_still_queues_what_it_is_given_for_the_other_workers(
    fake: FakeNemo, node: NodeFactory, chat: Chat
) -> None:
    """A rolling restart: the front's conversation has closed (its own jobs are over) while its
    adapters hand over the last updates; those are queued, not answered 'restarting'."""
    fake.script_turn(adk_text("Answered by another worker."))
    one = chat("1")
    async with node() as front, node(workers=1) as worker:
        await front.core.conversation.close(grace=0)
        await front.say(one, "a request that came during the stop")
        await one.wait_text("Answered by another worker.", timeout=10)
        await worker.core.conversation.wait_idle()
    assert not any("restart" in text for text in one.texts())


async def test_an_update_whose_front_died_before_queuing_it_is_taken_when_it_comes_again(
    fake: FakeNemo, node: NodeFactory, chat: Chat, database_url: str
) -> None:
    """The front reads the update, then dies before its job is queued (here: it waits for the
    chat's line, held elsewhere, and is cut off). Unacknowledged, the update comes again at
    another front, which must not take it for a duplicate; a third delivery is one."""
    fake.script_turn(adk_text("Answered once."))
    one = chat("1")
    async with node() as dying, node(workers=1) as other:
        async with await psycopg.AsyncConnection.connect(database_url) as held:
            await held.execute("SELECT pg_advisory_lock(%s)", (lock_key(f"chat-line:{one.chat}"),))
            cut = asyncio.create_task(dying.say(one, "a request", update_id="u-1"))
            await asyncio.sleep(0.3)  # it has read the update and waits to queue the job
            assert not cut.done()
            cut.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await cut
        await other.say(one, "a request", update_id="u-1")  # Telegram's redelivery
        await one.wait_text("Answered once.", timeout=10)
        await other.say(one, "a request", update_id="u-1")  # and a duplicate
        await other.settled(one)
        await other.core.conversation.wait_idle()
    assert [turn.message for turn in fake.turns] == ["a request"]


async def test_positions_come_from_the_queue_and_a_full_line_is_refused(
    node: NodeFactory, chat: Chat
) -> None:
    one = chat("1")
    async with node(max_jobs_per_user=10) as front, node(max_jobs_per_user=10) as other:
        for n in range(4):  # no worker yet: the first waits too
            await (front if n % 2 else other).say(one, f"request {n}")
        for position in (1, 2, 3):
            await one.wait_text(f"number {position} in line", timeout=2)
        await front.say(one, "request 4")
        await one.wait_text("the line is full", timeout=2)
        await other.say(one, "/cancel")
        said = await one.wait_text("dropped 3 waiting requests", timeout=2)
        assert "Cancelled the current request" in said.text
        await front.say(one, "/cancel")
        await one.wait_text("Nothing is running in this chat.", timeout=2)


async def test_two_fronts_admitting_the_same_person_at_once_let_one_job_in(
    node: NodeFactory, chat: Chat
) -> None:
    ada = UserRef("test", "ada", "Ada")
    first, second = chat("1"), chat("2")  # two chats, one person: only the user limit applies
    async with node(max_jobs_per_user=1) as a, node(max_jobs_per_user=1) as b:
        await asyncio.gather(
            a.say(first, "compress it", user=ada), b.say(second, "compress it", user=ada)
        )
        refused = [port for port in (first, second) if port.log]
        assert len(refused) == 1, [port.texts() for port in (first, second)]
        assert "You already have 1 request running" in refused[0].texts()[0]
        assert await a.core.queue.busy_keys() == [  # type: ignore[union-attr]
            (second if refused[0] is first else first).chat
        ]


async def test_cancel_on_one_front_aborts_the_job_running_on_a_worker(
    fake: FakeNemo, node: NodeFactory, chat: Chat
) -> None:
    fake.script_turn(every(0.1, heartbeat(), for_=30))
    fake.script_turn(adk_text("Next one runs."))
    one = chat("1")
    async with node() as front, node() as other_front, node(workers=1) as worker:
        await front.say(one, "a very long request")
        await fake.wait_turns(1)
        await front.say(one, "waiting behind it")
        await one.wait_text("number 1 in line", timeout=2)
        await other_front.say(one, "/cancel")
        await one.wait_text("Cancelled the current request, and dropped 1 waiting", timeout=5)
        await one.wait_text("Cancelled.", timeout=5)  # the worker's progress line says so
        await fake.wait_turns(1, outcome="disconnected")
        await front.say(one, "next")
        await one.wait_text("Next one runs.", timeout=10)
        await worker.settled(one)
        assert await worker.core.store.active_jobs() == []  # the cancelled turn's record closed
    assert [turn.message for turn in fake.turns] == ["a very long request", "next"]


async def test_cancel_names_what_the_worker_is_doing_now_an_encode_after_the_upload(
    node: NodeFactory, chat: Chat, tiny_mp4: Path, tmp_path: Path
) -> None:
    started = tmp_path / "encode-started"
    slow = fake_ffmpeg(tmp_path, f"touch {started}; exec sleep 60")
    one = chat("1")
    async with node(backend="local") as front, node(backend="local", workers=1, ffmpeg_path=slow):
        await front.say(one, "compress to under 40KB", attachments=(file_attachment(tiny_mp4),))
        async with asyncio.timeout(20):  # the fake ffmpeg's mark: no event crosses processes
            while not started.exists():
                await asyncio.sleep(0.05)
        await front.say(one, "/cancel")
        await one.wait_text("Cancelled the encode.", timeout=5)
        await one.wait_text("✖️ Cancelled.", timeout=5)


async def test_doctor_says_how_many_jobs_the_queue_holds(
    node: NodeFactory, chat: Chat, database_url: str
) -> None:
    before = await check_postgres(database_url)
    assert "the job queue's tables are created at the first start" in before.detail
    async with node() as front:  # no worker: the job waits
        await front.say(chat("1"), "compress it")
        after = await check_postgres(database_url)
    assert after.status == "passed"
    assert "job queue: 1 waiting, 0 running" in after.detail, after.detail
