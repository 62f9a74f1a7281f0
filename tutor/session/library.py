"""A user's own notes as the tutor sees them: add (checked, saved, indexed incrementally, and
searchable at once), list and remove. The CLI's `tutor add` and the browser's upload use this."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from tutor.corpus.chunking import chunk_note
from tutor.corpus.own_notes import list_notes, remove_note, save_note, shipped_names
from tutor.grading.service import GradingService
from tutor.retrieval import build_index


@dataclass(frozen=True)
class AddedNote:
    name: str
    title: str
    chunks: int
    added: int  # chunks embedded now (0 when the same file was added before)


class NoteLibrary:
    def __init__(self, service: GradingService, lock: threading.RLock | None = None) -> None:
        self.service = service
        self.settings = service.settings
        self._lock = lock or nullcontext()

    def add(self, user: str, name: str, data: bytes,
            progress: Callable[[int, int], None] | None = None) -> AddedNote:
        note = save_note(self.settings.user_notes_dir, user, name, data, reserved=shipped_names(self.settings))
        with self._lock:
            report = build_index(self.settings, progress=progress, store=self.service.retriever.store)
            self.service.retriever.reload()
        return AddedNote(note.source, note.title, len(chunk_note(note)), report.added)

    def remove(self, user: str, name: str) -> bool:
        if not remove_note(self.settings.user_notes_dir, user, name):
            return False
        with self._lock:
            build_index(self.settings, store=self.service.retriever.store)
            self.service.retriever.reload()
        return True

    def names(self, user: str) -> list[str]:
        return [p.name for p in list_notes(self.settings.user_notes_dir, user)]

    def path(self, user: str, name: str) -> Path | None:
        return next((p for p in list_notes(self.settings.user_notes_dir, user) if p.name == name), None)
