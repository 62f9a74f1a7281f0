"""Interview state for one candidate: picks questions, grades answers, asks follow-ups (꼬리
질문) up to a depth, then moves on. The terminal `tutor practice` and the browser use it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tutor import messages
from tutor.grading.bank import Question
from tutor.grading.feedback import FollowUp, follow_ups_for, key_term, render_feedback, render_skip
from tutor.grading.models import GradeResult
from tutor.grading.service import GradingService
from tutor.session.history import History


HINT_STEPS = 3


@dataclass(frozen=True)
class Turn:
    """One question put to the candidate: a bank question, or a follow-up on one key point."""

    question: Question
    text: str
    follow_up: FollowUp | None = None
    depth: int = 0


@dataclass
class Reply:
    result: GradeResult
    feedback: str
    next_turn: Turn | None
    turn_id: int | None = None  # the stored turn, for the candidate's own point labels


@dataclass
class InterviewSession:
    service: GradingService
    topic: str | None = None
    difficulty: int | None = None
    depth: int = 2
    seed: int | None = None
    asked: list[str] = field(default_factory=list)
    current: Turn | None = None
    pending: list[FollowUp] = field(default_factory=list)
    history: History | None = None
    user: str = "local"
    review: bool = False  # ask the questions due for review first (spaced repetition)
    session_id: str | None = None
    first_answer: str = ""  # the main answer to the current question, read with its follow-ups
    hints: int = 0  # hint steps taken on the current question (shown with its grade, and in the history)
    # Adaptive order: the last main answer (topic, level, score), and weak topics to come back to
    # ([topic, level, questions until then]).
    last: tuple[str, int, int] | None = None
    revisit: list[list] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        if self.history is not None and self.session_id is None:
            self.session_id = self.history.start_session(self.user, "review" if self.review else "interview")

    def pool(self) -> list[Question]:
        return [q for q in self.service.bank.questions
                if (self.topic in (None, "", "전체 랜덤") or q.topic == self.topic)
                and (self.difficulty is None or q.difficulty == self.difficulty)]

    def next_question(self) -> Turn:
        if self.review and self.history is not None:
            for item in self.history.review_queue(self.user, limit=50):
                q = self.service.bank.get(item.question_id)
                if q is not None and q.id not in self.asked:
                    self.asked.append(q.id)
                    self.current = Turn(q, q.question)
                    return self.current
        pool = self.pool() or list(self.service.bank.questions)
        fresh = [q for q in pool if q.id not in self.asked] or pool
        q = self._rng.choice(self._adapt(fresh))
        self.asked.append(q.id)
        self.current = Turn(q, q.question)
        self.hints = 0
        return self.current

    def _adapt(self, fresh: list[Question]) -> list[Question]:
        """What an interviewer would ask next: after a strong answer, a harder question on the same
        topic (else the next topic); after a weak one, another topic at the same level, and the
        weak topic again two questions later. A level the candidate chose is kept."""
        for item in self.revisit:
            item[2] -= 1
        due = next((item for item in self.revisit if item[2] <= 0), None)
        if due is not None:
            self.revisit.remove(due)
            again = [q for q in fresh if q.topic == due[0] and q.difficulty <= due[1]]
            if again:
                return again
        if self.last is None:
            return fresh
        topic, level, score = self.last
        if score >= 4:
            harder = [q for q in fresh if q.topic == topic and q.difficulty > level]
            if harder and self.difficulty is None:
                step = min(q.difficulty for q in harder)
                return [q for q in harder if q.difficulty == step]
            other = [q for q in fresh if q.topic != topic
                     and (self.difficulty is not None or q.difficulty >= min(level + 1, 3))]
            return other or [q for q in fresh if q.topic != topic] or fresh
        if score <= 2:
            if not any(item[0] == topic for item in self.revisit):
                self.revisit.append([topic, level, 2])
            same = [q for q in fresh if q.topic != topic and q.difficulty == level]
            return same or [q for q in fresh if q.topic != topic] or fresh
        return [q for q in fresh if q.difficulty == level] or fresh

    def hint(self) -> str:
        """The next of three hint steps for the current question: the direction to think in,
        then the key term, then the first half of the key sentence. Each step is marked on the
        grade that follows."""
        turn = self.current or self.next_question()
        kp = self._hinted_point(turn)
        self.hints = min(self.hints + 1, HINT_STEPS)
        if self.hints == 1:
            direction = next((f.question for f in turn.question.follow_ups if f.key_point == kp.id), None)
            return messages.HINT_DIRECTION.format(direction=direction or messages.HINT_DIRECTION_TOPIC.format(topic=turn.question.topic))
        if self.hints == 2:
            return messages.HINT_TERM.format(term=key_term(kp, turn.question.question))
        words = kp.point.split()
        return messages.HINT_HALF.format(half=" ".join(words[:max(1, (len(words) + 1) // 2)]))

    @staticmethod
    def _hinted_point(turn: Turn):
        """The key point a hint is about: the follow-up's, else the question's first core point."""
        points = turn.question.key_points
        if turn.follow_up is not None:
            return next((k for k in points if k.id == turn.follow_up.key_point_id), points[0])
        return max(points, key=lambda k: k.weight)

    def answer(self, text: str) -> Reply:
        turn = self.current or self.next_question()
        if turn.follow_up is None:
            result = self.service.grade(turn.question, text)
            # The follow-ups for this question: its weakest key points, up to `depth` of them.
            self.pending = follow_ups_for(turn.question, result, self.depth) if result.notes_cover else []
            self.first_answer = text
            feedback_question = turn.question
            if result.score is not None:
                self.last = (turn.question.topic, turn.question.difficulty, result.score)
        else:
            result = self.service.grade_follow_up(turn.question, turn.follow_up.key_point_id, turn.text, text,
                                                  first_answer=self.first_answer)
            feedback_question = None
        if self.hints:
            result = result.model_copy(update={"flags": [*result.flags, "hint_used"],
                                               "features": {**result.features, "hints": float(self.hints)}})
        follow = self.pending.pop(0) if self.pending else None
        # The follow-up is its own chat message (the next turn), not the end of the feedback.
        feedback = render_feedback(result, feedback_question)
        turn_id = None
        if self.history is not None and self.session_id is not None:
            turn_id = self.history.record(self.session_id, self.user, question_id=turn.question.id, topic=turn.question.topic,
                                kind="follow_up" if turn.follow_up else "main", question=turn.text,
                                answer=text, result=result, feedback=feedback)
        self.current = Turn(turn.question, follow.question, follow, turn.depth + 1) if follow else None
        self.hints = 0
        return Reply(result, feedback, self.current, turn_id)

    def label_points(self, turn_id: int, said_ids: list[str], offered: list[str]) -> int:
        """The candidate's ticks for a low-confidence grade: every offered point said or not."""
        if self.history is None:
            return 0
        return self.history.label_points(turn_id, self.user, {k: k in said_ids for k in offered})

    # -- persistence: a reloaded page resumes where it stood --------------------------------
    def to_state(self) -> dict:
        def follow(f: FollowUp | None) -> dict | None:
            return None if f is None else {"question": f.question, "key_point_id": f.key_point_id,
                                           "key_point": f.key_point}

        cur = self.current
        return {
            "topic": self.topic, "difficulty": self.difficulty, "depth": self.depth, "review": self.review,
            "asked": list(self.asked), "pending": [follow(f) for f in self.pending],
            "first_answer": self.first_answer, "hints": self.hints,
            "last": list(self.last) if self.last else None, "revisit": [list(r) for r in self.revisit],
            "current": None if cur is None else {"question_id": cur.question.id, "text": cur.text,
                                                 "follow_up": follow(cur.follow_up), "depth": cur.depth},
        }

    @classmethod
    def from_state(cls, service: GradingService, state: dict, *, history: History | None, user: str,
                   session_id: str) -> InterviewSession:
        session = cls(service, topic=state.get("topic"), difficulty=state.get("difficulty"),
                      depth=int(state.get("depth", 2)), history=history, user=user,
                      review=bool(state.get("review")), session_id=session_id)
        session.asked = [q for q in state.get("asked", []) if service.bank.get(q) is not None]
        session.pending = [FollowUp(**f) for f in state.get("pending", []) if f]
        session.first_answer = state.get("first_answer", "")
        session.hints = int(state.get("hints", 0))
        session.last = tuple(state["last"]) if state.get("last") else None
        session.revisit = [list(r) for r in state.get("revisit", [])]
        cur = state.get("current")
        question = service.bank.get(cur["question_id"]) if cur else None
        if question is not None:
            f = cur.get("follow_up")
            session.current = Turn(question, cur["text"], FollowUp(**f) if f else None, int(cur.get("depth", 0)))
        return session

    def skip(self) -> tuple[str, Turn]:
        """Give up on the current question: its model answer and key points with the passages
        they rest on are shown and stored ("건너뜀", no score, first in the review queue); then
        the next question."""
        turn = self.current
        revealed = ""
        if turn is not None:
            revealed = render_skip(turn.question, self.service.bank_points(turn.question))
            if self.history is not None and self.session_id is not None:
                self.history.record_skip(self.session_id, self.user, question_id=turn.question.id,
                                         topic=turn.question.topic, question=turn.text, feedback=revealed)
        self.current = None
        self.pending = []
        return revealed, self.next_question()
