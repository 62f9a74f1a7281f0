"""The curated question bank (`corpus/bank/*.yaml`): questions, key points tied to verbatim
quotes from the notes, the concepts and relations each point needs, the claims that contradict
it, model answers and follow-up (꼬리) questions.

Schema (one YAML list item per question; `tutor questions check` audits a file):

    id: str               stable id, "<topic-slug>-<nn>"
    topic: str            one of the topics in the notes (배치 정규화, 드롭아웃, …)
    difficulty: 1|2|3     1 definition · 2 why/compare · 3 apply/trade-off
    question: str         the interview question, in Korean
    aliases: [str]        the same question as others ask it (casual, English terms, two-part …)
    key_points:           2–6 atomic statements a complete answer makes
      - id: str           "<question id>.k<n>"
        point: str        the statement, in the tutor's words
        quote: str        verbatim passage of the notes that supports it
        source: str       the note file the quote is from
        weight: 1|2       2 for the core of the answer, 1 for a supporting detail
        concepts:         what stating the point needs: every group, in one or two sentences
          - [regex, …]    one concept's variants (Korean, English, colloquial); see concepts.py
        contradicted_by:  claims that deny this point, checked with high precision
          - claim: str    the wrong statement, in words
            concepts: [[regex, …], …]   every group inside one sentence of the answer
            negated: bool true when the claim is itself a negative ("…하지 않는다")
    misconceptions: [str] common wrong statements (shown to the LLM judge)
    model_answer: str     an answer written from the notes
    follow_ups:           꼬리 질문, each digging into one key point
      - key_point: str    a key point id of this question
        question: str
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from tutor.errors import CorpusError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2)]


Groups = tuple[tuple[Text, ...], ...]


class Claim(BaseModel):
    """A wrong statement about a key point, as concept groups that must share one sentence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim: Text
    concepts: Groups = Field(min_length=1)
    negated: bool = False


class KeyPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    point: Text
    quote: Text
    source: Text
    weight: int = Field(default=1, ge=1, le=2)
    concepts: Groups = ()
    contradicted_by: tuple[Claim, ...] = ()

    @model_validator(mode="after")
    def _patterns_compile(self) -> "KeyPoint":
        import re

        for group in (*self.concepts, *(g for c in self.contradicted_by for g in c.concepts)):
            for variant in group:
                try:
                    re.compile(variant)
                except re.error as exc:
                    raise ValueError(f"{self.id}: bad pattern {variant!r}: {exc}") from None
        return self


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key_point: Text
    question: Text


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    topic: Text
    difficulty: int = Field(ge=1, le=3)
    question: Text
    aliases: tuple[Text, ...] = ()
    key_points: tuple[KeyPoint, ...] = Field(min_length=2, max_length=6)
    misconceptions: tuple[Text, ...] = ()
    model_answer: Text
    follow_ups: tuple[FollowUp, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_are_consistent(self) -> "Question":
        ids = [k.id for k in self.key_points]
        if len(set(ids)) != len(ids) or not all(i.startswith(f"{self.id}.") for i in ids):
            raise ValueError(f"key point ids must be unique and start with '{self.id}.'")
        unknown = {f.key_point for f in self.follow_ups} - set(ids)
        if unknown:
            raise ValueError(f"follow-ups name unknown key points: {sorted(unknown)}")
        return self


class QuestionBank(BaseModel):
    questions: tuple[Question, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> "QuestionBank":
        ids = [q.id for q in self.questions]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate question ids: {sorted(dupes)}")
        return self

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})


def bank_files(path: Path) -> list[Path]:
    """A bank is a YAML file or a folder of them (one per part of the notes)."""
    if path.is_dir():
        return sorted(path.glob("*.yaml"))
    if not path.is_file():
        raise FileNotFoundError(path)
    return [path]


def load_bank(path: Path) -> QuestionBank:
    try:
        data: list = []
        for file in bank_files(path):
            data += yaml.safe_load(file.read_text(encoding="utf-8")) or []
        if not data:
            raise FileNotFoundError(path)
        return QuestionBank(questions=data)
    except FileNotFoundError:
        raise CorpusError(f"질문 은행 파일을 찾을 수 없습니다: {path}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise CorpusError(f"질문 은행 파일이 올바르지 않습니다: {path}\n{exc}") from exc


@lru_cache(maxsize=4)
def cached_bank(path: Path) -> QuestionBank:
    return load_bank(path)
