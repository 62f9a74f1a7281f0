"""One entry point for grading: find the question, gather key points and evidence, run the
configured grader, fall back to the offline grader when the LLM fails, and say so."""

from __future__ import annotations

import logging
import math
import re
from functools import cached_property

from tutor import messages
from tutor.corpus.chunking import Chunk
from tutor.errors import InvalidInputError
from tutor.grading.bank import Question, QuestionBank, cached_bank
from tutor.grading.models import Evidence, GradeResult
from tutor.grading.offline import GradingPoint, OfflineGrader
from tutor.grading.text import clean_text, content_tokens, sentences_of
from tutor.retrieval import open_retriever
from tutor.retrieval.hybrid import HybridRetriever
from tutor.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Two questions whose e5 cosine reaches this are the same question reworded (measured on the
# bank: paraphrases ≥ 0.95, different questions on one topic ≤ 0.94).
SAME_QUESTION = 0.95


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class GradingService:
    def __init__(self, settings: Settings | None = None, retriever: HybridRetriever | None = None) -> None:
        self.settings = settings or get_settings()
        self._retriever = retriever
        self._points: dict[str, list[GradingPoint]] = {}

    # -- lazily built parts ------------------------------------------------------------
    @cached_property
    def bank(self) -> QuestionBank:
        return cached_bank(self.settings.corpus_dir / "questions.yaml")

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = open_retriever(self.settings)
        return self._retriever

    @cached_property
    def llm(self):
        """The configured LLM judge, or None (TUTOR_LLM=none)."""
        if not self.settings.llm_enabled:
            return None
        from tutor.grading.llm import LLMGrader, SQLiteLLMCache, build_chat_model

        key = self.settings.llm_api_key.get_secret_value() if self.settings.llm_api_key else None
        model = build_chat_model(self.settings.llm, self.settings.llm_base_url, key, self.settings.llm_timeout)
        return LLMGrader(model, self.settings.llm, self.settings.prompts_dir, self.settings.llm_timeout,
                         cache=SQLiteLLMCache(self.settings.home / "llm_cache.sqlite"))

    @cached_property
    def offline(self) -> OfflineGrader:
        chunks = self.retriever.chunks
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(content_tokens(c.text)):
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log((len(chunks) + 1) / (n + 0.5)) for t, n in df.items()}
        return OfflineGrader(self.retriever.store.embeddings, self.settings.corpus_dir, idf)

    def warm_up(self) -> None:
        """Load the index, BM25 and the embedding model, and grade once (seconds)."""
        question = self.bank.questions[0]
        self.grade(question, question.model_answer, grader="offline")

    def warm_bank(self, lock=None) -> None:
        """Embed every bank question's key points, quotes and misconceptions ahead of time, one
        question per turn of `lock` so candidates who are answering never wait long for it."""
        from contextlib import nullcontext

        for q in self.bank.questions:
            with lock or nullcontext():
                points = self.bank_points(q)
                self.offline._embed([p.point for p in points])
                self.offline._embed([p.quote for p in points])
                if q.misconceptions:
                    self.offline._embed(list(q.misconceptions))
        with lock or nullcontext():
            self._bank_vectors  # noqa: B018 - computes and caches the vectors

    # -- questions ---------------------------------------------------------------------
    def find_question(self, text_or_id: str, fuzzy: bool = False) -> Question | None:
        """A bank question by id or exact wording; with `fuzzy`, also the same question in
        other words (e5 cosine ≥ SAME_QUESTION: "…언제 사용되며…" finds "…언제 쓰며…", while
        "배치 정규화의 단점은?" does not borrow the key points of "배치 정규화란?")."""
        key = _collapse(text_or_id)
        found = self.bank.get(key) or next((q for q in self.bank.questions if _collapse(q.question) == key), None)
        if found is not None or not fuzzy or not key:
            return found
        sims = self._bank_vectors @ self.offline._embed([key])[0]
        best = int(sims.argmax())
        return self.bank.questions[best] if sims[best] >= SAME_QUESTION else None

    @cached_property
    def _bank_vectors(self):
        return self.offline._embed([q.question for q in self.bank.questions])

    def bank_points(self, question: Question) -> list[GradingPoint]:
        """A bank question's key points, each with the chunk its quote sits in (file, heading).

        Looked up once per question: grading is a hot path and the chunks do not change."""
        if question.id not in self._points:
            self._points[question.id] = [
                GradingPoint(k.id, k.point, k.quote, self._evidence(k.source, k.quote))
                for k in question.key_points
            ]
        return self._points[question.id]

    def _evidence(self, source: str, quote: str) -> Evidence:
        wanted = _collapse(quote)
        chunk = next((c for c in self.retriever.chunks if c.source == source and wanted in _collapse(c.text)), None)
        if chunk is None:
            return Evidence(source=source, quote=quote)
        return Evidence(source=chunk.source, heading=chunk.heading, quote=quote, chunk_id=chunk.id)

    def retrieved_points(self, question_text: str, limit: int = 4,
                         user: str | None = None) -> tuple[list[GradingPoint], bool]:
        """Key points drawn from the passages that answer a free question (not in the bank),
        from the shipped notes and `user`'s own."""
        result = self.retriever.retrieve(question_text, k=3, user=user)
        if not result.covered:
            return [], False
        candidates: list[tuple[str, Chunk]] = []
        for hit in result.hits:
            for s in sentences_of(hit.chunk.text):
                # headings ("11) Batch Normalization") are not statements an answer can make
                if len(s) >= 20 and len(content_tokens(s)) >= 5:
                    candidates.append((s, hit.chunk))
        if not candidates:
            return [], False
        q_vec = self.offline._embed([question_text])[0]
        s_vecs = self.offline._embed([s for s, _ in candidates])
        order = (s_vecs @ q_vec).argsort()[::-1][:limit]
        points = []
        for n, i in enumerate(order, 1):
            s, chunk = candidates[int(i)]
            points.append(GradingPoint(f"free.k{n}", s, s, Evidence(
                source=chunk.source, heading=chunk.heading, quote=s, chunk_id=chunk.id)))
        return points, True

    # -- grading -----------------------------------------------------------------------
    def grade_follow_up(self, question: Question, key_point_id: str, follow_up: str, answer: str) -> GradeResult:
        """A follow-up digs into one key point: grade the answer against that point alone."""
        points = [p for p in self.bank_points(question) if p.id == key_point_id] or self.bank_points(question)
        result = self.offline.grade(follow_up, answer, points, list(question.misconceptions))
        if "non_answer" in result.flags or not result.key_points:
            return result
        # One point asked, one point judged: the rubric applied to that point alone.
        status = result.key_points[0].status
        score = {"covered": 5, "partial": 3, "missing": 1, "contradicted": 1}[status]
        if result.misconceptions:
            score = min(score, 1)
        return result.model_copy(update={"score": score})

    def answer_passage_similarity(self, question: str, answer: str) -> float:
        """Baseline signal: e5 cosine between the answer and its question's best passage."""
        found = self.find_question(question)
        text = " ".join(k.quote for k in found.key_points) if found else question
        passage = self.retriever.retrieve(text[:500], k=1).hits[0].chunk.text
        if not clean_text(answer):
            return 0.0
        a, p = self.offline._embed([clean_text(answer)[:2000], passage])
        return float(a @ p)

    def grade(self, question: str | Question, answer: str, grader: str = "auto",
              user: str | None = None) -> GradeResult:
        """`grader`: "offline", "llm" (error if none configured) or "auto" (LLM when configured).

        LLM timeouts, errors and malformed replies fall back to the offline grade, flagged
        "fallback" with a Korean message saying why."""
        if isinstance(question, str):
            if not clean_text(question):
                raise InvalidInputError(messages.EMPTY_QUESTION)
            found = self.find_question(question, fuzzy=True)
        else:
            found = question
        if found is not None:
            text, points, misconceptions, covered = (
                found.question, self.bank_points(found), list(found.misconceptions), True)
        else:
            text = clean_text(question)
            points, covered = self.retrieved_points(text, user=user)
            misconceptions = []
        offline = self.offline.grade(text, answer, points, misconceptions, notes_cover=covered)
        if grader == "offline" or not covered or "non_answer" in offline.flags:
            return offline  # nothing for an LLM to add to an empty answer or an uncovered question
        judge = self.llm
        if judge is None:
            if grader == "llm":
                raise InvalidInputError(messages.LLM_NOT_CONFIGURED)
            return offline
        from tutor.grading.llm import LLMGradingError

        try:
            return judge.grade(text, answer, points, misconceptions, offline)
        except LLMGradingError as exc:
            log.warning("LLM grading failed, offline grade used: %s", exc)
            return offline.model_copy(update={
                "flags": [*offline.flags, "fallback"],
                "message": " ".join(filter(None, [messages.LLM_FALLBACK.format(reason=exc), offline.message])),
            })
