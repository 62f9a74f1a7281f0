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
from dataclasses import dataclass
from pathlib import Path

from tutor import messages
from tutor.errors import storage_error
from tutor.grading.text import MAX_SCORED_CHARS
from tutor.text import strip_controls

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
)

# Spaced repetition: after a main answer scored s, ask again after REVIEW_AFTER_DAYS[s] days.
REVIEW_AFTER_DAYS = (0.0, 0.5, 1.0, 3.0, 7.0, 21.0)
DAY = 86400.0


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
    last_score: int
    answered_at: float
    due_at: float


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
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                with self._db:
                    for sql in statements:
                        self._db.execute(sql)
                    self._db.execute(f"pragma user_version = {number}")
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
        with self._writing():
            cur = self._db.execute(
                "insert into turns (session_id, user, question_id, topic, kind, question, answer, score, grader,"
                " result_json, feedback, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, user, question_id, topic, kind, question, answer, result.score, result.grader,
                 result.model_dump_json(), feedback, at or time.time()),
            )
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

    def sessions(self, user: str) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(
                "select s.*, count(t.id) as turns from sessions s left join turns t on t.session_id = s.id"
                " where s.user = ? group by s.id order by s.started_at desc", (user,)).fetchall()

    def progress(self, user: str) -> list[TopicProgress]:
        """Mean score of main answers by topic, weakest first."""
        with self._lock:
            rows = self._db.execute(
                "select topic, count(*) n, avg(score) mean, max(created_at) last from turns"
                " where user = ? and kind = 'main' group by topic order by mean, n desc", (user,)).fetchall()
        return [TopicProgress(r["topic"], r["n"], round(r["mean"], 2), r["last"]) for r in rows]

    def weakest_topics(self, user: str, n: int = 3) -> list[TopicProgress]:
        return self.progress(user)[:n]

    def review_queue(self, user: str, now: float | None = None, limit: int = 10) -> list[ReviewItem]:
        """Questions due again: the latest main answer to each, spaced by how badly it went.

        Most overdue (relative to its interval) and worst-scored come first."""
        now = now or time.time()
        with self._lock:
            rows = self._db.execute(
                "select t.* from turns t join (select question_id, max(id) id from turns"
                " where user = ? and kind = 'main' group by question_id) last on last.id = t.id", (user,)).fetchall()
        items = []
        for r in rows:
            due = r["created_at"] + REVIEW_AFTER_DAYS[r["score"]] * DAY
            if due <= now and r["score"] < 5:
                items.append(ReviewItem(r["question_id"], r["topic"], r["question"], r["score"], r["created_at"], due))
        items.sort(key=lambda i: (i.last_score, i.due_at))
        return items[:limit]

    # -- export ------------------------------------------------------------------------
    def export_json(self, user: str, session_id: str) -> str:
        turns = [
            {"question_id": t["question_id"], "topic": t["topic"], "kind": t["kind"], "question": t["question"],
             "answer": t["answer"], "score": t["score"], "grader": t["grader"], "at": t["created_at"],
             "result": json.loads(t["result_json"]), "feedback": t["feedback"]}
            for t in self.turns(user, session_id)
        ]
        return json.dumps({"session": session_id, "user": user, "turns": turns}, ensure_ascii=False, indent=2)

    def export_markdown(self, user: str, session_id: str) -> str:
        lines = [f"# 면접 기록 ({session_id[:8]})", ""]
        for n, t in enumerate(self.turns(user, session_id), 1):
            label = "꼬리 질문" if t["kind"] == "follow_up" else "질문"
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(t["created_at"]))
            lines += [f"## {n}. {label} · {t['topic']} · {stamp}", "", f"**Q.** {t['question']}", "",
                      f"**A.** {t['answer']}", "", t["feedback"], ""]
        return "\n".join(lines)
