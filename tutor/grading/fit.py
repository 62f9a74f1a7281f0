"""Fit the offline score model: a ridge regression from the grader's interpretable features
to the human 0–5 score, validated with grouped cross-validation (group = question)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupKFold

from tutor.grading.offline import FEATURES


def _matrix(features: list[dict[str, float]]) -> np.ndarray:
    return np.array([[f.get(name, 0.0) for name in FEATURES] for f in features], dtype=float)


def _to_scores(raw: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(raw), 0, 5).astype(int)


def cross_validate(features: list[dict[str, float]], gold: list[int], groups: list[str],
                   folds: int = 5, alpha: float = 1.0, scorer=None) -> np.ndarray:
    """Out-of-fold predictions: each answer is scored by a model that never saw its question.

    `scorer(model_dict, features) -> int` applies the grader's own rounding and rubric caps.
    """
    x, y = _matrix(features), np.array(gold, dtype=float)
    pred = np.zeros(len(y), dtype=int)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        model = Ridge(alpha=alpha).fit(x[train], y[train])
        if scorer is None:
            pred[test] = _to_scores(model.predict(x[test]))
        else:
            as_dict = {"weights": dict(zip(FEATURES, model.coef_)), "bias": float(model.intercept_)}
            pred[test] = [scorer(as_dict, features[i]) for i in test]
    return pred


def fit(features: list[dict[str, float]], gold: list[int], alpha: float = 1.0) -> dict:
    model = Ridge(alpha=alpha).fit(_matrix(features), np.array(gold, dtype=float))
    return {"weights": {name: round(float(w), 5) for name, w in zip(FEATURES, model.coef_)},
            "bias": round(float(model.intercept_), 5), "alpha": alpha, "n": len(gold)}


def qwk(gold, pred) -> float:
    return float(cohen_kappa_score(gold, pred, weights="quadratic", labels=list(range(6))))


def save(model: dict, path: Path) -> None:
    path.write_text(json.dumps(model, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
