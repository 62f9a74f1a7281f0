"""Recall@k and MRR of a retriever on `{"query", "relevant": [...]}` JSONL.

A query is a hit at rank r when the r-th chunk's text, whitespace collapsed, contains any
`relevant` string (whitespace collapsed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from tutor.retrieval.hybrid import HybridRetriever, Mode
from tutor.text import collapse


class RetrievalCase(BaseModel):
    model_config = ConfigDict(extra="allow")

    query: str
    relevant: list[str] = Field(min_length=1)


def first_hit_rank(texts: Iterable[str], relevant: list[str]) -> int | None:
    wanted = [collapse(r) for r in relevant]
    for rank, text in enumerate(texts, 1):
        flat = collapse(text)
        if any(w in flat for w in wanted):
            return rank
    return None


@dataclass
class RetrievalScores:
    mode: str
    n: int
    ranks: list[int | None] = field(repr=False)
    misses: list[tuple[str, int | None]] = field(default_factory=list, repr=False)
    not_covered: int = 0  # answerable queries the retriever said the notes do not cover

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / self.n

    @property
    def mrr(self) -> float:
        return sum(1.0 / r for r in self.ranks if r is not None) / self.n

    def as_dict(self) -> dict[str, float | int]:
        return {
            "recall@1": round(self.recall(1), 4),
            "recall@3": round(self.recall(3), 4),
            "recall@5": round(self.recall(5), 4),
            "mrr": round(self.mrr, 4),
            "not_covered": round(self.not_covered / self.n, 4) if self.n else 0.0,
            "n": self.n,
        }


def evaluate_retrieval(
    retriever: HybridRetriever,
    cases: list[RetrievalCase],
    mode: Mode = "hybrid",
    k: int = 5,
    on_step: Callable[[], None] | None = None,
) -> RetrievalScores:
    """Ranks are looked for in the top max(k, 5) so Recall@5 is always defined; MRR counts those."""
    depth = max(k, 5)
    ranks: list[int | None] = []
    misses: list[tuple[str, int | None]] = []
    not_covered = 0
    for case in cases:
        result = retriever.retrieve(case.query, k=depth, mode=mode)
        rank = first_hit_rank((h.chunk.text for h in result.hits), case.relevant)
        ranks.append(rank)
        not_covered += not result.covered
        if rank is None or rank > k:
            misses.append((case.query, rank))
        if on_step:
            on_step()
    return RetrievalScores(mode, len(cases), ranks, misses, not_covered)


class UncoveredCase(BaseModel):
    """A question the notes do not answer (eval/uncovered.jsonl, eval/offtopic.jsonl)."""

    model_config = ConfigDict(extra="allow")

    query: str
    kind: str = "uncovered"


def abstentions(retriever: HybridRetriever, queries: list[str], mode: Mode = "hybrid",
                on_step: Callable[[], None] | None = None) -> list[bool]:
    """For each query, whether the retriever says the notes do not cover it."""
    out = []
    for query in queries:
        out.append(not retriever.retrieve(query, k=1, mode=mode).covered)
        if on_step:
            on_step()
    return out


# -- fitting the coverage decision -------------------------------------------------------------
MAX_FALSE_ABSTAIN = 0.03  # the threshold keeps answerable questions refused at most this often


def coverage_features(retriever: HybridRetriever, queries: list[str],
                      on_step: Callable[[], None] | None = None) -> list[dict[str, float]]:
    out = []
    for query in queries:
        out.append(retriever.retrieve(query, k=1).signals)
        if on_step:
            on_step()
    return out


def fit_coverage(answerable: list[dict[str, float]], unanswerable: list[dict[str, float]]):
    """A logistic model (standardised features, balanced classes) and the highest threshold whose
    cross-validated false-abstention rate on the answerable questions stays ≤ 3%."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from tutor.retrieval.coverage import FEATURES, CoverageModel

    rows = answerable + unanswerable
    X = np.array([[f.get(n, 0.0) for n in FEATURES] for f in rows])
    y = np.array([1] * len(answerable) + [0] * len(unanswerable))
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mean) / scale
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(model, Z, y, cv=folds, method="predict_proba")[:, 1]
    model.fit(Z, y)
    pos = np.sort(cv[y == 1])
    threshold = float(pos[int(np.floor(MAX_FALSE_ABSTAIN * len(pos)))]) if len(pos) else 0.5
    cv_false_abstain = float((cv[y == 1] < threshold).mean())
    cv_abstain = float((cv[y == 0] < threshold).mean())
    return CoverageModel(FEATURES, tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]),
                         threshold, tuple(float(m) for m in mean), tuple(float(s) for s in scale),
                         {"fitted_on": {"answerable": int(y.sum()), "unanswerable": int((1 - y).sum())},
                          "cv_false_abstain": round(cv_false_abstain, 4), "cv_abstain": round(cv_abstain, 4)})
