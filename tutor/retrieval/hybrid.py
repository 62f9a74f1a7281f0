"""Hybrid retrieval: six views of the query, fused by standardised scores.

For every chunk: its e5 cosine (Chroma), its BM25 score (kiwi morphemes), its closest sentence's
cosine, the closest bank question's cosine and BM25 score among the questions whose quotes sit in
it, and the closest curated follow-up question's cosine among those asking about a key point
quoted from it (tutor.retrieval.units). Each signal is standardised over the candidate chunks
(z-score) and the six are added with equal weights: nothing is fitted, so nothing can be fitted to an
evaluation set. (Reciprocal rank fusion of dense + BM25 alone did worse than BM25 alone on the
independent dev set; see eval/README.md.)

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
from tutor.retrieval.coverage import coverage_model
from tutor.retrieval.lexical import BM25Index, concept_terms, load_glossary
from tutor.retrieval.store import NoteStore
from tutor.retrieval.units import bank_document, bank_of, bank_pointers
from tutor.settings import Settings
from tutor.text import strip_controls

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the fused (or single-retriever) score that ordered the list
    dense: float | None = None  # cosine similarity
    bm25: float | None = None

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
    """Everything read from the store and built from it, swapped in whole when a note is added."""

    chunks: list[Chunk]
    by_id: dict[str, int]
    owners: np.ndarray
    vectors: np.ndarray  # (chunks × d), unit length
    bm25: BM25Index
    sentence_vectors: np.ndarray  # (sentences × d)
    sentence_chunk: np.ndarray  # the chunk each sentence sits in
    sentence_owner: np.ndarray
    sentence_texts: list[str]
    bank_vectors: np.ndarray  # (bank wordings × d)
    bank_unit_targets: np.ndarray  # (bank wordings × chunks): where the question's quotes sit
    follow_up_vectors: np.ndarray  # (follow-up questions × d)
    follow_up_targets: np.ndarray  # (follow-up questions × chunks): where its key point's quote sits
    bank_bm25: BM25Index | None  # over the bank questions that point at chunks
    bank_targets: np.ndarray  # (pointing questions × chunks)
    vocabulary: frozenset[str]  # every term of the notes and the bank


ANSWER_MIN_CHARS = 20  # shorter sentences are headings and fragments, never an answer on their own


def standardise(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """z-scores over the candidates; a candidate the signal did not score gets the lowest seen."""
    if not known.any():
        return np.zeros_like(values)
    filled = np.where(known, values, values[known].min())
    sd = filled.std()
    return (filled - filled.mean()) / sd if sd > 1e-9 else np.zeros_like(values)


def _unit_length(vectors: np.ndarray) -> np.ndarray:
    if not vectors.size:
        return vectors
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _best_per_target(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per chunk, the best score among the rows pointing at it (nan where none does)."""
    if not len(scores):
        return np.full(targets.shape[1], np.nan)
    best = np.where(targets, scores[:, None], -np.inf).max(axis=0)
    return np.where(np.isfinite(best), best, np.nan)


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim from the chunk
    chunk: Chunk
    score: float


