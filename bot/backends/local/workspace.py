"""Where the local engine keeps its files: one directory per session, within a disk budget.

    work_dir/
      <session>/manifest.json     uploads in order, outputs not yet delivered, exports asked for
      <session>/upload-1.mp4      an upload, as received
      <session>/out-<id>.mp4      a result waiting to be delivered
      <session>/.tmp-<id>/        an encode's pass logs and partial files (gone when it ends)

Sessions survive a restart; temporary directories and half-received uploads do not (`start`
removes them). When the budget is short, the oldest other sessions' uploads make room.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
from pathlib import Path

from pydantic import BaseModel, Field

from bot.errors import FileTooLarge, SessionNotFound

__all__ = ["ExportEntry", "Manifest", "OutputEntry", "UploadEntry", "Workspace"]

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
MANIFEST = "manifest.json"


class UploadEntry(BaseModel):
    file: str
    name: str
    size: int
    duration: float
    width: int
    height: int


class OutputEntry(BaseModel):
    job_id: str
    file: str
    filename: str


class ExportEntry(BaseModel):
    upload_limit: int
    locale: str = "en"


class Manifest(BaseModel):
    id: str
    locale: str = "en"
    created: float = Field(default_factory=time.time)
    uploads: list[UploadEntry] = Field(default_factory=list)
    outputs: list[OutputEntry] = Field(default_factory=list)
    exports: dict[str, ExportEntry] = Field(default_factory=dict)


class Workspace:
    """The session directories under `root`, holding at most `budget` bytes of files."""

    def __init__(self, root: Path, budget: int) -> None:
        self.root = root
        self.budget = budget

    def start(self) -> None:
        """Make the root, and remove what a crash left half-done."""
        self.root.mkdir(parents=True, exist_ok=True)
        for directory in self.root.iterdir():
            if not directory.is_dir():
                continue
            if not (directory / MANIFEST).exists():
                shutil.rmtree(directory, ignore_errors=True)
                continue
            for leftover in directory.iterdir():
                if leftover.name.startswith(".tmp-"):
                    shutil.rmtree(leftover, ignore_errors=True)
                elif leftover.suffix == ".part":
                    leftover.unlink(missing_ok=True)
            try:
                manifest = self.load(directory.name)
            except (SessionNotFound, ValueError):  # not ours, or a manifest cut short
                shutil.rmtree(directory, ignore_errors=True)
                continue
            kept = [o for o in manifest.outputs if (directory / o.file).exists()]
            if kept != manifest.outputs:
                self.save(manifest.model_copy(update={"outputs": kept}))

    def create(self, locale: str) -> Manifest:
        manifest = Manifest(id=uuid.uuid4().hex, locale=locale)
        self.dir(manifest.id).mkdir(parents=True)
        self.save(manifest)
        return manifest

    def dir(self, session: str) -> Path:
        if not _SESSION_ID.match(session):
            raise SessionNotFound(f"not a local session id: {session[:40]!r}")
        return self.root / session

    def load(self, session: str) -> Manifest:
        path = self.dir(session) / MANIFEST
        try:
            return Manifest.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise SessionNotFound(f"no local session {session}") from None

    def save(self, manifest: Manifest) -> None:
        path = self.dir(manifest.id) / MANIFEST
        part = path.with_suffix(".json.part")
        part.write_text(manifest.model_dump_json(indent=1))
        part.replace(path)

    def sessions(self) -> list[Manifest]:
        found = []
        for directory in self.root.iterdir() if self.root.exists() else ():
            with contextlib.suppress(SessionNotFound, ValueError):
                found.append(self.load(directory.name))
        return found

    def find_export(self, job_id: str) -> Manifest | None:
        return next((m for m in self.sessions() if job_id in m.exports), None)

    def used(self) -> int:
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())

    def make_room(self, need: int, *, keep: str, protect: frozenset[Path] = frozenset()) -> None:
        """Free space for `need` more bytes by deleting the oldest other sessions' uploads;
        raises `FileTooLarge` when even that is not enough."""
        if need > self.budget:
            raise FileTooLarge(f"{need} bytes over the work budget", limit=self.budget)
        free = self.budget - self.used()
        if free >= need:
            return
        for manifest in sorted(self.sessions(), key=lambda m: self._touched(m.id)):
            if manifest.id == keep:
                continue
            directory = self.dir(manifest.id)
            remaining = []
            for upload in manifest.uploads:
                path = directory / upload.file
                if free < need and path not in protect and path.exists():
                    free += path.stat().st_size
                    path.unlink()
                else:
                    remaining.append(upload)
            if len(remaining) != len(manifest.uploads):
                self.save(manifest.model_copy(update={"uploads": remaining}))
            if free >= need:
                return
        raise FileTooLarge(f"work budget full: {free} of {need} bytes free", limit=free)

    def _touched(self, session: str) -> float:
        try:
            return (self.dir(session) / MANIFEST).stat().st_mtime
        except OSError:
            return 0.0
