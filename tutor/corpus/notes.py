"""Load the cleaned notes (and a user's own notes) with their titles and origins."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tutor import messages
from tutor.corpus.importer import load_manifest, normalise_whitespace
from tutor.errors import CorpusError

log = logging.getLogger(__name__)

NOTE_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True)
class Note:
    source: str  # file name, the citation's "file"
    title: str
    origin: str
    text: str
    owner: str = ""  # "" for the shipped notes; a user's own notes are theirs alone


def read_note_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(messages.NOTE_UNREADABLE.format(path=path)) from exc
    if b"\x00" in raw:
        raise CorpusError(messages.NOTE_UNREADABLE.format(path=path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(messages.NOTE_UNREADABLE.format(path=path)) from exc
    return normalise_whitespace(text)


def load_notes(corpus_dir: Path) -> list[Note]:
    """Every note in `corpus_dir/notes`, titled from the manifest when it lists the file."""
    notes_dir = corpus_dir / "notes"
    if not notes_dir.is_dir():
        raise CorpusError(messages.CORPUS_MISSING.format(path=notes_dir))
    manifest = corpus_dir / "manifest.json"
    specs = {s.file: s for s in load_manifest(manifest)} if manifest.exists() else {}
    notes = []
    for path in sorted(notes_dir.iterdir()):
        if path.suffix.lower() not in NOTE_SUFFIXES or not path.is_file():
            continue
        text = read_note_text(path)
        if not text:
            log.warning(messages.NOTE_EMPTY.format(path=path))
            continue
        spec = specs.get(path.name)
        notes.append(
            Note(
                source=path.name,
                title=spec.title if spec else path.stem,
                origin=spec.origin if spec else "사용자 노트",
                text=text,
            )
        )
    if not notes:
        raise CorpusError(messages.CORPUS_EMPTY.format(path=notes_dir))
    return notes
