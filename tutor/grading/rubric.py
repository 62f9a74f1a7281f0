"""The one place a score is decided: per-key-point verdicts (from any grader, for a main question
or a follow-up) become 0–5 under the rubric, with its caps.

Rubric (eval/README.md): 5 complete and precise · 4 correct, a minor omission · 3 partly correct,
misses an important point · 2 a few relevant words, shallow or with a notable error · 1 mostly
wrong, one correct claim survives · 0 no answer, off-topic or entirely wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

RUBRIC = {
    5: "완벽: 핵심을 모두 정확히 말하고 이유까지 맞음",
    4: "정확함: 사소한 누락",
    3: "부분적으로 맞음: 중요한 포인트를 놓침",
    2: "관련 내용이 조금 있지만 얕거나 눈에 띄는 오류가 있음",
    1: "대부분 틀리거나 혼란스러움",
    0: "답변 없음, 주제와 무관, 또는 핵심이 틀림",
}

# How much of a point a verdict earns.
CREDIT = {"covered": 1.0, "partial": 0.5, "missing": 0.0, "contradicted": 0.0}

THRESHOLDS_PATH = Path(__file__).with_name("rubric_thresholds.json")
# Weighted credit needed for 1..5; `tutor eval grading --fit` re-fits them by grouped CV.
DEFAULT_THRESHOLDS = (0.01, 0.2, 0.4, 0.65, 0.87)


@dataclass(frozen=True)
class PointCredit:
    status: str
    weight: int = 1


def load_thresholds(path: Path = THRESHOLDS_PATH) -> tuple[float, ...]:
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(float(t) for t in data["thresholds"])
    return DEFAULT_THRESHOLDS


def credit(points: Iterable[PointCredit]) -> float:
    """Weighted share of the key points the answer states (partial counts half)."""
    points = list(points)
    total = sum(p.weight for p in points)
    if not total:
        return 0.0
    return sum(CREDIT[p.status] * p.weight for p in points) / total


def band(value: float, thresholds: tuple[float, ...]) -> int:
    return sum(value >= t for t in thresholds)


def caps(points: list[PointCredit]) -> int:
    """The highest score the rubric allows given what the answer got wrong.

    A wrong core claim (weight 2) makes the answer "built on a wrong core claim": 0–1 however
    fluent; two wrong claims, or one wrong claim with little else right, "mostly wrong": ≤ 1;
    one wrong detail is "a notable error": ≤ 2. An answer that states no key point in full has
    no correct claim that survives, only topic words: ≤ 1 (≤ 2 for a follow-up about a single
    point, where half of it is "shallow"). Measured on the shared dev set this cap took
    off-topic answers that reuse the topic's words from 1.38 to 0.69 (QWK 0.543 → 0.580)."""
    wrong = [p for p in points if p.status == "contradicted"]
    right = sum(p.status == "covered" for p in points)
    if not right:
        return 2 if len(points) == 1 and not wrong else 1
    if not wrong:
        return 5
    if any(p.weight >= 2 for p in wrong) or len(wrong) >= 2:
        return 1
    return 2


def score(points: list[PointCredit], thresholds: tuple[float, ...] | None = None) -> int:
    """0–5 from point verdicts: the banded weighted credit, then the rubric's caps."""
    if not points:
        return 0
    raw = band(credit(points), thresholds or load_thresholds())
    return min(raw, caps(points))


def reason(points: list[PointCredit], value: int) -> str:
    """The rubric line shown with a score; it always agrees with the listed omissions."""
    missing = sum(p.status in ("missing", "partial") for p in points)
    if value == 4 and missing == 0:
        return "정확함: 핵심을 모두 말했지만 설명이 조금 짧음"
    return RUBRIC[value]
