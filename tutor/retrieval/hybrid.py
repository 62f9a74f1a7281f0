"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank fusion.

`retrieve()` also says how sure it is that the notes cover the query at all, so the
grading layer can answer "노트에 없는 내용입니다" instead of grading against noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tutor import messages
from tutor.corpus.chunking import Chunk
from tutor.errors import InvalidInputError
from tutor.retrieval.lexical import BM25Index, load_glossary
from tutor.retrieval.store import NoteStore
from tutor.settings import Settings
from tutor.text import strip_controls

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")

# Calibrated on eval/offtopic.jsonl against eval/retrieval.jsonl (see eval/README.md):
# the top chunk's cosine to the query, and the IDF-weighted share of the query's terms in it.
COVERAGE_COSINE = 0.835
COVERAGE_TERMS = 0.55


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the fused (or single-retriever) score that ordered the list
    dense: float | None = None  # cosine similarity
    bm25: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def as_dict(self) -> dict:
        c = self.chunk
        return {
            "id": c.id,
            "source": c.source,
            "title": c.title,
            "heading": c.heading,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "score": round(self.score, 6),
            "dense": None if self.dense is None else round(self.dense, 4),
            "bm25": None if self.bm25 is None else round(self.bm25, 4),
        }


@dataclass(frozen=True)
class RetrievalResult:
    query: str
    hits: list[Hit]
    relevance: float  # 0..1: how well the best passage matches the query
    covered: bool  # False: the notes most likely do not answer this
    mode: Mode = "hybrid"
    signals: dict[str, float] = field(default_factory=dict)


def clean_query(query: str, max_chars: int) -> str:
    """Normalise a user's query; raise InvalidInputError with a Korean message if unusable."""
    if not isinstance(query, str):
        raise InvalidInputError(messages.NOT_TEXT)
    text = re.sub(r"\s+", " ", strip_controls(query)).strip()
    if not text:
        raise InvalidInputError(messages.EMPTY_QUERY)
    if len(text) > max_chars:
        raise InvalidInputError(messages.QUERY_TOO_LONG.format(length=len(text), limit=max_chars))
    if not re.search(r"[0-9A-Za-z가-힣]", text):
        raise InvalidInputError(messages.NOT_TEXT)
    return text


@dataclass(frozen=True)
class _Snapshot:
    """Everything built from the stored chunks, swapped in whole when a note is added."""

    chunks: list[Chunk]
    by_id: dict[str, int]
    owners: np.ndarray
    bm25: BM25Index


class HybridRetriever:
    def __init__(self, store: NoteStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._glossary = load_glossary(settings.corpus_dir / "glossary.tsv") if settings.query_expansion else []
        self.reload()

    def reload(self) -> None:
        """Re-read the chunks from the store (after `build_index` added or removed notes)."""
        chunks = self.store.chunks()
        self._snap = _Snapshot(
            chunks,
            {c.id: i for i, c in enumerate(chunks)},
            np.array([c.owner for c in chunks], dtype=object),
            BM25Index([c.indexed_text for c in chunks], self.settings.bm25_tokenizer, self._glossary),
        )

    @property
    def chunks(self) -> list[Chunk]:
        return self._snap.chunks

    def __len__(self) -> int:
        return len(self._snap.chunks)

    def _dense(self, snap: _Snapshot, query: str, n: int, owners: tuple[str, ...]) -> list[tuple[int, float]]:
        return [(snap.by_id[i], s) for i, s in self.store.dense_search(query, n, owners) if i in snap.by_id]

    def _lexical(
        self, snap: _Snapshot, query: str, n: int, owners: tuple[str, ...]
    ) -> tuple[list[tuple[int, float]], np.ndarray]:
        scores = snap.bm25.scores(query)
        scores = np.where(np.isin(snap.owners, owners), scores, 0.0)  # other users' notes are not ours
        order = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0], scores

    def _coverage(
        self, snap: _Snapshot, query: str, top: Chunk, cosine: float | None
    ) -> tuple[float, dict[str, float]]:
        share = snap.bm25.term_coverage(query, top.indexed_text)
        # Each signal mapped to 0..1 around its own threshold; 0.5 means "at the line".
        term_part = float(np.clip(share / (2 * COVERAGE_TERMS), 0, 1))
        if cosine is None:  # BM25-only mode: the lexical signal alone
            return term_part, {"term_share": share}
        cos_part = float(np.clip(0.5 + (cosine - COVERAGE_COSINE) / 0.1, 0, 1))
        return 0.5 * cos_part + 0.5 * term_part, {"top_cosine": cosine, "term_share": share}

    def retrieve(self, query: str, k: int = 5, mode: Mode = "hybrid", user: str | None = None) -> RetrievalResult:
        """The `k` best passages of the shipped notes, plus `user`'s own notes when given."""
        query = clean_query(query, self.settings.max_query_chars)
        snap = self._snap
        owners = ("", user) if user else ("",)
        k = max(1, min(k, len(snap.chunks)))
        n = min(max(self.settings.candidates, k), len(snap.chunks))
        dense = self._dense(snap, query, n, owners) if mode in ("dense", "hybrid") else []
        lexical, bm25_all = self._lexical(snap, query, n, owners) if mode in ("bm25", "hybrid") else ([], None)
        dense_rank = {i: r for r, (i, _) in enumerate(dense, 1)}
        dense_score = dict(dense)
        bm25_rank = {i: r for r, (i, _) in enumerate(lexical, 1)}
        if mode == "dense":
            fused = {i: s for i, s in dense}
        elif mode == "bm25":
            fused = {i: s for i, s in lexical}
        else:
            rrf = self.settings.rrf_k
            fused = {}
            for ranks in (dense_rank, bm25_rank):
                for i, r in ranks.items():
                    fused[i] = fused.get(i, 0.0) + 1.0 / (rrf + r)
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        hits = [
            Hit(
                chunk=snap.chunks[i],
                score=fused[i],
                dense=dense_score.get(i),
                bm25=None if bm25_all is None else float(bm25_all[i]),
                dense_rank=dense_rank.get(i),
                bm25_rank=bm25_rank.get(i),
            )
            for i in order
        ]
        if not hits:
            return RetrievalResult(query, [], 0.0, False, mode)
        relevance, signals = self._coverage(snap, query, hits[0].chunk, dense[0][1] if dense else None)
        return RetrievalResult(query, hits, relevance, relevance >= 0.5, mode, signals)
