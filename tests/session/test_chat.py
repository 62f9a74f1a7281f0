"""The browser conversation without a browser: routing, bad input, busy, resume, free questions."""

import json
import threading
import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from tutor.grading.llm import LLMGrader
from tutor.grading.service import GradingService
from tutor.session.ask import NoteAnswerer
from tutor.session.chat import ChatTutor, note_question
from tutor.session.history import History
from tutor.settings import Settings


@pytest.fixture(scope="module")
def service(indexed_home):
    return GradingService(Settings(home=indexed_home))


@pytest.fixture
def history(tmp_path):
    return History(tmp_path / "h.sqlite3")


def text(messages, n=1):
    return "\n".join(m["content"] for m in messages[-n:])


def final(gen):
    out = None
    for out in gen:
        pass
    return out


def test_free_questions_are_told_apart_from_answers():
    assert note_question("배치 정규화가 뭐예요?") == "배치 정규화가 뭐예요?"
    assert note_question("/질문 드롭아웃") == "드롭아웃"
    assert note_question("드롭아웃은 뉴런을 끄는 기법입니다.") is None
    assert note_question("드롭아웃은 뉴런을 끄는 기법입니다. 맞나요?", intent="answer") is None
    assert note_question("드롭아웃", intent="ask") == "드롭아웃"
    assert note_question("가" * 200 + "?") is None  # a long text ending in "?" is an answer


def test_an_interview_turn_is_graded_recorded_and_resumable(service, history):
    tutor = ChatTutor(service, history, "u1")
    tutor.start(topic="드롭아웃", depth=1)
    assert "질문 1" in text(tutor.messages) and "드롭아웃" in text(tutor.messages)
    chat, keep = final(tutor.send("과적합을 막으려고 학습 때 뉴런 일부를 무작위로 끕니다.", "answer"))
    assert keep == "" and "점수:" in chat[-2]["content"] and "꼬리 질문" not in chat[-2]["content"]
    assert chat[-1]["content"].startswith("**꼬리 질문**")  # feedback, then the follow-up: two messages
    assert len(history.turns("u1", tutor.session_id)) == 1

    again = ChatTutor.resume(service, history, "u1", tutor.session_id)
    assert again.interview.current.follow_up is not None  # still waiting for the follow-up answer
    assert "과적합을 막으려고" in text(again.messages, len(again.messages))
    assert ChatTutor.resume(service, history, "someone-else", tutor.session_id) is None
    chat, _ = final(again.send("추론 때는 드롭아웃을 끄고 가중치에 유지 확률을 곱합니다.", "answer"))
    assert "점수:" in text(chat, 2) and "질문 2" in text(chat)  # depth 1: then a new question


@pytest.mark.parametrize("bad, words", [("", "비어 있습니다"), ("  \n ", "비어 있습니다"),
                                        ("😀🔥", "읽을 수 있는 글자"), ("\x00\x01\x02ab", "읽을 수 있는 글자"),
                                        (None, "비어 있습니다")])
def test_bad_input_is_refused_and_kept(service, history, bad, words):
    tutor = ChatTutor(service, history, "u2")
    tutor.start()
    before = list(tutor.messages)
    chat, keep = final(tutor.send(bad, "answer"))
    assert words in text(chat) and keep == (bad or "")
    assert tutor.messages == before  # nothing added, nothing lost
    assert history.turns("u2") == []


def test_a_lone_surrogate_and_a_huge_answer_are_graded_and_stored_safely(service, history):
    """Defect 7: "\ud800" raised UnicodeEncodeError; a 5 MB answer was stored whole."""
    tutor = ChatTutor(service, history, "u6")
    tutor.start(topic="드롭아웃", depth=0)
    chat, _ = final(tutor.send("드롭아웃은 학습 때 뉴런을 무작위로 끕니다 \ud800", "answer"))
    assert "점수:" in text(chat, 3) and "예기치 못한" not in text(chat, 3)
    huge = "드롭아웃은 학습 때 뉴런 일부를 끄고 추론 때는 모두 씁니다. " * 100_000  # ≈ 3.5 MB
    chat, _ = final(tutor.send(huge, "answer"))
    assert "앞부분" in text(chat, 3) and "점수:" in text(chat, 3)
    stored = [t["answer"] for t in history.turns("u6")]
    assert len(stored) == 2 and "\ud800" not in stored[0]
    assert len(stored[1]) < 5000 and "채점한 앞부분" in stored[1]


