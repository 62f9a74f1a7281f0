"""Interview state for one candidate: picks questions, grades answers, asks follow-ups (꼬리
질문) up to a depth, then moves on. The terminal `tutor practice` and the browser use it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tutor.grading.bank import Question
from tutor.grading.feedback import FollowUp, follow_ups_for, render_feedback
from tutor.grading.models import GradeResult
from tutor.grading.service import GradingService
from tutor.session.history import History


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
        q = self._rng.choice(fresh)
        self.asked.append(q.id)
        self.current = Turn(q, q.question)
        return self.current

    def hint(self) -> str:
        """The first key point's key words, without giving the answer away."""
        turn = self.current or self.next_question()
        point = turn.follow_up.key_point if turn.follow_up else turn.question.key_points[0].point
        words = [w for w in point.replace("(", " ").replace(")", " ").split() if len(w) >= 2][:3]
        return f"힌트: '{' · '.join(words)}' 쪽으로 생각해 보세요."

    def answer(self, text: str) -> Reply:
        turn = self.current or self.next_question()
        if turn.follow_up is None:
            result = self.service.grade(turn.question, text)
            # The follow-ups for this question: its weakest key points, up to `depth` of them.
            self.pending = follow_ups_for(turn.question, result, self.depth) if result.notes_cover else []
            self.first_answer = text
            feedback_question = turn.question
        else:
            result = self.service.grade_follow_up(turn.question, turn.follow_up.key_point_id, turn.text, text,
                                                  first_answer=self.first_answer)
            feedback_question = None
        follow = self.pending.pop(0) if self.pending else None
        feedback = render_feedback(result, feedback_question, follow)
        turn_id = None
        if self.history is not None and self.session_id is not None:
            turn_id = self.history.record(self.session_id, self.user, question_id=turn.question.id, topic=turn.question.topic,
                                kind="follow_up" if turn.follow_up else "main", question=turn.text,
                                answer=text, result=result, feedback=feedback)
        self.current = Turn(turn.question, follow.question, follow, turn.depth + 1) if follow else None
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
            "first_answer": self.first_answer,
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
        cur = state.get("current")
        question = service.bank.get(cur["question_id"]) if cur else None
        if question is not None:
            f = cur.get("follow_up")
            session.current = Turn(question, cur["text"], FollowUp(**f) if f else None, int(cur.get("depth", 0)))
        return session

    def skip(self) -> Turn:
        self.current = None
        self.pending = []
        return self.next_question()
