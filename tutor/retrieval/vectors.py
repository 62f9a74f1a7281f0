"""Vectors shipped with the corpus: every text of the shipped notes and the question bank,
embedded once by the default model, so `tutor index` and the grader's warm-up take seconds
instead of minutes on two cores.

Keyed by the model, the side (passage/query) and the text's hash: a text that changed is simply
not found and is embedded by the model as before. Regenerate after editing the notes or the bank:

    python -m tutor.retrieval.vectors
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from tutor.retrieval.embeddings import NamedEmbeddings, embed_queries

FILE = "vectors-{model}.npz"


def shipped_path(corpus_dir: Path, model_id: str) -> Path:
    return corpus_dir / "vectors" / FILE.format(model=re.sub(r"[^A-Za-z0-9.-]+", "_", model_id))


def _key(side: str, text: str) -> str:
    return hashlib.sha1(f"{side}\x1f{text}".encode("utf-8")).hexdigest()[:20]


class ShippedVectors:
    """An embeddings backend that answers from the shipped file first and asks `inner` for the rest."""

    def __init__(self, inner: NamedEmbeddings, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        if path.is_file():
            with np.load(path) as data:
                self._rows = {k: i for i, k in enumerate(data["keys"].tolist())}
                self._vectors = data["vectors"].astype(np.float32)

    def __len__(self) -> int:
        return len(self._rows)

    def _lookup(self, side: str, texts: list[str], embed) -> list[list[float]]:
        rows = [self._rows.get(_key(side, t)) for t in texts]
        missing = [t for t, r in zip(texts, rows) if r is None]
        fresh = iter(embed(missing) if missing else [])
        return [self._vectors[r].tolist() if r is not None else [float(x) for x in next(fresh)] for r in rows]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._lookup("passage", list(texts), self.inner.embed_documents)

    def embed_query(self, text: str) -> list[float]:
        return self._lookup("query", [text], lambda ts: [self.inner.embed_query(ts[0])])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._lookup("query", list(texts), lambda ts: embed_queries(self.inner, ts)))


def stored_keys(vectors: ShippedVectors) -> set[str]:
    return set(vectors._rows)


def shipped_texts(settings) -> dict[str, list[str]]:
    """Every text of the shipped corpus that the index or the grader embeds, by side."""
    from tutor.corpus.chunking import chunk_notes
    from tutor.corpus.notes import load_notes
    from tutor.grading.bank import cached_bank
    from tutor.retrieval.units import units_for

    chunks = chunk_notes(load_notes(settings.corpus_dir))
    units = units_for(chunks, settings)
    bank = cached_bank(settings.bank_dir)
    passages = [c.indexed_text for c in chunks] + [u.text for u in units if u.kind == "sentence"]
    queries = [u.text for u in units if u.kind == "bank"]
    for q in bank.questions:
        queries += [q.question, *q.aliases, q.model_answer]
        for p in q.key_points:
            queries += [p.point, p.quote]
        queries += [f.question for f in q.follow_ups]
    return {"passage": list(dict.fromkeys(passages)), "query": list(dict.fromkeys(queries))}


def write_shipped(settings, embeddings: NamedEmbeddings) -> Path:
    texts = shipped_texts(settings)
    keys, vectors = [], []
    for side, items in texts.items():
        embed = embeddings.embed_documents if side == "passage" else (lambda ts: embed_queries(embeddings, ts))
        for i in range(0, len(items), 64):
            batch = items[i : i + 64]
            vectors.append(np.asarray(embed(batch), dtype=np.float16))
            keys += [_key(side, t) for t in batch]
    path = shipped_path(settings.corpus_dir, embeddings.model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, keys=np.array(keys), vectors=np.vstack(vectors))
    return path


if __name__ == "__main__":  # regenerate the shipped vectors of the default model
    from tutor.retrieval.embeddings import E5Embeddings
    from tutor.settings import get_settings

    print(write_shipped(get_settings(), E5Embeddings()))