def test_a_skip_that_cannot_be_saved_changes_nothing(service, history, monkeypatch):
    """Defect 7: on a full disk, skip had already moved the interview on in memory."""
    from tutor import messages
    from tutor.errors import StorageError

    tutor = ChatTutor(service, history, "u7")
    tutor.start()
    question, chat_before = tutor.interview.current.text, list(tutor.messages)

    def full(*a, **k):
        raise StorageError(messages.STORAGE_FULL.format(path="h.sqlite3"))

    monkeypatch.setattr(history, "save_state", full)
    chat = tutor.skip()
    assert "디스크가 가득 차서" in text(chat)
    assert tutor.interview.current.text == question and tutor.messages == chat_before


def test_a_second_submit_while_grading_is_refused_and_kept(service, history):
    tutor = ChatTutor(service, history, "u3")
    tutor.start()
    gen = tutor.send("배치 정규화는 학습을 안정시킵니다.", "answer")
    next(gen)  # the first submit is in flight ("채점 중")
    chat, keep = final(tutor.send("두 번째 답변", "answer"))
    assert "채점하는 중" in text(chat) and keep == "두 번째 답변"
    final(gen)
    assert len(history.turns("u3")) == 1


def test_hint_skip_and_a_free_question_keep_the_interview(service, history):
    tutor = ChatTutor(service, history, "u4")
    tutor.start(topic="배치 정규화")
    question = tutor.interview.current.text
    assert text(tutor.hint()).startswith("💡 힌트 1/3")
    chat, _ = final(tutor.send("드롭아웃이 뭐예요?"))
    assert "노트에서 찾은 내용입니다" in text(chat) and question in text(chat)
    assert tutor.interview.current.text == question
    chat = tutor.skip()
    assert "건너뜁니다" in text(chat, 2) and "모범 답안" in text(chat, 2) and tutor.interview.current.text != question
    skipped = [t for t in history.turns("u4") if t["kind"] == "skip"]
    assert len(skipped) == 1 and skipped[0]["score"] is None and skipped[0]["question"] == question
    soon = time.time() + 3600  # FSRS: "Again" comes back within minutes
    assert history.review_queue("u4", now=soon)[0].question_id == skipped[0]["question_id"]  # reviewed first
    chat, _ = final(tutor.send("양자 컴퓨터로 비트코인을 채굴하는 방법은?"))
    assert "노트에 없는 내용입니다" in text(chat)


def test_free_questions_survive_a_reload_in_time_order_and_are_exported(service, history):
    tutor = ChatTutor(service, history, "u9")
    tutor.start(topic="배치 정규화")
    first = tutor.interview.current.text
    chat, _ = final(tutor.send("드롭아웃이 뭐예요?"))
    shown = chat[-1]["content"]
    assert "노트에서 찾은 내용입니다" in shown and first in shown  # with the way back to the interview
    tutor.skip()
    final(tutor.send("양자 컴퓨터로 비트코인을 채굴하는 방법은?"))

    again = ChatTutor.resume(service, history, "u9", tutor.session_id)
    contents = [m["content"] for m in again.messages]
    roles = [m["role"] for m in again.messages]
    asked = contents.index("드롭아웃이 뭐예요?")
    skipped = next(i for i, c in enumerate(contents) if c.startswith("이 질문은 건너뜁니다"))
    later = contents.index("양자 컴퓨터로 비트코인을 채굴하는 방법은?")
    assert asked < skipped < later  # in the order they happened
    assert roles[asked] == "user" and roles[asked + 1] == "assistant"
    answer = contents[asked + 1]
    assert "노트에서 찾은 내용입니다" in answer and ".md · " in answer
    assert "면접으로 돌아가서" not in answer  # the answer as the notes gave it, not the chat's reminder
    assert "노트에 없는 내용입니다" in contents[later + 1]
    assert again.interview.current.text == tutor.interview.current.text  # still the same interview

    md = history.export_markdown("u9", tutor.session_id)
    assert "## 노트에 한 질문" in md and "**Q.** 드롭아웃이 뭐예요?" in md and "**Q.** 양자 컴퓨터로" in md
    data = json.loads(history.export_json("u9", tutor.session_id))
    assert [q["question"] for q in data["questions"]] == ["드롭아웃이 뭐예요?", "양자 컴퓨터로 비트코인을 채굴하는 방법은?"]


