"""Interview history in SQLite under TUTOR_HOME: every question, answer, grade and feedback,
per user, with numbered migrations (PRAGMA user_version) and WAL so readers never block the
writer. It also answers "how am I doing by topic" and "what should I review next"."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from dataclasses import dataclass
from pathlib import Path

from fsrs import Card, Rating, Scheduler

from tutor import messages
from tutor.errors import storage_error
from tutor.grading.text import MAX_SCORED_CHARS
from tutor.text import collapse, strip_controls

# Each entry upgrades the schema by one version; never edit one that has shipped.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """create table sessions (
            id text primary key,
            user text not null,
            mode text not null,
            started_at real not null
        )""",
        """create table turns (
            id integer primary key autoincrement,
            session_id text not null references sessions(id),
            user text not null,
            question_id text not null,
            topic text not null,
            kind text not null check (kind in ('main', 'follow_up')),
            question text not null,
            answer text not null,
            score integer not null check (score between 0 and 5),
            grader text not null,
            result_json text not null,
            feedback text not null,
            created_at real not null
        )""",
        "create index turns_by_user_question on turns(user, question_id, created_at)",
    ),
    (
        # 2: where an interview stands (current question, follow-ups to come), so a reloaded
        # browser page resumes the same interview instead of losing it.
        "alter table sessions add column state_json text",
    ),
    (
        # 3: the candidate as a second grader. When a grade is uncertain the candidate ticks the
        # key points they think they made; each tick (or its absence) is a label beside the
        # grader's verdict, read back by `tutor eval labels`.
        """create table point_labels (
            id integer primary key autoincrement,
            turn_id integer not null references turns(id),
            user text not null,
            key_point_id text not null,
            said integer not null check (said in (0, 1)),
            created_at real not null,
            unique (turn_id, key_point_id)
        )""",
    ),
    (
        # 4: a skipped question is stored (no score, "건너뜀") and comes back for review first;
        # review is scheduled by FSRS, one card per user and question, replayed from the turns.
        """create table turns_v4 (
            id integer primary key autoincrement,
            session_id text not null references sessions(id),
            user text not null,
            question_id text not null,
            topic text not null,
            kind text not null check (kind in ('main', 'follow_up', 'skip')),
            question text not null,
            answer text not null,
            score integer check (score is null or score between 0 and 5),
            grader text not null,
            result_json text not null,
            feedback text not null,
            created_at real not null
        )""",
        "insert into turns_v4 select * from turns",
        "drop table turns",
        "alter table turns_v4 rename to turns",
        "create index turns_by_user_question on turns(user, question_id, created_at)",
        """create table cards (
            user text not null,
            question_id text not null,
            card_json text not null,
            due_at real not null,
            primary key (user, question_id)
        )""",
        lambda db: _replay_cards(db),
    ),
    (
        # 5: free questions to the notes and the tutor's final answers, so a reloaded page shows
        # them and the export has them. `covered` (did the notes cover it) is null when unknown.
        """create table note_questions (
            id integer primary key autoincrement,
            session_id text not null references sessions(id),
            user text not null,
            question text not null,
            answer text not null,
            covered integer check (covered is null or covered in (0, 1)),
            asked_at real not null
        )""",
        "create index note_questions_by_session on note_questions(user, session_id, asked_at)",
    ),
)

DAY = 86400.0
WEAK_MIN_ANSWERS, WEAK_BELOW = 2, 3.0


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    answers: int
    mean_score: float
    last_at: float


@dataclass(frozen=True)
class ReviewItem:
    question_id: str
    topic: str
    question: str
    last_score: int | None  # None: skipped
    answered_at: float
    due_at: float


# FSRS (the scheduler Anki uses) decides when a question comes back. A grade maps to its rating;
# a skipped question is "Again", and an answer that needed hints counts one step harder.
_SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(score: int | None, hinted: bool = False, skipped: bool = False) -> Rating:
    if skipped or score is None:
        return Rating.Again
    rating = Rating.Again if score <= 1 else Rating.Hard if score <= 3 else Rating.Good if score == 4 else Rating.Easy
    return Rating(max(Rating.Again, rating - 1)) if hinted else rating


def _review(db: sqlite3.Connection, user: str, question_id: str, rating: Rating, at: float) -> None:
    row = db.execute("select card_json from cards where user = ? and question_id = ?", (user, question_id)).fetchone()
    card = Card.from_json(row[0]) if row else Card()
    when = datetime.fromtimestamp(at, tz=timezone.utc)
    card, _ = _SCHEDULER.review_card(card, rating, review_datetime=max(when, card.last_review or when))
    db.execute("insert into cards (user, question_id, card_json, due_at) values (?, ?, ?, ?)"
               " on conflict (user, question_id) do update set card_json = excluded.card_json, due_at = excluded.due_at",
               (user, question_id, card.to_json(), card.due.timestamp()))


def _replay_cards(db: sqlite3.Connection) -> None:
    """Migration 4: every user's cards from their past main answers, in the order given."""
    for r in db.execute("select user, question_id, score, kind, result_json, created_at from turns"
                        " where kind in ('main', 'skip') order by created_at, id").fetchall():
        hinted = "hint_used" in (json.loads(r[4] or "{}").get("flags") or [])
        _review(db, r[0], r[1], rating_for(r[2], hinted=hinted, skipped=r[3] == "skip"), r[5])


