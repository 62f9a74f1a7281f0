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
    assert "꼬리 질문" in reply.feedback and "모범 답안" in reply.feedback
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
    assert session.hint().startswith("힌트:")
    assert session.skip().question.id != turn.question.id


def test_depth_zero_never_asks_follow_ups(service):
    session = InterviewSession(service, depth=0, seed=5)
    session.next_question()
    assert session.answer("잘 모르겠지만 학습이 잘 되게 하는 기법 같아요").next_turn is None
