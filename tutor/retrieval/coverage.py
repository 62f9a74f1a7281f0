""""Do the notes answer this at all?": one calibrated decision, used by search, free questions
to the notes and grading.

A logistic model over what retrieval already computed: the best chunk, sentence and bank-question
cosines, the IDF-weighted share of the query's terms found in the best chunk and in the best
bank question, and how many of its concept words (nouns, foreign words) the notes never use. Fitted by `tutor eval retrieval --fit-coverage` on the dev splits of the project's
own sets (answerable: eval/retrieval.jsonl, eval/retrieval-hard.jsonl; not answerable:
eval/uncovered.jsonl, eval/offtopic.jsonl) and shipped in coverage.json; the threshold is chosen
on the same dev data, and both error rates are reported on the held-out splits.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FEATURES = ("top_dense", "top_sentence", "top_bank", "term_share", "bank_term_share", "unseen_terms")
SHIPPED = Path(__file__).with_name("coverage.json")


@dataclass(frozen=True)
class CoverageModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    info: dict = field(default_factory=dict, compare=False)

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias
        for i, (name, w) in enumerate(zip(self.features, self.weights)):
            x = feats.get(name, 0.0)
            if self.mean:
                x = (x - self.mean[i]) / (self.scale[i] or 1.0)
            z += w * x
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def covers(self, probability: float) -> bool:
        return probability >= self.threshold

    def as_dict(self) -> dict:
        return {"features": list(self.features), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "mean": list(self.mean), "scale": list(self.scale),
                "info": self.info}

    @classmethod
    def from_dict(cls, data: dict) -> "CoverageModel":
        return cls(tuple(data["features"]), tuple(float(w) for w in data["weights"]), float(data["bias"]),
                   float(data.get("threshold", 0.5)), tuple(data.get("mean", ())), tuple(data.get("scale", ())),
                   dict(data.get("info", {})))


# Single-retriever modes (for comparison in `tutor eval retrieval`) see fewer signals: the rule
# used before the calibrated model (top cosine 0.835 and term share 0.55 as the two lines).
_DENSE_ONLY = CoverageModel(("top_dense", "term_share"), (20.0, 1.82), -17.7)
_BM25_ONLY = CoverageModel(("term_share",), (10.0,), -5.5)


@lru_cache(maxsize=4)
def load_model(path: Path = SHIPPED) -> CoverageModel:
    return CoverageModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def coverage_model(mode: str = "hybrid") -> CoverageModel:
    if mode == "dense":
        return _DENSE_ONLY
    if mode == "bm25":
        return _BM25_ONLY
    return load_model()
