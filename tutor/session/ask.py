"""Free questions in the chat ("배치 정규화가 뭐예요?"): answered from the notes with citations,
or an honest "노트에 없는 내용입니다".

Offline the answer is composed of the notes' own sentences that answer the question best, taken
across the retrieved passages, grouped by where they are (file · heading), duplicates once, and
unrelated passages left out. With an LLM configured it is a short explanation written from the
same sentences, streamed, and replaced by the offline answer if it is not done in time. Concept
words the notes never use ("DenseNet") are named: that part the notes do not answer."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from tutor import messages
from tutor.corpus.chunking import heading_above
from tutor.grading.feedback import format_citation
from tutor.grading.models import Evidence
from tutor.grading.service import GradingService
from tutor.retrieval.hybrid import Sentence

log = logging.getLogger(__name__)

SEARCHED = 5  # passages the sentences are taken from
SENTENCES = 4  # sentences in an answer at most
# Below this calibrated probability the notes are searched but the answer says it may be off:
# on the own test splits, 63 % of the uncovered questions that pass the threshold fall under it,
# and 14 % of the answerable ones (eval/README.md).
UNSURE_BELOW = 0.5
_FOREIGN = re.compile(r"[a-z][a-z0-9\-]{2,}")


@dataclass(frozen=True)
class NoteAnswer:
    """What the notes say to a free question, ready to show and to store."""

    text: str  # Markdown
    covered: bool
    sentences: tuple[Sentence, ...] = ()


def compose(sentences: list[Sentence]) -> str:
    """The notes' sentences grouped by passage, each group quoted with its file · heading."""
    groups: dict[str, list[Sentence]] = {}
    for s in sentences:
        groups.setdefault(s.chunk.id, []).append(s)
    parts = []
    for group in groups.values():
        chunk = group[0].chunk
        in_note = sorted(group, key=lambda s: chunk.text.find(s.text))  # in the note's own order
        parts.append(format_citation(Evidence(source=chunk.source, heading=heading_above(chunk, in_note[0].text),
                                              quote="\n".join(s.text for s in in_note), chunk_id=chunk.id)))
    return "\n\n".join(parts)


def _terms_as_typed(query: str, terms: list[str]) -> list[str]:
    out = []
    for term in terms:
        found = re.search(re.escape(term), query, flags=re.IGNORECASE)
        out.append(found.group(0) if found else term)
    return out


class NoteAnswerer:
    def __init__(self, service: GradingService, lock: threading.RLock | None = None) -> None:
        self.service = service
        self._lock = lock or service.engine
        self.last: NoteAnswer | None = None  # the last answer's offline form (covered or not)

    def lookup(self, question: str, user: str | None = None) -> NoteAnswer:
        """The offline answer (raises InvalidInputError, in Korean, for an unusable question)."""
        retriever = self.service.retriever
        with self._lock:
            result = retriever.retrieve(question, k=SEARCHED, user=user)
            if not result.covered:
                return NoteAnswer(messages.FREE_NOT_IN_NOTES, False)
            sentences = retriever.sentences(result.query, result.hits, limit=SENTENCES)
            if not sentences:  # only headings and fragments matched: the best passage whole
                top = result.hits[0]
                sentences = [Sentence(top.chunk.text, top.chunk, top.score)]
            missing = [t for t in retriever.unseen_terms(result.query) if _FOREIGN.fullmatch(t)]
        lead = messages.FREE_FROM_NOTES if result.relevance >= UNSURE_BELOW else messages.FREE_UNSURE
        parts = [lead, compose(sentences)]
        if missing:
            parts.append(messages.FREE_PARTLY.format(terms=", ".join(_terms_as_typed(result.query, missing))))
        return NoteAnswer("\n\n".join(parts), True, tuple(sentences))

    def answer(self, question: str, user: str | None = None) -> Iterator[str]:
        """Yield the reply as it grows (Markdown); the last value is the whole reply.

        Raises InvalidInputError (Korean message) for an empty or unusable question."""
        self.last = None
        found = self.lookup(question, user)
        self.last = found
        judge = self.service.llm
        if not found.covered or judge is None:
            yield found.text
            return
        from tutor.grading.llm import stream_within

        sources = f"{messages.FREE_SOURCES}\n\n{compose(list(found.sentences))}"
        prompt = self._prompt(question, list(found.sentences))
        written = ""
        try:  # the whole answer within TUTOR_LLM_TIMEOUT, else the notes' answer
            for text in stream_within(judge.model, prompt, judge.timeout):
                written += text
                yield written
            if not written.strip():
                raise ValueError("빈 응답")
            yield f"{written.strip()}\n\n{sources}"
        except Exception as exc:  # any provider error: the notes still answer
            log.warning("LLM answer failed, notes' sentences shown: %s", exc)
            yield f"_{messages.LLM_ANSWER_FALLBACK.format(reason=f'{type(exc).__name__}: {exc}')}_\n\n{found.text}"

    def _prompt(self, question: str, sentences: list[Sentence]) -> str:
        template = (self.service.settings.prompts_dir / "answer.md").read_text(encoding="utf-8")
        fenced = question.replace("</question>", "</ question>").replace("<question>", "< question>")
        passages = "\n".join(f"[{n}] ({s.chunk.source} · {heading_above(s.chunk, s.text)}) {s.text}"
                             for n, s in enumerate(sentences, 1))
        return template.format(passages=passages, question=fenced)
