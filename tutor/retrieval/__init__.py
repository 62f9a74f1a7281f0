"""Retrieval over the notes: embeddings, the Chroma store, BM25 and their fusion.

`open_retriever()` is the one place that builds the retriever from settings.
"""

from __future__ import annotations

from tutor.retrieval.embeddings import make_embeddings
from tutor.retrieval.hybrid import HybridRetriever, Hit, RetrievalResult
from tutor.retrieval.store import NoteStore
from tutor.settings import Settings, get_settings

__all__ = ["Hit", "HybridRetriever", "RetrievalResult", "open_store", "open_retriever"]


def open_store(settings: Settings | None = None, fresh: bool = False) -> NoteStore:
    settings = settings or get_settings()
    return NoteStore(settings, make_embeddings(settings.embeddings), fresh=fresh)


def open_retriever(settings: Settings | None = None) -> HybridRetriever:
    """A ready retriever over an existing index (StoreError if it is missing or mismatched)."""
    settings = settings or get_settings()
    return HybridRetriever(open_store(settings), settings)
