"""Fit the rubric's credit thresholds (weighted share of key points → 0–5) to human scores,
validated with grouped cross-validation (group = question)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupKFold

from tutor.grading import rubric


def qwk(gold, pred) -> float:
    return float(cohen_kappa_score(gold, pred, weights="quadratic", labels=list(range(6))))


def _predict(verdicts, thresholds) -> np.ndarray:
    # None marks answers scored by rule (non-answers, uncovered): 0, not fitted.
    return np.array([0 if v is None else rubric.score(v, thresholds) for v in verdicts])


def fit_thresholds(verdicts, gold, grid=np.round(np.arange(0.0, 1.0001, 0.025), 3), rounds: int = 3) -> tuple[float, ...]:
    """Coordinate ascent on QWK over the five band edges, kept increasing."""
    gold = np.asarray(gold)
    current = list(rubric.DEFAULT_THRESHOLDS)
    best = qwk(gold, _predict(verdicts, tuple(current)))
    for _ in range(rounds):
        for k in range(len(current)):
            lo = current[k - 1] if k else 0.0
            hi = current[k + 1] if k + 1 < len(current) else 1.0001
            for t in grid:
                if not lo < t < hi and not (k == 0 and 0.0 < t < hi):
                    continue
                trial = current.copy()
                trial[k] = float(t)
                value = qwk(gold, _predict(verdicts, tuple(trial)))
                if value > best + 1e-9:
                    best, current = value, trial
    return tuple(current)


def cross_validate_thresholds(verdicts, gold, groups, folds: int = 5) -> np.ndarray:
    """Out-of-fold predictions: each answer is scored with edges fitted without its question."""
    gold = np.asarray(gold)
    pred = np.zeros(len(gold), dtype=int)
    idx = np.arange(len(gold))
    for train, test in GroupKFold(n_splits=folds).split(idx, gold, groups):
        edges = fit_thresholds([verdicts[i] for i in train], gold[train])
        pred[test] = _predict([verdicts[i] for i in test], edges)
    return pred


def save(model: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
