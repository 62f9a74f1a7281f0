import pytest

from tutor.grading.service import GradingService
from tutor.session.interview import InterviewSession
from tutor.settings import Settings


@pytest.fixture(scope="module")
def service(indexed_home):
    return GradingService(Settings(home=indexed_home))


def test_a_weak_answer_leads_to_follow_ups_on_missing_points_then_a_new_question(service):
    session = InterviewSession(service, topic="드롭아웃", depth=2, seed=3)
    first = session.next_question()
    assert first.question.topic == "드롭아웃" and first.follow_up is None
    reply = session.answer("과적합을 막으려고 학습 중에 뉴런을 랜덤하게 꺼요.")
    assert "모범 답안" in reply.feedback and reply.next_turn.text not in reply.feedback  # asked on its own
    follow = reply.next_turn
    assert follow is not None and follow.follow_up is not None and follow.depth == 1
    missed = {v.id for v in reply.result.key_points if v.status != "covered"}
    assert follow.follow_up.key_point_id in missed
    second = session.answer("추론할 때는 드롭아웃을 끄고, 대신 가중치에 유지 확률을 곱해서 출력 크기를 맞춥니다.")
    assert second.result.score >= 3
    targets = [follow.follow_up.key_point_id]
    if second.next_turn is not None:  # depth 2: one more, on a different point
        targets.append(second.next_turn.follow_up.key_point_id)
        session.answer("잘 모르겠습니다")
    assert len(set(targets)) == len(targets)
    assert session.current is None
    assert session.next_question().question.id != first.question.id or len(session.pool()) == 1


def test_a_complete_answer_moves_straight_on(service):
    session = InterviewSession(service, depth=2, seed=1)
    turn = session.next_question()
    reply = session.answer(turn.question.model_answer)
    assert reply.result.score >= 4
    assert reply.next_turn is None or reply.next_turn.depth == 1


def test_hint_and_skip(service):
    session = InterviewSession(service, topic="배치 정규화", seed=2)
    turn = session.next_question()
    assert session.hint().startswith("💡 힌트 1/3")
    assert session.skip()[1].question.id != turn.question.id


def test_depth_zero_never_asks_follow_ups(service):
    session = InterviewSession(service, depth=0, seed=5)
    session.next_question()
    assert session.answer("잘 모르겠지만 학습이 잘 되게 하는 기법 같아요").next_turn is None


def test_hints_come_in_three_steps_and_are_marked_on_the_grade(service):
    session = InterviewSession(service, topic="드롭아웃", depth=0, seed=3)
    turn = session.next_question()
    steps = [session.hint() for _ in range(4)]
    assert [s.split(" (")[0] for s in steps[:3]] == ["💡 힌트 1/3", "💡 힌트 2/3", "💡 힌트 3/3"] and steps[3] == steps[2]
    point = max(turn.question.key_points, key=lambda k: k.weight).point
    assert point not in steps[0] and point not in steps[1] and point not in steps[2]  # never the whole point
    reply = session.answer("과적합을 막으려고 학습 중에 뉴런을 랜덤하게 꺼요.")
    assert "hint_used" in reply.result.flags and "힌트 사용: 3단계" in reply.feedback
    assert session.hint().startswith("💡 힌트 1/3") or session.current is None  # a new question starts over


def test_skip_shows_the_model_answer_and_key_points_with_citations(service):
    session = InterviewSession(service, topic="드롭아웃", depth=0, seed=3)
    turn = session.next_question()
    revealed, following = session.skip()
    assert turn.question.model_answer in revealed and all(k.point in revealed for k in turn.question.key_points)
    assert "근거: 노트 인용" in revealed and ".md · " in revealed
    assert following.question.id != turn.question.id or len(session.pool()) == 1


def test_the_next_question_adapts_to_how_the_last_answer_went(service):
    bank = service.bank
    topic = next(t for t in bank.topics
                 if len({q.difficulty for q in bank.questions if q.topic == t}) >= 2)
    easy = min((q for q in bank.questions if q.topic == topic), key=lambda q: q.difficulty)
    session = InterviewSession(service, seed=4)
    session.asked = [easy.id]
    session.last = (topic, easy.difficulty, 5)  # a strong answer: deeper on the same topic
    strong = session.next_question().question
    assert strong.topic == topic and strong.difficulty > easy.difficulty
    session.last = (topic, easy.difficulty, 1)  # a weak one: same level elsewhere, this topic later
    weak = session.next_question().question
    assert weak.topic != topic and weak.difficulty == easy.difficulty
    session.last = None
    session.next_question()
    back = session.next_question().question
    assert back.topic == topic and back.difficulty <= easy.difficulty  # two questions later
