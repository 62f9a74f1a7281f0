"""Typed exceptions. Each carries the Korean message a user sees; the CLI and UI only print it."""

from __future__ import annotations

import errno
import os

from tutor import messages


class TutorError(Exception):
    """Base class: `str(err)` is a complete Korean sentence fit for a user."""

    exit_code = 1


class InvalidInputError(TutorError):
    """The user's text cannot be used as it is (empty, too long, not text)."""

    exit_code = 2


class CorpusError(TutorError):
    """The notes folder is missing, empty or unreadable."""


class StoreError(TutorError):
    """The vector store is missing, corrupted, unreachable or built with another model."""


class StoreMismatchError(StoreError):
    """The collection was built with a different embedding model or chunker."""


class BackendUnavailableError(TutorError):
    """An optional backend (sentence-transformers, an LLM provider) is not installed or not reachable."""


class StorageError(TutorError):
    """TUTOR_HOME cannot be written: the disk is full or the folder is read-only."""


def storage_error(exc: BaseException, path) -> StorageError | None:
    """The Korean StorageError for a write that failed because of the disk, else None."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "disk is full" in text or "no space left" in text:
        return StorageError(messages.STORAGE_FULL.format(path=path))
    folder = path if os.path.isdir(path) else os.path.dirname(str(path)) or "."
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text or "read-only" in text \
            or (os.path.exists(folder) and not os.access(folder, os.W_OK)):
        return StorageError(messages.STORAGE_READ_ONLY.format(path=path))
    return None
