"""One entry point for grading: find the question, gather key points and evidence, run the
configured grader, fall back to the offline grader when the LLM fails, and say so."""

from __future__ import annotations

import logging
import math
import threading
from functools import cached_property

from tutor import messages
from tutor.errors import InvalidInputError
from tutor.corpus.chunking import heading_above
from tutor.grading import rubric
from tutor.grading.bank import Question, QuestionBank, cached_bank
from tutor.grading.models import Evidence, GradeResult
from tutor.grading.offline import GradingPoint, OfflineGrader
from tutor.grading.targets import QuestionMatcher, Target
from tutor.grading.text import clean_text, content_tokens, read_answer
from tutor.retrieval import open_retriever
from tutor.retrieval.hybrid import HybridRetriever
from tutor.settings import Settings, get_settings
from tutor.text import collapse

log = logging.getLogger(__name__)
_UNSET = object()



class GradingService:
    def __init__(self, settings: Settings | None = None, retriever: HybridRetriever | None = None,
                 judge=None) -> None:
        self.settings = settings or get_settings()
        self._retriever = retriever
        self._judge = judge if judge is not None else _UNSET
        # The models (e5, Kiwi) run one at a time on a small machine: every use of them takes
        # this lock, and nothing else does, so no one waits on another user's LLM call.
        self.engine = threading.RLock()

    # -- lazily built parts ------------------------------------------------------------
    @cached_property
    def bank(self) -> QuestionBank:
        return cached_bank(self.settings.bank_dir)

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = open_retriever(self.settings)
        return self._retriever

    @property
    def llm(self):
        """The LLM judge: the one given (tests give a fake), else the configured one, else None."""
        if self._judge is _UNSET:
            self._judge = self._build_judge()
        return self._judge

    @llm.setter
    def llm(self, judge) -> None:
        self._judge = judge

    def _build_judge(self):
        if not self.settings.llm_enabled:
            return None
        from tutor.grading.llm import LLMGrader, VerdictCache, build_chat_model

        key = self.settings.llm_api_key.get_secret_value() if self.settings.llm_api_key else None
        model = build_chat_model(self.settings.llm, self.settings.llm_base_url, key, self.settings.llm_timeout)
        return LLMGrader(model, self.settings.llm, self.settings.prompts_dir, self.settings.llm_timeout,
                         cache=VerdictCache(self.settings.home / "llm_verdicts.sqlite"))

    @cached_property
    def offline(self) -> OfflineGrader:
        chunks = self.retriever.chunks
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(content_tokens(c.text)):
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log((len(chunks) + 1) / (n + 0.5)) for t, n in df.items()}
        thresholds = rubric.load_thresholds(self.settings.rubric) if self.settings.rubric else None
        return OfflineGrader(self.retriever.store.embeddings, self.settings.corpus_dir, idf, thresholds)

    @cached_property
    def matcher(self) -> QuestionMatcher:
        return QuestionMatcher(self.bank, self.offline.embed, self.retriever, self._evidence)

    def warm_up(self) -> None:
        """Load the index, BM25 and the embedding model, and grade once (seconds)."""
        question = self.bank.questions[0]
        self.grade(question, question.model_answer, grader="offline")

    def warm_bank(self, lock=None) -> None:
        """Embed every bank question's wording, key points and quotes ahead of time, one question
        per turn of `lock` so candidates who are answering never wait long for it."""
        lock = lock or self.engine
        for q in self.bank.questions:
            with lock:
                points = self.bank_points(q)
                self.offline.embed([p.point for p in points])
                self.offline.embed([p.quote for p in points])
        with lock:
            self.matcher.warm()

    # -- questions ---------------------------------------------------------------------
    def find_question(self, text_or_id: str, fuzzy: bool = False) -> Question | None:
        """A bank question by id, exact wording or alias; with `fuzzy`, also the same question in
        other words (see `tutor.grading.targets`)."""
        found, _, _ = self.matcher.find(text_or_id, fuzzy=fuzzy)
        return found

    def bank_points(self, question: Question) -> list[GradingPoint]:
        """A bank question's key points, each with the chunk its quote sits in (file, heading)."""
        return list(self.matcher.points(question))

    def target(self, question: str | Question, user: str | None = None) -> Target:
        return self.matcher.target(question, user=user)

    def _evidence(self, source: str, quote: str) -> Evidence:
        wanted = collapse(quote)
        chunk = next((c for c in self.retriever.chunks if c.source == source and wanted in collapse(c.text)), None)
        if chunk is None:
            return Evidence(source=source, quote=quote)
        return Evidence(source=chunk.source, heading=heading_above(chunk, quote), quote=quote, chunk_id=chunk.id)

    # -- grading -----------------------------------------------------------------------
    def grade_follow_up(self, question: Question, key_point_id: str, follow_up: str, answer: str,
                        first_answer: str = "") -> GradeResult:
        """A follow-up digs into one key point: the answer is judged on that point, read together
        with the candidate's first answer (a point made there in other words still counts), and
        scored by the same rubric as any answer."""
        points = [p for p in self.bank_points(question) if p.id == key_point_id] or self.bank_points(question)
        context = tuple(read_answer(first_answer).sentences) if first_answer else ()
        with self.engine:
            return self.offline.grade(follow_up, answer, points, context=context)

    def answer_passage_similarity(self, question: str, answer: str) -> float:
        """Baseline signal: e5 cosine between the answer and its question's best passage."""
        found = self.find_question(question)
        text = " ".join(k.quote for k in found.key_points) if found else question
        passage = self.retriever.retrieve(text[:500], k=1).hits[0].chunk.text
        if not clean_text(answer):
            return 0.0
        a, p = self.offline.embed([clean_text(answer)[:2000], passage])
        return float(a @ p)

    def grade(self, question: str | Question, answer: str, grader: str = "auto",
              user: str | None = None) -> GradeResult:
        """`grader`: "offline", "llm" (error if none configured) or "auto" (LLM when configured).

        LLM timeouts, errors and malformed replies fall back to the offline grade, flagged
        "fallback" with a Korean message saying why."""
        if isinstance(question, str) and not clean_text(question):
            raise InvalidInputError(messages.EMPTY_QUESTION)
        with self.engine:  # the LLM call below runs outside it
            target = self.target(question if isinstance(question, Question) else clean_text(question), user=user)
            text = target.question.question if target.question else clean_text(question)
            points = list(target.points)
            misconceptions = list(target.question.misconceptions) if target.question else []
            offline = self.offline.grade(text, answer, points, notes_cover=target.notes_cover)
        if grader == "offline" or not target.notes_cover or "non_answer" in offline.flags:
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
