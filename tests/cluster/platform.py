"""A chat platform for the cluster tests, registered from outside `bot/` (like
examples/http_lines.py): "test" chats reached from any process through its `Sender`.

In the test process each chat is a `RecordingPort` kept in `PORTS`, so a test watches a chat
whichever queue instance works its job. In a `clipbridge worker` subprocess (started through
`python -m tests.cluster.platform worker ...`), there is no shared memory: each port writes what
it says as JSON lines into CLUSTER_TEST_OUT/<chat>.jsonl, which the test reads.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from bot.config import Settings
from bot.core.requests import AttachmentRef
from bot.doctor import Check
from bot.models import Attachment, ChatKey
from bot.ports import Button, ChatAction, Core, MessageRef, OutboundVideo, RunningAdapter
from bot.streams import file_attachment
from tests.recording_port import RecordingPort

NAME = "test"
PORTS: dict[ChatKey, RecordingPort] = {}


def port(chat: ChatKey) -> RecordingPort:
    return PORTS.setdefault(chat, RecordingPort(chat=chat))


class FilePort:
    """A chat as a file of JSON lines: {"kind", "text", "ref"}."""

    message_limit = 4096
    caption_limit = 1024
    upload_limit = 50_000_000

    def __init__(self, chat: ChatKey, hint: str | None, folder: Path) -> None:
        self.chat = chat
        self.hint = hint
        self._file = folder / f"{chat.chat}.jsonl"
        self._pid = os.getpid()
        self._n = 0

    def _write(self, kind: str, text: str, ref: str) -> MessageRef:
        with self._file.open("a") as out:
            out.write(json.dumps({"kind": kind, "text": text, "ref": ref, "pid": self._pid}) + "\n")
        return MessageRef(ref)

    def _next(self) -> str:
        self._n += 1
        return f"{self._pid}-{self._n}"

    async def send_text(self, text: str, buttons: Sequence[Button] = ()) -> MessageRef:
        return self._write("text", text, self._next())

    async def edit_text(self, ref: MessageRef, text: str, buttons: Sequence[Button] = ()) -> None:
        self._write("edit", text, ref.id)

    async def typing(self, action: ChatAction = "typing") -> None:
        pass

    async def send_video(self, video: OutboundVideo, caption: str) -> MessageRef:
        return self._write("video", caption, self._next())

    async def send_link(self, text: str, url: str, label: str) -> MessageRef:
        return self._write("link", text, self._next())


class TestSender:
    platform = NAME

    def port_for(self, chat: ChatKey, hint: str | None = None) -> Any:
        out = os.environ.get("CLUSTER_TEST_OUT")
        return FilePort(chat, hint, Path(out)) if out else port(chat)

    def attachment(self, ref: AttachmentRef) -> Attachment:
        assert ref.path is not None, "the test platform's files are on this machine"
        return file_attachment(Path(ref.path))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass


class TestPlatform:
    name = NAME
    title = "Test"
    switch = "NONE"

    def configured(self, settings: Settings) -> bool:
        return True

    def describe(self, settings: Settings) -> str:
        return "Test"

    def check_settings(self, settings: Settings) -> list[str]:
        return []

    async def doctor(self, settings: Settings, client: httpx.AsyncClient) -> Check:
        raise NotImplementedError

    def adapter(self, settings: Settings, core: Core) -> RunningAdapter:
        raise NotImplementedError("the tests hand messages to the conversation themselves")

    def sender(self, settings: Settings) -> TestSender:
        return TestSender()


PLATFORM = TestPlatform()

if __name__ == "__main__":  # `python -m tests.cluster.platform worker --jobs 1`: a real worker
    from bot.cli import main
    from bot.ports import register

    register(NAME, PLATFORM)
    sys.exit(main(sys.argv[1:]))
