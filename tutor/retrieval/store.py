"""The Chroma vector store: embedded `PersistentClient` by default, a Chroma server by URL.

The collection records which embedding model and chunker built it; opening it with a
different one is refused (StoreMismatchError) instead of silently mixing vector spaces.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from tutor import messages
from tutor.corpus.chunking import CHUNKER_VERSION, Chunk
from tutor.errors import StoreError, StoreMismatchError, storage_error
from tutor.retrieval.embeddings import NamedEmbeddings, embed_queries
from tutor.retrieval.units import Unit
from tutor.settings import Settings

SCHEMA_VERSION = "3"  # 2: chunks carry an owner (users' own notes); 3: a units collection beside it
_ADD_BATCH = 16
_UNIT_BATCH = 64


@dataclass(frozen=True)
class IndexReport:
    chunks: int
    added: int
    removed: int
    model: str
    units: int = 0


def _client(settings: Settings) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
            return client
        except Exception as exc:
            raise StoreError(
                messages.CHROMA_UNREACHABLE.format(url=settings.chroma_url, reason=exc)
            ) from exc
    try:
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as exc:
        disk = storage_error(exc, settings.store_dir)
        if disk is not None:  # a read-only or full home is not a corrupted index: never advise --rebuild
            raise disk from exc
        raise StoreError(
            messages.INDEX_CORRUPTED.format(path=settings.store_dir, reason=exc)
        ) from exc


def _metadata(chunk: Chunk) -> dict[str, str | int]:
    return {
        "source": chunk.source,
        "title": chunk.title,
        "heading_path": json.dumps(list(chunk.heading_path), ensure_ascii=False),
        "start": chunk.start,
        "end": chunk.end,
        "owner": chunk.owner,
    }


def _chunk_from(chunk_id: str, document: str, meta: dict) -> Chunk:
    # The document is "context line\nverbatim text" (see Chunk.indexed_text).
    text = document.split("\n", 1)[1] if "\n" in document else document
    return Chunk(
        id=chunk_id,
        source=str(meta["source"]),
        title=str(meta["title"]),
        heading_path=tuple(json.loads(str(meta["heading_path"]))),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        owner=str(meta.get("owner", "")),
    )


def _wipe_local(settings: Settings) -> None:
    """Delete an embedded store's files (the only cure for a corrupted one)."""
    from chromadb.api.client import SharedSystemClient

    shutil.rmtree(settings.store_dir, ignore_errors=True)
    SharedSystemClient.clear_system_cache()  # chromadb caches one system per path


