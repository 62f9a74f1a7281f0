"""Retrieval over the notes: embeddings, the Chroma store, BM25 and their fusion.

`open_retriever()` is the one place that builds the retriever from settings.
"""

from __future__ import annotations

from collections.abc import Callable

from tutor.retrieval.embeddings import make_embeddings
from tutor.retrieval.hybrid import HybridRetriever, Hit, RetrievalResult
from tutor.retrieval.store import IndexReport, NoteStore
from tutor.settings import Settings, get_settings

__all__ = ["Hit", "HybridRetriever", "RetrievalResult", "build_index", "open_store", "open_retriever"]


def open_store(settings: Settings | None = None, fresh: bool = False) -> NoteStore:
    settings = settings or get_settings()
    return NoteStore(settings, make_embeddings(settings.embeddings, settings.corpus_dir), fresh=fresh)


def open_retriever(settings: Settings | None = None) -> HybridRetriever:
    """A ready retriever over an existing index (StoreError if it is missing or mismatched)."""
    settings = settings or get_settings()
    return HybridRetriever(open_store(settings), settings)


def build_index(
    settings: Settings | None = None,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    store: NoteStore | None = None,
) -> IndexReport:
    """Bring the index in step with the knowledge base (shipped notes + users' own notes).

    Only new or changed chunks are embedded, so adding one note costs seconds, not a rebuild."""
    from tutor.corpus.chunking import chunk_notes
    from tutor.corpus.own_notes import knowledge_base

    settings = settings or get_settings()
    chunks = chunk_notes(knowledge_base(settings))
    store = store or open_store(settings, fresh=rebuild)
    return store.sync(chunks, rebuild=rebuild, progress=progress)
