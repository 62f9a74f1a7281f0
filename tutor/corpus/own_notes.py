"""A user's own notes (.md / .txt): checked, saved under TUTOR_HOME/user_notes/<user>/, listed and
removed. They join the knowledge base for their owner only; the shipped notes are everyone's."""

from __future__ import annotations

import logging
import re
import stat
from pathlib import Path
from urllib.parse import quote, unquote

from tutor import messages
from tutor.corpus.importer import normalise_whitespace
from tutor.corpus.notes import NOTE_SUFFIXES, Note, load_notes
from tutor.errors import CorpusError, InvalidInputError
from tutor.settings import Settings
from tutor.text import strip_controls

log = logging.getLogger(__name__)

MAX_NOTE_BYTES = 1_000_000  # a study note is a few pages; the five shipped ones are 9–60 KB


def user_dir(root: Path, user: str) -> Path:
    """Any login name becomes one safe folder name inside `root`: "a/b" is quoted, and a name
    made of dots ("..", ".") or starting with one cannot be the parent, the root or hidden."""
    name = quote(user, safe="")
    if not name:
        raise InvalidInputError(messages.USER_EMPTY)
    dots = len(name) - len(name.lstrip("."))
    return root / ("%2E" * dots + name[dots:])


def note_name(name: str) -> str:
    """The file name to store: no folders, no control characters, a .md or .txt suffix."""
    base = strip_controls(Path(str(name).replace("\\", "/")).name).strip()
    if not base or base.startswith("."):
        raise InvalidInputError(messages.NOTE_BAD_NAME.format(name=name))
    if Path(base).suffix.lower() not in NOTE_SUFFIXES:
        raise InvalidInputError(messages.NOTE_BAD_TYPE.format(name=base))
    return base


def note_text(name: str, data: bytes) -> str:
    """The note's text, or InvalidInputError saying in Korean why it cannot be a note."""
    if len(data) > MAX_NOTE_BYTES:
        raise InvalidInputError(messages.NOTE_TOO_LARGE.format(name=name, size=len(data), limit=MAX_NOTE_BYTES))
    if b"\x00" in data:
        raise InvalidInputError(messages.NOTE_NOT_TEXT.format(name=name))
    try:
        text = normalise_whitespace(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidInputError(messages.NOTE_NOT_TEXT.format(name=name)) from exc
    if len(re.findall(r"[0-9A-Za-z가-힣]", text)) < 20:
        raise InvalidInputError(messages.NOTE_TOO_SHORT.format(name=name))
    return text


def read_note_file(path: Path) -> bytes:
    """A note file's bytes, refusing a missing, oversized or not regular file (a device, a FIFO,
    a link to either: their size says 0) before reading it, and reading at most one byte more
    than the limit whatever the file claims."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInputError(messages.NOTE_NOT_A_FILE.format(path=path.name))
        if info.st_size > MAX_NOTE_BYTES:
            raise InvalidInputError(messages.NOTE_TOO_LARGE.format(name=path.name, size=info.st_size, limit=MAX_NOTE_BYTES))
        with path.open("rb") as handle:
            data = handle.read(MAX_NOTE_BYTES + 1)
        if len(data) > MAX_NOTE_BYTES:
            raise InvalidInputError(messages.NOTE_TOO_LARGE.format(name=path.name, size=len(data), limit=MAX_NOTE_BYTES))
        return data
    except FileNotFoundError as exc:
        raise InvalidInputError(messages.NOTE_FILE_MISSING.format(path=path)) from exc
    except OSError as exc:
        raise InvalidInputError(f"{messages.NOTE_UNREADABLE.format(path=path.name)} ({exc.strerror})") from exc


def _title(text: str, fallback: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    heading = re.match(r"^#{1,6}\s+(.+)", first)
    return heading.group(1).strip()[:80] if heading else fallback


def save_note(root: Path, user: str, name: str, data: bytes, reserved: set[str] = frozenset()) -> Note:
    """Check and store a note (replacing the user's note of the same name); return it."""
    name = note_name(name)
    if name in reserved:
        raise InvalidInputError(messages.NOTE_NAME_TAKEN.format(name=name))
    text = note_text(name, data)
    folder = user_dir(root, user)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(folder / name)  # atomic: a reader never sees half a note
    return Note(source=name, title=_title(text, Path(name).stem), origin="사용자 노트", text=text, owner=user)


def list_notes(root: Path, user: str) -> list[Path]:
    folder = user_dir(root, user)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES
                  and not p.name.startswith("."))


def remove_note(root: Path, user: str, name: str) -> bool:
    path = user_dir(root, user) / Path(name).name
    if path.is_file():
        path.unlink()
        return True
    return False


def load_own_notes(root: Path) -> list[Note]:
    """Every user's notes, each owned by its user. A file that is no longer readable is skipped
    with a warning: one broken upload must not stop the tutor from starting."""
    notes = []
    if not root.is_dir():
        return notes
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        user = unquote(folder.name)
        for path in list_notes(root, user):
            try:
                text = note_text(path.name, path.read_bytes())
            except (InvalidInputError, OSError) as exc:
                log.warning(messages.NOTE_SKIPPED.format(path=path, reason=exc))
                continue
            notes.append(Note(path.name, _title(text, path.stem), "사용자 노트", text, owner=user))
    return notes


def knowledge_base(settings: Settings) -> list[Note]:
    """The shipped notes and every user's own notes: what the index holds."""
    shipped = load_notes(settings.corpus_dir)
    return shipped + load_own_notes(settings.user_notes_dir)


def shipped_names(settings: Settings) -> set[str]:
    try:
        return {n.source for n in load_notes(settings.corpus_dir)}
    except CorpusError:
        return set()
