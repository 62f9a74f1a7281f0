"""The offline grader: judges each key point from the evidence in the answer, with no LLM, and
leaves the score to the rubric (`tutor.grading.rubric`).

A bank key point carries authored concepts (what stating it needs, relation included) and the
claims that contradict it (`tutor.grading.concepts`). A point is *covered* when one window of the
answer states every concept, *partial* when it states some, *contradicted* only when an authored
wrong claim is stated (quoted back with the note passage it contradicts). e5 cosines and
IDF-weighted morpheme overlap judge only points that have no concepts (drawn from the notes for
a question outside the bank): measured on the shared dev set, letting e5 rescue bank points
raised fluent-but-wrong answers more than it helped paraphrases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tutor import messages
from tutor.grading import rubric
from tutor.grading.bank import Claim
from tutor.grading.concepts import best_window, claims_stated, load_contrasts, sides, windows
from tutor.grading.models import Evidence, GradeResult, KeyPointVerdict
from tutor.grading.text import Answer, content_tokens, is_non_answer, read_answer
from tutor.retrieval.lexical import load_glossary

# e5 cosines live in a narrow band: below LOW nothing is said, above HIGH it is said.
SEM_LOW, SEM_HIGH = 0.82, 0.90
# English answer vs Korean key point: e5's cross-lingual cosines run this much lower.
CROSS_LINGUAL_SHIFT = 0.04
# Points without concepts: blended coverage needed for covered / partial.
COVERED, PARTIAL = 0.55, 0.3
# Let a point's concepts span two adjacent sentences (a relation is often said in two).
PAIR_WINDOWS = True


@dataclass(frozen=True)
class GradingPoint:
    """A key point to look for: from the bank, or drawn from the notes for a free question."""

    id: str
    point: str
    quote: str
    evidence: Evidence
    weight: int = 1
    concepts: tuple[tuple[str, ...], ...] = ()
    claims: tuple[Claim, ...] = field(default=())


class OfflineGrader:
    name = "offline"

    def __init__(self, embeddings, corpus_dir: Path, idf: dict[str, float] | None = None,
                 thresholds: tuple[float, ...] | None = None) -> None:
        self.embeddings = embeddings
        self.glossary = load_glossary(corpus_dir / "glossary.tsv")
        self.idf = idf or {}
        self.thresholds = thresholds or rubric.load_thresholds()
        self.contrasts = load_contrasts(corpus_dir / "contrasts.yaml")
        self._sides: dict[str, tuple] = {}

    def sides_of(self, point: str) -> tuple:
        if point not in self._sides:
            self._sides[point] = sides(point, self.contrasts)
        return self._sides[point]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Query-style e5 vectors, cached (key points repeat across answers)."""
        return _embed_cached(self.embeddings, tuple(texts))

    def _lexical(self, point_tokens: set[str], answer_tokens: set[str]) -> float:
        if not point_tokens:
            return 0.0
        unseen = max(self.idf.values(), default=1.0)
        weight = {t: self.idf.get(t, unseen) for t in point_tokens}
        return sum(w for t, w in weight.items() if t in answer_tokens) / sum(weight.values())

    # -- per key point -----------------------------------------------------------------
    def judge(self, question_text: str, points: list[GradingPoint], answer: Answer,
              context: tuple[str, ...] = ()) -> tuple[list[KeyPointVerdict], dict[str, float]]:
        """A verdict for every point, and the signals behind them.

        `context`: earlier sentences of the same candidate (a follow-up answer is read with the
        first answer, so a point made before in other words still counts)."""
        sentences = [*context, *answer.sentences]
        units = windows(sentences)
        if not units or not points:
            return [], {}
        shift = CROSS_LINGUAL_SHIFT if answer.english else 0.0
        unit_vecs = self.embed(units)
        sims = np.maximum(unit_vecs @ self.embed([p.point for p in points]).T,
                          unit_vecs @ self.embed([p.quote for p in points]).T) + shift
        answer_tokens = set(content_tokens(" ".join(sentences), self.glossary))
        question_tokens = set(content_tokens(question_text))
        verdicts: list[KeyPointVerdict] = []
        concept_shares, sem_parts = [], []
        for j, p in enumerate(points):
            best = int(np.argmax(sims[:, j]))
            sem_part = float(np.clip((sims[best, j] - SEM_LOW) / (SEM_HIGH - SEM_LOW), 0, 1))
            sem_parts.append(sem_part)
            wrong = claims_stated(p.claims, sentences)
            if wrong:
                claim, clause = wrong[0]
                verdicts.append(KeyPointVerdict(
                    id=p.id, point=p.point, status="contradicted", coverage=0.0, answer_span=clause,
                    evidence=p.evidence, claim=claim.claim, weight=p.weight))
                continue
            if p.concepts:
                share, span = best_window(p.concepts, units if PAIR_WINDOWS else sentences, self.sides_of(p.point))
                concept_shares.append(share)
                if share >= 1:
                    status = "covered"
                elif share >= 0.5:  # e5 alone never rescues a point: it rewards fluent wrong answers
                    status = "partial"
                else:
                    status = "missing"
                coverage = max(share, 0.5 * sem_part)
                span = span if share > 0 else units[best]
            else:
                novel = set(content_tokens(f"{p.point} {p.quote}")) - question_tokens
                lex = sem_part if answer.english else self._lexical(novel, answer_tokens)
                coverage = 0.5 * sem_part + 0.5 * lex
                status = "covered" if coverage >= COVERED else "partial" if coverage >= PARTIAL else "missing"
                span = units[best]
            verdicts.append(KeyPointVerdict(id=p.id, point=p.point, status=status, coverage=round(coverage, 4),
                                            answer_span=span if status != "missing" else None,
                                            evidence=p.evidence, weight=p.weight))
        signals = {
            "concept_share": float(np.mean(concept_shares)) if concept_shares else 0.0,
            "sem_max": float(max(sem_parts)),
            "len_log": math.log1p(len(answer_tokens)),
            "novel_lex": self._lexical(
                set(content_tokens(" ".join(p.point for p in points))) - question_tokens, answer_tokens),
        }
        return verdicts, signals

    # -- public ------------------------------------------------------------------------
    def grade(self, question_text: str, answer_text: str, points: list[GradingPoint],
              notes_cover: bool = True, context: tuple[str, ...] = ()) -> GradeResult:
        answer = read_answer(answer_text)
        flags: list[str] = []
        notices: list[str] = []
        if answer.truncated:
            flags.append("truncated")
            notices.append(messages.ANSWER_TRUNCATED.format(limit=len(answer.text)))
        if answer.injected:
            flags.append("injection")
        if answer.english:
            flags.append("english")
        if not notes_cover or not points:
            # "Not in my notes" is not a grade: no score, nothing to count against the candidate.
            return GradeResult(score=None, grader=self.name, notes_cover=False, flags=flags,
                               message=messages.NOT_IN_NOTES)
        missing_all = [KeyPointVerdict(id=p.id, point=p.point, status="missing", coverage=0.0,
                                       evidence=p.evidence, weight=p.weight) for p in points]
        if is_non_answer(answer, question_text, self.glossary):
            flags.append("non_answer")
            # The passages are cited all the same: they are what the candidate should read next.
            return self._result(0, missing_all, flags, notices, {})
        verdicts, signals = self.judge(question_text, points, answer, context)
        if not any(v.status != "missing" for v in verdicts) and signals.get("sem_max", 0) < 0.5:
            flags.append("off_topic")
        credits = [rubric.PointCredit(v.status, v.weight) for v in verdicts]
        score = rubric.score(credits, self.thresholds)
        return self._result(score, verdicts, flags, notices, signals)

    def _result(self, score: int, verdicts: list[KeyPointVerdict], flags: list[str], notices: list[str],
                signals: dict[str, float]) -> GradeResult:
        credits = [rubric.PointCredit(v.status, v.weight) for v in verdicts]
        value = rubric.credit(credits)
        # Confidence: how far the credit sits from the nearest band edge, and whether the verdicts
        # rest on authored concepts or only on similarity.
        edge = min((abs(value - t) for t in self.thresholds), default=1.0)
        semantic_only = sum(1 for v in verdicts if v.status == "partial" and v.coverage < 0.5)
        confidence = float(np.clip(0.5 + 2.5 * edge - 0.15 * semantic_only
                                   - (0.15 if "english" in flags else 0.0), 0.05, 1.0))
        if verdicts and not any(v.status == "covered" for v in verdicts) and any(v.status == "partial" for v in verdicts):
            # Capped at 1 on partial hits alone (rubric.caps): a paraphrase the concepts missed
            # looks the same, so the candidate is asked which points they made.
            confidence = min(confidence, 0.4)
        if "non_answer" in flags:
            confidence = 1.0
        return GradeResult(
            score=score,
            covered=[v.point for v in verdicts if v.status == "covered"],
            missing=[v.point for v in verdicts if v.status in ("missing", "partial")],
            misconceptions=[f"'{v.answer_span}' — {v.claim}" for v in verdicts if v.status == "contradicted"],
            evidence=[v.evidence for v in verdicts if v.evidence is not None],
            key_points=verdicts,
            grader=self.name,
            flags=flags,
            message=" ".join(notices) or None,
            features={"credit": round(value, 4), **{k: round(v, 4) for k, v in signals.items()}},
            confidence=round(confidence, 3),
            rubric=rubric.reason(credits, score),
        )


def _embed_cached(embeddings, texts: tuple[str, ...]) -> np.ndarray:
    """The cache is bounded (a long-running server sees endless new answers): when full it starts over."""
    found = {t: _CACHE.get((embeddings, t)) for t in dict.fromkeys(texts)}
    missing = [t for t, v in found.items() if v is None]
    if missing:
        batch = getattr(embeddings, "embed_queries", None)
        vecs = batch(missing) if batch else [embeddings.embed_query(t) for t in missing]
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        for t, v in zip(missing, vecs):
            found[t] = _CACHE[(embeddings, t)] = np.asarray(v, dtype=np.float32)
    return np.vstack([found[t] for t in texts])


_CACHE_LIMIT = 20000  # ≈ 40 MB of 384-d vectors and their texts
_CACHE: dict[tuple[object, str], np.ndarray] = {}