class NoteStore:
    def __init__(self, settings: Settings, embeddings: NamedEmbeddings, fresh: bool = False) -> None:
        """`fresh=True` starts an embedded store from empty files, even unreadable ones."""
        self.settings = settings
        self.embeddings = embeddings
        if fresh and not settings.chroma_url:
            _wipe_local(settings)
        self._client_api = _client(settings)

    @property
    def signature(self) -> dict[str, str]:
        return {
            "embedding_model": self.embeddings.model_id,
            "chunker": CHUNKER_VERSION,
            "schema": SCHEMA_VERSION,
        }

    def _collection(self):
        try:
            names = {c.name if hasattr(c, "name") else c for c in self._client_api.list_collections()}
            if self.settings.collection not in names:
                return None
            return self._client_api.get_collection(self.settings.collection)
        except Exception as exc:
            where = self.settings.chroma_url or self.settings.store_dir
            disk = None if self.settings.chroma_url else storage_error(exc, self.settings.store_dir)
            if disk is not None:
                raise disk from exc
            raise StoreError(messages.INDEX_CORRUPTED.format(path=where, reason=exc)) from exc

    def exists(self) -> bool:
        return self._collection() is not None

    def check_signature(self) -> None:
        """Raise when the collection is missing or was built with another model/chunker."""
        collection = self._collection()
        if collection is None:
            raise StoreError(messages.INDEX_MISSING)
        built = collection.metadata or {}
        current = self.signature
        if any(built.get(k) != v for k, v in current.items()):
            raise StoreMismatchError(
                messages.INDEX_MISMATCH.format(
                    built=f"{built.get('embedding_model')} / chunker {built.get('chunker')} / 형식 {built.get('schema')}",
                    current=f"{current['embedding_model']} / chunker {current['chunker']} / 형식 {current['schema']}",
                )
            )

    def _vectorstore(self) -> Chroma:
        return Chroma(
            client=self._client_api,
            collection_name=self.settings.collection,
            embedding_function=self.embeddings,  # always explicit: Chroma's default downloads a model
            collection_metadata={**self.signature, "hnsw:space": "cosine"},
        )

    def reset(self) -> None:
        """Drop the collection (other collections on a shared server are left alone)."""
        if self.exists():
            self._client_api.delete_collection(self.settings.collection)
        try:
            self._client_api.delete_collection(f"{self.settings.collection}_units")
        except Exception:  # not there (an index from before units existed)
            pass

    def sync(
        self,
        chunks: Sequence[Chunk],
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
        units: Sequence[Unit] | None = None,
    ) -> IndexReport:
        """Make the collections hold exactly `chunks` and their units (ids are content hashes:
        idempotent). `units` defaults to the chunks' sentences and the bank's pointers."""
        from tutor.retrieval.units import units_for

        if rebuild:
            self.reset()
        elif self.exists():
            self.check_signature()
        units = list(units_for(chunks, self.settings) if units is None else units)
        store = self._vectorstore()
        existing = set(store.get(include=[])["ids"])
        wanted = {c.id: c for c in chunks}
        stale = sorted(existing - wanted.keys())
        if stale:
            store.delete(ids=stale)
        new = [c for c in chunks if c.id not in existing]
        unit_col = self._units_collection(create=True)
        have_units = set(unit_col.get(include=[])["ids"])
        wanted_units = {u.id: u for u in units}
        stale_units = sorted(have_units - wanted_units.keys())
        if stale_units:
            unit_col.delete(ids=stale_units)
        new_units = [u for u in wanted_units.values() if u.id not in have_units]
        total = len(new) + len(new_units)
        for i in range(0, len(new), _ADD_BATCH):
            batch = new[i : i + _ADD_BATCH]
            store.add_texts(
                texts=[c.indexed_text for c in batch],
                metadatas=[_metadata(c) for c in batch],
                ids=[c.id for c in batch],
            )
            if progress:
                progress(min(i + _ADD_BATCH, len(new)), total)
        for i in range(0, len(new_units), _UNIT_BATCH):
            batch = new_units[i : i + _UNIT_BATCH]
            unit_col.add(ids=[u.id for u in batch], documents=[u.text for u in batch],
                         embeddings=self._unit_vectors(batch),
                         metadatas=[{"kind": u.kind, "owner": u.owner, "chunks": json.dumps(list(u.chunks))}
                                    for u in batch])
            if progress:
                progress(len(new) + min(i + _UNIT_BATCH, len(new_units)), total)
        return IndexReport(len(wanted), len(new), len(stale), self.embeddings.model_id, len(wanted_units))

    def _unit_vectors(self, units: Sequence[Unit]) -> list[list[float]]:
        """Sentences are passages; bank wordings and follow-ups are questions, embedded the way
        queries are (e5's recipe for comparing two questions)."""
        vectors: list[list[float] | None] = [None] * len(units)
        as_queries = lambda texts: embed_queries(self.embeddings, texts)  # noqa: E731
        for kind, embed in (("sentence", self.embeddings.embed_documents), ("bank", as_queries),
                            ("follow_up", as_queries)):
            picked = [i for i, u in enumerate(units) if u.kind == kind]
            if picked:
                for i, v in zip(picked, embed([units[i].text for i in picked])):
                    vectors[i] = [float(x) for x in v]
        return vectors  # type: ignore[return-value]

    def _units_collection(self, create: bool = False):
        name = f"{self.settings.collection}_units"
        if create:
            return self._client_api.get_or_create_collection(
                name, metadata={**self.signature, "hnsw:space": "cosine"}, embedding_function=None)
        try:
            return self._client_api.get_collection(name, embedding_function=None)
        except Exception as exc:  # an index from before units existed
            raise StoreMismatchError(messages.INDEX_NO_UNITS) from exc

    def chunks(self) -> list[Chunk]:
        """All indexed chunks, in corpus order (the store is the source of truth)."""
        return [c for c, _ in self.chunks_with_vectors()]

    def chunks_with_vectors(self) -> list[tuple[Chunk, np.ndarray]]:
        """Every chunk and its stored vector, in corpus order."""
        self.check_signature()
        got = self._collection().get(include=["documents", "metadatas", "embeddings"])
        pairs = [(_chunk_from(i, d, m), np.asarray(e, dtype=np.float32))
                 for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])]
        return sorted(pairs, key=lambda p: (p[0].source, p[0].start))

    def units(self) -> tuple[list[Unit], np.ndarray]:
        """Every unit (sentences, bank pointers) and its vectors, rows aligned."""
        got = self._units_collection().get(include=["documents", "metadatas", "embeddings"])
        units = [Unit(i, str(m["kind"]), d, tuple(json.loads(str(m["chunks"]))), str(m.get("owner", "")))
                 for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        vectors = np.asarray(got["embeddings"], dtype=np.float32) if units else np.zeros((0, 0), np.float32)
        return units, vectors

    def embed_query(self, query: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
