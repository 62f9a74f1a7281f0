"""One candidate's conversation in the browser: the interview (question → answer → feedback →
꼬리 질문 → next question), free questions to the notes, hints and skips, all as chat messages.

The Gradio layer only shows what this returns. Every turn is recorded in History together with
where the interview stands, so a reloaded page resumes the same interview."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tutor import messages
from tutor.errors import InvalidInputError, TutorError
from tutor.grading.service import GradingService
from tutor.grading.text import has_words, looks_binary
from tutor.session.ask import NoteAnswerer
from tutor.session.history import History
from tutor.session.intent import ASK_PREFIXES, guess_intent
from tutor.session.interview import InterviewSession, Turn
from tutor.text import without_surrogates

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "user" | "assistant", "content": Markdown}

ALL_TOPICS = "전체 랜덤"
PREVIEW_CHARS = 2000  # a pasted essay is graded whole but shown shortened in the chat


def _user(text: str) -> Message:
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + "\n\n" + messages.ANSWER_PREVIEW.format(length=len(text))
    return {"role": "user", "content": text}


def _tutor(text: str) -> Message:
    return {"role": "assistant", "content": text}


def _failure(exc: Exception) -> str:
    """A chat line for a failed turn: the Korean message of a TutorError, else a logged surprise."""
    if isinstance(exc, TutorError):
        return f"⚠️ {exc}"
    log.error("chat turn failed", exc_info=exc)
    return "⚠️ " + messages.UNEXPECTED.format(kind=type(exc).__name__, detail=exc)


def note_question(text: str, intent: str = "auto") -> str | None:
    """The question for the notes if `text` asks one, else None (it is an interview answer).

    Explicit: the "노트에 질문" button ("ask") or a "/질문" prefix; "답변 제출" ("answer") always
    grades. Enter ("auto") guesses with `tutor.session.intent.guess_intent`."""
    stripped = text.strip()
    for prefix in ASK_PREFIXES:
        if stripped.startswith(prefix):
            return stripped[len(prefix):].strip()
    if intent == "ask" or (intent == "auto" and guess_intent(stripped) == "ask"):
        return stripped
    return None


@dataclass
class ChatTutor:
    service: GradingService
    history: History
    user: str
    engine: threading.RLock | None = None  # the service's model lock unless told otherwise
    interview: InterviewSession | None = None
    messages: list[Message] = field(default_factory=list)
    # A low-confidence grade waiting for the candidate's ticks: (turn id, [(point, key point id)]).
    label_request: tuple[int, list[tuple[str, str]]] | None = None
    finished: bool = False  # "면접 끝내기" was pressed: the next answer starts a new interview

    def __post_init__(self) -> None:
        self._busy = threading.Lock()
        self.answerer = NoteAnswerer(self.service, self.engine or self.service.engine)

    # -- starting and resuming ----------------------------------------------------------
    @property
    def session_id(self) -> str | None:
        return self.interview.session_id if self.interview else None

    def start(self, topic: str | None = None, difficulty: int | None = None, depth: int = 2,
              review: bool = False) -> list[Message]:
        """A new interview (topic "전체 랜덤" or None = all topics)."""
        topic = None if topic in (None, "", ALL_TOPICS) else topic
        if topic is not None and topic not in self.service.bank.topics:
            raise InvalidInputError(messages.UNKNOWN_TOPIC.format(topic=topic, topics=", ".join(self.service.bank.topics)))
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise InvalidInputError(messages.BAD_DIFFICULTY)
        depth = max(0, min(int(depth), 5))
        with self._busy:
            self._begin(topic, difficulty, depth, review)
        return self.messages

    def _begin(self, topic: str | None, difficulty: int | None, depth: int, review: bool) -> None:
        """The new interview itself; the caller holds the busy lock."""
        intro = messages.INTERVIEW_START.format(topic=topic or ALL_TOPICS, depth=depth)
        if review:
            due = self.history.review_queue(self.user)
            intro = (messages.REVIEW_START.format(n=len(due)) if due else messages.NOTHING_TO_REVIEW) + "\n\n" + intro
        self.interview = InterviewSession(self.service, topic=topic, difficulty=difficulty, depth=depth,
                                          history=self.history, user=self.user, review=review)
        self.finished = False
        self.messages = [_tutor(intro)]
        self._ask_next()
        self._save()

    @classmethod
    def resume(cls, service: GradingService, history: History, user: str, session_id: str,
               engine: threading.RLock | None = None) -> ChatTutor | None:
        """The interview `user` left at `session_id` (None if there is none, or it is not theirs)."""
        state = history.load_state(session_id, user)
        if state is None:
            return None
        tutor = cls(service, history, user, engine)
        tutor.interview = InterviewSession.from_state(service, state, history=history, user=user,
                                                      session_id=session_id)
        tutor.messages = [_tutor(messages.INTERVIEW_RESUMED)]
        said: list[tuple[float, list[Message]]] = []  # interview turns and free questions, by time
        for row in history.turns(user, session_id):
            label = {"follow_up": "꼬리 질문", "skip": "질문"}.get(row["kind"], "질문")
            shown = [_tutor(f"**{label}** · {row['topic']}\n\n{row['question']}")]
            if row["kind"] == "skip":
                shown.append(_tutor(f"{messages.SKIPPED}\n\n{row['feedback']}"))
            else:
                shown += [_user(row["answer"]), _tutor(row["feedback"])]
            said.append((row["created_at"], shown))
        for q in history.questions(user, session_id):
            said.append((q["asked_at"], [_user(q["question"]), _tutor(q["answer"])]))
        for _, shown in sorted(said, key=lambda item: item[0]):  # stable: a turn before a question at the same time
            tutor.messages += shown
        cur = tutor.interview.current
        if cur is not None:  # the question waiting for an answer, a follow-up too
            tutor.messages.append(_tutor(tutor._question_text(cur)))
        elif cur is None:
            tutor._ask_next()
            tutor._save()
        return tutor

    # -- the conversation ---------------------------------------------------------------
    def send(self, text: object, intent: str = "auto") -> Iterator[tuple[list[Message], str]]:
        """Yield (messages, what the input box should keep) as the reply grows.

        Rejected input stays in the box so nothing typed is lost; accepted input clears it."""
        raw = without_surrogates(text) if isinstance(text, str) else ""
        if not self._busy.acquire(blocking=False):
            yield [*self.messages, _tutor(messages.BUSY)], raw
            return
        try:
            yield from self._send(raw, intent)
        finally:
            self._busy.release()

    def _send(self, raw: str, intent: str) -> Iterator[tuple[list[Message], str]]:
        if not raw.strip():
            yield [*self.messages, _tutor(messages.EMPTY_ANSWER)], raw
            return
        if looks_binary(raw) or not has_words(raw):
            yield [*self.messages, _tutor(messages.NOT_TEXT_ANSWER)], raw
            return
        if self.interview is None or (self.finished and note_question(raw, intent) is None):
            # (inside send's hold of the busy lock: start() would wait on it)
            old = self.interview
            self._begin(*((old.topic, old.difficulty, old.depth) if old else (None, None, 2)), False)
            if old is not None:  # the typed text stays in the box: it was not an answer to this new question
                yield self.messages, raw
                return
        question = note_question(raw, intent)
        if question is not None or self.interview.current is None:
            guessed = intent == "auto" and question is not None and not raw.strip().startswith(ASK_PREFIXES)
            yield from self._ask_notes(question if question is not None else raw, guessed)
            return
        self.messages.append(_user(raw))
        reply_msg = _tutor(messages.GRADING)
        self.messages.append(reply_msg)
        yield self.messages, ""
        try:  # the service takes its engine lock around the models only, never an LLM call
            reply = self.interview.answer(raw)
        except Exception as exc:  # the session must survive whatever one answer does
            reply_msg["content"] = _failure(exc)
            yield self.messages, ""
            return
        reply_msg["content"] = reply.feedback
        self.label_request = ((reply.turn_id, [(v.point, v.id) for v in reply.result.key_points])
                              if reply.result.low_confidence and reply.turn_id is not None else None)
        if reply.next_turn is None:
            self._ask_next()
        else:  # the 꼬리 질문 is its own message, after the feedback
            self.messages.append(_tutor(self._question_text(reply.next_turn)))
        self._save()
        yield self.messages, ""

    def _ask_notes(self, question: str, guessed: bool = False) -> Iterator[tuple[list[Message], str]]:
        """Answer from the notes; `guessed`: Enter took the text for a question, so say how to
        have it graded instead (the text stays in the chat and the history either way)."""
        self.messages.append(_user(question))
        reply_msg = _tutor(messages.SEARCHING)
        self.messages.append(reply_msg)
        yield self.messages, ""
        asked_at, answer = time.time(), None
        try:
            for answer in self.answerer.answer(question, user=self.user):
                reply_msg["content"] = answer
                yield self.messages, ""
        except Exception as exc:
            reply_msg["content"], answer = _failure(exc), None
        if answer is not None and self.session_id:
            try:  # stored so a reload and the export show it; the answer on screen stays either way
                covered = self.answerer.last.covered if self.answerer.last is not None else None
                self.history.record_question(self.user, self.session_id, question, answer, covered=covered,
                                             at=asked_at)
            except Exception as exc:
                reply_msg["content"] += f"\n\n{_failure(exc)} {messages.QUESTION_NOT_SAVED}"
        cur = self.interview.current if self.interview else None
        if cur is not None:
            if guessed:
                reply_msg["content"] += "\n\n" + messages.GUESSED_QUESTION
            reply_msg["content"] += "\n\n" + messages.BACK_TO_INTERVIEW.format(question=cur.text)
        yield self.messages, ""

    def save_labels(self, said_ids: list[str]) -> list[Message]:
        """Store the candidate's ticks for the last low-confidence grade."""
        if self.label_request is None or self.interview is None:
            return self.messages
        turn_id, offered = self.label_request
        self.label_request = None
        said = [i for i in said_ids if i in {k for _, k in offered}]
        if self.interview.label_points(turn_id, said, [k for _, k in offered]):
            self.messages.append(_tutor(messages.LABELS_SAVED.format(n=len(said))))
        return self.messages

    def finish(self) -> list[Message]:
        """End the interview: a summary of this session (scores, missed points, weak topics,
        sections to read); the next answer starts a new interview."""
        if self.interview is None or not self.interview.session_id:
            return [*self.messages, _tutor(messages.NOTHING_TO_SUMMARISE)]
        with self._busy:
            summary = self.history.session_summary(self.user, self.interview.session_id)
            self.messages.append(_tutor(f"{summary}\n\n{messages.INTERVIEW_FINISHED}" if summary
                                        else messages.NOTHING_TO_SUMMARISE))
            self.interview.current = None
            self.interview.pending = []
            self.finished = True
            self._save()
        return self.messages

    def hint(self) -> list[Message]:
        if self.interview is None or self.interview.current is None:
            return [*self.messages, _tutor(messages.NO_QUESTION_YET)]
        self.messages.append(_tutor(self.interview.hint()))
        return self.messages

    def skip(self) -> list[Message]:
        if self.interview is None:
            return self.start()
        with self._busy:
            try:
                with self._all_or_nothing():
                    revealed, turn = self.interview.skip()
                    self.messages.append(_tutor(f"{messages.SKIPPED}\n\n{revealed}".strip()))
                    self.messages.append(_tutor(self._question_text(turn)))
                    self._save()
            except TutorError as exc:
                return [*self.messages, _tutor(_failure(exc))]
        return self.messages

    @contextmanager
    def _all_or_nothing(self):
        """Undo every change to the interview and the chat when the step cannot be saved
        (a full disk): what the candidate sees is what is stored."""
        kept = {k: (list(v) if isinstance(v, list) else v) for k, v in vars(self.interview).items()}
        chat = list(self.messages)
        try:
            yield
        except TutorError:
            vars(self.interview).clear()
            vars(self.interview).update(kept)
            self.messages = chat
            raise

    # -- helpers --------------------------------------------------------------------------
    def _question_text(self, turn: Turn) -> str:
        q = turn.question
        if turn.follow_up is not None:
            return f"**꼬리 질문** · {q.topic}\n\n{turn.text}"
        label = "복습 질문" if self.interview.review and q.id in self._due_ids() else "질문"
        return f"**{label} {len(self.interview.asked)}** · {q.topic} · 난이도 {q.difficulty}\n\n{turn.text}"

    def _due_ids(self) -> set[str]:
        return {i.question_id for i in self.history.review_queue(self.user, limit=50)}

    def _ask_next(self) -> None:
        turn = self.interview.next_question()
        self.messages.append(_tutor(self._question_text(turn)))

    def _save(self) -> None:
        if self.interview is not None and self.interview.session_id:
            self.history.save_state(self.interview.session_id, self.user, self.interview.to_state())
