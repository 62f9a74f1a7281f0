import json
import sqlite3
import threading

import pytest

from tutor.grading.models import GradeResult
from tutor.session.history import DAY, MIGRATIONS, History


def result(score):
    return GradeResult(score=score, grader="offline", covered=["a"], missing=["b"])


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "h.sqlite3")
    yield h
    h.close()


def add(h, sid, user, qid, topic, score, at, kind="main"):
    return h.record(sid, user, question_id=qid, topic=topic, kind=kind, question=f"{qid}?", answer="답",
                    result=result(score), feedback=f"### 점수: {score}/5", at=at)


def test_schema_is_migrated_once_and_uses_wal(tmp_path):
    path = tmp_path / "h.sqlite3"
    h = History(path)
    assert h.migrate() == len(MIGRATIONS)
    h.close()
    again = History(path)  # reopening applies nothing twice
    assert again.migrate() == len(MIGRATIONS)
    assert again._db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_progress_and_weakest_topics_per_user(history):
    a = history.start_session("alice")
    b = history.start_session("bob")
    add(history, a, "alice", "bn-01", "배치 정규화", 1, 1000)
    add(history, a, "alice", "drop-01", "드롭아웃", 5, 1001)
    add(history, a, "alice", "drop-01", "드롭아웃", 1, 1002, kind="follow_up")  # follow-ups don't count
    add(history, b, "bob", "bn-01", "배치 정규화", 5, 1003)
    prog = history.progress("alice")
    assert [p.topic for p in prog] == ["배치 정규화", "드롭아웃"]
    assert prog[0].mean_score == 1 and prog[1].mean_score == 5
    assert history.weakest_topics("alice") == []  # one answer does not make a weak topic
    add(history, a, "alice", "bn-02", "배치 정규화", 2, 1004)
    add(history, a, "alice", "drop-02", "드롭아웃", 4, 1005)
    assert [p.topic for p in history.weakest_topics("alice")] == ["배치 정규화"]  # 드롭아웃 averages 4.5
    assert [p.mean_score for p in history.progress("bob")] == [5]
    assert history.turns("bob") and all(t["user"] == "bob" for t in history.turns("bob"))


def test_review_is_scheduled_by_fsrs_from_how_the_answer_went(history):
    s = history.start_session("u")
    now = 100 * DAY
    add(history, s, "u", "q0", "t", 0, now - DAY)           # 0 points: "Again", due within the day
    add(history, s, "u", "q5", "t", 5, now - DAY)           # 5 points: "Easy", not for days
    add(history, s, "u", "q1", "t", 1, now - 40 * DAY)
    add(history, s, "u", "q1", "t", 5, now - DAY)           # answered well since: the latest answer counts
    due = [i.question_id for i in history.review_queue("u", now=now)]
    assert due == ["q0"]
    later = [i.question_id for i in history.review_queue("u", now=now + 60 * DAY)]
    assert set(later) == {"q0", "q1", "q5"}  # FSRS brings every card back, the easy ones last


def test_a_hinted_answer_comes_back_sooner_than_the_same_grade_without_hints(history):
    s = history.start_session("u")
    history.record(s, "u", question_id="plain", topic="t", kind="main", question="?", answer="답",
                   result=result(4), feedback="f", at=1000.0)
    history.record(s, "u", question_id="hinted", topic="t", kind="main", question="?", answer="답",
                   result=result(4).model_copy(update={"flags": ["hint_used"]}), feedback="f", at=1000.0)
    cards = dict(history._db.execute("select question_id, due_at from cards").fetchall())
    assert cards["hinted"] < cards["plain"]


def test_a_skip_is_stored_without_a_score_and_reviewed_first(history):
    s = history.start_session("u")
    add(history, s, "u", "q0", "t", 0, 1000.0)
    history.record_skip(s, "u", question_id="qs", topic="t", question="드롭아웃은?", feedback="모범 답안 …", at=1001.0)
    rows = history.turns("u")
    assert rows[-1]["kind"] == "skip" and rows[-1]["score"] is None
    assert [i.question_id for i in history.review_queue("u", now=1000.0 + DAY)][:2] == ["qs", "q0"]
    assert [p.answers for p in history.progress("u")] == [1]  # a skip is not a 0 in the averages
    assert "건너뜀" in history.export_markdown("u", s)