def stored_answer(answer: str) -> str:
    """What is kept of an answer: what was graded (a 5 MB paste is not stored whole), with the
    cut said in the text, and nothing UTF-8 cannot hold."""
    answer = strip_controls(answer) if isinstance(answer, str) else ""
    if len(answer) > MAX_SCORED_CHARS:
        answer = answer[:MAX_SCORED_CHARS] + "\n\n" + messages.ANSWER_STORED_CUT.format(length=len(answer), limit=MAX_SCORED_CHARS)
    return answer


class History:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma foreign_keys=on")
        self.migrate()

    def migrate(self) -> int:
        with self._lock:
            version = self._db.execute("pragma user_version").fetchone()[0]
            # a table rebuild drops a table others reference: checked again after, not during
            self._db.execute("pragma foreign_keys=off")
            try:
                for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                    with self._db:
                        for step in statements:
                            step(self._db) if callable(step) else self._db.execute(step)
                        self._db.execute(f"pragma user_version = {number}")
            finally:
                self._db.execute("pragma foreign_keys=on")
            return self._db.execute("pragma user_version").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _writing(self):
        """One write transaction; a full disk or a read-only home becomes a Korean StorageError
        and the transaction is rolled back, so nothing is half-written."""
        with self._lock:
            try:
                with self._db:
                    yield
            except sqlite3.OperationalError as exc:
                problem = storage_error(exc, self.path)
                if problem is not None:
                    raise problem from exc
                raise

    # -- writing -----------------------------------------------------------------------
    def start_session(self, user: str, mode: str = "interview") -> str:
        session_id = uuid.uuid4().hex
        with self._writing():
            self._db.execute("insert into sessions (id, user, mode, started_at) values (?, ?, ?, ?)", (session_id, user, mode, time.time()))
        return session_id

    def record(self, session_id: str, user: str, *, question_id: str, topic: str, kind: str, question: str,
               answer: str, result, feedback: str, at: float | None = None) -> int | None:
        """Store a graded turn; a question the notes do not cover has no score and is not stored
        (it is not a failure, and must not lower the candidate's topic averages)."""
        if result.score is None:
            return None
        answer = stored_answer(answer)
        at = at or time.time()
        with self._writing():
            cur = self._db.execute(
                "insert into turns (session_id, user, question_id, topic, kind, question, answer, score, grader,"
                " result_json, feedback, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, user, question_id, topic, kind, question, answer, result.score, result.grader,
                 result.model_dump_json(), feedback, at),
            )
            if kind == "main":
                _review(self._db, user, question_id, rating_for(result.score, hinted="hint_used" in result.flags), at)
            return int(cur.lastrowid)

    def record_skip(self, session_id: str, user: str, *, question_id: str, topic: str, question: str,
                    feedback: str, at: float | None = None) -> int:
        """A skipped question: stored with no score ("건너뜀"), due for review first."""
        at = at or time.time()
        with self._writing():
            cur = self._db.execute(
                "insert into turns (session_id, user, question_id, topic, kind, question, answer, score, grader,"
                " result_json, feedback, created_at) values (?, ?, ?, ?, 'skip', ?, ?, null, 'skip', '{}', ?, ?)",
                (session_id, user, question_id, topic, question, messages.SKIPPED_ANSWER, feedback, at))
            _review(self._db, user, question_id, rating_for(None, skipped=True), at)
            return int(cur.lastrowid)

    def record_question(self, user: str, session_id: str, question: str, answer: str,
                        covered: bool | None = None, at: float | None = None) -> int:
        """Store a free question to the notes with the tutor's whole final reply (Markdown)."""
        covered = None if covered is None else int(bool(covered))
        with self._writing():
            cur = self._db.execute(
                "insert into note_questions (session_id, user, question, answer, covered, asked_at)"
                " values (?, ?, ?, ?, ?, ?)", (session_id, user, question, answer, covered, at or time.time()))
            return int(cur.lastrowid)

    def save_state(self, session_id: str, user: str, state: dict) -> None:
        with self._writing():
            self._db.execute("update sessions set state_json = ? where id = ? and user = ?",
                             (json.dumps(state, ensure_ascii=False), session_id, user))

    def label_points(self, turn_id: int, user: str, said: dict[str, bool]) -> int:
        """Store the candidate's own verdict (said or not) for key points of one of their turns."""
        now = time.time()
        with self._writing():
            owner = self._db.execute("select user from turns where id = ?", (turn_id,)).fetchone()
            if owner is None or owner[0] != user:
                return 0
            for key_point_id, value in said.items():
                self._db.execute(
                    "insert into point_labels (turn_id, user, key_point_id, said, created_at) values (?, ?, ?, ?, ?)"
                    " on conflict (turn_id, key_point_id) do update set said = excluded.said, created_at = excluded.created_at",
                    (turn_id, user, key_point_id, int(bool(value)), now))
        return len(said)

    def point_labels(self, user: str | None = None) -> list[dict]:
        """Every stored tick beside the grader's verdict for that point (all users when None)."""
        sql = ("select l.key_point_id, l.said, l.user, t.question_id, t.question, t.answer, t.score, t.result_json"
               " from point_labels l join turns t on t.id = l.turn_id" + (" where l.user = ?" if user else "")
               + " order by l.id")
        with self._lock:
            rows = self._db.execute(sql, (user,) if user else ()).fetchall()
        out = []
        for r in rows:
            verdicts = {v["id"]: v for v in json.loads(r["result_json"]).get("key_points", [])}
            v = verdicts.get(r["key_point_id"], {})
            out.append({"user": r["user"], "question_id": r["question_id"], "question": r["question"],
                        "answer": r["answer"], "score": r["score"], "key_point_id": r["key_point_id"],
                        "point": v.get("point"), "grader_status": v.get("status"), "candidate_said": bool(r["said"])})
        return out

    # -- reading -----------------------------------------------------------------------
    def load_state(self, session_id: str, user: str) -> dict | None:
        """The saved interview state of `user`'s session (None for another user's session)."""
        with self._lock:
            row = self._db.execute("select state_json from sessions where id = ? and user = ?",
                                   (session_id, user)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def turns(self, user: str, session_id: str | None = None) -> list[sqlite3.Row]:
        sql = "select * from turns where user = ?" + (" and session_id = ?" if session_id else "") + " order by id"
        args = (user, session_id) if session_id else (user,)
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def questions(self, user: str, session_id: str | None = None) -> list[dict]:
        """`user`'s free questions to the notes with their answers, oldest first."""
        sql = ("select id, session_id, question, answer, covered, asked_at from note_questions where user = ?"
               + (" and session_id = ?" if session_id else "") + " order by asked_at, id")
        args = (user, session_id) if session_id else (user,)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [{**dict(r), "covered": None if r["covered"] is None else bool(r["covered"])} for r in rows]

    def sessions(self, user: str) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(
                "select s.*, (select count(*) from turns t where t.session_id = s.id) as turns,"
                " (select count(*) from note_questions q where q.session_id = s.id) as questions"
                " from sessions s where s.user = ? order by s.started_at desc", (user,)).fetchall()

    def progress(self, user: str) -> list[TopicProgress]:
        """Mean score of main answers by topic, weakest first."""
        with self._lock:
            rows = self._db.execute(
                "select topic, count(*) n, avg(score) mean, max(created_at) last from turns"
                " where user = ? and kind = 'main' and score is not null group by topic order by mean, n desc",
                (user,)).fetchall()
        return [TopicProgress(r["topic"], r["n"], round(r["mean"], 2), r["last"]) for r in rows]

    def weakest_topics(self, user: str, n: int = 3) -> list[TopicProgress]:
        """Topics answered at least WEAK_MIN_ANSWERS times with a mean below WEAK_BELOW, weakest
        first: one bad answer does not make a weak topic."""
        return [p for p in self.progress(user) if p.answers >= WEAK_MIN_ANSWERS and p.mean_score < WEAK_BELOW][:n]

    def review_queue(self, user: str, now: float | None = None, limit: int = 10) -> list[ReviewItem]:
        """Questions whose FSRS card is due: skipped ones first, then the worst-answered, then
        the most overdue. The latest main answer (or skip) of each question is what is shown."""
        now = now or time.time()
        with self._lock:
            rows = self._db.execute(
                "select t.question_id, t.topic, t.question, t.score, t.kind, t.created_at, c.due_at from cards c"
                " join (select question_id, max(id) id from turns where user = ? and kind in ('main', 'skip')"
                " group by question_id) last on last.question_id = c.question_id"
                " join turns t on t.id = last.id where c.user = ? and c.due_at <= ?", (user, user, now)).fetchall()
        items = [ReviewItem(r["question_id"], r["topic"], r["question"], r["score"], r["created_at"], r["due_at"])
                 for r in rows]
        items.sort(key=lambda i: (i.last_score is not None, i.last_score or 0, i.due_at))
        return items[:limit]

    # -- export ------------------------------------------------------------------------
    def export_json(self, user: str, session_id: str) -> str:
        turns = [
            {"question_id": t["question_id"], "topic": t["topic"], "kind": t["kind"], "question": t["question"],
             "answer": t["answer"], "score": t["score"], "grader": t["grader"], "at": t["created_at"],
             "result": json.loads(t["result_json"]), "feedback": t["feedback"]}
            for t in self.turns(user, session_id)
        ]
        questions = [{"question": q["question"], "answer": q["answer"], "covered": q["covered"], "at": q["asked_at"]}
                     for q in self.questions(user, session_id)]
        return json.dumps({"session": session_id, "user": user, "turns": turns, "questions": questions,
                           "summary": self.session_summary(user, session_id)}, ensure_ascii=False, indent=2)

    def export_markdown(self, user: str, session_id: str) -> str:
        lines = [f"# 면접 기록 ({session_id[:8]})", ""]
        for n, t in enumerate(self.turns(user, session_id), 1):
            label = {"follow_up": "꼬리 질문", "skip": "질문 (건너뜀)"}.get(t["kind"], "질문")
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(t["created_at"]))
            lines += [f"## {n}. {label} · {t['topic']} · {stamp}", "", f"**Q.** {t['question']}", "",
                      f"**A.** {t['answer']}", "", t["feedback"], ""]
        questions = self.questions(user, session_id)
        if questions:
            lines += [f"## {messages.EXPORT_NOTE_QUESTIONS}", ""]
            for n, q in enumerate(questions, 1):
                stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(q["asked_at"]))
                lines += [f"### {n}. {stamp}", "", f"**Q.** {q['question']}", "", f"**A.** {q['answer']}", ""]
        summary = self.session_summary(user, session_id)
        if summary:
            lines += [summary, ""]
        return "\n".join(lines)

    def session_summary(self, user: str, session_id: str) -> str:
        """The end of an interview in Markdown: the score of each question, the key points missed
        most often, the weak topics, and the note sections (file · heading) to read next."""
        turns = self.turns(user, session_id)
        mains = [t for t in turns if t["kind"] in ("main", "skip")]
        if not mains:
            return ""
        lines = [f"## {messages.SUMMARY_TITLE}", "", "| # | 주제 | 질문 | 점수 |", "|---|---|---|---|"]
        for n, t in enumerate(mains, 1):
            score = "건너뜀" if t["score"] is None else f"{t['score']}/5"
            lines.append(f"| {n} | {t['topic']} | {collapse(t['question'])[:60]} | {score} |")
        missed: dict[str, int] = {}
        sections: dict[str, None] = {}
        by_topic: dict[str, list[int]] = {}
        for t in turns:
            if t["kind"] == "main" and t["score"] is not None:
                by_topic.setdefault(t["topic"], []).append(t["score"])
            for v in json.loads(t["result_json"] or "{}").get("key_points", []):
                if v.get("status") in ("missing", "partial", "contradicted"):
                    missed[v["point"]] = missed.get(v["point"], 0) + 1
                    ev = v.get("evidence") or {}
                    if ev.get("source"):
                        sections[f"{ev['source']} · {ev.get('heading') or ''}".rstrip(" ·")] = None
        if missed:
            lines += ["", "**자주 놓친 포인트**"]
            lines += [f"- {p} ({n}번)" for p, n in sorted(missed.items(), key=lambda x: -x[1])[:3]]
        weak = [(topic, sum(v) / len(v)) for topic, v in by_topic.items() if sum(v) / len(v) < WEAK_BELOW]
        lines += ["", "**약한 주제**: " + (", ".join(f"{t} (평균 {m:.1f}점)" for t, m in sorted(weak, key=lambda x: x[1]))
                                        if weak else "이번 면접에서는 없습니다")]
        if sections:
            lines += ["", "**다음에 읽을 노트**"] + [f"- {s_}" for s_ in list(sections)[:5]]
        return "\n".join(lines)
