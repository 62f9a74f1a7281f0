"""The shape of a grade: what every grader (offline or LLM) must return, validated.

Rubric (eval/README.md): 5 complete and precise with correct reasoning · 4 correct, minor
omission · 3 partly correct or vague, misses an important point · 2 a few relevant words,
shallow or with a notable error · 1 mostly wrong or confused · 0 no answer, off-topic or
entirely wrong.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RUBRIC = {
    5: "완벽: 핵심을 모두 정확히 말하고 이유까지 맞음",
    4: "정확함: 사소한 누락",
    3: "부분적으로 맞음 또는 모호함: 중요한 포인트 하나 이상 누락",
    2: "관련 단어 몇 개: 얕거나 눈에 띄는 오류",
    1: "대부분 틀리거나 혼란스러움",
    0: "답변 없음, 주제와 무관, 또는 완전히 틀림",
}

Status = Literal["covered", "partial", "missing", "contradicted"]


class Evidence(BaseModel):
    """A passage of the notes, quoted verbatim, that a verdict rests on."""

    model_config = ConfigDict(frozen=True)

    source: str
    heading: str = ""
    quote: str
    chunk_id: str | None = None


class KeyPointVerdict(BaseModel):
    id: str
    point: str
    status: Status
    coverage: float = Field(ge=0, le=1, description="how much of the point the answer states")
    answer_span: str | None = Field(default=None, description="the answer sentence that matched best")
    evidence: Evidence | None = None


class GradeResult(BaseModel):
    score: int = Field(ge=0, le=5)
    covered: list[str] = Field(default_factory=list, description="key points stated correctly")
    missing: list[str] = Field(default_factory=list, description="key points not stated")
    misconceptions: list[str] = Field(default_factory=list, description="wrong statements found")
    evidence: list[Evidence] = Field(default_factory=list)
    key_points: list[KeyPointVerdict] = Field(default_factory=list)
    grader: str = Field(description="'offline' or 'llm:<provider:model>'")
    notes_cover: bool = True
    flags: list[str] = Field(default_factory=list, description="non_answer, off_topic, injection, english, truncated, fallback")
    message: str | None = Field(default=None, description="a Korean sentence for the user (fallback, truncation, …)")
    features: dict[str, float] = Field(default_factory=dict, description="the offline signals behind the score")