def test_migration_4_keeps_turns_and_labels_and_builds_cards(tmp_path):
    """An old history (schema 3) upgrades in place: turns and labels kept, cards replayed."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for statements in MIGRATIONS[:3]:
        for sql in statements:
            db.execute(sql)
    db.execute("pragma user_version = 3")
    db.execute("insert into sessions values ('s', 'u', 'interview', 0, null)")
    db.execute("insert into turns (session_id, user, question_id, topic, kind, question, answer, score, grader,"
               " result_json, feedback, created_at) values ('s', 'u', 'q', 't', 'main', '?', '답', 1, 'offline', '{}', 'f', 0)")
    db.execute("insert into point_labels (turn_id, user, key_point_id, said, created_at) values (1, 'u', 'q.k1', 1, 0)")
    db.commit()
    db.close()
    h = History(path)
    assert h.migrate() == len(MIGRATIONS)
    assert [t["score"] for t in h.turns("u")] == [1] and len(h.point_labels("u")) == 1
    assert [i.question_id for i in h.review_queue("u", now=DAY)] == ["q"]
    assert h._db.execute("pragma foreign_key_check").fetchall() == []


def test_migration_5_adds_free_questions_and_keeps_everything(tmp_path):
    """A history at schema 4 upgrades in place: its sessions, turns and cards kept, questions storable."""
    path = tmp_path / "v4.sqlite3"
    db = sqlite3.connect(path)
    for statements in MIGRATIONS[:4]:
        for step in statements:
            step(db) if callable(step) else db.execute(step)
    db.execute("pragma user_version = 4")
    db.execute("insert into sessions values ('s', 'u', 'interview', 0, null)")
    db.execute("insert into turns (session_id, user, question_id, topic, kind, question, answer, score, grader,"
               " result_json, feedback, created_at) values ('s', 'u', 'q', 't', 'main', '?', '답', 2, 'offline', '{}', 'f', 0)")
    db.execute("insert into cards values ('u', 'q', '{}', 5)")
    db.commit()
    db.close()
    h = History(path)
    assert h.migrate() == len(MIGRATIONS) == 5
    assert [t["answer"] for t in h.turns("u", "s")] == ["답"]
    assert h._db.execute("select due_at from cards").fetchall()[0][0] == 5
    assert h.questions("u") == []
    h.record_question("u", "s", "드롭아웃이 뭐예요?", "노트에서 찾은 내용입니다.")
    assert [q["question"] for q in h.questions("u", "s")] == ["드롭아웃이 뭐예요?"]
    assert h._db.execute("pragma foreign_key_check").fetchall() == []
    h.close()


def test_free_questions_are_stored_per_user_and_session_in_time_order(history):
    a1, a2 = history.start_session("alice"), history.start_session("alice")
    b = history.start_session("bob")
    history.record_question("alice", a1, "배치 정규화가 뭐예요?", "노트에서 찾은 내용입니다.\n\n**노트 원문** …",
                            covered=True, at=2000.0)
    history.record_question("alice", a1, "양자 컴퓨터는?", "노트에 없는 내용입니다.", covered=False, at=1000.0)
    history.record_question("alice", a2, "드롭아웃은?", "…", at=3000.0)  # covered unknown
    history.record_question("bob", b, "ReLU는?", "…", at=1500.0)
    mine = history.questions("alice", a1)
    assert [q["question"] for q in mine] == ["양자 컴퓨터는?", "배치 정규화가 뭐예요?"]  # oldest first
    assert [q["covered"] for q in mine] == [False, True]
    assert mine[1]["answer"].endswith("**노트 원문** …")  # the whole Markdown reply
    assert [q["covered"] for q in history.questions("alice", a2)] == [None]
    assert len(history.questions("alice")) == 3 and [q["question"] for q in history.questions("bob")] == ["ReLU는?"]
    assert history.turns("alice") == [] and history.progress("alice") == []  # a question is not a graded answer


def test_a_free_question_that_cannot_be_saved_is_a_korean_error(history):
    from tutor.errors import StorageError

    sid = history.start_session("u")
    pages = history._db.execute("pragma page_count").fetchone()[0]
    history._db.execute(f"pragma max_page_count = {pages}")  # the disk is now full
    with pytest.raises(StorageError, match="디스크가 가득 차서"):
        history.record_question("u", sid, "드롭아웃은?", "노트 원문 " * 4000)
    assert history.questions("u") == []


def test_export_markdown_and_json(history):
    s = history.start_session("u")
    add(history, s, "u", "bn-01", "배치 정규화", 3, 1000)
    add(history, s, "u", "bn-01", "배치 정규화", 5, 1001, kind="follow_up")
    md = history.export_markdown("u", s)
    assert "## 1. 질문 · 배치 정규화" in md and "## 2. 꼬리 질문" in md and "**A.** 답" in md
    data = json.loads(history.export_json("u", s))
    assert [t["score"] for t in data["turns"]] == [3, 5]
    assert data["turns"][0]["result"]["covered"] == ["a"]
    assert data["questions"] == [] and "노트에 한 질문" not in md


def test_the_export_has_the_free_questions_and_their_answers(history):
    s = history.start_session("u")
    add(history, s, "u", "bn-01", "배치 정규화", 3, 1000)
    history.record_question("u", s, "드롭아웃이 뭐예요?", "노트에서 찾은 내용입니다.\n\n**노트 원문**", covered=True, at=1001)
    other = history.start_session("u")
    history.record_question("u", other, "다른 세션 질문?", "…", at=1002)
    md = history.export_markdown("u", s)
    section = md[md.index("## 노트에 한 질문"):]
    assert "**Q.** 드롭아웃이 뭐예요?" in section and "**A.** 노트에서 찾은 내용입니다." in section
    assert "**노트 원문**" in section and "다른 세션 질문" not in md
    assert md.index("## 1. 질문 · 배치 정규화") < md.index("## 노트에 한 질문") < md.index("## 면접 요약")
    data = json.loads(history.export_json("u", s))
    assert data["questions"] == [{"question": "드롭아웃이 뭐예요?", "answer": "노트에서 찾은 내용입니다.\n\n**노트 원문**",
                                  "covered": True, "at": 1001}]


def test_concurrent_writers_lose_nothing(history):
    sessions = [history.start_session(f"u{i}") for i in range(8)]

    def write(i):
        for n in range(25):
            add(history, sessions[i], f"u{i}", f"q{n}", "t", n % 6, 1000 + n)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(history.turns(f"u{i}")) == 25 for i in range(8))


def test_a_second_connection_reads_while_one_writes(tmp_path):
    path = tmp_path / "h.sqlite3"
    writer = History(path)
    s = writer.start_session("u")
    add(writer, s, "u", "q", "t", 4, 1.0)
    reader = sqlite3.connect(str(path))
    assert reader.execute("select count(*) from turns").fetchone()[0] == 1


def test_a_question_the_notes_do_not_cover_is_not_stored_as_a_failure(history):
    sid = history.start_session("alice")
    uncovered = GradeResult(score=None, grader="offline", notes_cover=False)
    assert history.record(sid, "alice", question_id="free", topic="기타", kind="main", question="쿠버네티스?",
                          answer="몰라요", result=uncovered, feedback="노트에 없는 내용") is None
    assert history.turns("alice") == [] and history.progress("alice") == []


def test_the_candidates_ticks_are_stored_as_labels_beside_the_verdicts(history):
    from tutor.grading.models import KeyPointVerdict

    sid = history.start_session("alice")
    graded = GradeResult(score=2, grader="offline", key_points=[
        KeyPointVerdict(id="bn-01.k1", point="정규화한다", status="covered", coverage=1.0),
        KeyPointVerdict(id="bn-01.k2", point="ICS를 줄인다", status="missing", coverage=0.0)])
    turn = history.record(sid, "alice", question_id="bn-01", topic="배치 정규화", kind="main", question="BN?",
                          answer="정규화하고 분포 변화를 줄여요", result=graded, feedback="…")
    assert history.label_points(turn, "bob", {"bn-01.k2": True}) == 0  # not bob's turn
    assert history.label_points(turn, "alice", {"bn-01.k1": True, "bn-01.k2": True}) == 2
    history.label_points(turn, "alice", {"bn-01.k2": False})  # a second tick replaces the first
    labels = {r["key_point_id"]: r for r in history.point_labels("alice")}
    assert labels["bn-01.k1"]["candidate_said"] and labels["bn-01.k1"]["grader_status"] == "covered"
    assert not labels["bn-01.k2"]["candidate_said"] and labels["bn-01.k2"]["grader_status"] == "missing"
    assert labels["bn-01.k2"]["answer"] == "정규화하고 분포 변화를 줄여요"
    assert history.point_labels("bob") == []


def test_a_full_disk_is_a_korean_error_and_nothing_half_written(history):
    """Defect 7: a full disk showed a raw OperationalError."""
    from tutor.errors import StorageError

    sid = history.start_session("u")
    add(history, sid, "u", "q1", "t", 3, 1000.0)
    pages = history._db.execute("pragma page_count").fetchone()[0]
    history._db.execute(f"pragma max_page_count = {pages}")  # the disk is now full
    with pytest.raises(StorageError, match="디스크가 가득 차서"):
        history.record(sid, "u", question_id="q2", topic="t", kind="main", question="q2?", answer="답" * 4000,
                       result=result(4), feedback="피드백" * 2000)
    assert [t["question_id"] for t in history.turns("u")] == ["q1"]


def test_a_read_only_home_is_said_so(tmp_path):
    from tutor.errors import StorageError

    h = History(tmp_path / "h.sqlite3")
    h._db = sqlite3.connect(f"file:{tmp_path / 'h.sqlite3'}?mode=ro", uri=True, check_same_thread=False)
    with pytest.raises(StorageError, match="쓸 수 없습니다") as err:
        h.start_session("u")
    assert "rebuild" not in str(err.value)


def test_stored_answers_are_capped_and_clean(history):
    sid = history.start_session("u")
    history.record(sid, "u", question_id="q", topic="t", kind="main", question="q?", answer="가\ud800나" + "다" * 10_000,
                   result=result(2), feedback="f")
    stored = history.turns("u")[0]["answer"]
    assert stored.startswith("가 나") and len(stored) < 4100 and "채점한 앞부분 4,000자만" in stored
