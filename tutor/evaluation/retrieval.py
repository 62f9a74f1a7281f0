"""Recall@k and MRR of a retriever on `{"query", "relevant": [...]}` JSONL.

A query is a hit at rank r when the r-th chunk's text, whitespace collapsed, contains any
`relevant` string (whitespace collapsed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from tutor.retrieval.hybrid import HybridRetriever, Mode


class RetrievalCase(BaseModel):
    model_config = ConfigDict(extra="allow")

    query: str
    relevant: list[str] = Field(min_length=1)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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
    for case in cases:
        result = retriever.retrieve(case.query, k=depth, mode=mode)
        rank = first_hit_rank((h.chunk.text for h in result.hits), case.relevant)
        ranks.append(rank)
        if rank is None or rank > k:
            misses.append((case.query, rank))
        if on_step:
            on_step()
    return RetrievalScores(mode, len(cases), ranks, misses)