class HybridRetriever:
    def __init__(self, store: NoteStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._glossary = load_glossary(settings.corpus_dir / "glossary.tsv") if settings.query_expansion else []
        self.reload()

    def reload(self) -> None:
        """Re-read chunks, units and their vectors from the store (after `build_index` added or
        removed notes). Scoring then happens in memory: one e5 call per query, the rest is numpy."""
        pairs = self.store.chunks_with_vectors()
        chunks = [c for c, _ in pairs]
        by_id = {c.id: i for i, c in enumerate(chunks)}
        units, unit_vectors = self.store.units()
        unit_vectors = _unit_length(unit_vectors)
        sentences = [i for i, u in enumerate(units) if u.kind == "sentence" and u.chunks[0] in by_id]
        def pointing(kind: str) -> tuple[np.ndarray, np.ndarray]:
            rows = [i for i, u in enumerate(units) if u.kind == kind]
            targets = np.zeros((len(rows), len(chunks)), dtype=bool)
            for row, i in enumerate(rows):
                targets[row, [by_id[c] for c in units[i].chunks if c in by_id]] = True
            return (unit_vectors[rows] if rows else np.zeros((0, dim), np.float32)), targets

        dim = pairs[0][1].shape[0] if pairs else 0
        wording_vectors, wording_targets = pointing("bank")
        follow_up_vectors, follow_up_targets = pointing("follow_up")
        bank = bank_of(self.settings)
        pointers = bank_pointers(bank, chunks) if bank is not None else []
        docs = [bank_document(bank, qi) for qi, _ in pointers]
        targets = np.zeros((len(pointers), len(chunks)), dtype=bool)
        for row, (_, weights) in enumerate(pointers):
            targets[row, [by_id[c] for c in weights]] = True
        bm25 = BM25Index([c.indexed_text for c in chunks], self.settings.bm25_tokenizer, self._glossary)
        bank_bm25 = BM25Index(docs, self.settings.bm25_tokenizer, self._glossary) if docs else None
        self._snap = _Snapshot(
            chunks,
            by_id,
            np.array([c.owner for c in chunks], dtype=object),
            _unit_length(np.vstack([v for _, v in pairs])) if pairs else np.zeros((0, dim), np.float32),
            bm25,
            unit_vectors[sentences] if sentences else np.zeros((0, dim), np.float32),
            np.array([by_id[units[i].chunks[0]] for i in sentences], dtype=int),
            np.array([units[i].owner for i in sentences], dtype=object),
            [units[i].text for i in sentences],
            wording_vectors,
            wording_targets,
            follow_up_vectors,
            follow_up_targets,
            bank_bm25,
            targets,
            frozenset(bm25.vocabulary | (bank_bm25.vocabulary if bank_bm25 else set())),
        )

    @property
    def chunks(self) -> list[Chunk]:
        return self._snap.chunks

    def __len__(self) -> int:
        return len(self._snap.chunks)

    def _coverage(self, snap: _Snapshot, query: str, raw: dict[str, np.ndarray], bank_scores: np.ndarray | None,
                  top: int, mode: Mode) -> tuple[float, dict[str, float]]:
        """How likely the notes answer `query` (0..1), from the calibrated model in
        tutor/retrieval/coverage.json, and the features it read."""
        feats = {"term_share": snap.bm25.term_coverage(query, snap.bm25.tokens_of(top))}
        for name in ("dense", "sentence", "bank"):
            if name in raw and not np.isnan(raw[name]).all():
                feats[f"top_{name}"] = float(np.nanmax(raw[name]))
        # A concept word the notes never use ("XGBoost", "저주") is the plainest sign of a question
        # they do not answer; colloquial words make it noisy, hence one feature among several.
        feats["unseen_terms"] = float(min(2, sum(t not in snap.vocabulary for t in set(concept_terms(query)))))
        if bank_scores is not None and len(bank_scores):
            feats["bank_term_share"] = snap.bm25.term_coverage(
                query, snap.bank_bm25.tokens_of(int(np.argmax(bank_scores))))
        return coverage_model(mode).probability(feats), feats

    def signals(self, query: str, mode: Mode = "hybrid", user: str | None = None
                ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
        """Every chunk's raw score from each signal `mode` uses (nan = not scored), which chunks
        are candidates (the shipped notes and `user`'s own), and the bank questions' BM25 scores."""
        snap = self._snap
        owners = ("", user) if user else ("",)
        mine = np.isin(snap.owners, owners)
        out: dict[str, np.ndarray] = {}
        bank_scores = None
        if mode in ("dense", "hybrid"):
            vector = self.store.embed_query(query)
            out["dense"] = np.where(mine, snap.vectors @ vector, np.nan)
        if mode in ("bm25", "hybrid"):
            out["bm25"] = np.where(mine, snap.bm25.scores(query), np.nan)
        if mode == "hybrid":
            sentence = np.full(len(snap.chunks), -np.inf)
            keep = np.isin(snap.sentence_owner, owners)
            np.maximum.at(sentence, snap.sentence_chunk[keep], snap.sentence_vectors[keep] @ vector)
            out["sentence"] = np.where(np.isfinite(sentence), sentence, np.nan)
            out["bank"] = _best_per_target(snap.bank_vectors @ vector, snap.bank_unit_targets)
            out["follow_up"] = _best_per_target(snap.follow_up_vectors @ vector, snap.follow_up_targets)
            if snap.bank_bm25 is not None:
                bank_scores = snap.bank_bm25.scores(query)
            out["bank_bm25"] = (_best_per_target(bank_scores, snap.bank_targets) if bank_scores is not None
                                else np.full(len(snap.chunks), np.nan))
        return out, mine, bank_scores

    def retrieve(self, query: str, k: int = 5, mode: Mode = "hybrid", user: str | None = None) -> RetrievalResult:
        """The `k` best passages of the shipped notes, plus `user`'s own notes when given."""
        query = clean_query(query, self.settings.max_query_chars)
        snap = self._snap
        raw, mine, bank_scores = self.signals(query, mode, user)
        candidates = np.flatnonzero(mine)
        if not len(candidates):
            return RetrievalResult(query, [], 0.0, False, mode)
        fused = np.zeros(len(candidates))
        for values in raw.values():
            part = values[candidates]
            fused += standardise(part, ~np.isnan(part))
        if mode == "bm25" and not np.nansum(raw["bm25"][candidates]):  # no query term in the notes
            return RetrievalResult(query, [], 0.0, False, mode)
        order = candidates[np.argsort(-fused, kind="stable")][: max(1, k)]
        fused_of = dict(zip(candidates.tolist(), fused.tolist()))

        def value(name: str, i: int) -> float | None:
            v = raw.get(name)
            return None if v is None or np.isnan(v[i]) else float(v[i])

        hits = [Hit(chunk=snap.chunks[i], score=fused_of[i], dense=value("dense", i), bm25=value("bm25", i))
                for i in order]
        relevance, signals = self._coverage(snap, query, raw, bank_scores, int(order[0]), mode)
        return RetrievalResult(query, hits, relevance, coverage_model(mode).covers(relevance), mode, signals)

    def sentences(self, query: str, hits: list[Hit], limit: int = 4, margin: float = 0.06) -> list[Sentence]:
        """The sentences of `hits` that answer `query` best, best first: e5 cosine plus the share
        of the query's terms they hold; only those within `margin` of the best one (unrelated
        passages drop out), near-duplicates (the same fact in two notes) once."""
        snap = self._snap
        if not hits:
            return []
        query = clean_query(query, self.settings.max_query_chars)
        wanted = np.isin(snap.sentence_chunk, [snap.by_id[h.chunk.id] for h in hits if h.chunk.id in snap.by_id])
        # a heading line ("⑥ ROC, AUC", "》 왜 사용할까?") names a topic, it does not answer
        wanted &= np.array([len(t) >= ANSWER_MIN_CHARS for t in snap.sentence_texts], dtype=bool)
        rows = np.flatnonzero(wanted)
        if not len(rows):
            return []
        vector = self.store.embed_query(query)
        cos = snap.sentence_vectors[rows] @ vector
        lexical = np.array([snap.bm25.term_coverage(query, snap.sentence_texts[r]) for r in rows])
        score = cos + 0.1 * lexical
        picked: list[int] = []
        for j in np.argsort(-score, kind="stable"):
            if score[j] < score.max() - margin or len(picked) >= limit:
                break
            if any(float(snap.sentence_vectors[rows[j]] @ snap.sentence_vectors[rows[p]]) > 0.97 for p in picked):
                continue
            picked.append(int(j))
        return [Sentence(snap.sentence_texts[rows[j]], snap.chunks[snap.sentence_chunk[rows[j]]], float(score[j]))
                for j in picked]

    def unseen_terms(self, query: str) -> list[str]:
        """Concept words of `query` that neither the notes nor the bank ever use, as typed."""
        seen = self._snap.vocabulary
        return list(dict.fromkeys(t for t in concept_terms(query) if t not in seen))
