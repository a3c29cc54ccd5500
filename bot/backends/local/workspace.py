"""Where the local engine keeps its files: one directory per session, within a disk budget.

    work_dir/
      <session>/manifest.json     uploads in order, outputs not yet delivered, exports asked for
      <session>/upload-1.mp4      an upload, as received
      <session>/out-<id>.mp4      a result waiting to be delivered
      <session>/.tmp-<id>/        an encode's pass logs and partial files (gone when it ends)

Sessions survive a restart; temporary directories and half-received uploads do not (`start`
removes them). When the budget is short, the oldest other sessions' uploads make room.

Every byte is accounted before it is written, by one `Accountant` shared by all jobs: files at
rest as measured, plus what each stream in flight holds (`reserve`, `grow` as chunks arrive,
`release`). A stream that would take the total past the budget is stopped there.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from bot.errors import FileTooLarge, SessionNotFound, WorkspaceFull
from bot.media import clean_leftovers

__all__ = [
    "Accountant",
    "ExportEntry",
    "Lease",
    "Manifest",
    "OutputEntry",
    "UploadEntry",
    "Workspace",
]

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


class Lease:
    """The bytes one stream in flight holds against the budget; `number` orders leases by age."""

    def __init__(self, accountant: Accountant, number: int) -> None:
        self._accountant = accountant
        self.number = number
        self.held = 0
        self.written = 0
        self.covers: frozenset[Path] = frozenset()
        """Files this lease counts, at rest or not: never measured twice."""

    def wrote(self, n: int) -> None:
        """Count `n` more bytes before they are written; raises `WorkspaceFull` (and counts
        nothing) when they would pass the budget."""
        if self.written + n > self.held:
            self._accountant.grow(self, self.written + n - self.held)
        self.written += n

    def release(self) -> None:
        self._accountant.release(self)


class Accountant:
    """Bytes in the work folder and on their way there, across every job. Thread-safe: the
    event loop grows leases while threads measure and evict."""

    def __init__(self, budget: int, measure: Callable[[frozenset[Path]], int]) -> None:
        self.budget = budget
        self.peak = 0
        """The highest total ever accounted: at rest plus held."""
        self._measure = measure
        self._settled = 0
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()
        self._measuring = threading.Lock()
        self._numbers = itertools.count()

    @property
    def total(self) -> int:
        with self._lock:
            return self._settled + sum(lease.held for lease in self._leases)

    def settle(self, release: Lease | None = None) -> None:
        """Measure the files at rest again (blocking: call it in a thread), and let `release`
        go in the same step: its file now counts at rest, and is never counted twice."""
        with self._measuring:  # one measure-and-swap at a time, or an older one could win
            with self._lock:
                covered = frozenset().union(
                    *(lease.covers for lease in self._leases if lease is not release)
                )
            used = self._measure(covered)
            with self._lock:
                self._settled = used
                if release is not None:
                    self._leases.discard(release)
                    release.held = 0
                self._note_peak()

    def reserve(self, size: int = 0) -> Lease:
        lease = Lease(self, next(self._numbers))
        with self._lock:
            self._leases.add(lease)
        if size:
            try:
                self.grow(lease, size)
            except WorkspaceFull:
                self.release(lease)
                raise
        return lease

    def grow(self, lease: Lease, n: int) -> None:
        with self._lock:
            free = self.budget - self._settled - sum(held.held for held in self._leases)
            if n > free:
                raise WorkspaceFull(f"{n} bytes more with {free} free", limit=self.budget)
            lease.held += n
            self._note_peak()

    def release(self, lease: Lease) -> None:
        with self._lock:
            self._leases.discard(lease)
            lease.held = 0

    def younger_holding(self, lease: Lease) -> bool:
        """Whether a stream that started after `lease` holds bytes: when the budget is full,
        the youngest gives way, so the first to come finish instead of all failing together."""
        with self._lock:
            return any(other.number > lease.number and other.held for other in self._leases)

    def _note_peak(self) -> None:
        self.peak = max(self.peak, self._settled + sum(lease.held for lease in self._leases))


class Workspace:
    """The session directories under `root`, holding at most `budget` bytes of files."""

    def __init__(self, root: Path, budget: int) -> None:
        self.root = root
        self.budget = budget
        self.accountant = Accountant(budget, self._at_rest)

    def start(self) -> None:
        """Make the root, and remove what a crash left half-done (stopping its ffmpeg runs)."""
        self.root.mkdir(parents=True, exist_ok=True)
        clean_leftovers(self.root)
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
        self.accountant.settle()

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

    def _at_rest(self, covered: frozenset[Path]) -> int:
        """Bytes of the files no stream is writing (those are counted by their leases)."""
        return sum(_sizes(self.root, covered))

    def make_room(self, need: int, *, keep: str, protect: frozenset[Path] = frozenset()) -> None:
        """Free space for `need` more bytes by deleting the oldest other sessions' uploads;
        raises `FileTooLarge` when even that is not enough."""
        if need > self.budget:
            raise FileTooLarge(f"{need} bytes over the work budget", limit=self.budget)
        self.accountant.settle()
        free = self.budget - self.accountant.total
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
                self.accountant.settle()
                return
        self.accountant.settle()
        raise WorkspaceFull(f"work budget full: {free} of {need} bytes free", limit=self.budget)

    def _touched(self, session: str) -> float:
        try:
            return (self.dir(session) / MANIFEST).stat().st_mtime
        except OSError:
            return 0.0


def _sizes(root: Path, covered: frozenset[Path]) -> list[int]:
    """Sizes of the files at rest under `root`: not `covered` by a lease, not half-received,
    not inside an encode's temporary folder (its lease counts those)."""
    sizes = []
    for path in root.rglob("*") if root.exists() else ():
        if (
            path in covered
            or path.suffix == ".part"
            or any(p.name.startswith(".tmp-") for p in path.relative_to(root).parents)
        ):
            continue
        with contextlib.suppress(OSError):  # gone since it was listed
            if path.is_file():
                sizes.append(path.stat().st_size)
    return sizes
