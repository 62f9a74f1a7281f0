"""Free questions answered from the notes' own sentences."""

import re

import pytest

from tutor.grading.service import GradingService
from tutor.session.ask import NoteAnswerer
from tutor.settings import Settings


@pytest.fixture(scope="module")
def service(indexed_home):
    return GradingService(Settings(home=indexed_home))


def test_the_answer_is_the_notes_sentences_grouped_by_where_they_are(service):
    found = NoteAnswerer(service).lookup("드롭아웃 비율은 보통 얼마로 해요?")
    assert found.covered and found.sentences
    quotes = [line[2:] for line in found.text.splitlines() if line.startswith("> ") and not line.startswith("> —")]
    for q in quotes:  # every quoted line is verbatim from a retrieved chunk
        assert any(q in s.chunk.text for s in found.sentences)
    sources = re.findall(r"^> — (.+)$", found.text, flags=re.M)
    assert len(sources) == len({s.chunk.id for s in found.sentences})  # one group per passage
    assert all(".md · " in src for src in sources)
    assert "50%" in found.text


def test_a_question_the_notes_do_not_answer_says_so(service):
    found = NoteAnswerer(service).lookup("LoRA?")
    assert not found.covered and "노트에 없는 내용입니다" in found.text and not found.sentences


def test_a_partly_covered_question_names_what_the_notes_lack(service):
    found = NoteAnswerer(service).lookup("드롭아웃이 뭔지, 그리고 DropConnect와 어떻게 다른지 알려주세요")
    assert found.covered and "드롭" in found.text
    assert "노트에 나오지 않는 용어: **DropConnect**" in found.text


def test_a_weak_match_says_it_may_be_off(service, monkeypatch):
    import tutor.session.ask as ask

    sure = NoteAnswerer(service).lookup("드롭아웃 비율은 보통 얼마로 해요?")
    assert sure.covered and "확실하지 않습니다" not in sure.text
    monkeypatch.setattr(ask, "UNSURE_BELOW", 1.01)  # every match now counts as weak
    unsure = NoteAnswerer(service).lookup("드롭아웃 비율은 보통 얼마로 해요?")
    assert unsure.covered and "확실하지 않습니다" in unsure.text and "50%" in unsure.text


def test_when_only_headings_match_the_best_passage_is_quoted_whole(service, monkeypatch):
    monkeypatch.setattr(service.retriever, "sentences", lambda *a, **k: [])
    found = NoteAnswerer(service).lookup("드롭아웃 비율은 보통 얼마로 해요?")
    assert found.covered and len(found.sentences) == 1
    assert found.sentences[0].chunk.text.splitlines()[0] in found.text and ".md · " in found.text
