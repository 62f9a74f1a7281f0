"""The shape of a grade: what every grader (offline or LLM) must return, validated.
The score itself is decided in `tutor.grading.rubric`, from the per-key-point verdicts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.grading.rubric import RUBRIC  # noqa: F401 - re-exported for feedback and the UI

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
    claim: str | None = Field(default=None, description="the authored wrong claim the answer states")
    weight: int = Field(default=1, ge=1, le=2)


class GradeResult(BaseModel):
    score: int | None = Field(ge=0, le=5, description="None when the notes do not cover the question")
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
    confidence: float = Field(default=1.0, ge=0, le=1, description="how sure the grader is of the score")
    rubric: str | None = Field(default=None, description="the rubric line that goes with the score")

    @property
    def low_confidence(self) -> bool:
        return self.score is not None and self.confidence < LOW_CONFIDENCE


# Below this, feedback says the grade is uncertain and asks the candidate which points they made.
LOW_CONFIDENCE = 0.5
