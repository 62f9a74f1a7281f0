"""The offline grader: scores an answer by which key points it states correctly, with no LLM.

For each key point it measures semantic coverage (e5 cosine between answer sentences and the
point/its quote) and lexical coverage (IDF-weighted content morphemes, English terms mapped
through the glossary). A matched sentence that flips the point's relation (증가/감소,
정밀도/재현율, negation) contradicts it; a sentence closer to a known misconception than to
the point is a misconception. Those per-point verdicts become a few interpretable features,
and a small linear model fitted on the training split of eval/grading.jsonl maps them to 0–5
(`tutor eval grading --fit`; weights in score_model.json).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor import messages
from tutor.grading.models import Evidence, GradeResult, KeyPointVerdict
from tutor.grading.text import Answer, content_tokens, contradicts, is_non_answer, read_answer
from tutor.retrieval.lexical import load_glossary

SCORE_MODEL_PATH = Path(__file__).with_name("score_model.json")
# Length (content words, log) helps tell a complete answer from a terse one, but it is what
# long fluent-but-wrong answers exploit, so the rubric caps in `score_with` override it.
FEATURES = ("cov_mean", "cov_frac", "contra_frac", "miscon", "miscon_any", "clean_cov", "novel_lex", "sem_max",
            "off_topic", "len_log")
# An answer that shares almost no words with the key points beyond the question's own, and
# is far from them in meaning, is about something else (thresholds read off the train split).
OFF_TOPIC_LEX, OFF_TOPIC_SEM = 0.05, 0.75

# e5 cosines live in a narrow band: below LOW nothing is said, above HIGH it is said.
SEM_LOW, SEM_HIGH = 0.82, 0.90
# English answer vs Korean key point: e5's cross-lingual cosines run this much lower.
CROSS_LINGUAL_SHIFT = 0.04
COVERED, PARTIAL = 0.55, 0.3


@dataclass(frozen=True)
class GradingPoint:
    """A key point to look for: from the bank, or drawn from retrieved passages."""

    id: str
    point: str
    quote: str
    evidence: Evidence


def _default_model() -> dict:
    # Hand-set starting weights; `tutor eval grading --fit` replaces them with fitted ones.
    return {"weights": {"cov_mean": 3.0, "cov_frac": 2.5, "contra_frac": -3.0, "miscon": -1.2,
                        "sem_max": 0.0, "len_log": 0.1}, "bias": -0.2}


def load_score_model(path: Path = SCORE_MODEL_PATH) -> dict:
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return _default_model()


class OfflineGrader:
    name = "offline"

    def __init__(self, embeddings, corpus_dir: Path, idf: dict[str, float] | None = None,
                 model: dict | None = None) -> None:
        self.embeddings = embeddings
        self.glossary = load_glossary(corpus_dir / "glossary.tsv")
        self.idf = idf or {}
        self.model = model or load_score_model()

    # -- embeddings --------------------------------------------------------------------
    def _embed(self, texts: list[str]) -> np.ndarray:
        return _embed_cached(self.embeddings, tuple(texts))

    # -- per key point -----------------------------------------------------------------
    def _lexical(self, point_tokens: set[str], answer_tokens: set[str]) -> float:
        if not point_tokens:
            return 0.0
        unseen = max(self.idf.values(), default=1.0)
        weight = {t: self.idf.get(t, unseen) for t in point_tokens}
        return sum(w for t, w in weight.items() if t in answer_tokens) / sum(weight.values())

    def features(self, question_text: str, points: list[GradingPoint], misconceptions: list[str],
                 answer: Answer) -> tuple[dict[str, float], list[KeyPointVerdict], list[str]]:
        units = list(answer.sentences)
        units += [f"{a} {b}" for a, b in zip(answer.sentences, answer.sentences[1:])]
        if not units or not points:
            return {f: 0.0 for f in FEATURES}, [], []
        unit_vecs = self._embed(units)
        point_vecs = self._embed([p.point for p in points])
        quote_vecs = self._embed([p.quote for p in points])
        sims = np.maximum(unit_vecs @ point_vecs.T, unit_vecs @ quote_vecs.T)  # units × points
        answer_tokens = set(content_tokens(" ".join(answer.sentences), self.glossary))
        verdicts: list[KeyPointVerdict] = []
        contradicted = 0
        for j, p in enumerate(points):
            best = int(np.argmax(sims[:, j]))
            sem = float(sims[best, j]) + (CROSS_LINGUAL_SHIFT if answer.english else 0.0)
            sem_part = float(np.clip((sem - SEM_LOW) / (SEM_HIGH - SEM_LOW), 0, 1))
            if answer.english:
                # Korean morphemes cannot match English words: e5's meaning is the only evidence.
                coverage = sem_part
            else:
                lex = max(
                    self._lexical(set(content_tokens(p.point)), answer_tokens),
                    self._lexical(set(content_tokens(p.quote)), answer_tokens),
                )
                coverage = 0.5 * sem_part + 0.5 * lex
            span = units[best]
            status = "covered" if coverage >= COVERED else "partial" if coverage >= PARTIAL else "missing"
            if status != "missing" and contradicts(p.point, span):
                status, contradicted = "contradicted", contradicted + 1
            verdicts.append(KeyPointVerdict(id=p.id, point=p.point, status=status,
                                            coverage=round(coverage, 4), answer_span=span,
                                            evidence=p.evidence))
        hits: list[str] = []
        if misconceptions:
            m_vecs = self._embed(misconceptions)
            m_sims = unit_vecs @ m_vecs.T
            m_to_points = m_vecs @ point_vecs.T
            for k, text in enumerate(misconceptions):
                best = int(np.argmax(m_sims[:, k]))
                closest_point = float(sims[best].max())
                lex = self._lexical(set(content_tokens(text)), set(content_tokens(units[best], self.glossary)))
                if (m_sims[best, k] >= SEM_HIGH and m_sims[best, k] > closest_point and lex >= 0.5
                        # an answer that says the opposite of the misconception does not state it
                        and not contradicts(text, " ".join(answer.sentences))):
                    hits.append(text)
                    # The point this misconception denies is not covered, however many of its
                    # words the answer repeats.
                    j = int(np.argmax(m_to_points[k]))
                    if verdicts[j].status != "contradicted":
                        verdicts[j] = verdicts[j].model_copy(update={"status": "contradicted"})
                        contradicted += 1
        question_tokens = set(content_tokens(question_text))
        novel = [
            v.coverage if answer.english
            else self._lexical(set(content_tokens(f"{p.point} {p.quote}")) - question_tokens, answer_tokens)
            for p, v in zip(points, verdicts)
        ]
        coverages = [v.coverage for v in verdicts if v.status != "contradicted"] + [0.0] * contradicted
        cov_mean = float(np.mean(coverages))
        wrong = bool(hits) or contradicted > 0
        feats = {
            "cov_mean": cov_mean,
            "cov_frac": sum(v.status == "covered" for v in verdicts) / len(verdicts),
            "contra_frac": contradicted / len(verdicts),
            "miscon": float(min(len(hits), 2)),
            "miscon_any": float(bool(hits)),
            "clean_cov": cov_mean * (0.3 if wrong else 1.0),
            "novel_lex": float(np.mean(novel)),
            "sem_max": float(np.clip((sims.max() + (CROSS_LINGUAL_SHIFT if answer.english else 0.0)
                                      - SEM_LOW) / (SEM_HIGH - SEM_LOW), 0, 1)),
            "len_log": math.log1p(len(answer_tokens)),
        }
        feats["off_topic"] = float(feats["novel_lex"] < OFF_TOPIC_LEX and feats["sem_max"] < OFF_TOPIC_SEM)
        return feats, verdicts, hits

    def score(self, feats: dict[str, float]) -> int:
        return self.score_with(self.model, feats)

    @staticmethod
    def score_with(model: dict, feats: dict[str, float]) -> int:
        w = model["weights"]
        raw = model["bias"] + sum(w.get(f, 0.0) * feats.get(f, 0.0) for f in FEATURES)
        score = int(np.clip(round(raw), 0, 5))
        # Rubric caps, not fitted: a stated misconception is at least "a notable error" (≤ 2);
        # several wrong statements make the answer "mostly wrong" (≤ 1).
        wrong = feats.get("miscon", 0.0) + feats.get("contra_frac", 0.0) * 4
        if wrong >= 2:
            return min(score, 1)
        if wrong >= 1:
            return min(score, 2)
        return score

    # -- public ------------------------------------------------------------------------
    def grade(self, question_text: str, answer_text: str, points: list[GradingPoint],
              misconceptions: list[str] | None = None, notes_cover: bool = True) -> GradeResult:
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
        if not notes_cover:
            return GradeResult(score=0, grader=self.name, notes_cover=False, flags=flags,
                               message=messages.NOT_IN_NOTES)
        if is_non_answer(answer, question_text, self.glossary):
            flags.append("non_answer")
            # The passages are cited all the same: they are what the candidate should read next.
            return GradeResult(score=0, missing=[p.point for p in points], grader=self.name,
                               flags=flags, message=" ".join(notices) or None,
                               evidence=[p.evidence for p in points],
                               key_points=[KeyPointVerdict(id=p.id, point=p.point, status="missing",
                                                           coverage=0.0, evidence=p.evidence) for p in points])
        feats, verdicts, hits = self.features(question_text, points, misconceptions or [], answer)
        score = self.score(feats)
        if feats["off_topic"]:
            flags.append("off_topic")
        return GradeResult(
            score=score,
            covered=[v.point for v in verdicts if v.status == "covered"],
            missing=[v.point for v in verdicts if v.status in ("missing", "partial")],
            misconceptions=hits + [f"'{v.answer_span}' — 노트와 반대로 말함: {v.point}"
                                   for v in verdicts if v.status == "contradicted"],
            evidence=[v.evidence for v in verdicts if v.evidence is not None],
            key_points=verdicts,
            grader=self.name,
            flags=flags,
            message=" ".join(notices) or None,
            features={k: round(v, 4) for k, v in feats.items()},
        )


def _embed_cached(embeddings, texts: tuple[str, ...]) -> np.ndarray:
    """Query-style (symmetric) e5 vectors; key points repeat across answers, so cache them.

    The cache is bounded (a long-running server sees endless new answers): when full it starts over."""
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