def test_a_free_answer_that_cannot_be_saved_is_still_shown(service, history, monkeypatch):
    from tutor import messages
    from tutor.errors import StorageError

    tutor = ChatTutor(service, history, "u10")
    tutor.start()

    def full(*a, **k):
        raise StorageError(messages.STORAGE_FULL.format(path="h.sqlite3"))

    monkeypatch.setattr(history, "record_question", full)
    chat, keep = final(tutor.send("드롭아웃이 뭐예요?"))
    assert keep == "" and chat[-2]["content"] == "드롭아웃이 뭐예요?"
    reply = chat[-1]["content"]
    assert "노트에서 찾은 내용입니다" in reply and ".md · " in reply
    assert "디스크가 가득 차서" in reply and "새로고침하면 사라지고" in reply
    monkeypatch.undo()
    assert history.questions("u10") == []
    chat, _ = final(tutor.send("/질문  "))  # a question that got no answer is not stored
    assert "비어 있습니다" in text(chat) and history.questions("u10") == []


class Broken(GenericFakeChatModel):
    def _stream(self, *args, **kwargs):
        raise ConnectionError("LLM server down")
        yield  # pragma: no cover


def _with_llm(indexed_home, model):
    service = GradingService(Settings(home=indexed_home))
    service.llm = LLMGrader(model, "fake", service.settings.prompts_dir)
    return service


def test_free_answers_stream_from_the_llm_with_citations(indexed_home):
    words = "배치 정규화는 각 층의 입력 분포를 평균 0, 분산 1로 맞춰 학습을 안정시킵니다 [1]."
    service = _with_llm(indexed_home, GenericFakeChatModel(messages=iter([AIMessage(content=words)])))
    parts = list(NoteAnswerer(service).answer("배치 정규화는 왜 쓰나요?"))
    assert len(parts) > 3  # streamed piece by piece
    assert parts[-1].startswith(words) and "**노트 원문**" in parts[-1] and ".md · " in parts[-1]


def test_an_llm_that_fails_mid_session_falls_back_to_the_notes(indexed_home, tmp_path):
    service = _with_llm(indexed_home, Broken(messages=iter([])))
    tutor = ChatTutor(service, History(tmp_path / "h.sqlite3"), "u5", threading.RLock())
    tutor.start()
    chat, _ = final(tutor.send("배치 정규화는 왜 쓰나요?"))
    assert "LLM 답변 생성에 실패" in text(chat) and "노트에서 찾은 내용입니다" in text(chat) and ".md · " in text(chat)
    chat, _ = final(tutor.send("학습을 안정시키려고 층마다 입력을 정규화합니다.", "answer"))
    assert "오프라인 채점기로 채점" in text(chat, 3) and "점수:" in text(chat, 3)
    assert len(tutor.history.turns("u5")) == 1  # graded and stored all the same


def test_finishing_shows_a_summary_and_the_export_has_it(service, history):
    tutor = ChatTutor(service, history, "u8")
    tutor.start(topic="드롭아웃", depth=0)
    final(tutor.send("과적합을 막으려고 학습 때 뉴런 일부를 무작위로 끕니다.", "answer"))
    tutor.skip()
    chat = tutor.finish()
    summary = text(chat)
    assert "면접 요약" in summary and "건너뜀" in summary and "/5" in summary
    assert "다음에 읽을 노트" in summary and ".md · " in summary
    assert "면접 요약" in history.export_markdown("u8", tutor.session_id)
    session = tutor.session_id
    chat, keep = final(tutor.send("배치 정규화는 분포를 맞춥니다.", "answer"))
    assert tutor.session_id != session and keep == "배치 정규화는 분포를 맞춥니다."  # a new interview; text kept


def test_an_llm_answer_past_the_deadline_is_replaced_by_the_notes_sentences(indexed_home):
    import asyncio

    class Trickle(GenericFakeChatModel):
        async def _astream(self, *args, **kwargs):
            from langchain_core.outputs import ChatGenerationChunk
            from langchain_core.messages import AIMessageChunk

            for word in ["배치 ", "정규화는 ", "..."] * 20:
                await asyncio.sleep(0.2)
                yield ChatGenerationChunk(message=AIMessageChunk(content=word))

    service = GradingService(Settings(home=indexed_home))
    service.llm = LLMGrader(Trickle(messages=iter([])), "fake", service.settings.prompts_dir, timeout=0.7)
    parts = list(NoteAnswerer(service).answer("배치 정규화는 왜 쓰나요?"))
    last = parts[-1]
    assert "LLM 답변 생성에 실패" in last and "0.7초" in last
    assert "노트에서 찾은 내용입니다" in last and ".md · " in last  # the offline answer instead
