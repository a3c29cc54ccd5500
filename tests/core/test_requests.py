"""A job request is plain data: written as JSON and read back, it is the same request."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.core.requests import AttachmentRef, JobRequest
from bot.models import Attachment, ChatKey, UserRef
from bot.streams import file_attachment


def test_a_request_survives_json_unchanged(tmp_path: Path) -> None:
    clip = tmp_path / "a clip.mp4"
    clip.write_bytes(b"\x00" * 10)
    sent = dataclasses.replace(file_attachment(clip), public_url="https://cdn.example/a.mp4")
    request = JobRequest(
        chat=ChatKey("discord", "42", thread="7", member="99"),
        user=UserRef("discord", "99", "Ada 李"),
        locale="zh",
        kind="upload",
        text="压缩到 8MB",
        attachments=(AttachmentRef.of(sent), AttachmentRef("b.mov", None, None)),
    )
    carried = json.loads(json.dumps(request.to_dict()))
    again = JobRequest.from_dict(carried)
    assert again == request
    assert again.user.name == "Ada 李"  # not part of a UserRef's equality: checked apart
    assert again.attachments[0] == AttachmentRef(
        "a clip.mp4", 10, sent.mime, "https://cdn.example/a.mp4", str(clip)
    )


def test_a_resumed_export_names_its_stored_job() -> None:
    request = JobRequest(ChatKey("telegram", "1"), UserRef("telegram", "1"), "en", "export",
                         resume="render_1")  # fmt: skip
    assert JobRequest.from_dict(json.loads(json.dumps(request.to_dict()))) == request


def test_a_secret_address_is_never_carried() -> None:
    """A Telegram file URL holds the bot token: adapters leave `public_url` empty for it, and
    the reference carries only that field, never the stream's own address."""

    async def never() -> None:  # pragma: no cover - a reference never opens the file
        raise AssertionError

    attachment = Attachment("a.mp4", 5, "video/mp4", open=never)  # type: ignore[arg-type]
    assert AttachmentRef.of(attachment).url is None


def test_an_unknown_kind_is_refused() -> None:
    data = JobRequest(ChatKey("t", "1"), UserRef("t", "1"), "en", "turn", "hi").to_dict()
    with pytest.raises(ValueError, match="unknown job kind"):
        JobRequest.from_dict({**data, "kind": "format-disk"})
