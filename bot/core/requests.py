"""A job request as plain data: what was asked, by whom, where, in which language.

Nothing here holds a connection or a stream, so a request can be written down and carried to
another process (a later queue): `JobRequest.from_dict(request.to_dict())` is the same request.
An attachment travels as a reference (name, size, type and where it can be fetched without a
secret); the live stream that goes with it in this process is passed beside the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from bot.models import Attachment, ChatKey, UserRef

JobKindName = Literal["upload", "turn", "export"]


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A file someone sent, by reference. `url` is only ever a public address (never one that
    carries a token); `path` is set when the file is already on the machine that received it."""

    name: str
    size: int | None = None
    mime: str | None = None
    url: str | None = None
    path: str | None = None
    source: str | None = None  # `Attachment.source`: the platform's reference, for `Sender`

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentRef:
        path = str(attachment.local_path) if attachment.local_path is not None else None
        return cls(
            attachment.name,
            attachment.size,
            attachment.mime,
            attachment.public_url,
            path,
            attachment.source,
        )


@dataclass(frozen=True, slots=True)
class JobRequest:
    """One piece of work for a chat: an upload (with its caption as `text`), a turn for the
    backend, or an export. `resume` names a stored job found in flight at start-up."""

    chat: ChatKey
    user: UserRef
    locale: str
    kind: JobKindName
    text: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    resume: str | None = None
    update: str | None = None  # the platform's update id it came from (`Inbound.update_id`)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: strings, numbers, None, lists and dicts only."""
        return {
            "chat": str(self.chat),
            "user": {"platform": self.user.platform, "id": self.user.id, "name": self.user.name},
            "locale": self.locale,
            "kind": self.kind,
            "text": self.text,
            "attachments": [
                {
                    "name": a.name,
                    "size": a.size,
                    "mime": a.mime,
                    "url": a.url,
                    "path": a.path,
                    "source": a.source,
                }
                for a in self.attachments
            ],
            "resume": self.resume,
            "update": self.update,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRequest:
        kind = data["kind"]
        if kind not in get_args(JobKindName):
            raise ValueError(f"unknown job kind {kind!r}")
        user = data["user"]
        return cls(
            chat=ChatKey.parse(data["chat"]),
            user=UserRef(user["platform"], user["id"], user.get("name", "")),
            locale=data["locale"],
            kind=cast(JobKindName, kind),
            text=data.get("text", ""),
            attachments=tuple(AttachmentRef(**a) for a in data.get("attachments", ())),
            resume=data.get("resume"),
            update=data.get("update"),
        )
