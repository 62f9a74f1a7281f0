"""Free questions in the chat ("배치 정규화가 뭐예요?"): answered from the notes with citations,
or an honest "노트에 없는 내용입니다". Offline the answer is the notes' own words; with an LLM
configured it is a short explanation written from those passages, streamed as it is written."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from tutor import messages
from tutor.grading.feedback import format_citation
from tutor.grading.models import Evidence
from tutor.grading.service import GradingService
from tutor.retrieval.hybrid import Hit

log = logging.getLogger(__name__)

CITED = 2  # passages quoted under an answer


def _citations(hits: list[Hit]) -> str:
    return "\n\n".join(
        f"[{n}]\n" + format_citation(Evidence(source=h.chunk.source, heading=h.chunk.heading, quote=h.chunk.text,
                                              chunk_id=h.chunk.id))
        for n, h in enumerate(hits, 1)
    )


class NoteAnswerer:
    def __init__(self, service: GradingService, lock: threading.RLock | None = None) -> None:
        self.service = service
        self._lock = lock or service.engine

    def answer(self, question: str, user: str | None = None) -> Iterator[str]:
        """Yield the reply as it grows (Markdown); the last value is the whole reply.

        Raises InvalidInputError (Korean message) for an empty or unusable question."""
        with self._lock:
            result = self.service.retriever.retrieve(question, k=CITED, user=user)
            found = self.service.find_question(result.query, fuzzy=True) if result.covered else None
        if not result.covered:
            yield messages.FREE_NOT_IN_NOTES  # no raw relevance numbers in the chat
            return
        sources = f"{messages.FREE_SOURCES}\n\n{_citations(result.hits)}"
        judge = self.service.llm
        if judge is not None:
            from tutor.grading.llm import stream_within

            prompt = self._prompt(result.query, result.hits)
            written = ""
            try:  # the whole answer within TUTOR_LLM_TIMEOUT, else the notes' answer
                for text in stream_within(judge.model, prompt, judge.timeout):
                    written += text
                    yield written
                if written.strip():
                    yield f"{written.strip()}\n\n{sources}"
                    return
                raise ValueError("빈 응답")
            except Exception as exc:  # any provider error: the notes still answer
                log.warning("LLM answer failed, passages shown: %s", exc)
                note = f"_{messages.LLM_ANSWER_FALLBACK.format(reason=f'{type(exc).__name__}: {exc}')}_\n\n"
                yield note + self._offline(found, sources)
                return
        yield self._offline(found, sources)

    @staticmethod
    def _offline(found, sources: str) -> str:
        parts = [messages.FREE_FROM_NOTES]
        if found is not None:
            parts.append(f"{messages.FREE_SUMMARY}\n{found.model_answer}")
        parts.append(sources)
        return "\n\n".join(parts)

    def _prompt(self, question: str, hits: list[Hit]) -> str:
        template = (self.service.settings.prompts_dir / "answer.md").read_text(encoding="utf-8")
        fenced = question.replace("</question>", "</ question>").replace("<question>", "< question>")
        passages = "\n".join(f"[{n}] ({h.chunk.source} · {h.chunk.heading}) {h.chunk.text}"
                             for n, h in enumerate(hits, 1))
        return template.format(passages=passages, question=fenced)
