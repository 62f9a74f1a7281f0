"""What an answer is graded against: the bank question an asked question lands on (by id, by
wording, by meaning and by the passages it retrieves), or, for a question no bank entry covers,
key points drawn from the notes' own sections. "Not in my notes" is decided here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tutor.corpus.chunking import Chunk
from tutor.grading.bank import Question, QuestionBank
from tutor.grading.models import Evidence
from tutor.grading.offline import GradingPoint
from tutor.grading.text import content_tokens, sentences_of
from tutor.text import collapse

# A bank question is the asked one when e5 puts them this close (question or one of its
# aliases), or a little less close when the passages the question retrieves hold its quotes.
# Chosen on the bank's own aliases (leave-one-out), see `calibrate` in tutor/evaluation.
SAME_QUESTION = 0.91
SAME_WITH_PASSAGES = 0.87
PASSAGE_BONUS = 0.03

# A two-part question ("X가 뭔지 설명하시고, Y는 왜 …") whose second part is itself a bank
# question at this similarity is graded on the key points of both.
SAME_PART = 0.93
_PARTS = re.compile(r"[?？]|그리고|또한|(?<=시고)\s|(?<=주시고)\s|(?<=보시고)\s|(?<=인지)\s*,|(?<=뭔지)\s*,|(?<=건지)\s*,")

# Blog furniture is never a key point ("이 포스팅은 아래 강의를…", "참고자료", "출처").
_BOILERPLATE = re.compile(r"포스팅|강의를|참고\s*자료|출처|블로그|구독|댓글|공감|728x90|반응형|저작자|목차|\[참고")



@dataclass(frozen=True)
class Target:
    question: Question | None        # the bank question, when one matched
    points: tuple[GradingPoint, ...]
    notes_cover: bool
    how: str                          # id · exact · alias · similar · notes · none
    match: float = 1.0                # e5 similarity of the match (1 for exact)


class QuestionMatcher:
    def __init__(self, bank: QuestionBank, embed, retriever, evidence_for) -> None:
        self.bank = bank
        self._embed = embed
        self.retriever = retriever
        self._evidence_for = evidence_for  # (source, quote) -> Evidence with chunk id and heading
        self._points: dict[str, tuple[GradingPoint, ...]] = {}
        self._texts: list[tuple[int, str]] | None = None
        self._vectors: np.ndarray | None = None
        self._exact = {collapse(t): q for q in bank.questions for t in (q.question, *q.aliases)}

    # -- bank points -------------------------------------------------------------------
    def points(self, question: Question) -> tuple[GradingPoint, ...]:
        if question.id not in self._points:
            self._points[question.id] = tuple(
                GradingPoint(k.id, k.point, k.quote, self._evidence_for(k.source, k.quote), weight=k.weight,
                             concepts=k.concepts, claims=k.contradicted_by)
                for k in question.key_points)
        return self._points[question.id]

    # -- matching ----------------------------------------------------------------------
    def _bank_vectors(self) -> tuple[list[tuple[int, str]], np.ndarray]:
        if self._vectors is None:
            self._texts = [(i, t) for i, q in enumerate(self.bank.questions) for t in (q.question, *q.aliases)]
            self._vectors = self._embed([t for _, t in self._texts])
        return self._texts, self._vectors

    def warm(self) -> None:
        self._bank_vectors()

    def similarities(self, text: str) -> np.ndarray:
        """Per bank question: the best e5 cosine between `text` and its wording or an alias."""
        texts, vectors = self._bank_vectors()
        sims = vectors @ self._embed([text])[0]
        best = np.full(len(self.bank.questions), -1.0)
        for (i, _), s in zip(texts, sims):
            best[i] = max(best[i], float(s))
        return best

    def find(self, text_or_id: str, fuzzy: bool = True, chunk_ids: tuple[str, ...] = ()) -> tuple[Question | None, str, float]:
        key = collapse(text_or_id)
        found = self.bank.get(key)
        if found is not None:
            return found, "id", 1.0
        found = self._exact.get(key)
        if found is not None:
            return found, "exact" if collapse(found.question) == key else "alias", 1.0
        if not fuzzy or not key:
            return None, "none", 0.0
        sims = self.similarities(key)
        near = np.array([any(p.evidence.chunk_id in chunk_ids for p in self.points(q)) if chunk_ids else False
                         for q in self.bank.questions])
        best = int((sims + PASSAGE_BONUS * near).argmax())
        cos = float(sims[best])
        if cos >= SAME_QUESTION or (near[best] and cos >= SAME_WITH_PASSAGES):
            return self.bank.questions[best], "similar", cos
        return None, "none", cos

    def target(self, text_or_id: str | Question, user: str | None = None) -> Target:
        if isinstance(text_or_id, Question):
            return Target(text_or_id, self.points(text_or_id), True, "id")
        found, how, sim = self.find(text_or_id, fuzzy=False)
        if found is not None:
            return Target(found, self.points(found), True, how)
        result = self.retriever.retrieve(text_or_id, k=5, user=user)
        chunk_ids = tuple(h.chunk.id for h in result.hits)
        found, how, sim = self.find(text_or_id, chunk_ids=chunk_ids)
        if found is not None:
            return Target(found, self.points(found) + self.other_part(text_or_id, found), True, how, sim)
        if not result.covered:
            return Target(None, (), False, "none", sim)
        points = self.section_points(text_or_id, [h.chunk for h in result.hits[:3]])
        return Target(None, tuple(points), bool(points), "notes" if points else "none", sim)

    def other_part(self, text: str, found: Question) -> tuple[GradingPoint, ...]:
        """Key points of a second bank question that one part of a two-part question asks."""
        parts = [p.strip() for p in _PARTS.split(text) if p and len(p.strip()) >= 8]
        if len(parts) < 2:
            return ()
        own = {k.point for k in found.key_points}
        for part in parts:
            sims = self.similarities(part)
            best = int(sims.argmax())
            other = self.bank.questions[best]
            mine = float(sims[self.bank.questions.index(found)])
            if (other.id != found.id and sims[best] >= SAME_PART and mine < SAME_PART
                    and not (own & {k.point for k in other.key_points})):
                return self.points(other)
        return ()

    def section_points(self, question_text: str, chunks: list[Chunk], limit: int = 4) -> list[GradingPoint]:
        """Key points from the notes' own structure: the statements under the headings the
        question retrieves, ranked by how close they are to the question."""
        candidates: list[tuple[str, Chunk]] = []
        for chunk in chunks:
            for s in sentences_of(chunk.text):
                s = s.strip()
                # headings ("11) Batch Normalization") are not statements an answer can make
                if len(s) >= 20 and len(content_tokens(s)) >= 5 and not _BOILERPLATE.search(s):
                    candidates.append((s, chunk))
        if not candidates:
            return []
        q_vec = self._embed([question_text])[0]
        s_vecs = self._embed([s for s, _ in candidates])
        order = (s_vecs @ q_vec).argsort()[::-1][:limit]
        points = []
        for n, i in enumerate(order, 1):
            s, chunk = candidates[int(i)]
            points.append(GradingPoint(f"notes.k{n}", s, s, Evidence(
                source=chunk.source, heading=chunk.heading, quote=s, chunk_id=chunk.id)))
        return points
