"""The question bank is data the grader trusts: validate its shape and every quote."""

import re
from pathlib import Path

import pytest
import yaml

from tutor.corpus.notes import load_notes
from tutor.errors import CorpusError
from tutor.grading.bank import load_bank

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "corpus" / "questions.yaml"


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK)


def test_bank_loads_with_the_documented_schema(bank):
    assert len(bank.questions) >= 100
    assert len(bank.topics) >= 15
    for q in bank.questions:
        assert 3 <= len(q.key_points) <= 6
        assert re.search(r"[가-힣]", q.question) and re.search(r"[가-힣]", q.model_answer)


def test_every_key_point_quote_is_verbatim_in_its_note(bank):
    notes = {n.source: collapse(n.text) for n in load_notes(ROOT / "corpus")}
    for q in bank.questions:
        for kp in q.key_points:
            assert kp.source in notes, (kp.id, kp.source)
            assert collapse(kp.quote) in notes[kp.source], (kp.id, kp.quote)


def test_every_question_has_follow_ups_on_its_own_key_points(bank):
    for q in bank.questions:
        ids = {k.id for k in q.key_points}
        assert q.follow_ups and all(f.key_point in ids for f in q.follow_ups)


def test_a_broken_bank_is_a_clear_error(tmp_path):
    data = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    data[0]["follow_ups"][0]["key_point"] = "nope"
    bad = tmp_path / "q.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="질문 은행"):
        load_bank(bad)
    with pytest.raises(CorpusError, match="찾을 수 없습니다"):
        load_bank(tmp_path / "missing.yaml")
