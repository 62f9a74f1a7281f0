"""Typed exceptions. Each carries the Korean message a user sees; the CLI and UI only print it."""

from __future__ import annotations


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
